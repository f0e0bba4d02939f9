"""Who may do what: every route of the URL map, each of its methods, in one table.

One ``before_request`` guard (``init_app``) looks up ``(request.endpoint, request.method)`` here for every
request of either face, so a view cannot grant itself access and has no access line of its own. A route
the table does not list is refused to everybody (403), and ``create_app`` refuses to start while any route
of its URL map is missing here (or an entry names a route that no longer exists).

``HEAD`` is answered by the ``GET`` view and follows its rule; ``OPTIONS`` is answered by Flask itself
with the ``Allow`` header, before any view runs, and is open to anyone (it tells nothing else).

Some rules go on inside the view, per object, because only the view has the object: the table names
them as a ``Scope`` (``editable_client`` in ``staff/access.py``, the author check in ``staff/exports.py``,
the client scoping of every portal query in ``portal/access.py``). The README's "Who may do what"
table is ``markdown_table()``; a test keeps the two the same.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import Flask, abort, request
from flask_login import current_user

from debitor.auth.models import PortalUser, Role, StaffUser
from debitor.extensions import login_manager


class Who(enum.StrEnum):
    PUBLIC = "public"  # anyone, signed in or not
    CLIENT = "client"  # a signed-in portal user, who sees only its own client's rows
    STAFF = "staff"  # a signed-in staff user with one of the rule's roles


class Scope(enum.StrEnum):
    """A per-object rule the view applies after the table let the request in."""

    OWN_CLIENTS = "own_clients"  # account managers change only the clients they manage: a colleague's is 403
    OWN_EXPORTS = "own_exports"  # an export is its author's (and administrators'): another's is 404


@dataclass(frozen=True)
class Rule:
    who: Who
    roles: frozenset[Role] = frozenset()  # for STAFF; always holds ADMIN
    scope: Scope | None = None

    def admits(self, user) -> bool:
        """Whether ``user`` (signed in or anonymous) passes this rule; the per-object scope is the view's."""
        if self.who == Who.PUBLIC:
            return True
        if self.who == Who.CLIENT:
            return isinstance(user, PortalUser)
        return isinstance(user, StaffUser) and user.role in self.roles


def staff(*roles: Role, scope: Scope | None = None) -> Rule:
    """A staff rule: these roles (every role when none is given), administrators always."""
    return Rule(Who.STAFF, frozenset(roles or Role) | {Role.ADMIN}, scope)


PUBLIC = Rule(Who.PUBLIC)
CLIENT = Rule(Who.CLIENT)
ANY_STAFF = staff()
OFFICE = staff(Role.CLERK, Role.MANAGER)  # the back office: issuing, matching, importing, 1C, mail
EDITORS = (Role.CLERK, Role.ACCOUNT_MANAGER, Role.MANAGER)
POST = ("POST",)
BOTH = ("GET", "POST")  # a form: the page and its submission


@dataclass(frozen=True)
class Group:
    """Routes that share one rule, as the README's table shows them."""

    title: str
    rule: Rule
    routes: tuple[tuple[str, tuple[str, ...]], ...]  # (endpoint, methods)


