"""A client sees the collection banner and, under the invoice, the reminder that went out about it."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from debitor.collection.defaults import install_defaults
from debitor.collection.run import run
from debitor.dates import today
from debitor.db import db
from debitor.outbox.models import OutboxMessage
from jobs.tasks import sweep_outbox
from tests import factories as f
from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


def test_a_client_sees_the_banner_and_the_reminder_history(page, live_server, app, smtp):
    install_defaults()
    org = f.organisation()
    client = f.client(org, "Ромашка")
    late = f.issued(org, client, on=today() - timedelta(days=23))  # ten days or so past its due date
    f.portal_user(client, "acc@romashka.test")
    db.session.commit()
    assert run(today())["actions"].get("email") == 1
    (letter,) = db.session.scalars(sa.select(OutboxMessage))
    letter.next_attempt_at = datetime(2026, 1, 1, tzinfo=UTC)  # inside the sending hours, long due
    db.session.commit()
    assert sweep_outbox() == 1

    sign_in(page, live_server + "/", "acc@romashka.test")
    page.goto(live_server + "/home")
    banner = page.get_by_test_id("collection-banner")
    expect(banner).to_contain_text("1 счёт просрочен")
    expect(banner).to_contain_text(f"счёт № {late.number}")
    banner.get_by_role("link", name="Показать просроченные счета").click()
    page.locator("#invoice-rows").get_by_role("link", name=f"№ {late.number}", exact=True).click()
    expect(page).to_have_url(f"{live_server}/invoices/{late.id}")
    history = page.get_by_test_id("letters-sent")
    expect(history).to_contain_text("Напоминания по этому счёту")
    expect(history).to_contain_text(letter.subject)
    shot(page, "portal-reminder-history")
