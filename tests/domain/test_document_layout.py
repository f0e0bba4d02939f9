"""No text leaves its cell on the PDF documents, filled with the widest values they realistically hold:
amounts up to 999 999 999,99 (and -999 999 999,99 on a credit note) in every money column, the unit
«тыс. показов» and units of 20 characters, long legal names, a long line description.

WeasyPrint lays the document out once (``HTML.render()``, the layout ``write_pdf`` prints); every text
box is then held to the content box of the table cell it is in and to the page's content area. A cell
of ``table-layout: fixed`` never grows: text that does not fit (a ``nowrap`` amount, a word wider than
the column) runs over the cell's border, which is the defect these tests catch."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import weasyprint
from weasyprint.formatting_structure import boxes

from debitor.contracts.models import Contract
from debitor.db import db, frozen_clock
from debitor.documents.services import STATIC_URL, StaticFetcher, act_source, invoice_source, statement_source
from debitor.invoices.models import Invoice
from debitor.invoices.services import add_line, cancel_with_credit_note, issue_invoice
from debitor.payments.services import apply_payment
from tests import factories as f

WIDEST = 999_999_999_99  # kopecks: the widest amount a money cell is sized for
TOLERANCE = 0.5  # CSS px: rounding in the layout, far below a glyph's width

FORM = "Общество с ограниченной ответственностью"
ORG_NAME = f"{FORM} «Дебитор Медиа Северо-Западный региональный рекламный холдинг»"
CLIENT_NAME = f"{FORM} «Рекламно-производственная компания Первый Объединённый Медиахолдинг Поволжья»"
AGENCY_NAME = "Акционерное общество «Межрегиональное агентство интернет-рекламы и цифрового маркетинга Партнёрс»"
ADDRESS = "443080, Самарская обл., г. Самара, Московское шоссе, д. 41, корп. 2, строение 1, этаж 12, офис 1204-1207"
DESCRIPTION = (
    "Медийная реклама в сети Дебитор Медиа за март 2026 г.: баннеры 240×400 и 300×600 на главных страницах "
    "партнёрских площадок, таргетинг по регионам Поволжья, кампания utm_campaign=spring_brand_awareness_volga_2026"
)
# (description, quantity, unit, price in kopecks): the price and amount columns hold 999 997 999,99, the
# quantity 99 999,999, the units the demo's «тыс. показов» and two of up to 20 characters; the invoice's
# total is 999 999 999,99
LINES = (
    (DESCRIPTION, Decimal(1), "тыс. показов", WIDEST - 2_000_00),
    ("Медийная реклама, тыс. показов баннера в мобильных приложениях", Decimal("99999.999"), "тыс. показов баннера", 1),
    ("Видеореклама, тыс. просмотров роликов до 30 секунд", Decimal("99999.999"), "тыс. просмотров", 1),
)


# --- the check ----------------------------------------------------------------------------------------------


def overflows(html: str) -> list[str]:
    """Every piece of text of the rendered ``html`` that reaches outside its table cell's content box or
    outside the page's content area, as 'page N: «text» …' lines (empty when everything fits)."""
    document = weasyprint.HTML(string=html, base_url=STATIC_URL, url_fetcher=StaticFetcher()).render()
    found: list[str] = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box  # noqa: SLF001 - WeasyPrint's layout tree; its own tests read it so
        area = (page_box.content_box_x(), page_box.content_box_x() + page_box.width)
        _walk(page_box, None, area, f"page {number}", found)
    return found


def _walk(box, cell, area, where: str, found: list[str]) -> None:
    if isinstance(box, boxes.TableCellBox):
        cell = (box.content_box_x(), box.content_box_x() + box.width)
    if isinstance(box, boxes.TextBox) and box.text.strip():
        left, right = box.position_x, box.position_x + box.width
        for name, bounds in (("its cell", cell), ("the page", area)):
            if bounds is None:
                continue
            start, end = bounds
            if left < start - TOLERANCE or right > end + TOLERANCE:
                over = max(start - left, right - end)
                found.append(f"{where}: «{box.text.strip()}» runs {over:.1f}px out of {name}")
    for child in box.all_children() if isinstance(box, boxes.ParentBox) else ():
        _walk(child, cell, area, where, found)


