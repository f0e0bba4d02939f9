"""In Chromium: a client opens an invoice, downloads its PDF and filters the list; a clerk issues a
draft and sees it sent."""

import io
import re
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from debitor.auth.models import Role
from debitor.db import db
from debitor.payments.services import apply_payment
from tests import factories as f
from tests.browser.conftest import shot, sign_in
from tests.conftest import run_jobs

pytestmark = pytest.mark.browser


@pytest.fixture
def data(app):
    org = f.organisation()
    a = f.client(org, "Ромашка", legal_name="ООО «Ромашка»", contact_email="buh@romashka.test")
    paid = f.issued(org, a, on=date(2026, 2, 2), lines=((1, 5000_00),))
    apply_payment(f.payment(org, a, 5000_00), paid)
    open_ = f.issued(org, a, on=date(2026, 11, 2), lines=((1500, 12_50), (1, 4000_00)))
    draft = f.draft(org, a, lines=((3, 700_00),))
    f.portal_user(a, "acc@romashka.test")
    f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    return {"paid": paid, "open": open_, "draft": draft}


def test_client_opens_invoice_downloads_pdf_and_filters(page, live_server, data):
    sign_in(page, live_server + "/", "acc@romashka.test")
    page.click("nav >> text=Счета")
    expect(page.locator("#invoice-rows tbody tr")).to_have_count(2)
    page.select_option("select[name=status]", "paid")
    expect(page).to_have_url(re.compile(r"status=paid"))
    expect(page.locator("#invoice-rows tbody tr")).to_have_count(1)
    page.select_option("select[name=status]", "")
    page.click(f"#invoice-rows >> text=№ {data['open'].number}")
    expect(page.locator("h1")).to_contain_text(f"№ {data['open'].number}")
    shot(page, "portal-invoice")
    with page.expect_download() as info:
        page.get_by_test_id("invoice-pdf").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.path().read_bytes())).pages)
    assert f"№ {data['open'].number}" in text and "ООО «Ромашка»" in text and "НДС 22" in text


def test_clerk_issues_a_draft_and_sees_it_sent(app, page, live_server, data, smtp):
    sign_in(page, live_server + "/staff/", "clerk@staff.test")
    page.goto(f"{live_server}/staff/invoices/{data['draft'].id}")
    page.get_by_test_id("issue").click()
    expect(page.locator(".alert-success")).to_be_visible()
    number = re.search(r"№ (\d+)", page.locator("h1").inner_text()).group(1)
    assert run_jobs(app) == 1  # the worker delivers it
    assert [m["To"] for m in smtp.messages] == ["buh@romashka.test"]
    page.reload()
    expect(page.locator("body")).to_contain_text("Письмо отправлено")
    shot(page, "staff-invoice-sent")
    assert number
