"""The task inbox: late tasks highlighted, counts in the navigation, links to the document and the client;
working a task — take it on, pass it on to a colleague of its role, comment, finish — each on its timeline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role
from debitor.db import db, utcnow
from debitor.tasks.models import Task, TaskState
from debitor.tasks.services import create_task
from debitor.timeline.models import Event
from tests import factories as f
from tests.conftest import post_form


@pytest.fixture
def world(app):
    org = f.organisation()
    client = f.client(org, "Ромашка")
    inv = f.issued(org, client)
    clerk, other = f.staff(Role.CLERK, "clerk@staff.test"), f.staff(Role.CLERK, "other@staff.test")
    am = f.staff(Role.ACCOUNT_MANAGER, "am@staff.test")
    late = create_task("call", "Позвонить по счёту", role=Role.CLERK, due_at=utcnow() - timedelta(hours=2), invoice=inv)
    later = create_task("check", "Сверить акт", role=Role.CLERK, due_at=utcnow() + timedelta(days=1), client=client)
    db.session.commit()
    return {"client": client, "invoice": inv, "clerk": clerk, "other": other, "am": am, "late": late,
            "later": later}  # fmt: skip


def login(app, user):
    c = app.test_client()
    assert post_form(c, "/staff/", {"email": user.email, "password": f.PASSWORD}).status_code == 303
    return c


def test_the_inbox_highlights_late_tasks_links_them_and_counts_them(app, world):
    c = login(app, world["clerk"])
    page = c.get("/staff/tasks").get_data(as_text=True)
    rows = re.findall(r'<tr class="[^"]*" data-testid="task-row">.*?</tr>', page, re.S)
    assert len(rows) == 2
    late, later = rows  # the late one first
    assert "task-late" in late and "Позвонить по счёту" in late and "task-late" not in later
    assert f'href="/staff/invoices/{world["invoice"].id}"' in late
    assert f'href="/staff/clients/{world["client"].id}"' in late and f'href="/staff/tasks/{world["late"].id}"' in late
    (count,) = re.findall(r'<span class="badge ([^"]*)" data-testid="inbox-count"[^>]*>(\d+)</span>', page)
    assert count == ("text-bg-danger", "2")  # two tasks, one of them late
    am_page = login(app, world["am"]).get("/staff/home").get_data(as_text=True)
    assert 'data-testid="inbox-count"' not in am_page  # nothing in the account manager's inbox


def test_a_task_worked_from_claim_to_done(app, world):
    c = login(app, world["clerk"])
    task = world["late"]
    url = f"/staff/tasks/{task.id}"
    assert post_form(c, f"{url}/claim", {}, page=url).status_code == 303
    db.session.expire_all()
    t = db.session.get(Task, task.id)
    assert t.state == TaskState.IN_PROGRESS and t.assignee_id == world["clerk"].id
    assert post_form(c, f"{url}/comment", {"comment": "  "}, page=url).status_code == 303
    assert "Write the comment" in c.get(url).get_data(as_text=True) or "комментар" in c.get(url).get_data(as_text=True)
    post_form(c, f"{url}/comment", {"comment": "Обещали оплатить в пятницу"}, page=url)
    post_form(c, f"{url}/assign", {"assignee_id": str(world["am"].id)}, page=url)  # not of the task's role
    db.session.expire_all()
    assert db.session.get(Task, task.id).assignee_id == world["clerk"].id
    post_form(c, f"{url}/assign", {"assignee_id": str(world["other"].id)}, page=url)
    db.session.expire_all()
    assert db.session.get(Task, task.id).assignee_id == world["other"].id
    assert post_form(c, f"{url}/complete", {}, page=url).status_code == 303
    db.session.expire_all()
    t = db.session.get(Task, task.id)
    assert t.state == TaskState.DONE and t.closed_at is not None
    assert "Обещали оплатить в пятницу" in t.note and world["clerk"].name in t.note
    kinds = list(db.session.scalars(sa.select(Event.kind).where(Event.subject == "task", Event.subject_id == t.id)
                                    .order_by(Event.id)))  # fmt: skip
    assert kinds == ["task_created", "task_assigned", "task_started", "task_commented", "task_assigned", "task_done"]
    page = c.get(url).get_data(as_text=True)
    assert 'data-testid="task-complete"' not in page  # a closed task has nothing left to do
    assert post_form(c, f"{url}/claim", {}, page=url).status_code == 303  # refused, said on the page
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == TaskState.DONE
    assert c.get("/staff/tasks/999999").status_code == 404
    assert post_form(c, f"{url}/assign", {"assignee_id": "999999"}, page=url).status_code == 404
