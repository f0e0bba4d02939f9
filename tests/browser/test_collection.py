"""The collection workspace in a browser: an admin edits a step and sees the dry run change before saving;
a clerk works a task from the inbox to done."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from debitor.auth.models import Role
from debitor.collection.defaults import install_defaults
from debitor.dates import today
from debitor.db import db, utcnow
from debitor.tasks.services import create_task
from tests import factories as f
from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app):
    policy = install_defaults()
    org = f.organisation()
    client = f.client(org, "Ромашка")
    inv = f.issued(org, client, on=today() - timedelta(days=5))
    f.staff(Role.ADMIN, "admin@staff.test")
    f.staff(Role.CLERK, "clerk@staff.test")
    task = create_task("call", "Позвонить по счёту", role=Role.CLERK, due_at=utcnow() - timedelta(hours=1), invoice=inv)
    db.session.commit()
    return {"policy": policy, "invoice": inv, "task": task}


def test_an_admin_edits_a_step_and_sees_the_dry_run_change(page, live_server, world):
    sign_in(page, live_server + "/staff/", "admin@staff.test")
    page.goto(f"{live_server}/staff/collection/policies/{world['policy'].id}")
    rows = page.locator("[data-testid=dry-run-row]")
    expect(rows.first).to_be_visible()
    before = rows.first.inner_text()
    page.locator("input[name=steps-0-offset_days]").fill("-1")
    page.locator("input[name=steps-0-offset_days]").dispatch_event("change")
    expect(rows.first).not_to_have_text(before)
    shot(page, "policy-editor")
    page.click("[data-testid=policy-save]")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("input[name=steps-0-offset_days]")).to_have_value("-1")


def test_a_clerk_works_a_task_from_the_inbox_to_done(page, live_server, world):
    sign_in(page, live_server + "/staff/", "clerk@staff.test")
    expect(page.locator("[data-testid=inbox-count]")).to_have_text("1")
    page.goto(live_server + "/staff/tasks")
    row = page.locator("[data-testid=task-row]")
    expect(row).to_have_class(re.compile(r"task-late"))  # late: highlighted
    row.get_by_role("link", name="Позвонить по счёту").click()
    page.click("[data-testid=task-claim]")
    expect(page.locator(".alert-success")).to_be_visible()
    page.fill("#comment", "Обещали оплатить в пятницу")
    page.click("[data-testid=task-comment]")
    expect(page.locator("[data-testid=task-note]")).to_contain_text("Обещали оплатить в пятницу")
    page.click("[data-testid=task-complete]")
    expect(page.locator("[data-testid=task-complete]")).to_have_count(0)
    page.goto(live_server + "/staff/tasks")
    expect(page.locator("[data-testid=task-row]")).to_have_count(0)
    expect(page.locator("[data-testid=inbox-count]")).to_have_count(0)