def _routes(*entries: str | tuple[str, tuple[str, ...]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``"staff.home"`` is its GET; ``("staff.client_new", BOTH)`` names the methods."""
    return tuple((e, ("GET",)) if isinstance(e, str) else e for e in entries)


TABLE: tuple[Group, ...] = (
    Group(
        "Sign-in, sign-out, password reset, language, health check, static files",
        PUBLIC,
        _routes(
            "static",
            "common.health",
            ("common.set_language", POST),
            ("portal.login", BOTH),
            ("portal.forgot", BOTH),
            ("portal.reset", BOTH),
            ("staff.login", BOTH),
            ("staff.forgot", BOTH),
            ("staff.reset", BOTH),
            ("portal.logout", POST),
            ("staff.logout", POST),
        ),
    ),
    Group(
        "Portal: home, invoices, invoice and its PDFs, statement of account, own password",
        CLIENT,
        _routes(
            "portal.home",
            "portal.invoices",
            "portal.invoice",
            "portal.invoice_pdf",
            "portal.invoice_act_pdf",
            "portal.statement",
            "portal.statement_pdf",
            ("portal.password", BOTH),
        ),
    ),
    Group(
        "Staff: home, clients, invoices and their PDFs, invoice table export, payments, statements, tasks, "
        "own password",
        ANY_STAFF,
        _routes(
            "staff.home",
            "staff.clients",
            "staff.client",
            "staff.invoices",
            "staff.invoice",
            "staff.invoice_pdf",
            "staff.invoice_act_pdf",
            ("staff.invoice_export", POST),
            "staff.payments",
            "staff.payment",
            "staff.statements",
            "staff.statement",
            "staff.statement_progress",
            "staff.tasks",
            "staff.task",
            ("staff.password", BOTH),
        ),
    ),
    Group(
        "Work a task: take it on, pass it on, comment, finish",
        ANY_STAFF,
        _routes(
            ("staff.task_claim", POST),
            ("staff.task_assign", POST),
            ("staff.task_comment", POST),
            ("staff.task_complete", POST),
        ),
    ),
    Group(
        "Exports written by a worker: list, page, status, download",
        staff(scope=Scope.OWN_EXPORTS),
        _routes("staff.exports", "staff.export_page", "staff.export_status", "staff.export_download"),
    ),
    Group("New client", staff(*EDITORS), _routes(("staff.client_new", BOTH))),
    Group(
        "Change a client: its form, billing contacts, portal invitations, invoice drafts",
        staff(*EDITORS, scope=Scope.OWN_CLIENTS),
        _routes(
            ("staff.client_edit", BOTH),
            ("staff.contact_new", BOTH),
            ("staff.portal_user_new", BOTH),
            ("staff.invoice_new", BOTH),
            ("staff.invoice_edit", BOTH),
        ),
    ),
    Group(
        "Issue and send invoices (one, or the selected rows)",
        OFFICE,
        _routes(("staff.invoice_issue", POST), ("staff.invoice_send", POST), ("staff.invoice_bulk", POST)),
    ),
    Group(
        "Match payments, take a match back, match refunds",
        OFFICE,
        _routes(
            ("staff.payment_apply", POST),
            ("staff.payment_unapply", POST),
            ("staff.payment_refund_unlink", POST),
            ("staff.payment_refund_match", POST),
        ),
    ),
    Group(
        "Upload bank statements; reconciliation report",
        OFFICE,
        _routes(("staff.statement_upload", POST), "staff.reconciliation", "staff.reconciliation_csv"),
    ),
    Group("Export to 1С:Бухгалтерия", OFFICE, _routes("staff.onec_export", "staff.onec_export_xml")),
    Group("Outgoing mail", OFFICE, _routes("staff.mail", "staff.mail_message")),
    Group("Cancel an invoice with a credit note", staff(Role.MANAGER), _routes(("staff.invoice_cancel", POST))),
    Group(
        "Collection: policies, dry runs (also of an unsaved policy), letters and their preview, run now, "
        "a client's policy and hold",
        staff(Role.MANAGER),
        _routes(
            "staff.collection",
            "staff.collection_dry_run",
            ("staff.collection_run", POST),
            "staff.policy",
            ("staff.policy_dry_run", POST),
            "staff.letters_list",
            "staff.letter",
            ("staff.letter_preview", POST),
            ("staff.client_collection", POST),
        ),
    ),
    Group(
        "Collection: change policies and letters, working-day exceptions, key rates",
        staff(Role.ADMIN),
        _routes(
            ("staff.policy_new", BOTH),
            ("staff.policy", POST),
            ("staff.letter", POST),
            ("staff.calendar", BOTH),
            ("staff.key_rates", BOTH),
        ),
    ),
    Group("Staff users", staff(Role.ADMIN), _routes("staff.users", ("staff.user_new", BOTH))),
)


def _flatten(table: tuple[Group, ...]) -> dict[tuple[str, str], Rule]:
    rules: dict[tuple[str, str], Rule] = {}
    for group in table:
        for endpoint, methods in group.routes:
            for method in methods:
                if (endpoint, method) in rules:
                    raise RuntimeError(f"{endpoint} {method} is listed twice in the access table")
                rules[(endpoint, method)] = group.rule
    return rules


RULES: dict[tuple[str, str], Rule] = _flatten(TABLE)


def rule_for(endpoint: str | None, method: str, url_rule=None) -> Rule | None:
    """The rule for ``method`` on ``endpoint``; None when the table has none (then nobody may)."""
    if method == "OPTIONS" and getattr(url_rule, "provide_automatic_options", False):
        return PUBLIC
    return RULES.get((endpoint or "", "GET" if method == "HEAD" else method))


def unlisted(app: Flask) -> list[str]:
    """What the table and the URL map disagree on: routes' methods with no entry, entries with no route."""
    seen, problems = set(), []
    for url_rule in app.url_map.iter_rules():
        for method in sorted(url_rule.methods or ()):
            if rule_for(url_rule.endpoint, method, url_rule) is None:
                problems.append(f"{url_rule.endpoint} {method} ({url_rule.rule}) has no entry: decide who may use it")
            seen.add((url_rule.endpoint, "GET" if method == "HEAD" else method))
    problems += [f"{e} {m} is in the table but is no route" for e, m in sorted(set(RULES) - seen)]
    return problems


def allowed(endpoint: str, method: str = "GET") -> bool:
    """Whether the signed-in user passes the table for this route (links and buttons are shown by this)."""
    rule = RULES.get((endpoint, method))
    return rule is not None and rule.admits(current_user._get_current_object())


def guard():
    """Before every request: the route's rule, or 403. A visitor who is not signed in is sent to the sign-in
    page of the face they asked for (Flask-Login's ``blueprint_login_views``)."""
    if request.routing_exception is not None:
        return None  # 404 / 405 / a redirect of the router's own: no route was reached
    rule = rule_for(request.endpoint, request.method, request.url_rule)
    if rule is None:
        abort(403)  # a route added without an entry: nobody may, until the table says who
    if rule.who == Who.PUBLIC:
        return None
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return login_manager.unauthorized()
    if not rule.admits(user):
        abort(403)
    return None


def init_app(app: Flask) -> None:
    """Guard every request by the table; refuse to start while the table and the URL map disagree."""
    problems = unlisted(app)
    if problems:
        raise RuntimeError("The access table (web/access_rules.py) disagrees with the routes:\n" + "\n".join(problems))
    app.before_request(guard)


COLUMNS = ("Anonymous", "Client", *(r.value for r in Role))
SCOPE_NOTES = {Scope.OWN_CLIENTS: "own clients", Scope.OWN_EXPORTS: "own"}


def _cell(rule: Rule, column: str) -> str:
    if rule.who == Who.PUBLIC:
        return "✓"
    if column == "Anonymous":
        return "sign-in"
    if rule.who == Who.CLIENT:
        return "own client" if column == "Client" else "—"
    if column == "Client" or Role(column) not in rule.roles:
        return "—"
    scoped = rule.scope == Scope.OWN_EXPORTS and column != Role.ADMIN
    scoped = scoped or (rule.scope == Scope.OWN_CLIENTS and column == Role.ACCOUNT_MANAGER)
    return SCOPE_NOTES[rule.scope] if scoped else "✓"


def markdown_table() -> str:
    """The README's "Who may do what" table, one row per group of routes."""
    labels = {
        "Anonymous": "Anonymous",
        "Client": "Client",
        **{r.value: r.value.replace("_", " ").capitalize() for r in Role},
    }
    lines = [
        "| What | " + " | ".join(labels[c] for c in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for group in TABLE:
        lines.append(f"| {group.title} | " + " | ".join(_cell(group.rule, c) for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m web.access_rules: the table to paste into the README
    print(markdown_table(), end="")
