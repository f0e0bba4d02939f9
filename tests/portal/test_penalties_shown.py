"""Penalties shown once the policy's penalty step was taken: a worked table on the staff and the portal
invoice pages, and per invoice on the statement of account (screen and PDF)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from debitor.auth.models import Role
from debitor.collection.client_view import penalty_shown
from debitor.collection.defaults import install_defaults
from debitor.collection.run import run
from debitor.collection.services import set_key_rate
from debitor.dates import today
from debitor.db import db
from debitor.documents.statement import statement_of_account
from debitor.money import format_money
from tests import factories as f
from tests.domain.test_documents import pdf_text
from tests.portal.test_invoice_pages import signed_in

DUE = date(2026, 3, 10)  # a Tuesday: the penalty runs from Wednesday the 11th


def ru(kopecks: int) -> str:
    return format_money(kopecks, "RUB", "ru")


@pytest.fixture
def world(app):
    install_defaults()
    set_key_rate(date(2025, 1, 1), Decimal("21"))  # statutory interest: the invoice has no contract
    org = f.organisation()
    client = f.client(org, "Ромашка")
    inv = f.issued(org, client, on=date(2026, 2, 28))
    f.portal_user(client, "acc@romashka.test")
    f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    return org, client, inv


def interest(base: int, days: int) -> int:
    return int((Decimal(base) * 21 * days / (100 * 365)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_no_penalty_is_shown_before_the_step(app, world):
    _org, _client, inv = world
    assert penalty_shown(inv, DUE + timedelta(days=20)) is None
    assert 'data-testid="penalty"' not in signed_in(app, "acc@romashka.test").get(f"/invoices/{inv.id}").get_data(
        as_text=True
    )


def test_the_worked_table_on_both_invoice_pages_and_the_statement(app, world):
    org, client, inv = world
    run(DUE + timedelta(days=10))  # the second notice and the penalty step
    db.session.commit()
    total = inv.total_kopecks
    # a partial payment on the 20th lowers the base from the 21st
    from debitor.payments.services import apply_payment

    apply_payment(f.payment(org, client, total // 2, on=date(2026, 3, 20)), inv)
    db.session.commit()
    as_of = date(2026, 3, 31)
    penalty = penalty_shown(inv, as_of)
    first, second = interest(total, 10), interest(total - total // 2, 11)  # 11–20 March, 21–31 March
    assert [(r.start, r.end, r.base_kopecks, r.amount_kopecks) for r in penalty.rows] == [
        (date(2026, 3, 11), date(2026, 3, 20), total, first),
        (date(2026, 3, 21), as_of, total - total // 2, second),
    ]
    assert penalty.total_kopecks == first + second
    st = statement_of_account(client.id, date(2026, 1, 1), as_of)
    assert [(p.number, p.days, p.total_kopecks) for p in st.penalties] == [(inv.number, 21, first + second)]
    page = signed_in(app, "acc@romashka.test").get("/statement?from=2026-01-01&to=2026-03-31").get_data(as_text=True)
    shown = page[page.index('data-testid="statement-penalties"') :]
    assert f"Счёт № {inv.number}" in shown and "21 день" in shown and ru(first + second) in shown
    pdf = signed_in(app, "acc@romashka.test").get("/statement.pdf?from=2026-01-01&to=2026-03-31")
    text = " ".join(pdf_text(pdf.get_data()).replace("\u00a0", " ").split())
    assert "Справочно: неустойка (пени), начисленная по состоянию на 31.03.2026" in text
    assert f"Итого пени {ru(first + second).replace(chr(0xA0), ' ').removesuffix(' ₽')}" in text
    for c, url in ((signed_in(app, "acc@romashka.test"), f"/invoices/{inv.id}"),
                   (signed_in(app, "clerk@staff.test", staff=True), f"/staff/invoices/{inv.id}")):  # fmt: skip
        html = c.get(url).get_data(as_text=True)
        table = html[html.index('data-testid="penalty"') :]
        assert "21 % годовых / 365" in table and ru(total) in table and ru(total - total // 2) in table
        today_penalty = penalty_shown(inv, today())
        assert f'data-testid="penalty-total">{ru(today_penalty.total_kopecks)}' in table