def test_the_check_sees_text_running_out_of_a_cell():
    """The check itself: an amount in a fixed column too narrow for it is found, one that fits is not."""
    table = (
        '<table style="table-layout: fixed; width: 100mm"><tr><td style="width: {}mm; white-space: nowrap">'
        "999 999 999,99</td><td>x</td></tr></table>"
    )
    narrow = overflows(table.format(10))
    assert len(narrow) == 1 and "«999 999 999,99» runs" in narrow[0] and "its cell" in narrow[0]
    assert overflows(table.format(40)) == []
    assert "the page" in overflows('<p style="white-space: nowrap">' + "Ш" * 200 + "</p>")[0]


# --- the documents, filled to their widest -------------------------------------------------------------------


@pytest.fixture
def widest(app):
    """An invoice of 999 999 999,99 with the longest realistic names, lines and units, issued on 05.03.2026
    to a sub-client of an agency, by an organisation with a long name."""
    org = f.organisation()
    org.name, org.short_name, org.legal_address = ORG_NAME, ORG_NAME.replace(FORM, "ООО"), ADDRESS
    org.director_name, org.accountant_name = "Константинопольский-Щедрин А. В.", "Ковалёва-Воскресенская И. Н."
    agency = f.client(org, "Партнёрс", legal_name=AGENCY_NAME, legal_address=ADDRESS)
    client = f.client(org, "Поволжье", legal_name=CLIENT_NAME, legal_address=ADDRESS, parent_id=agency.id)
    signed = date(2025, 3, 14)
    contract = Contract(client=client, number="РК-2026/03-118-ПФО", signed_on=signed, starts_on=signed)
    db.session.add(contract)
    inv = Invoice(
        organisation=org,
        client=client,
        contract=contract,
        currency="RUB",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
    )
    db.session.add(inv)
    for description, quantity, unit, price in LINES:
        add_line(inv, description, quantity, price, unit=unit)
    issue_invoice(inv, on=date(2026, 3, 5))
    assert inv.total_kopecks == WIDEST and [line.amount_kopecks for line in inv.lines][0] == WIDEST - 2_000_00
    return inv


LOCALES = pytest.mark.parametrize("locale", ["ru", "en"])


@LOCALES
def test_invoice_text_stays_in_its_cells(widest, locale):
    assert overflows(invoice_source(widest, locale).printable_html()) == []


@LOCALES
def test_act_text_stays_in_its_cells(widest, locale):
    assert overflows(act_source(widest, locale).printable_html()) == []


@LOCALES
def test_credit_note_text_stays_in_its_cells(widest, locale):
    note = cancel_with_credit_note(widest, reason="ошибка в объёме", on=date(2026, 3, 6))
    html = invoice_source(note, locale).printable_html()
    assert "-999\u00a0999\u00a0999,99" in html or "-999,999,999.99" in html
    assert overflows(html) == []


@LOCALES
def test_statement_text_stays_in_its_cells(widest, locale):
    """Opening, turnover and closing balances of 999 999 999,99, an invoice and an agency's payment of as
    much (the row naming the agency), for the first quarter of 2026."""
    org, client = widest.organisation, widest.client
    f.issued(org, client, on=date(2025, 12, 5), lines=((1, WIDEST),))  # the opening balance
    by_agency = f.payment(org, client.parent, WIDEST, on=date(2026, 3, 20))
    by_agency.doc_number = "1234567"
    with frozen_clock(datetime(2026, 3, 20, 12, tzinfo=UTC)):  # applied the day it came in
        apply_payment(by_agency, widest)
    db.session.flush()
    source = statement_source(client, date(2026, 1, 1), date(2026, 3, 31), locale)
    widest_text = "999 999 999,99" if locale == "ru" else "999,999,999.99"
    # opening, the two rows, both turnovers, closing, and the closing again in the text below the table
    assert source.html.replace("\u00a0", " ").count(widest_text) == 7
    assert overflows(source.html) == []
