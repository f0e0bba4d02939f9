"""The collection workspace: the policies, run now, the editor (errors in place, nothing saved on error), its
dry run of the unsaved form (it changes with a step, and saves nothing), letters with their preview, the
calendar and key rates, a client's policy and hold, and who may do each."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role
from debitor.collection.defaults import install_defaults
from debitor.collection.models import (
    CalendarException,
    CollectionAction,
    CollectionPolicy,
    CollectionStep,
    CollectionTemplate,
    KeyRate,
)
from debitor.dates import today
from debitor.db import db
from debitor.timeline.models import Event
from tests import factories as f
from tests.conftest import csrf_token, post_form


@pytest.fixture
def world(app):
    policy = install_defaults()
    org = f.organisation()
    client = f.client(org, "Ромашка")
    inv = f.issued(org, client, on=today() - timedelta(days=5))  # due in five days: reminders ahead
    users = {r: f.staff(r, f"{r.value}@staff.test") for r in Role}
    db.session.commit()
    return {"policy": policy, "org": org, "client": client, "invoice": inv, "users": users}


def login(app, world, role: Role):
    c = app.test_client()
    r = post_form(c, "/staff/", {"email": world["users"][role].email, "password": f.PASSWORD})
    assert r.status_code == 303
    return c


def editor_form(policy: CollectionPolicy, **change) -> dict:
    """The editor's form as the page fills it for ``policy``; ``change`` maps ``steps-N-field`` keys."""
    data = {"name": policy.name, "escalate_after_hours": str(policy.escalate_after_hours), "policy_id": str(policy.id)}
    if policy.is_default:
        data["is_default"] = "on"
    for n, step in enumerate(sorted(policy.steps, key=lambda s: (s.offset_days, s.id))):
        for field in ("id", "offset_days", "action", "template_key", "task_role", "task_sla_hours", "title"):
            value = getattr(step, field)
            data[f"steps-{n}-{field}"] = "" if value is None else str(value)
    data.update(change)
    return data


def saved_state():
    """Everything a policy save would change."""
    policies = [(p.id, p.name, p.version, p.is_default) for p in db.session.scalars(sa.select(CollectionPolicy))]
    steps = db.session.execute(sa.select(CollectionStep.id, CollectionStep.offset_days).order_by(CollectionStep.id))
    events = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    return policies, list(steps), events


