"""A credit note never reads as a bill to pay (issue 12, point 1): its own status, a negative amount in
every list, and a PDF without the bank's payment block or QR code."""

from datetime import date

import pytest

from debitor.auth.models import Role
from debitor.db import db
from debitor.documents.services import invoice_document
from debitor.invoices.services import cancel_with_credit_note
from tests import factories as f
from tests.conftest import post_form
from tests.domain.test_documents import pdf_text


@pytest.fixture
def note(app):
    org = f.organisation()
    client = f.client(org, "Ромашка")
    inv = f.issued(org, client, on=date(2026, 2, 10), lines=((1, 902_760_00),))
    note = cancel_with_credit_note(inv, reason="ошибка в сумме", on=date(2026, 2, 12))
    f.portal_user(client, "acc@romashka.test")
    f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    return note


def signed_in(app, url, email):
    c = app.test_client()
    assert post_form(c, url, {"email": email, "password": f.PASSWORD}).status_code == 303
    return c


def row_of(html: str, number: str) -> str:
    start = html.index(f"№&nbsp;{number}" if f"№&nbsp;{number}" in html else f"№ {number}")
    return html[start : html.index("</tr>", start)]


def test_the_portal_shows_a_credit_note_as_one(app, note):
    portal = signed_in(app, "/", "acc@romashka.test")
    for url in ("/home", "/invoices?status=credit", "/invoices"):
        row = row_of(portal.get(url).get_data(as_text=True), note.number)
        assert "Корректировочный счёт" in row and "Ожидает оплаты" not in row, url
        assert "−902\u00a0760,00" in row or "-902\u00a0760,00" in row, url
    page = portal.get(f"/invoices/{note.id}").get_data(as_text=True)
    assert "Корректировочный счёт" in page and "Ожидает оплаты" not in page


def test_the_staff_table_and_page_show_a_credit_note_as_one(app, note):
    staff = signed_in(app, "/staff/", "clerk@staff.test")
    row = row_of(staff.get("/staff/invoices?status=all").get_data(as_text=True), note.number)
    assert "Корректировочный счёт" in row and "Ожидает оплаты" not in row
    assert "−902\u00a0760,00" in row or "-902\u00a0760,00" in row
    page = staff.get(f"/staff/invoices/{note.id}").get_data(as_text=True)
    assert "Ожидает оплаты" not in page


def test_a_credit_notes_pdf_has_no_payment_details(app, note):
    text = pdf_text(invoice_document(note, "ru").content)
    assert "Корректировочный счёт (сторно)" in text
    assert "Банк получателя" not in text and "БИК" not in text.split("Поставщик")[0]
    invoice_text = pdf_text(invoice_document(note.corrects, "ru").content)
    assert "Банк получателя" in invoice_text  # the invoice itself keeps them
