"""In Chromium: the clerk uploads a bank statement, watches the import's progress, resolves the payment
that was not matched by picking a suggestion; the client then sees its invoice paid in the portal."""

from datetime import date

import pytest
from playwright.sync_api import expect

from debitor.auth.models import Role
from debitor.db import db
from tests import factories as f
from tests.browser.conftest import shot, sign_in
from tests.conftest import run_jobs
from tests.onec_files import Doc, statement_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def data(app):
    org = f.organisation()
    known = f.client(org, "Ромашка")
    other = f.client(org, "Василёк")
    exact = f.issued(org, known, on=date(2026, 2, 2), lines=((1, 12_000_00),))
    waiting = f.issued(org, other, on=date(2026, 2, 3), lines=((1, 8_400_00),))
    f.portal_user(other, "buh@vasilek.test")
    f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    docs = [
        Doc(
            "501", "12000.00", f"Оплата по счету № {exact.number} от 02.02.2026. НДС не облагается", payer_inn=known.inn
        ),
        # paid by the client's new legal entity, whose INN we do not know yet
        Doc(
            "502",
            "8400.00",
            f"Оплата по сч. {waiting.number} от 03.02.2026 за ООО Василёк",
            payer_inn="500100732259",
            payer_name="ИП Васильев",
        ),  # fmt: skip
    ]
    return {"exact": exact, "waiting": waiting, "file": statement_bytes(docs)}


def test_clerk_imports_a_statement_and_resolves_the_unmatched_payment(app, page, live_server, data, tmp_path):
    path = tmp_path / "kl_to_1c.txt"
    path.write_bytes(data["file"])
    sign_in(page, live_server + "/staff/", "clerk@staff.test")
    page.goto(live_server + "/staff/statements")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Загрузить выписку").click()
    progress = page.get_by_test_id("statement-progress")
    expect(progress).to_have_attribute("data-state", "queued")
    expect(progress).to_contain_text("Ожидание обработчика")
    assert run_jobs(app) == 1  # the worker imports it; the polling fragment notices and the page reloads
    expect(page.get_by_test_id("statement-summary")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("statement-progress")).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("statement-payments")).to_contain_text("ИП Васильев")
    shot(page, "staff-statement-imported")

    page.get_by_role("link", name="ИП Васильев").click()
    expect(page.get_by_test_id("purpose")).to_contain_text(f"сч. {data['waiting'].number}")
    first = page.get_by_test_id("suggestion").first
    expect(first).to_contain_text(f"№ {data['waiting'].number}")
    expect(first).to_contain_text("Василёк")
    shot(page, "staff-payment-suggestions")
    first.get_by_test_id("apply-suggestion").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_test_id("allocation")).to_contain_text(f"№ {data['waiting'].number}")
    expect(page.get_by_test_id("unapplied")).to_contain_text("0,00")

    page.context.clear_cookies()
    sign_in(page, live_server + "/", "buh@vasilek.test")
    page.goto(f"{live_server}/invoices/{data['waiting'].id}")
    expect(page.locator("h1")).to_contain_text(f"№ {data['waiting'].number}")
    expect(page.locator("body")).to_contain_text("Оплачен")
