"""A client and a clerk log in in Chromium and see what they should."""

import re

import pytest
from playwright.sync_api import expect

from debitor.auth.models import Role
from debitor.db import db
from tests import factories as f
from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def data(app):
    org = f.organisation()
    a, b = f.client(org, "Ромашка"), f.client(org, "Василёк")
    overdue = f.issued(org, a, lines=((1, 1500_00),))
    overdue.due_on = overdue.issued_on.replace(year=overdue.issued_on.year - 1)
    fresh = f.issued(org, a, lines=((2, 1000_00),))
    other = f.issued(org, b, lines=((1, 777_77),))
    f.portal_user(a, "acc@romashka.test")
    f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    return {"overdue": overdue, "fresh": fresh, "other": other}


def test_client_sees_own_balance_and_filters_invoices(page, live_server, data):
    sign_in(page, live_server + "/", "acc@romashka.test")
    expect(page).to_have_url(live_server + "/home")
    expect(page.get_by_test_id("balance")).to_have_text(re.compile(r"3\s500,00\s₽"))
    expect(page.get_by_test_id("overdue")).to_have_text(re.compile(r"1\s500,00\s₽"))
    expect(page.locator("body")).not_to_contain_text("Василёк")
    shot(page, "portal-home")
    page.click("text=Все счета")
    expect(page.locator("#invoice-rows tbody tr")).to_have_count(2)
    page.select_option("select[name=status]", "overdue")  # HTMX swaps the rows and pushes the URL
    expect(page).to_have_url(re.compile(r"/invoices\?status=overdue"))
    expect(page.locator("#invoice-rows tbody tr")).to_have_count(1)
    expect(page.locator("#invoice-rows")).to_contain_text(f"№ {data['overdue'].number}")
    page.reload()
    expect(page.locator("#invoice-rows tbody tr")).to_have_count(1)
    page.click(f"#invoice-rows >> text=№ {data['overdue'].number}")  # the row, not the banner naming it
    expect(page.locator("h1")).to_contain_text(f"Счёт № {data['overdue'].number}")
    expect(page.locator("body")).to_contain_text("Просроч")


def test_clerk_sees_the_counts(page, live_server, data):
    sign_in(page, live_server + "/staff/", "clerk@staff.test")
    expect(page).to_have_url(live_server + "/staff/home")
    expect(page.get_by_test_id("count-open-invoices")).to_have_text("3")
    expect(page.get_by_test_id("count-overdue")).to_have_text("1")
    expect(page.get_by_test_id("count-unmatched")).to_have_text("0")
    shot(page, "staff-home")
    page.click("nav >> text=Клиенты")
    page.fill("input[name=q]", "Васил")
    expect(page.locator("#client-rows tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=%D0%92%D0%B0%D1%81%D0%B8%D0%BB"))
