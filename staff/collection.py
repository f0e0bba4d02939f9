"""Staff: the collection workspace — the policies, "run now", the dry run, and the policy editor whose dry
run follows the unsaved form (``collection.workspace.unsaved_dry_run``: evaluated in a rolled-back savepoint)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from debitor.auth.models import Role
from debitor.collection.models import CollectionPolicy, CollectionTemplate, StepAction
from debitor.collection.run import run
from debitor.collection.services import STEP_FIELDS, PolicyInvalid, save_policy
from debitor.collection.workspace import DAYS, policy_rows, saved_dry_run, unsaved_dry_run
from debitor.dates import today
from debitor.db import db
from debitor.labels import LABELS
from debitor.schemas import error_messages
from staff.blueprint import bp
from web.common import arg_id, form_with_rows, render

FIELDS = ("id", *STEP_FIELDS)
BLANK_ROWS = 2  # rows the editor offers for new steps; "Add a step" offers more


@bp.get("/collection")
def collection():
    return render("staff/collection.html", rows=policy_rows())


@bp.post("/collection/run")
def collection_run():
    summary = run(today())
    taken = ", ".join(f"{n} × {_label(a)}" for a, n in summary["actions"].items()) or "0"
    skipped = sum(summary["skipped"].values())
    flash(_("Collection run for %(day)s: %(n)s documents looked at; taken: %(taken)s; skipped: %(skipped)s.",
            day=summary["today"], n=summary["evaluated"], taken=taken, skipped=skipped), "success")  # fmt: skip
    return redirect(url_for("staff.collection"), code=303)


def _label(action: str) -> str:
    return str(LABELS[StepAction(action)])


@bp.get("/collection/dry-run")
def collection_dry_run():
    policy_id = arg_id("policy_id")
    policy = db.session.get(CollectionPolicy, policy_id) if policy_id else None
    if request.args.get("policy_id") and policy is None:
        abort(404)
    return render("staff/collection_dry_run.html", policy=policy, rows=saved_dry_run(today(), policy), days=DAYS)


def _submitted() -> dict:
    """The editor's form as ``PolicyInput`` reads it: rows ``steps-N-field``, empty fields left out (the
    schema's defaults), a row marked for removal dropped."""
    raw = form_with_rows("steps", (*FIELDS, "remove"), filled=("offset_days", "action"))
    raw["steps"] = [{k: v for k, v in row.items() if v.strip() and k != "remove"} for row in raw["steps"]
                    if not row.get("remove")]  # fmt: skip
    for key in ("add_row", "save", "policy_id"):
        raw.pop(key, None)
    for key in ("is_default", "consolidated"):
        raw[key] = key in raw
    return raw


def _form_of(policy: CollectionPolicy) -> dict:
    steps = [
        {k: "" if getattr(s, k) is None else str(getattr(s, k)) for k in FIELDS}
        for s in sorted(policy.steps, key=lambda s: (s.offset_days, s.id))
    ]
    return {"name": policy.name, "is_default": policy.is_default, "consolidated": policy.consolidated,
            "escalate_after_hours": policy.escalate_after_hours, "steps": steps}  # fmt: skip


def _flat(error: PolicyInvalid) -> dict[str, list[str]]:
    """The refusal's messages by ``steps.N.field``, as the form's inputs are marked."""
    return error_messages(ValidationError(error.errors))


def _editor(policy: CollectionPolicy | None):
    form = _form_of(policy) if policy is not None else {"escalate_after_hours": 24, "steps": []}
    errors: dict[str, list[str]] = {}
    blank = BLANK_ROWS
    if request.method == "POST":
        form = _submitted()
        if "add_row" in request.form:
            blank += 3
        else:
            try:
                with db.session.begin_nested():
                    saved = save_policy(form, policy, actor=current_user)
                flash(_("Policy %(name)s saved (version %(v)s).", name=saved.name, v=saved.version), "success")
                return redirect(url_for("staff.policy", policy_id=saved.id), code=303)
            except PolicyInvalid as error:
                errors = _flat(error)
    letters = db.session.execute(
        sa.select(CollectionTemplate.key, sa.func.max(CollectionTemplate.name))
        .group_by(CollectionTemplate.key)
        .order_by(CollectionTemplate.key)
    ).all()
    return render(
        "staff/policy.html",
        policy=policy,
        form=form,
        errors=errors,
        blank=blank,
        letters=letters,
        actions=list(StepAction),
        roles=list(Role),
        may_save=current_user.role == Role.ADMIN,
        status_code=400 if errors else 200,
    )


@bp.route("/collection/policies/new", methods=["GET", "POST"])
def policy_new():
    return _editor(None)


@bp.route("/collection/policies/<int:policy_id>", methods=["GET", "POST"])
def policy(policy_id: int):
    return _editor(db.session.get(CollectionPolicy, policy_id) or abort(404))


@bp.post("/collection/policies/dry-run")
def policy_dry_run():
    """The dry-run fragment of the editor's unsaved form: nothing of it is saved."""
    policy_id = arg_id("policy_id")
    policy = db.session.get(CollectionPolicy, policy_id) if policy_id else None
    if request.form.get("policy_id") and policy is None:
        abort(404)
    try:
        rows, errors = unsaved_dry_run(_submitted(), policy, today()), {}
    except PolicyInvalid as error:
        rows, errors = [], _flat(error)
    return render("staff/_dry_run.html", rows=rows, errors=errors, days=DAYS, unsaved=True)
