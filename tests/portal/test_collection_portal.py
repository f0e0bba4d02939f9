"""The client's side of collection: a banner for its due and overdue documents, and under each invoice the
letters that went out about it and when — only its own, only what was sent, never a body or a staff note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from debitor.collection.defaults import install_defaults
from debitor.collection.run import run
from debitor.dates import today
from debitor.db import db
from debitor.outbox.models import OutboxMessage
from jobs.tasks import sweep_outbox
from tests import factories as f
from tests.portal.test_invoice_pages import signed_in


@pytest.fixture
def world(app):
    install_defaults()
    org = f.organisation()
    mine, other = f.client(org, "Ромашка"), f.client(org, "Лютик")
    t = today()  # the factory's client pays in 10 days
    late = f.issued(org, mine, on=t - timedelta(days=23), lines=((1, 1000_00),))
    soon = f.issued(org, mine, on=t - timedelta(days=9), lines=((1, 2500_00),))
    later = f.issued(org, mine, on=t, lines=((1, 700_00),))
    theirs = f.issued(org, other, on=t - timedelta(days=30), lines=((1, 9000_00),))
    f.portal_user(mine, "acc@romashka.test")
    db.session.commit()
    return {"org": org, "late": late, "soon": soon, "later": later, "theirs": theirs}


def test_the_banner_lists_the_clients_overdue_and_due_documents(app, world):
    c = signed_in(app, "acc@romashka.test")
    for page in ("/home", "/invoices"):
        html = c.get(page).get_data(as_text=True)
        banner = html[html.index('data-testid="collection-banner"') :].split("</div>\n</div>")[0]
        assert "1 счёт просрочен: 1\u00a0000,00\u00a0₽ к оплате" in banner
        assert "1 счёт скоро к оплате: 2\u00a0500,00\u00a0₽" in banner
        assert f"счёт № {world['late'].number}," in banner and f"счёт № {world['soon'].number}," in banner
        assert "/invoices?status=overdue" in banner
        assert f"№ {world['later'].number}" not in banner and f"№ {world['theirs'].number}" not in banner


def test_no_banner_when_nothing_is_due(app, world):
    f.portal_user(f.client(world["org"], "Пусто"), "empty@client.test")
    db.session.commit()
    assert 'data-testid="collection-banner"' not in signed_in(app, "empty@client.test").get("/home").get_data(
        as_text=True
    )


def test_the_invoice_page_shows_what_was_sent_about_it_and_when(app, world, smtp):
    assert run(today())["actions"].get("email", 0) >= 2  # the late one's notice, the other client's
    for message in db.session.scalars(sa.select(OutboxMessage)):
        message.next_attempt_at = datetime(2026, 1, 1, tzinfo=UTC)  # inside the sending hours, long due
        message.body_text += "\nВнутренняя пометка бухгалтера"  # a body never shows in the portal
    db.session.commit()
    assert sweep_outbox() >= 2
    c = signed_in(app, "acc@romashka.test")
    late = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.invoice_id == world["late"].id))
    html = c.get(f"/invoices/{world['late'].id}").get_data(as_text=True)
    sent = html[html.index('data-testid="letters-sent"') :]
    assert "Напоминания по этому счёту" in sent and late.subject in sent
    assert "Внутренняя пометка" not in html
    other = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.invoice_id == world["theirs"].id))
    assert other.subject not in html
    later = c.get(f"/invoices/{world['later'].id}").get_data(as_text=True)
    assert "Мы не отправляли напоминаний по нему." in later
    assert c.get(f"/invoices/{world['theirs'].id}").status_code == 404
