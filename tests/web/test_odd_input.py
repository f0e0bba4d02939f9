"""Odd input gets a page, a 404 or a field error, never a server error (issue 12, points 3–5): search text
that str.isdigit() calls digits, numbers past 64 bits in paths, query strings and forms, absurd amounts,
unknown query parameters, and paging with every filter. Runs on SQLite and on PostgreSQL (CI), whose
integer columns overflow where SQLite's do not."""

import pytest

from tests.conftest import post_form
from tests.portal.test_invoice_pages import numbers, signed_in
from tests.portal.test_invoice_pages import world as world  # noqa: F401 - the fixture

HUGE = "99999999999999999999"  # past 2**64
NOT_ASCII = ["²", "٣", "①", "99999999999999999999999", "-1", "0", "1e3", "№ ²"]


@pytest.mark.parametrize("text", NOT_ASCII)
def test_any_search_text_gives_a_list(app, world, text):  # noqa: F811
    portal = signed_in(app, "acc@romashka.test")
    staff = signed_in(app, "clerk@staff.test", staff=True)
    r = portal.get("/invoices", query_string={"q": text})
    assert r.status_code in (200, 400), text
    assert numbers(r.get_data(as_text=True)) == set()
    r = staff.get("/staff/invoices", query_string={"q": text, "status": "all"})
    assert r.status_code == 200 and 'data-testid="query-errors"' not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [f"/invoices/{HUGE}", f"/invoices/{HUGE}/pdf", f"/invoices/{HUGE}/act.pdf", "/invoices/²", "/invoices/٣"],
)
def test_ids_beyond_64_bits_in_portal_paths_are_not_found(app, world, url):  # noqa: F811
    assert signed_in(app, "acc@romashka.test").get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [f"/staff/clients/{HUGE}", f"/staff/clients/{HUGE}/edit", f"/staff/invoices/{HUGE}", f"/staff/payments/{HUGE}",
     f"/staff/statements/{HUGE}", f"/staff/mail/{HUGE}", f"/staff/exports/{HUGE}", f"/staff/invoices/{HUGE}/pdf",
     f"/staff/clients?page={HUGE}", f"/staff/payments?page={HUGE}0000"],
)  # fmt: skip
def test_ids_and_pages_beyond_64_bits_in_staff_urls_are_not_found(app, world, url):  # noqa: F811
    assert signed_in(app, "clerk@staff.test", staff=True).get(url).status_code == 404


@pytest.mark.parametrize("param", ["client_id", "manager_id"])
def test_a_huge_id_in_the_staff_table_is_a_field_error(app, world, param):  # noqa: F811
    r = signed_in(app, "clerk@staff.test", staff=True).get(f"/staff/invoices?{param}={HUGE}")
    assert r.status_code == 400 and "Неверный идентификатор" in r.get_data(as_text=True)


def test_other_huge_query_ids_open_the_page_without_the_filter(app, world):  # noqa: F811
    staff = signed_in(app, "clerk@staff.test", staff=True)
    assert staff.get(f"/staff/payments?statement={HUGE}").status_code == 200
    assert staff.get(f"/staff/invoices/new?client_id={HUGE}").status_code == 200  # back to choosing a client
    assert signed_in(app, "acc@romashka.test").get(f"/invoices?page={HUGE}").status_code == 404


def test_an_absurd_line_amount_is_a_field_error_and_saves_nothing(app, world):  # noqa: F811
    staff = signed_in(app, "clerk@staff.test", staff=True)
    url = f"/staff/invoices/new?client_id={world['a'].id}"
    line = {"client_id": world["a"].id, "lines-0-description": "Размещение рекламы", "lines-0-unit": "шт"}
    for quantity, price, field in [
        ("999999999999", "999999999999", "lines.0.price"),  # each fits, their product does not
        ("1", "99999999999999999999", "lines.0.price"),
        ("99999999999999999999", "1", "lines.0.quantity"),
    ]:
        r = post_form(staff, url, {**line, "lines-0-quantity": quantity, "lines-0-price": price})
        assert r.status_code == 400 and f'data-error-for="{field}"' in r.get_data(as_text=True), (quantity, price)
    from debitor.db import db
    from debitor.invoices.models import Invoice

    assert db.session.query(Invoice).count() == 3  # the world's, nothing new


def test_unknown_query_parameters_are_ignored_on_pages(app, world):  # noqa: F811
    portal = signed_in(app, "acc@romashka.test")
    for url in ["/invoices?utm_source=mail", "/statement?utm_source=mail&from=2026-01-01", "/home?fbclid=x"]:
        assert portal.get(url).status_code == 200, url
    staff = signed_in(app, "clerk@staff.test", staff=True)
    for url in ["/staff/invoices?utm_source=mail", "/staff/reconciliation?date_from=2026-01-01&date_to=2026-01-31&x=1"]:
        assert staff.get(url).status_code == 200, url


def test_portal_paging_keeps_its_filter(app, world):  # noqa: F811
    portal = signed_in(app, "acc@romashka.test")
    app.config["PAGE_SIZE"], size = 1, app.config["PAGE_SIZE"]
    try:
        first = portal.get("/invoices?status=paid&page=1")
        assert first.status_code == 200 and numbers(first.get_data(as_text=True)) == {world["old"].number}
        everything = portal.get("/invoices?page=2").get_data(as_text=True)
        assert numbers(everything) == {world["old"].number} and "status=&amp;page=1" not in everything
        assert "page=2" in portal.get("/invoices?page=1").get_data(as_text=True)  # the pager links on
    finally:
        app.config["PAGE_SIZE"] = size


