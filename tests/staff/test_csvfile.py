"""Every CSV the app writes neutralises text that a spreadsheet would run as a formula (issue 11, point 3:
payer names and purposes from a bank statement, and client names, went into CSV files verbatim)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from debitor import csvfile
from debitor.auth.models import Role
from debitor.db import db
from debitor.invoices.models import InvoiceState
from tests import factories as f
from tests.conftest import post_form
from tests.staff.test_payment_pages import _unknown_payment, signed_in
from tests.staff.test_payment_pages import world as world  # noqa: F401 - the fixture
from tests.staff.test_staff_invoice_table import row

HOSTILE = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.test","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_would_be_a_formula_is_neutralised(text):
    assert csvfile.cell(text) == "'" + text


def test_numbers_dates_and_plain_text_are_written_as_they_are():
    assert csvfile.cell(Decimal("-1500.5")) == "-1500,50"  # a negative balance is a number, not a formula
    assert csvfile.cell(-3) == "-3" and csvfile.cell(None) == ""
    assert csvfile.cell(date(2026, 6, 13)) == "13.06.2026"
    assert csvfile.cell("ООО «Ромашка» = лучшие") == "ООО «Ромашка» = лучшие"


def read(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))


def test_the_reconciliation_csv_neutralises_a_statements_payer_and_purpose(app, world):  # noqa: F811
    payment = _unknown_payment(world, "50.00", '=HYPERLINK("http://evil.test","Оплата")')
    payment.payer_name = "=cmd|' /C calc'!A0"
    db.session.commit()
    c = signed_in(app)
    rows = read(c.get("/staff/reconciliation.csv?date_from=2026-01-01&date_to=2026-12-31"))
    cells = [value for r in rows for value in r]
    assert "'=cmd|' /C calc'!A0" in cells and '\'=HYPERLINK("http://evil.test","Оплата")' in cells
    assert all(is_number(v) for v in cells if v.startswith(csvfile.FORMULA_STARTS))  # only amounts like -50,00


def is_number(text: str) -> bool:
    return text.lstrip("-").replace(",", "", 1).isdigit()


def test_the_invoice_csv_neutralises_client_names(app):
    org = f.organisation()
    hostile = f.client(org, "@SUM(1+1)*cmd|' /C calc'!A0")
    row(org, hostile, InvoiceState.ISSUED)
    f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    c = app.test_client()
    post_form(c, "/staff/", {"email": "clerk@staff.test", "password": f.PASSWORD})
    r = post_form(c, "/staff/invoices/export?format=csv&status=all", {}, page="/staff/invoices", buffered=True)
    (header, first) = read(r)
    assert first[1] == "'@SUM(1+1)*cmd|' /C calc'!A0"