def dry_run_rows(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", row) for row in re.findall(r'data-testid="dry-run-row".*?</tr>', html, re.S)]


def test_the_list_shows_the_policies_and_run_now_flashes_the_summary(app, world):
    c = login(app, world, Role.MANAGER)
    page = c.get("/staff/collection").get_data(as_text=True)
    (row,) = re.findall(r'data-testid="policy-row".*?</tr>', page, re.S)
    # the default marked; version 1, its nine steps, the one client (on the default by having no choice)
    assert world["policy"].name in row and "text-bg-primary" in row
    assert "<td>1</td><td>9</td><td>1</td>" in row
    assert 'data-testid="collection-run"' in page
    r = post_form(c, "/staff/collection/run", {}, page="/staff/collection")
    assert r.status_code == 303
    shown = c.get("/staff/collection").get_data(as_text=True)
    (flash,) = re.findall(r'<div class="alert alert-success.*?</div>', shown, re.S)
    assert today().isoformat() in flash and re.search(r": 1\b", flash)  # the run's day; one document looked at


def test_the_dry_run_of_the_unsaved_form_follows_a_step_and_saves_nothing(app, world):
    c = login(app, world, Role.ADMIN)
    policy = world["policy"]
    token = csrf_token(c, f"/staff/collection/policies/{policy.id}")
    before = saved_state()
    as_saved = c.post("/staff/collection/policies/dry-run", data={**editor_form(policy), "csrf_token": token})
    assert as_saved.status_code == 200
    rows = dry_run_rows(as_saved.get_data(as_text=True))
    assert rows and all(world["invoice"].number in row for row in rows)
    # the first step (three days before the due date) moved to one day before: the reminder moves with it
    first = editor_form(policy, **{"steps-0-offset_days": "-1"})
    changed = c.post("/staff/collection/policies/dry-run", data={**first, "csrf_token": token})
    moved = dry_run_rows(changed.get_data(as_text=True))
    assert moved != rows
    due = world["invoice"].due_on
    assert (due - timedelta(days=3)).strftime("%d.%m.%Y") in rows[0]
    assert (due - timedelta(days=1)).strftime("%d.%m.%Y") in moved[0]
    db.session.expire_all()
    assert saved_state() == before  # nothing of either dry run was saved


def test_the_dry_run_of_a_wrong_form_says_why(app, world):
    c = login(app, world, Role.MANAGER)  # a manager may look, not save
    policy = world["policy"]
    token = csrf_token(c, f"/staff/collection/policies/{policy.id}")
    wrong = editor_form(policy, **{"steps-0-action": "email", "steps-0-template_key": "no_such_letter"})
    r = c.post("/staff/collection/policies/dry-run", data={**wrong, "csrf_token": token})
    assert r.status_code == 200 and 'data-testid="dry-run-errors"' in r.get_data(as_text=True)


def test_saving_a_policy_raises_its_version(app, world):
    c = login(app, world, Role.ADMIN)
    policy = world["policy"]
    url = f"/staff/collection/policies/{policy.id}"
    r = post_form(c, url, editor_form(policy, **{"steps-0-title": "Мягкое напоминание"}), page=url)
    assert r.status_code == 303
    db.session.expire_all()
    saved = db.session.get(CollectionPolicy, policy.id)
    assert saved.version == 2 and saved.steps[0].title == "Мягкое напоминание"


def test_bad_steps_are_named_in_place_and_nothing_is_saved(app, world):
    c = login(app, world, Role.ADMIN)
    policy = world["policy"]
    url = f"/staff/collection/policies/{policy.id}"
    before = saved_state()
    bad = editor_form(policy, **{"steps-1-offset_days": "-3", "steps-1-action": "email"})  # the same as step 1
    r = post_form(c, url, bad, page=url)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert 'data-error-for="steps.1.offset_days"' in html
    assert re.search(r'name="steps-1-offset_days" value="-3"', html)  # what was typed stays
    task = editor_form(policy, **{"steps-1-action": "task", "steps-1-task_role": "", "steps-1-task_sla_hours": ""})
    r = post_form(c, url, task, page=url)
    assert r.status_code == 400 and 'data-error-for="steps.1.task_role"' in r.get_data(as_text=True)
    absurd = editor_form(policy, **{"steps-2-offset_days": "9999"})
    r = post_form(c, url, absurd, page=url)
    assert r.status_code == 400 and 'data-error-for="steps.2.offset_days"' in r.get_data(as_text=True)
    db.session.expire_all()
    assert saved_state() == before


def test_a_new_policy_with_removed_and_added_rows(app, world):
    c = login(app, world, Role.ADMIN)
    url = "/staff/collection/policies/new"
    page = c.get(url).get_data(as_text=True)
    assert page.count('data-testid="step-row"') == 2
    more = post_form(c, url, {"name": "VIP", "add_row": "1"}, page=url)
    assert more.status_code == 200 and more.get_data(as_text=True).count('data-testid="step-row"') == 5
    data = {"name": "VIP", "escalate_after_hours": "48",
            "steps-0-offset_days": "5", "steps-0-action": "task", "steps-0-task_role": "account_manager",
            "steps-0-task_sla_hours": "24", "steps-0-title": "Позвонить",
            "steps-1-offset_days": "1", "steps-1-action": "email", "steps-1-template_key": "notice_first",
            "steps-1-remove": "1"}  # fmt: skip
    r = post_form(c, url, data, page=url)
    assert r.status_code == 303
    vip = db.session.scalar(sa.select(CollectionPolicy).where(CollectionPolicy.name == "VIP"))
    assert [(s.offset_days, s.action.value, s.title) for s in vip.steps] == [(5, "task", "Позвонить")]
    assert not vip.is_default and world["policy"].is_default


def test_who_may_see_and_change_the_collection(app, world):
    policy = world["policy"]
    url = f"/staff/collection/policies/{policy.id}"
    for role in (Role.CLERK, Role.ACCOUNT_MANAGER):
        c = login(app, world, role)
        assert c.get("/staff/collection").status_code == 403
        assert 'href="/staff/collection"' not in c.get("/staff/home").get_data(as_text=True)
    manager = login(app, world, Role.MANAGER)
    assert 'href="/staff/collection"' in manager.get("/staff/home").get_data(as_text=True)
    page = manager.get(url).get_data(as_text=True)
    assert 'data-testid="policy-save"' not in page and 'data-testid="policy-rule"' in page
    assert post_form(manager, url, editor_form(policy), page=url).status_code == 403
    assert manager.get("/staff/collection/calendar").status_code == 403
    assert manager.get("/staff/collection/policies/999999").status_code == 404
    assert manager.get("/staff/collection/dry-run?policy_id=999999").status_code == 404
    saved = manager.get(f"/staff/collection/dry-run?policy_id={policy.id}").get_data(as_text=True)
    assert world["invoice"].number in saved


def stored_body() -> str:
    q = sa.select(CollectionTemplate.body).where(
        CollectionTemplate.key == "reminder_before", CollectionTemplate.language == "ru"
    )
    return db.session.scalar(q)


def test_letters_preview_on_a_real_invoice_and_refuse_a_wrong_line(app, world):
    c = login(app, world, Role.ADMIN)
    listing = c.get("/staff/collection/letters").get_data(as_text=True)
    assert "reminder_before" in listing
    url = "/staff/collection/letters/reminder_before/ru"
    page = c.get(url).get_data(as_text=True)
    assert "invoice" in page and "days_overdue" in page  # the documented variables are listed
    token = csrf_token(c, url)
    inv = world["invoice"]
    body = "Счёт {{ invoice.number }} для {{ client.short_name }}"
    letter = {"csrf_token": token, "language": "ru", "subject": "О счёте {{ invoice.number }}", "body": body}
    shown = c.post("/staff/collection/letters/preview", data={**letter, "invoice_id": inv.id})
    html = shown.get_data(as_text=True)
    assert f"О счёте {inv.number}" in html and "Ромашка" in html
    sample = c.post("/staff/collection/letters/preview", data={**letter, "invoice_id": ""})
    assert "2026-0042" in sample.get_data(as_text=True)
    wrong = c.post("/staff/collection/letters/preview", data={**letter, "body": "a\n{{ invoice.secret }}"})
    (problem,) = re.findall(r'data-testid="letter-problem">(.*?)</div>', wrong.get_data(as_text=True))
    assert "строка 2" in problem and "secret" in problem
    before = stored_body()
    r = post_form(c, url, {"name": "Напоминание", "subject": "S", "body": "ok\n{{ nope }}"}, page=url)
    assert r.status_code == 400
    (error,) = re.findall(r'data-error-for="body">(.*?)</div>', r.get_data(as_text=True))
    assert "2" in error and "nope" in error
    db.session.expire_all()
    assert stored_body() == before
    r = post_form(c, url, {"name": "Напоминание", "subject": "Счёт {{ invoice.number }}", "body": "Новый"}, page=url)
    assert r.status_code == 303
    manager = login(app, world, Role.MANAGER)
    assert manager.get(url).status_code == 200
    assert post_form(manager, url, {"subject": "S", "body": "b"}, page=url).status_code == 403
    assert manager.get("/staff/collection/letters/nope/ru").status_code == 404
    assert manager.get("/staff/collection/letters/reminder_before/xx").status_code == 404


def test_calendar_exceptions_and_key_rates(app, world):
    c = login(app, world, Role.ADMIN)
    page = c.get("/staff/collection/calendar").get_data(as_text=True)
    assert 'data-testid="holiday"' in page  # the production calendar's holidays of the year around
    day = (today() + timedelta(days=20)).isoformat()
    r = post_form(c, "/staff/collection/calendar", {"day": day, "working": "0", "note": "Субботник"},
                  page="/staff/collection/calendar")  # fmt: skip
    assert r.status_code == 303
    assert "Субботник" in c.get("/staff/collection/calendar").get_data(as_text=True)
    bad = post_form(c, "/staff/collection/calendar", {"day": "32.13.2026", "working": "0"},
                    page="/staff/collection/calendar")  # fmt: skip
    assert bad.status_code == 400 and 'data-error-for="day"' in bad.get_data(as_text=True)
    post_form(c, "/staff/collection/calendar", {"day": day, "working": ""}, page="/staff/collection/calendar")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarException)) == 0
    url = "/staff/collection/key-rates"
    assert post_form(c, url, {"valid_from": "2026-06-01", "percent": "18,5"}, page=url).status_code == 303
    for wrong in ("-1", "abc", "1000"):
        r = post_form(c, url, {"valid_from": "2026-07-01", "percent": wrong}, page=url)
        assert r.status_code == 400 and 'data-error-for="percent"' in r.get_data(as_text=True)
    assert [str(k.percent.normalize()) for k in db.session.scalars(sa.select(KeyRate))] == ["18.5"]
    assert "18.5" in c.get(url).get_data(as_text=True)


