"""The access matrix: every route and every method of the URL map, requested as anonymous, client A,
client B and each staff role, against the answers written out in EXPECTED below.

EXPECTED is written here by hand, independently of the access table the app runs on
(``web/access_rules.py``): the walk checks the running app against it, and the table is compared
with it entry by entry. So a wrong role in the table, a view that refuses or admits on its own, and a
route that nobody listed all fail here. A route without an entry in the table also stops the app from
starting, and is refused to everybody if it is added afterwards (both tested below).
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import template_rendered
from flask_wtf.csrf import CSRFError

from debitor.auth.models import Role, StaffUser
from debitor.collection.defaults import install_defaults
from debitor.db import db, utcnow
from debitor.exports.models import Export, ExportState
from debitor.outbox.services import queue_email
from debitor.payments.importing import new_statement
from debitor.payments.models import Direction, PaymentAllocation, PaymentRefund
from debitor.payments.services import apply_allocations, link_refunds
from debitor.tasks.services import create_task
from tests import factories as f
from tests.conftest import csrf_token, post_form
from web import access_rules
from web.access_rules import Scope, Who
from web.app import create_app

# Who may do what. "public": anyone; "client": a signed-in portal user, on its own client's rows only (another
# client's invoice is a 404); otherwise the staff roles that may. "role/own": that role only on its own objects
# (a colleague's client is a 403, another's export a 404). HEAD is answered as GET; OPTIONS by Flask, for anyone.
EXPECTED_TEXT = """
static                         GET       public
common.health                  GET       public
common.set_language            POST      public
portal.login                   GET POST  public
portal.forgot                  GET POST  public
portal.reset                   GET POST  public
portal.logout                  POST      public
staff.login                    GET POST  public
staff.forgot                   GET POST  public
staff.reset                    GET POST  public
staff.logout                   POST      public

portal.home                    GET       client
portal.invoices                GET       client
portal.invoice                 GET       client
portal.invoice_pdf             GET       client
portal.invoice_act_pdf         GET       client
portal.statement               GET       client
portal.statement_pdf           GET       client
portal.password                GET POST  client