def test_a_russian_date_in_a_link_is_understood(app, world):  # noqa: F811
    portal = signed_in(app, "acc@romashka.test")
    r = portal.get("/invoices?from=01.03.2026&to=31.03.2026")
    assert r.status_code == 200 and numbers(r.get_data(as_text=True)) == {world["new"].number}
    bad = portal.get("/invoices?from=31.02.2026")
    assert bad.status_code == 400 and "Неверная дата" in bad.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    ["/staff/reconciliation?date_from=9999-06-01&date_to=9999-12-31",
     "/staff/reconciliation.csv?date_from=9999-06-01&date_to=9999-12-31",
     "/staff/onec/export.xml?date_from=9999-06-01&date_to=9999-12-31",
     "/staff/invoices?issued_from=9999-12-31", "/staff/invoices?issued_to=0001-01-01"],
)  # fmt: skip
def test_dates_no_document_has_are_a_field_error(app, world, url):  # noqa: F811
    assert signed_in(app, "clerk@staff.test", staff=True).get(url).status_code == 400
    assert signed_in(app, "acc@romashka.test").get("/statement?from=9999-12-31").status_code == 400


@pytest.mark.parametrize("price", ["1e1000000", "1e999997", "1e3", "1E+2", "NaN", "Infinity", "--1", "1.2.3"])
def test_amounts_with_exponents_or_no_digits_are_a_field_error(app, world, price):  # noqa: F811
    staff = signed_in(app, "clerk@staff.test", staff=True)
    data = {"client_id": world["a"].id, "lines-0-description": "Размещение рекламы", "lines-0-unit": "шт",
            "lines-0-quantity": "1", "lines-0-price": price}  # fmt: skip
    r = post_form(staff, f"/staff/invoices/new?client_id={world['a'].id}", data)
    assert r.status_code == 400 and 'data-error-for="lines.0.price"' in r.get_data(as_text=True)


def test_a_line_field_with_thousands_of_digits_is_refused_not_a_500(app, world):  # noqa: F811
    staff = signed_in(app, "clerk@staff.test", staff=True)
    data = {"client_id": world["a"].id, f"lines-{'9' * 5000}-description": "x"}
    assert post_form(staff, f"/staff/invoices/new?client_id={world['a'].id}", data).status_code == 400


def test_identifiers_in_unicode_digits_are_a_field_error(app, world):  # noqa: F811
    staff = signed_in(app, "clerk@staff.test", staff=True)
    base = {"legal_name": "ООО «Проба»", "short_name": "Проба", "inn": "7707083893", "language": "ru"}
    for field, value in [("ogrn", "²" * 15), ("ogrn", "٣" * 13), ("kpp", "٣٣٣٣AA٣٣٣"), ("inn", "٧٧٠٧٠٨٣٨٩٣")]:
        r = post_form(staff, "/staff/clients/new", {**base, field: value})
        assert r.status_code == 400 and f'data-error-for="{field}"' in r.get_data(as_text=True), (field, value)


def test_a_table_cursor_with_a_number_no_row_has_is_a_field_error(app, world):  # noqa: F811
    from datetime import date

    from debitor.invoices.queries import Cursor

    staff = signed_in(app, "clerk@staff.test", staff=True)
    for cursor in [Cursor("due_on", "asc", date(2026, 1, 1), 2**70, False), Cursor("total", "desc", 2**70, 1, False)]:
        r = staff.get("/staff/invoices", query_string={"cursor": cursor.encode(), "status": "all"})
        assert r.status_code == 400, cursor


def test_the_tables_total_counts_credit_notes_negative(app, world):  # noqa: F811
    import re

    from debitor.invoices.services import cancel_with_credit_note

    cancel_with_credit_note(world["new"], reason="ошибка")
    from debitor.db import db

    db.session.commit()
    page = signed_in(app, "clerk@staff.test", staff=True).get("/staff/invoices?status=all").get_data(as_text=True)
    amount = re.search(r'data-testid="totals-amount">([^<]*)<', page).group(1)
    # 1 000 + 2 500 + the draft's 600 − the credit note's 2 500 = 1 600,00
    assert re.sub(r"[^\d,−-]", "", amount) == "1600,00", amount


def test_a_number_with_its_year_finds_that_years_invoice_everywhere(app, world):  # noqa: F811
    from datetime import date

    from debitor.db import db
    from tests import factories as f

    last_year = f.issued(world["org"], world["a"], on=date(2025, 6, 1), lines=((1, 700_00),))
    last_year.number_seq = world["new"].number_seq  # the same number, a year apart
    db.session.commit()
    n = world["new"].number_seq
    portal = signed_in(app, "acc@romashka.test")
    assert numbers(portal.get(f"/invoices?q={n}").get_data(as_text=True)) == {str(n)}
    both = portal.get(f"/invoices?q={n}").get_data(as_text=True)
    assert f"/invoices/{world['new'].id}" in both and f"/invoices/{last_year.id}" in both
    only = portal.get(f"/invoices?q=№ {n}/2025").get_data(as_text=True)
    assert f"/invoices/{last_year.id}" in only and f"/invoices/{world['new'].id}" not in only
    staff = signed_in(app, "clerk@staff.test", staff=True)
    table = staff.get(f"/staff/invoices?status=all&q={n}/2026").get_data(as_text=True)
    assert f"/staff/invoices/{world['new'].id}" in table and f'/staff/invoices/{last_year.id}"' not in table
