"""The filter controls always say what the URL says: on reload, Back and Forward (issue 12, point 6: after
Back the table showed the filtered rows with the controls empty or at «Все»)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.test_shells import data as data  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_portal_invoice_filters_follow_back_and_forward(page, live_server, data):  # noqa: F811
    sign_in(page, live_server + "/", "acc@romashka.test")
    page.goto(live_server + "/invoices")
    status, number = page.locator("select[name=status]"), page.locator("input[name=q]")
    page.select_option("select[name=status]", "overdue")
    expect(page).to_have_url(re.compile(r"status=overdue"))
    number.fill(data["overdue"].number)
    expect(page).to_have_url(re.compile(rf"q={data['overdue'].number}"))
    page.select_option("select[name=status]", "paid")
    expect(page).to_have_url(re.compile(r"status=paid"))
    expect(page.locator("#invoice-rows tbody tr")).to_have_count(0)

    page.go_back()
    expect(page).to_have_url(re.compile(r"status=overdue.*&q=\d"))
    expect(status).to_have_value("overdue")
    expect(number).to_have_value(data["overdue"].number)
    page.go_back()
    expect(page).to_have_url(re.compile(r"status=overdue(&from=&to=&q=)?$"))
    expect(number).to_have_value("")
    page.go_back()
    expect(status).to_have_value("")  # «Все»
    expect(page.locator("#invoice-rows tbody tr")).to_have_count(2)
    page.go_forward()
    expect(status).to_have_value("overdue")
    expect(page.locator("#invoice-rows tbody tr")).to_have_count(1)
    page.reload()
    expect(status).to_have_value("overdue")


def test_staff_table_filters_follow_back_and_forward(page, live_server, data):  # noqa: F811
    sign_in(page, live_server + "/staff/", "clerk@staff.test")
    page.goto(live_server + "/staff/invoices")
    search, late = page.locator("#invoice-q"), page.locator("#invoice-late")
    search.fill("Ромашка")
    expect(page).to_have_url(re.compile(r"q=%D0%A0"))
    late.fill("5")
    late.dispatch_event("change")
    expect(page).to_have_url(re.compile(r"overdue_min_days=5"))
    expect(page.locator("#invoice-table tbody tr")).to_have_count(1)

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"overdue_min_days"))
    expect(late).to_have_value("")
    expect(search).to_have_value("Ромашка")
    page.go_back()
    expect(search).to_have_value("")
    page.go_forward()
    expect(search).to_have_value("Ромашка")
    page.go_forward()
    expect(late).to_have_value("5")
    expect(page.locator("#invoice-table tbody tr")).to_have_count(1)
    page.reload()
    expect(late).to_have_value("5")
    expect(search).to_have_value("Ромашка")