def test_a_clients_policy_hold_and_history(app, world):
    client = world["client"]
    manager = login(app, world, Role.MANAGER)
    url = f"/staff/clients/{client.id}"
    r = post_form(manager, f"{url}/collection", {"collection_policy_id": "", "hold": "1", "reason": ""}, page=url)
    assert r.status_code == 303
    db.session.expire_all()
    assert not db.session.get(type(client), client.id).collection_hold  # a hold needs its reason
    post_form(manager, f"{url}/collection", {"hold": "1", "reason": "Суд"}, page=url)
    page = manager.get(url).get_data(as_text=True)
    assert 'data-testid="collection-hold"' in page and "Суд" in page
    post_form(manager, f"{url}/collection", {"hold": ""}, page=url)
    old = f.issued(world["org"], client, on=today() - timedelta(days=60))  # long overdue: a step is due
    db.session.commit()
    post_form(manager, "/staff/collection/run", {}, page="/staff/collection")
    db.session.expire_all()
    (taken,) = db.session.scalars(sa.select(CollectionAction).where(CollectionAction.invoice_id == old.id))
    history = manager.get(url).get_data(as_text=True)
    (table,) = re.findall(r'data-testid="collection-history".*?</table>', history, re.S)
    assert today().strftime("%d.%m.%Y") in table
    if taken.outbox_message_id:
        assert f'href="/staff/mail/{taken.outbox_message_id}"' in table
    clerk = login(app, world, Role.CLERK)
    assert post_form(clerk, f"{url}/collection", {"hold": ""}, page=url).status_code == 403
    assert 'data-testid="client-collection"' in clerk.get(url).get_data(as_text=True)
