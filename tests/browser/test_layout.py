"""Pages fit the screens people use (issue 12, point 13): the admin's menu at 1366 px, the English portal's
figures on one line, and the portal invoice list on a 390 px phone with its amounts and status in view.
Each check takes a screenshot into test-artifacts/ to look at."""

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
    a = f.client(org, "Ромашка Диджитал Медиа Групп")
    big = f.issued(org, a, lines=((1, 1_677_385_00),))
    f.issued(org, a, lines=((3, 299_999_99),))
    user = f.portal_user(a, "acc@romashka.test")
    admin = f.staff(Role.ADMIN, "admin@staff.test")
    admin.name = "Администратор Константинопольский"
    db.session.commit()
    return {"big": big, "user": user}


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def inside(page, locator) -> None:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (box, width)


def test_the_admins_menu_fits_1366(page, live_server, data):
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, live_server + "/staff/", "admin@staff.test")
    expect(page).to_have_url(live_server + "/staff/home")
    no_sideways_scroll(page)
    for name in ("Главная", "Задачи", "Счета", "Платежи", "Банк и 1С", "Клиенты", "Почта", "Пользователи"):
        inside(page, page.locator("#snav .nav-link", has_text=name))
    page.click("[data-testid=user-menu]")
    inside(page, page.get_by_role("button", name="Выйти"))
    shot(page, "layout-staff-1366")
    page.get_by_role("button", name="Выйти").click()
    expect(page).to_have_url(live_server + "/staff/")


def test_english_figures_stay_on_one_line(page, live_server, data):
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, live_server + "/", "acc@romashka.test")
    page.click("button[name=lang][value=en]")
    expect(page.get_by_test_id("balance")).to_contain_text("RUB")
    for width in (1366, 1024, 800):
        page.set_viewport_size({"width": width, "height": 800})
        lines = page.evaluate(
            """() => [...document.querySelectorAll('.kpi .value')].map(
                 el => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)))"""
        )
        assert lines and all(n == 1 for n in lines), (width, lines)
        spill = page.evaluate(
            """() => [...document.querySelectorAll('.kpi .value')].map(
                 el => el.scrollWidth - el.closest('.card-body').clientWidth + 32)"""  # 32: the body's padding
        )
        assert all(n <= 1 for n in spill), (width, spill)
    shot(page, "layout-portal-home-en")


def test_the_portal_invoice_list_fits_a_phone(page, live_server, data):
    sign_in(page, live_server + "/", "acc@romashka.test")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/invoices")
    for row in page.locator("#invoice-rows tbody tr").all():  # a phone stacks them: each in view
        for cell in ("to-pay", "amount-xs", "status-xs"):
            expect(row.get_by_test_id(cell)).to_be_visible()
            inside(page, row.get_by_test_id(cell))
    expect(page.locator("#invoice-rows tbody")).to_contain_text("1\u00a0677\u00a0385,00")
    no_sideways_scroll(page)
    assert page.evaluate("(() => { const t = document.querySelector('#invoice-rows .table-responsive');"
                         " return t.scrollWidth <= t.clientWidth + 1; })()")  # fmt: skip
    shot(page, "layout-portal-invoices-390")
    page.goto(live_server + "/home")
    no_sideways_scroll(page)
    shot(page, "layout-portal-home-390")


def test_each_sign_in_page_shows_a_link_to_the_other_not_its_markup(page, live_server):
    for url, name, target in [("/", "Вход для сотрудников", "/staff/"), ("/staff/", "Личный кабинет клиента", "/")]:
        page.goto(live_server + url)
        expect(page.locator("body")).not_to_contain_text("<a")  # issue 12, point 7: the HTML was printed
        link = page.get_by_role("link", name=name)
        expect(link).to_be_visible()
        link.click()
        expect(page).to_have_url(live_server + target)
    shot(page, "layout-sign-in")
