"""Screenshots of the main pages for the README, taken from a running instance (``./dev up``).

    .venv/bin/python tools/screenshots.py [--base http://127.0.0.1:8000]

It also walks the "forgot password" flow through the worker and the local mail sink, so it doubles
as a smoke test of the whole run command.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sign_in(page, url: str, email: str, password: str) -> None:
    page.goto(url)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def export_page(staff, base: str) -> None:
    """The page of a whole-table export the worker writes: only when the instance sends the demo's few
    hundred invoices to the worker (DEBITOR_INVOICE_CSV_MAX_ROWS=100); otherwise the file just downloads."""
    staff.goto(base + "/staff/invoices?status=all")
    try:
        with staff.expect_navigation(url=re.compile(r".*/staff/exports/\d+$"), timeout=5000):
            staff.click("[data-testid=export-csv]")
    except PlaywrightError:  # a timeout, or the download aborting the navigation: no export page here
        print("staff-export.png kept: run ./dev up with DEBITOR_INVOICE_CSV_MAX_ROWS=100 to retake it")
        return
    staff.wait_for_selector("[data-testid=export-download]", timeout=60_000)
    staff.wait_for_load_state("networkidle")
    staff.screenshot(path=OUT / "staff-export.png", full_page=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 860}, locale="ru-RU")
        page.goto(base + "/")
        page.screenshot(path=OUT / "portal-login.png")
        sign_in(page, base + "/", "client@debitor.local", "demo-client-2026")
        expect(page).to_have_url(base + "/home")
        page.screenshot(path=OUT / "portal-home.png", full_page=True)
        page.goto(base + "/invoices")
        page.screenshot(path=OUT / "portal-invoices.png", full_page=True)
        page.click("#invoice-rows tbody tr >> nth=0 >> a")
        page.screenshot(path=OUT / "portal-invoice.png", full_page=True)
        page.goto(base + "/statement")
        page.screenshot(path=OUT / "portal-statement.png", full_page=True)

        staff = browser.new_page(viewport={"width": 1366, "height": 860}, locale="ru-RU")
        sign_in(staff, base + "/staff/", "clerk@debitor.local", "demo-staff-2026")
        expect(staff).to_have_url(base + "/staff/home")
        staff.screenshot(path=OUT / "staff-home.png", full_page=True)
        for name, path in [
            ("staff-invoices", "/staff/invoices"),
            ("staff-clients", "/staff/clients"),
            ("staff-payments", "/staff/payments?state=open"),
            ("staff-tasks", "/staff/tasks"),
        ]:
            staff.goto(base + path)
            staff.screenshot(path=OUT / f"{name}.png", full_page=True)
        staff.goto(base + "/staff/clients")
        staff.click("#client-rows tbody tr >> nth=0 >> a")
        staff.screenshot(path=OUT / "staff-client.png", full_page=True)

        # 1C: the statements (the demo imported one; the scheduler picks the next up from the exchange folder)
        staff.goto(base + "/staff/statements")
        for _ in range(90):
            if staff.locator("table tbody tr").count() >= 2:
                break
            time.sleep(1)
            staff.reload()
        staff.screenshot(path=OUT / "staff-statements.png", full_page=True)
        staff.click("table tbody tr >> nth=-1 >> a")
        staff.screenshot(path=OUT / "staff-statement.png", full_page=True)
        staff.goto(base + "/staff/payments?state=open")
        staff.click("#payment-rows tbody tr >> nth=0 >> a")
        staff.screenshot(path=OUT / "staff-payment.png", full_page=True)
        staff.goto(base + "/staff/reconciliation")
        staff.screenshot(path=OUT / "staff-reconciliation.png", full_page=True)
        export_page(staff, base)

        anon = browser.new_page()
        anon.goto(base + "/forgot")
        anon.fill("input[name=email]", "client@debitor.local")
        anon.click("main form button.btn-primary")
        staff.goto(base + "/staff/mail")
        for _ in range(30):  # the worker delivers it to the mail sink within seconds
            if staff.locator("#sink li").count():
                break
            time.sleep(1)
            staff.reload()
        expect(staff.locator("#sink")).to_contain_text("client@debitor.local")
        staff.screenshot(path=OUT / "staff-mail.png", full_page=True)
        browser.close()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