staff.home                     GET       clerk account_manager manager admin
staff.password                 GET POST  clerk account_manager manager admin
staff.clients                  GET       clerk account_manager manager admin
staff.client                   GET       clerk account_manager manager admin
staff.client_new               GET POST  clerk account_manager manager admin
staff.client_edit              GET POST  clerk account_manager/own manager admin
staff.contact_new              GET POST  clerk account_manager/own manager admin
staff.portal_user_new          GET POST  clerk account_manager/own manager admin
staff.invoices                 GET       clerk account_manager manager admin
staff.invoice_export           POST      clerk account_manager manager admin
staff.invoice_bulk             POST      clerk manager admin
staff.invoice                  GET       clerk account_manager manager admin
staff.invoice_pdf              GET       clerk account_manager manager admin
staff.invoice_act_pdf          GET       clerk account_manager manager admin
staff.invoice_new              GET POST  clerk account_manager/own manager admin
staff.invoice_edit             GET POST  clerk account_manager/own manager admin
staff.invoice_issue            POST      clerk manager admin
staff.invoice_send             POST      clerk manager admin
staff.invoice_cancel           POST      manager admin
staff.exports                  GET       clerk/own account_manager/own manager/own admin
staff.export_page              GET       clerk/own account_manager/own manager/own admin
staff.export_status            GET       clerk/own account_manager/own manager/own admin
staff.export_download          GET       clerk/own account_manager/own manager/own admin
staff.payments                 GET       clerk account_manager manager admin
staff.payment                  GET       clerk account_manager manager admin
staff.payment_apply            POST      clerk manager admin
staff.payment_unapply          POST      clerk manager admin
staff.payment_refund_unlink    POST      clerk manager admin
staff.payment_refund_match     POST      clerk manager admin
staff.statements               GET       clerk account_manager manager admin
staff.statement                GET       clerk account_manager manager admin
staff.statement_progress       GET       clerk account_manager manager admin
staff.statement_upload         POST      clerk manager admin
staff.reconciliation           GET       clerk manager admin
staff.reconciliation_csv       GET       clerk manager admin
staff.onec_export              GET       clerk manager admin
staff.onec_export_xml          GET       clerk manager admin
staff.mail                     GET       clerk manager admin
staff.mail_message             GET       clerk manager admin
staff.tasks                    GET       clerk account_manager manager admin
staff.task                     GET       clerk account_manager manager admin
staff.task_claim               POST      clerk account_manager manager admin
staff.task_assign              POST      clerk account_manager manager admin
staff.task_comment             POST      clerk account_manager manager admin
staff.task_complete            POST      clerk account_manager manager admin
staff.collection               GET       manager admin
staff.collection_dry_run       GET       manager admin
staff.collection_run           POST      manager admin
staff.policy                   GET       manager admin
staff.policy                   POST      admin
staff.policy_new               GET POST  admin
staff.policy_dry_run           POST      manager admin
staff.letters_list             GET       manager admin
staff.letter                   GET       manager admin
staff.letter                   POST      admin
staff.letter_preview           POST      manager admin
staff.client_collection        POST      manager admin
staff.calendar                 GET POST  admin
staff.key_rates                GET POST  admin
staff.users                    GET       admin
staff.user_new                 GET POST  admin
"""


@dataclass(frozen=True)
class Expect:
    who: str  # public | client | staff
    roles: frozenset[str] = frozenset()
    own: frozenset[str] = frozenset()  # roles that may only on their own objects


def parse(text: str) -> dict[tuple[str, str], Expect]:
    table = {}
    for line in filter(None, (x.strip() for x in text.splitlines())):
        endpoint, *rest = line.split()
        methods = [w for w in rest if w.isupper()]
        words = [w for w in rest if not w.isupper()]
        if words in (["public"], ["client"]):
            expect = Expect(words[0])
        else:
            roles = frozenset(w.removesuffix("/own") for w in words)
            expect = Expect("staff", roles, frozenset(w.removesuffix("/own") for w in words if w.endswith("/own")))
        for method in methods:
            assert (endpoint, method) not in table, f"{endpoint} {method} twice in EXPECTED"
            table[(endpoint, method)] = expect
    return table


EXPECTED = parse(EXPECTED_TEXT)
STAFF = [r.value for r in Role]
WHO = ["anonymous", "client_a", "client_b", *STAFF]
OBJECTS = {"invoice_id", "client_id", "export_id"}  # whose object it is decides: walked with own and others'
LOGIN = {"portal": "/?next=", "staff": "/staff/?next="}
PAGES = {"portal": "/", "staff": "/staff/"}
README = Path(__file__).resolve().parents[2] / "README.md"
LAST = {"portal.logout", "staff.logout"}  # they end the session the walk runs in


def expected_for(endpoint: str, method: str) -> Expect:
    key = (endpoint, "GET" if method == "HEAD" else method)
    assert key in EXPECTED, f"{endpoint} {method}: a route nobody listed; add it to EXPECTED and the access table"
    return EXPECTED[key]


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"OPTIONS"}) + ["OPTIONS"]


@pytest.fixture
def world(app):
    org = f.organisation()
    a, b = f.client(org, "Клиент А"), f.client(org, "Клиент Б")
    inv_a = [f.issued(org, a, lines=((1, 111_11),)) for _ in range(3)]
    inv_b = f.issued(org, b, lines=((1, 999_99),))
    draft_a = f.draft(org, a)
    users = {"client_a": f.portal_user(a, "a@client.test"), "client_b": f.portal_user(b, "b@client.test")}
    for role in Role:
        users[role.value] = f.staff(role, f"{role.value}@staff.test")
    a.account_manager_id = users["account_manager"].id  # A is the account manager's own client, B nobody's
    msg = queue_email(to=["x@client.test"], subject="s", text="t", dedupe_key="matrix")
    payer = f.client(org, "Клиент В")  # the payments are a third client's: A's and B's balances stay as they are
    owed = f.issued(org, payer)  # before the payment: issuing puts a client's unused money to its invoices
    pay = f.payment(org, payer, 5_00)
    apply_allocations(pay, {owed.id: 2_00})  # something to take back
    f.payment(org, payer, 3_00, on=date.today() - timedelta(days=3))  # an advance, paid back by the refund below
    refund = f.payment(org, payer, 3_00)
    refund.direction = Direction.OUTGOING
    db.session.flush()
    link_refunds([refund.id])
    statement = new_statement("upload", "kl_to_1c.txt", b"1CClientBankExchange\r\n")
    policy = install_defaults()  # the collection's policy and letters
    task = create_task("call", "Позвонить", role=Role.ACCOUNT_MANAGER, due_at=utcnow(), invoice=inv_a[0])
    exports = {}
    # finished exports made by hand: the matrix needs one per user to download, not the worker's run
    for role in STAFF:  # each staff user's own export
        exports[role] = Export(created_by_id=users[role].id, format="csv", params={}, as_of=date(2026, 1, 1),
                               state=ExportState.DONE, filename="x.csv", content=b"\xef\xbb\xbf", size=3)  # fmt: skip
        db.session.add(exports[role])
    db.session.commit()
    return {
        "a": {"client": a, "invoice": inv_a[0]},
        "b": {"client": b, "invoice": inv_b},
        "inv_a": inv_a,
        "inv_b": inv_b,
        "draft_a": draft_a,
        "users": users,
        "msg": msg,
        "payment": pay,
        "allocation": db.session.scalars(sa.select(PaymentAllocation)).one(),
        "refund": refund,
        "refund_link": db.session.scalars(sa.select(PaymentRefund)).one(),
        "statement": statement,
        "exports": exports,
        "policy": policy,
        "task": task,
    }


def login_as(app, world, who):
    c = app.test_client()
    if who == "anonymous":
        return c
    user = world["users"][who]
    url = "/staff/" if isinstance(user, StaffUser) else "/"
    r = post_form(c, url, {"email": user.email, "password": f.PASSWORD})
    assert r.status_code == 303, who
    return c


def values_for(world, who: str, endpoint: str, rule, own: bool) -> dict:
    """The route's arguments: the identity's own objects, or another's (client B's for staff and A)."""
    mine, theirs = ("b", "a") if who == "client_b" else ("a", "b")
    side = world[mine if own else theirs]
    exports = world["exports"]
    own_export = exports.get(who, exports["clerk"])
    others_export = exports["manager" if who == "clerk" else "clerk"]
    refund_routes = ("staff.payment_refund_unlink", "staff.payment_refund_match")
    every = {
        "invoice_id": side["invoice"].id,
        "client_id": side["client"].id,
        "export_id": (own_export if own else others_export).id,
        "message_id": world["msg"].id,
        "payment_id": (world["refund"] if endpoint in refund_routes else world["payment"]).id,
        "allocation_id": world["allocation"].id,
        "link_id": world["refund_link"].id,
        "statement_id": world["statement"].id,
        "token": "not-a-token",
        "filename": "css/app.css",
        "policy_id": world["policy"].id,
        "key": "reminder_before",
        "language": "ru",
        "task_id": world["task"].id,
    }
    values = {name: every[name] for name in rule.arguments}
    if endpoint == "staff.invoice_new":
        values["client_id"] = side["client"].id  # the draft editor's client, in the query string
    return values


def has_objects(endpoint: str, rule) -> bool:
    return bool(OBJECTS & set(rule.arguments)) or endpoint == "staff.invoice_new"


def answer(expect: Expect, who: str, method: str, own: bool, values: dict):
    """What the app must answer: a status, or "public" / "login" / "allowed"."""
    if expect.who == "public":
        return "public"
    if who == "anonymous":
        return "login"
    is_client = who.startswith("client_")
    if expect.who == "client":
        if not is_client:
            return 403
        return 404 if not own and OBJECTS & set(values) else "allowed"
    if is_client or who not in expect.roles:
        return 403
    if not own and who in expect.own:
        return 404 if "export_id" in values else 403
    return "allowed"


def meets(response, want, method: str, face: str) -> bool:
    status, location = response.status_code, response.headers.get("Location", "")
    if want == "public":
        return status < 500 and status != 403 and "next=" not in location
    if want == "login":
        return status == 302 and location.startswith(LOGIN[face])
    if want == "allowed":
        to_page = status in (302, 303) and "next=" not in location and location.startswith(PAGES[face])
        if method == "POST":  # an empty form: saved, refused with field errors (400), or sent back to a page
            return status in (200, 400) or to_page
        return status == 200 or to_page  # e.g. editing an issued invoice sends you back to it
    return status == want


@pytest.mark.parametrize("who", WHO)
def test_every_route_and_method_for_every_role(app, world, who):
    c = login_as(app, world, who)
    token = csrf_token(c, {"anonymous": "/", "client_a": "/home", "client_b": "/home"}.get(who, "/staff/home"))
    csrf_refused = []  # a CSRF error would hide the access answer: it fails the request's check

    def record(sender, template, context, **extra):
        if isinstance(context.get("error"), CSRFError):
            csrf_refused.append(template.name)

    requests = []
    for rule in app.url_map.iter_rules():
        for method in methods_of(rule):
            for own in (True, False) if has_objects(rule.endpoint, rule) else (True,):
                order = (method == "POST", rule.endpoint in LAST, not own)  # reads first, then changes
                requests.append((order, rule, method, own))
    requests.sort(key=lambda r: r[0])

    adapter = app.url_map.bind("localhost")
    failures, seen = [], set()
    with template_rendered.connected_to(record, app):
        for _, rule, method, own in requests:
            values = values_for(world, who, rule.endpoint, rule, own)
            url = adapter.build(rule.endpoint, values, method=method if method != "OPTIONS" else None)
            data = {"csrf_token": token} if method == "POST" else None
            csrf_refused.clear()
            response = c.open(url, method=method, data=data, buffered=True)  # downloads are read inside
            # OPTIONS is Flask's own answer, the Allow header, for anyone
            want = 200 if method == "OPTIONS" else answer(expected_for(rule.endpoint, method), who, method, own, values)
            face = "staff" if rule.endpoint.startswith("staff.") else "portal"
            if csrf_refused or not meets(response, want, method, face):
                why = "refused by CSRF" if csrf_refused else response.status_code
                failures.append(f"{who} {method} {url} ({rule.endpoint}): {why}, expected {want}")
            if method == "OPTIONS":
                allow = set(response.headers.get("Allow", "").split(", "))
                assert set(rule.methods) <= allow, (rule.endpoint, allow)  # and any other rule's on the same URL
            seen.add((rule.endpoint, method))
    assert not failures, "\n".join(failures)
    every = {(rule.endpoint, m) for rule in app.url_map.iter_rules() for m in rule.methods}
    assert seen == every and len(every) > 150


def test_every_route_has_an_expected_answer_and_no_stale_one(app):
    routes = {(rule.endpoint, m) for rule in app.url_map.iter_rules() for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - set(EXPECTED) == set(), "routes nobody listed: add them to EXPECTED and the access table"
    assert set(EXPECTED) - routes == set(), "EXPECTED lists routes that do not exist"


OWN_BY_SCOPE = {
    None: set(),
    Scope.OWN_CLIENTS: {"account_manager"},
    Scope.OWN_EXPORTS: {"clerk", "account_manager", "manager"},
}


def test_the_access_table_says_what_is_expected():
    assert set(access_rules.RULES) == set(EXPECTED)
    for key, rule in access_rules.RULES.items():
        expect = EXPECTED[key]
        assert rule.who == Who(expect.who), key
        assert {r.value for r in rule.roles} == set(expect.roles), key
        assert OWN_BY_SCOPE[rule.scope] & expect.roles == set(expect.own), key


def second_app(app):
    keys = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "RATELIMIT_STORAGE_URI")
    return create_app({"ENV": "test", "TESTING": True, "SERVER_NAME": None, **{k: app.config[k] for k in keys}})


def test_a_route_missing_from_the_table_stops_the_app(app, monkeypatch):
    monkeypatch.delitem(access_rules.RULES, ("staff.tasks", "GET"))
    with pytest.raises(RuntimeError, match=r"staff\.tasks GET \(/staff/tasks\) has no entry"):
        second_app(app)
    monkeypatch.setitem(access_rules.RULES, ("staff.gone", "GET"), access_rules.ANY_STAFF)
    with pytest.raises(RuntimeError, match=r"staff\.gone GET is in the table but is no route"):
        second_app(app)


@pytest.fixture
def other_app(app):
    """A second app on the same database, to add a route to after it was made."""
    other = second_app(app)
    yield other
    with other.app_context():
        db.engine.dispose()  # its connections would otherwise outlive the test


def test_a_route_added_without_an_entry_is_refused_to_everybody(other_app):
    other = other_app
    other.add_url_rule("/staff/dummy", "staff.dummy", lambda: "open", methods=["GET", "POST"])
    assert "staff.dummy GET (/staff/dummy) has no entry: decide who may use it" in access_rules.unlisted(other)
    f.staff(Role.ADMIN, "root@staff.test")
    db.session.commit()
    c = other.test_client()
    assert c.get("/staff/dummy").status_code == 403  # not even sent to sign in: nobody may
    assert post_form(c, "/staff/", {"email": "root@staff.test", "password": f.PASSWORD}).status_code == 303
    assert c.get("/staff/home").status_code == 200
    assert c.get("/staff/dummy").status_code == 403  # not even an administrator
    assert post_form(c, "/staff/dummy", {}, page="/staff/home").status_code == 403


def test_the_readme_shows_the_access_table():
    readme = README.read_text(encoding="utf-8")
    table = access_rules.markdown_table()
    assert table in readme, "README's 'Who may do what' is out of date; paste python -m web.access_rules:\n" + table


def test_anonymous_is_sent_to_the_right_login(app, world):
    c = app.test_client()
    assert c.get("/invoices").headers["Location"].startswith("/?next=")
    assert c.get("/staff/clients").headers["Location"].startswith("/staff/?next=")
    token = csrf_token(c, "/")
    r = c.post(f"/staff/invoices/{world['inv_a'][0].id}/cancel", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].startswith("/staff/?next=")


def test_client_sees_only_its_own_data(app, world):
    c = login_as(app, world, "client_a")
    listing = c.get("/invoices").get_data(as_text=True)
    shown = set(re.findall(r"/invoices/(\d+)", listing))
    assert shown == {str(i.id) for i in world["inv_a"]}  # never B's, never drafts
    home = c.get("/home").get_data(as_text=True)
    assert "333,33" in home and "999,99" not in home  # A's balance: 3 × 111,11
    assert c.get(f"/invoices/{world['inv_b'].id}").status_code == 404
    assert c.get(f"/invoices/{world['draft_a'].id}").status_code == 404


def test_forbidden_post_changes_nothing(app, world):
    c = login_as(app, world, "clerk")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser))
    r = c.post(
        "/staff/users/new",
        data={
            "csrf_token": csrf_token(c, "/staff/home"),
            "email": "new@staff.test",
            "name": "New",
            "role": "admin",
            "password": "long-enough-pass",
        },
    )
    assert r.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == before


def test_buttons_and_menu_follow_the_table(app, world):
    """Links and forms are shown by the same table (``allowed``): what a role sees it may use."""
    inv = world["inv_a"][0].id
    clerk, am = login_as(app, world, "clerk"), login_as(app, world, "account_manager")
    manager = login_as(app, world, "manager")
    assert 'href="/staff/mail"' in clerk.get("/staff/home").get_data(as_text=True)
    assert 'href="/staff/mail"' not in am.get("/staff/home").get_data(as_text=True)
    assert f"/staff/invoices/{inv}/cancel" in manager.get(f"/staff/invoices/{inv}").get_data(as_text=True)
    assert f"/staff/invoices/{inv}/cancel" not in clerk.get(f"/staff/invoices/{inv}").get_data(as_text=True)
    assert f"/staff/invoices/{inv}/send" not in am.get(f"/staff/invoices/{inv}").get_data(as_text=True)
