"""The staff invoice table: filters, search, sorting, keyset pages, totals, bad query strings, bulk
issue / send again with per-invoice savepoints, CSV and XLSX exports, and who may do what."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from debitor.auth.models import Role, StaffUser
from debitor.dates import today
from debitor.db import db, utcnow
from debitor.exports.models import Export, ExportState
from debitor.invoices.models import Invoice, InvoiceKind, InvoiceState
from debitor.invoices.queries import Cursor, InvoiceTableQuery
from debitor.outbox.models import OutboxMessage
from jobs.tasks import export_invoices, sweep_exports
from tests import factories as f
from tests.conftest import csrf_token, post_form, run_jobs

IDS = re.compile(r'name="ids" value="(\d+)"')
_numbers = itertools.count(1)


def staff(role: Role, email: str):
    """A staff user who reads the workspace in English (the messages asserted on are the msgids)."""
    user = f.staff(role, email)
    user.locale = "en"
    return user


def row(org, client, state=InvoiceState.ISSUED, *, issued=None, due=None, total=100_00, paid=0, number=None, kind=None):
    """An invoice row as it would be after its services ran (no lines: the table never reads them).

    A shortcut past the services: the table's tests need many rows in given states, dates and amounts,
    and the table reads only these columns; the services' own tests cover how rows get there."""
    t = today()
    draft = state == InvoiceState.DRAFT
    credit_note = kind == InvoiceKind.CREDIT_NOTE  # no due date: nothing to collect
    issued = None if draft else (issued or t - timedelta(days=5))
    inv = Invoice(
        organisation_id=org.id,
        client_id=client.id,
        kind=kind or InvoiceKind.INVOICE,
        state=state,
        number_year=None if draft else issued.year,
        number_seq=None if draft else (number or 1000 + next(_numbers)),
        currency="RUB",
        issued_on=issued,
        due_on=None if draft or credit_note else (due or issued + timedelta(days=10)),
        total_kopecks=total,
        subtotal_kopecks=total,
        paid_kopecks=paid,
    )
    db.session.add(inv)
    db.session.flush()
    return inv


@pytest.fixture
def world(app):
    org = f.organisation()
    am1, am2 = staff(Role.ACCOUNT_MANAGER, "am1@staff.test"), staff(Role.ACCOUNT_MANAGER, "am2@staff.test")
    alfa = f.client(org, "Альфа Медиа", account_manager_id=am1.id, inn="7701234566")  # a valid ИНН
    yolka = f.client(org, "Ёлка Реклама", account_manager_id=am2.id)
    beta = f.client(org, "Бета Софт", account_manager_id=am1.id)
    t = today()
    inv = {
        "overdue_40": row(org, alfa, due=t - timedelta(days=40), issued=t - timedelta(days=50), total=400_00),
        "overdue_5": row(org, yolka, InvoiceState.PARTIALLY_PAID, due=t - timedelta(days=5), total=300_00, paid=100_00),
        "due_later": row(org, beta, due=t + timedelta(days=7), issued=t - timedelta(days=3), total=200_00, number=42),
        "paid": row(org, alfa, InvoiceState.PAID, issued=t - timedelta(days=90), total=500_00, paid=500_00),
        "cancelled": row(org, beta, InvoiceState.CANCELLED, issued=t - timedelta(days=60), total=50_00),
        "draft": row(org, yolka, InvoiceState.DRAFT, total=70_00),
    }
    staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    return {"org": org, "am1": am1, "am2": am2, "alfa": alfa, "yolka": yolka, "beta": beta, "inv": inv}


def login(app, email="clerk@staff.test"):
    c = app.test_client()
    assert post_form(c, "/staff/", {"email": email, "password": f.PASSWORD}).status_code == 303
    return c


def shown(c, url, **kw) -> list[int]:
    r = c.get(url, **kw)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return [int(x) for x in IDS.findall(r.get_data(as_text=True))]


def ids(world, *names) -> list[int]:
    return [world["inv"][n].id for n in names]


# --- filters, search, sorting ----------------------------------------------------------------------


def test_default_is_open_invoices_most_overdue_first(app, world):
    c = login(app)
    assert shown(c, "/staff/invoices") == ids(world, "overdue_40", "overdue_5", "due_later")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("status=overdue", ["overdue_40", "overdue_5"]),
        ("status=draft", ["draft"]),
        ("status=paid", ["paid"]),
        ("status=cancelled", ["cancelled"]),
        ("status=partially_paid", ["overdue_5"]),
        (
            "status=all&sort=total&direction=desc",
            ["paid", "overdue_40", "overdue_5", "due_later", "draft", "cancelled"],
        ),
        ("overdue_min_days=30", ["overdue_40"]),
        ("status=all&overdue_min_days=1", ["overdue_5", "overdue_40"]),  # newest first
    ],
)
def test_status_and_overdue_filters(app, world, args, expected):
    assert shown(login(app), f"/staff/invoices?{args}") == ids(world, *expected)


def test_client_manager_and_period_filters(app, world):
    c = login(app)
    t = today()
    alfa, am1 = world["alfa"].id, world["am1"].id
    assert shown(c, f"/staff/invoices?status=all&client_id={alfa}") == ids(world, "overdue_40", "paid")
    assert shown(c, f"/staff/invoices?manager_id={am1}") == ids(world, "overdue_40", "due_later")
    assert shown(c, f"/staff/invoices?status=all&manager_id={am1}&sort=issued_on&direction=asc") == ids(
        world, "paid", "cancelled", "overdue_40", "due_later"
    )
    period = f"issued_from={t - timedelta(days=60)}&issued_to={t - timedelta(days=10)}"
    assert shown(c, f"/staff/invoices?status=all&{period}") == ids(world, "overdue_40", "cancelled")
    page = c.get(f"/staff/invoices?client_id={alfa}").get_data(as_text=True)
    assert "Альфа Медиа" in page and f'name="client_id" value="{alfa}"' in page  # the chip keeps the client
    assert f"/staff/invoices/new?client_id={alfa}" in page  # a draft for this client
    assert "/staff/invoices/new" not in c.get("/staff/invoices").get_data(as_text=True)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("42", ["due_later"]),  # the number
        ("№ 42", ["due_later"]),
        ("№42", ["due_later"]),
        ("альфа", ["overdue_40", "paid"]),  # the client's name, any case
        ("АЛЬФА МЕД", ["overdue_40", "paid"]),
        ("ЁЛКА", ["overdue_5", "draft"]),  # ё = е, both ways
        ("елка", ["overdue_5", "draft"]),
        ("7701", ["overdue_40", "paid"]),  # INN prefix
        ("7701234566", ["overdue_40", "paid"]),
        ("12345", []),
        ("нет такого", []),
        ("100%_", []),  # LIKE wildcards are plain characters
    ],
)
def test_search(app, world, q, expected):
    c = login(app)
    result = shown(
        c, "/staff/invoices", query_string={"status": "all", "q": q, "sort": "issued_on", "direction": "desc"}
    )
    assert sorted(result) == sorted(ids(world, *expected))


@pytest.mark.parametrize(
    ("sort", "direction", "expected"),
    [
        ("total", "asc", ["due_later", "overdue_5", "overdue_40"]),
        ("outstanding", "desc", ["overdue_40", "due_later", "overdue_5"]),  # 400, 200, 200 (300 − 100): ties by id
        ("due_on", "desc", ["due_later", "overdue_5", "overdue_40"]),
    ],
)
def test_sorting(app, world, sort, direction, expected):
    assert shown(login(app), f"/staff/invoices?sort={sort}&direction={direction}") == ids(world, *expected)


def test_sorting_by_client_and_number(app, world):
    c = login(app)
    by_client = f"/staff/invoices?status=all&manager_id={world['am1'].id}&sort=client&direction=asc"
    assert shown(c, by_client) == ids(world, "overdue_40", "paid", "due_later", "cancelled")  # Альфа, then Бета
    issued = [i for i in world["inv"].values() if i.number_seq]
    expected = [i.id for i in sorted(issued, key=lambda i: (i.number_year, i.number_seq))]
    assert shown(c, "/staff/invoices?status=all&sort=number&direction=asc") == expected + ids(world, "draft")


def test_sort_headers_toggle_and_keep_the_filters(app, world):
    am1 = world["am1"].id
    page = login(app).get(f"/staff/invoices?manager_id={am1}").get_data(as_text=True)
    assert f"manager_id={am1}&amp;sort=total&amp;direction=desc" in page
    assert f"manager_id={am1}&amp;direction=desc" in page  # the active column (due date) turns round


def test_totals_cover_the_whole_filtered_set(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "INVOICE_TABLE_PAGE_SIZE", 1)
    body = login(app).get("/staff/invoices").get_data(as_text=True)
    assert len(IDS.findall(body)) == 1
    totals = re.search(r'data-testid="totals">(.*?)</tr>', body, re.S).group(1)
    assert "3 invoices" in totals
    amount = re.search(r'data-testid="totals-amount">([^<]*)<', body).group(1)
    owing = re.search(r'data-testid="totals-outstanding">([^<]*)<', body).group(1)
    assert re.sub(r"\D", "", amount) == "90000" and re.sub(r"\D", "", owing) == "80000"  # 900,00 and 800,00


def test_totals_function_matches_the_rows(app, world):
    from debitor.invoices.queries import totals

    for status in ("open", "overdue", "all", "paid", "draft", "partially_paid"):
        query = InvoiceTableQuery().load({"status": status})
        got = totals(query, today=today())
        rows = [i for i in world["inv"].values() if status == "all" or _in_status(i, status)]
        assert got.count == len(rows), status
        assert got.total_kopecks == sum(i.total_kopecks for i in rows), status
        assert got.outstanding_kopecks == sum(i.outstanding_kopecks for i in rows), status


def _in_status(inv: Invoice, status: str) -> bool:
    if status == "open":
        return inv.state in (InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID)
    if status == "overdue":
        return inv.days_overdue(today()) > 0
    return inv.state == status


# --- keyset pages ----------------------------------------------------------------------------------


@pytest.fixture
def many(app):
    """~120 invoices with many equal sort keys (ties broken by id) and drafts (NULL dates and numbers)."""
    org = f.organisation()
    clients = [f.client(org, f"Клиент {n}") for n in range(4)]
    t = today()
    for n in range(120):
        state = InvoiceState.DRAFT if n % 10 == 0 else InvoiceState.ISSUED
        kind = InvoiceKind.CREDIT_NOTE if n % 10 == 5 else InvoiceKind.INVOICE
        issued = t - timedelta(days=n % 9)
        due = issued + timedelta(days=n % 3)
        row(org, clients[n % 4], state, issued=issued, due=due, total=(n % 5 + 1) * 100_00, kind=kind)
    staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()


def walk(c, url: str) -> tuple[list[int], list[list[int]]]:
    """Follow "next" to the end; return every id in order and the pages."""
    pages = []
    while url:
        body = c.get(url).get_data(as_text=True)
        pages.append([int(x) for x in IDS.findall(body)])
        found = re.search(r'rel="next" href="([^"]+)"', body)
        url = found.group(1).replace("&amp;", "&") if found else None
        assert len(pages) < 100
    return [i for p in pages for i in p], pages


def expected_order(sort: str, direction: str, status: str = "all") -> list[int]:
    invoices = db.session.scalars(sa.select(Invoice)).all()
    if status == "open":
        invoices = [i for i in invoices if i.state != InvoiceState.DRAFT and i.kind == InvoiceKind.INVOICE]
    elif status != "all":
        invoices = [i for i in invoices if i.state == status]

    def key(i):
        value = {
            "due_on": i.due_on,
            "issued_on": i.issued_on,
            "total": i.total_kopecks,
            "number": i.number_seq and i.number_year * 10**9 + i.number_seq,
        }[sort]
        return value

    with_key = [i for i in invoices if key(i) is not None]
    nulls = [i for i in invoices if key(i) is None]
    ordered = sorted(with_key, key=lambda i: (key(i), i.id)) + sorted(nulls, key=lambda i: i.id)  # NULLs greatest
    ids_ = [i.id for i in ordered]
    return ids_ if direction == "asc" else ids_[::-1]


@pytest.mark.parametrize(
    ("status", "sort", "direction"),
    [
        ("open", "due_on", "asc"),
        ("issued", "due_on", "asc"),  # credit notes have no due date
        ("issued", "due_on", "desc"),
        ("all", "due_on", "asc"),
        ("all", "due_on", "desc"),
        ("all", "issued_on", "desc"),
        ("all", "issued_on", "asc"),
        ("all", "number", "asc"),
        ("all", "total", "desc"),
    ],
)
def test_keyset_pages_have_no_duplicates_or_gaps(app, many, monkeypatch, status, sort, direction):
    monkeypatch.setitem(app.config, "INVOICE_TABLE_PAGE_SIZE", 7)
    c = login(app)
    order, pages = walk(c, f"/staff/invoices?status={status}&sort={sort}&direction={direction}")
    assert order == expected_order(sort, direction, status)
    assert all(len(p) == 7 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 7
    # and back again from the last page with "previous"
    body = c.get(_last_page_url(c, f"/staff/invoices?status={status}&sort={sort}&direction={direction}")).get_data(
        as_text=True
    )
    back = []
    while True:
        back = [int(x) for x in IDS.findall(body)] + back
        found = re.search(r'rel="prev" href="([^"]+)"', body)
        if not found:
            break
        body = c.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert back == order


def _last_page_url(c, url):
    while True:
        found = re.search(r'rel="next" href="([^"]+)"', c.get(url).get_data(as_text=True))
        if not found:
            return url
        url = found.group(1).replace("&amp;", "&")


def test_open_means_invoices_awaiting_payment_not_credit_notes(app, world):
    note = row(world["org"], world["alfa"], kind=InvoiceKind.CREDIT_NOTE, total=100_00)
    db.session.commit()
    c = login(app)
    assert note.id not in shown(c, "/staff/invoices")
    assert note.id in shown(c, "/staff/invoices?status=issued")
    body = c.get("/staff/invoices?status=issued").get_data(as_text=True)
    assert re.sub(r"\D", "", re.search(r'data-testid="totals-outstanding">([^<]*)<', body).group(1)) == "60000"


def test_pages_use_no_offset(app, many):
    from debitor.invoices.queries import page_select

    cursor = Cursor("due_on", "asc", today(), 5)
    query = InvoiceTableQuery().load({"status": "all", "sort": "due_on", "cursor": cursor.encode()})
    sql = str(page_select(query, today(), 50).compile(dialect=postgresql.dialect()))
    assert "OFFSET" not in sql.upper() and "LIMIT" in sql.upper() and "(invoices.due_on, invoices.id) >" in sql


# --- bad query strings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field", "text"),
    [
        ("status=bogus", "status", "bogus"),
        ("sort=colour", "sort", "colour"),
        ("direction=sideways", "direction", "sideways"),
        ("issued_from=2026-13-45", "issued_from", "YYYY-MM-DD"),
        ("issued_from=2026-05-01&issued_to=2026-04-01", "issued_to", "ends before it starts"),
        ("overdue_min_days=0", "overdue_min_days", "1"),
        ("client_id=abc", "client_id", ""),
        ("cursor=not-a-cursor", "cursor", "first page"),
    ],
)
def test_bad_query_values_answer_400_with_the_reason(app, world, args, field, text):
    c = login(app)
    r = c.get(f"/staff/invoices?{args}")
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    errors = re.search(r'data-testid="query-errors">(.*?)</div>\s*</div>', body, re.S).group(1)
    assert text in errors
    assert c.get(f"/staff/invoices?{args}", headers={"HX-Request": "true"}).status_code == 400


def test_a_cursor_for_another_sort_is_refused(app, world):
    cursor = Cursor("total", "desc", 100_00, 1).encode()
    r = login(app).get(f"/staff/invoices?sort=due_on&cursor={cursor}")
    assert r.status_code == 400


def test_htmx_gets_the_fragment_with_the_state_out_of_band(app, world):
    body = login(app).get("/staff/invoices?status=all&sort=total", headers={"HX-Request": "true"}).get_data(True)
    assert "<html" not in body and 'id="invoice-bulk"' in body
    assert 'id="invoice-table-state" hx-swap-oob="true"' in body and 'name="sort" value="total"' in body


# --- bulk actions ----------------------------------------------------------------------------------


@pytest.fixture
def drafts(app):
    org = f.organisation()
    ok, mute = f.client(org, "С контактами"), f.client(org, "Без контактов", contact_email=None)
    invoices = [f.draft(org, ok), f.draft(org, mute), f.draft(org, ok)]
    staff(Role.CLERK, "clerk@staff.test")
    staff(Role.ACCOUNT_MANAGER, "am@staff.test")
    db.session.commit()
    return [i.id for i in invoices]


def test_bulk_issue_issues_each_and_reports_the_one_that_fails(app, drafts):
    c = login(app)
    r = post_form(c, "/staff/invoices/bulk?status=draft", {"action": "issue", "ids": drafts}, page="/staff/invoices")
    assert r.status_code == 303 and r.headers["Location"] == "/staff/invoices?status=draft"
    db.session.expire_all()
    first, failed, third = (db.session.get(Invoice, i) for i in drafts)
    assert first.state == third.state == InvoiceState.ISSUED
    assert (first.number_seq, third.number_seq) == (1, 2)  # the failed one gave its number back
    assert failed.state == InvoiceState.DRAFT and failed.number_seq is None and failed.issued_on is None
    sent = db.session.scalars(sa.select(OutboxMessage.invoice_id)).all()
    assert sorted(sent) == [first.id, third.id]
    page = c.get("/staff/invoices?status=draft").get_data(as_text=True)
    assert f"draft #{failed.id} (Без контактов): Client Без контактов has no billing contact" in page
    assert "2 invoices issued and sent" in page


def test_bulk_issue_over_htmx_answers_with_the_updated_table(app, drafts):
    c = login(app)
    token = csrf_token(c, "/staff/invoices")
    r = c.post(
        "/staff/invoices/bulk?status=draft",
        data={"action": "issue", "ids": [drafts[0]], "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in body
    assert "1 invoice issued and sent" in body
    assert [int(x) for x in IDS.findall(body)] == drafts[:0:-1]  # the issued one left; drafts newest first


def test_bulk_send_again_and_refusals(app, drafts):
    c = login(app)
    post_form(c, "/staff/invoices/bulk", {"action": "issue", "ids": [drafts[0]]}, page="/staff/invoices")
    r = post_form(c, "/staff/invoices/bulk", {"action": "resend", "ids": drafts[:2]}, page="/staff/invoices")
    assert r.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2  # issued + resent
    page = c.get("/staff/invoices").get_data(as_text=True)
    assert "1 invoice queued for sending again" in page and f"draft #{drafts[1]}" in page
    r = post_form(c, "/staff/invoices/bulk", {"action": "issue", "ids": []}, page="/staff/invoices")
    assert r.status_code == 303 and "Select at least one invoice" in c.get("/staff/invoices").get_data(as_text=True)
    bad = post_form(c, "/staff/invoices/bulk", {"action": "delete", "ids": drafts}, page="/staff/invoices")
    assert bad.status_code == 400


def test_account_manager_may_view_but_not_bulk_issue(app, drafts):
    c = login(app, "am@staff.test")
    page = c.get("/staff/invoices?status=draft")
    assert page.status_code == 200 and "Issue and send" not in page.get_data(as_text=True)
    r = post_form(c, "/staff/invoices/bulk", {"action": "issue", "ids": drafts}, page="/staff/invoices")
    assert r.status_code == 403
    db.session.expire_all()
    assert all(db.session.get(Invoice, i).state == InvoiceState.DRAFT for i in drafts)


# --- exports -----------------------------------------------------------------------------------------


def test_export_csv_of_the_filtered_set_and_of_a_selection(app, world):
    c = login(app)
    url = "/staff/invoices/export?format=csv&status=all&sort=total&direction=desc"
    r = post_form(c, url, {}, page="/staff/invoices", buffered=True)  # read the stream inside the request
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    raw = r.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 6
    header, first = rows[0], rows[1]
    assert len(header) == len(first) == 11
    paid = world["inv"]["paid"]
    assert first[0] == str(paid.number_seq) and first[1] == "Альфа Медиа" and first[2] == "7701234566"
    assert first[3] == paid.issued_on.strftime("%d.%m.%Y")
    assert first[6] == "500,00" and first[7] == "500,00" and first[8] == "0,00"
    overdue = next(r for r in rows if r[0] == str(world["inv"]["overdue_40"].number_seq))
    assert overdue[5] == "40" and overdue[8] == "400,00"
    sel = ids(world, "overdue_5", "draft")
    url = "/staff/invoices/export?format=csv&scope=selected"
    r = post_form(c, url, {"ids": sel}, page="/staff/invoices", buffered=True)
    rows = list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3 and {r[1] for r in rows[1:]} == {"Ёлка Реклама"}
    assert next(r for r in rows[1:] if r[0] == "")[8] == "0,00"  # the draft: no number, nothing owed


def test_export_xlsx_opens_and_holds_numbers(app, world):
    c = login(app)
    r = post_form(c, "/staff/invoices/export?format=xlsx", {}, page="/staff/invoices")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    with zipfile.ZipFile(io.BytesIO(r.get_data())) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        assert "xl/styles.xml" in book.namelist()
    assert "<v>400</v>" in sheet  # 400,00 ₽ as a number (formatted #,##0.00 in the sheet)
    assert "<v>200</v>" in sheet and "Альфа Медиа" in sheet
    serial = (world["inv"]["overdue_40"].due_on - date(1899, 12, 30)).days
    assert f"<v>{serial}</v>" in sheet  # the due date as an Excel date


def test_export_of_nothing_selected_goes_back(app, world):
    c = login(app)
    r = post_form(c, "/staff/invoices/export?format=xlsx&scope=selected&status=all", {}, page="/staff/invoices")
    assert r.status_code == 303 and r.headers["Location"] == "/staff/invoices?status=all"


def test_a_set_too_big_for_one_request_is_written_by_a_worker(app, world, monkeypatch):
    url = "/staff/invoices/export?format=csv&status=all&sort=total&direction=desc"
    c = login(app)
    inline = post_form(c, url, {}, page="/staff/invoices", buffered=True).get_data()
    monkeypatch.setitem(app.config, "INVOICE_CSV_MAX_ROWS", 2)
    assert 'title="A worker writes this file' in c.get("/staff/invoices?status=all").get_data(as_text=True)
    r = post_form(c, url, {}, page="/staff/invoices")
    assert r.status_code == 303
    page_url = r.headers["Location"]
    export = db.session.scalar(sa.select(Export))
    assert page_url == f"/staff/exports/{export.id}" and export.state == ExportState.QUEUED
    assert export.rows_expected == 6 and export.params["status"] == "all" and export.locale == "en"
    page = c.get(page_url).get_data(as_text=True)
    assert 'data-state="queued"' in page and f'hx-get="/staff/exports/{export.id}/status"' in page
    assert c.get(f"/staff/exports/{export.id}/download").status_code == 404  # nothing to download yet

    assert run_jobs(app) == 1
    status = c.get(f"/staff/exports/{export.id}/status", headers={"HX-Request": "true"})
    assert 'data-state="done"' in status.get_data(as_text=True) and "hx-get" not in status.get_data(as_text=True)
    assert "6 invoices" in status.get_data(as_text=True) and status.headers["HX-Refresh"] == "true"
    assert re.search(r"· \d+(\.\d)?\xa0KB ·", status.get_data(as_text=True))  # its size, as people read it
    download = c.get(f"/staff/exports/{export.id}/download", buffered=True)
    assert download.status_code == 200 and download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert download.headers["Content-Disposition"] == f'attachment; filename="invoices-{today().isoformat()}.csv"'
    assert download.get_data() == inline  # the same file the request would have written
    assert f"invoices-{today().isoformat()}.csv" in c.get("/staff/exports").get_data(as_text=True)

    db.session.expire_all()
    finished = db.session.get(Export, export.id).finished_at
    assert export_invoices(export.id) == {"state": "done", "rows": 6}  # a second run of the job: nothing
    db.session.expire_all()
    assert db.session.get(Export, export.id).finished_at == finished


def test_a_big_xlsx_export_and_one_that_fails(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "INVOICE_XLSX_MAX_ROWS", 2)
    c = login(app)
    r = post_form(c, "/staff/invoices/export?format=xlsx", {}, page="/staff/invoices")  # 3 open invoices
    assert r.status_code == 303 and r.headers["Location"].startswith("/staff/exports/")
    run_jobs(app)
    download = c.get(r.headers["Location"] + "/download", buffered=True)
    with zipfile.ZipFile(io.BytesIO(download.get_data())) as book:
        assert "Альфа Медиа" in book.read("xl/worksheets/sheet1.xml").decode()

    def broken(*args, **kw):
        raise OSError("disk full")

    monkeypatch.setattr("debitor.invoices.export.write_xlsx", broken)
    r = post_form(c, "/staff/invoices/export?format=xlsx", {}, page="/staff/invoices")
    run_jobs(app)
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="export-error"' in page and "could not be written" in page and "download" not in page
    assert db.session.scalar(sa.select(Export.error).order_by(Export.id.desc()).limit(1)) == "OSError: disk full"


def test_more_rows_than_an_excel_sheet_holds_are_refused_with_the_reason(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "INVOICE_XLSX_MAX_ROWS", 1)
    monkeypatch.setattr("debitor.exports.services.XLSX_MAX_ROWS", 2)
    c = login(app)
    r = post_form(c, "/staff/invoices/export?format=xlsx", {}, page="/staff/invoices")  # 3 open invoices
    assert r.status_code == 303 and r.headers["Location"] == "/staff/invoices"
    assert "do not fit on one Excel sheet" in c.get("/staff/invoices").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Export)) == 0
    url = "/staff/invoices/export?format=xlsx&scope=selected"
    selected = post_form(c, url, {"ids": ids(world, "paid")}, page="/staff/invoices")
    assert selected.status_code == 200  # a selection is small by nature


def test_an_export_is_its_authors(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "INVOICE_CSV_MAX_ROWS", 1)
    staff(Role.CLERK, "clerk2@staff.test")
    staff(Role.ADMIN, "admin@staff.test")
    db.session.commit()
    c = login(app)
    url = post_form(c, "/staff/invoices/export?format=csv", {}, page="/staff/invoices").headers["Location"]
    run_jobs(app)
    other, admin = login(app, "clerk2@staff.test"), login(app, "admin@staff.test")
    for path in (url, url + "/status", url + "/download"):
        assert other.get(path).status_code == 404 and admin.get(path, buffered=True).status_code == 200
    assert "No exports" in other.get("/staff/exports").get_data(as_text=True)


def test_the_sweep_requeues_lost_exports_and_deletes_old_ones(app, world):
    clerk = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == "clerk@staff.test"))
    now = utcnow()

    def export(state, created, started=None):
        e = Export(created_by_id=clerk.id, format="csv", params={"status": "all"}, as_of=today(), state=state,
                   filename="x.csv", created_at=created, started_at=started, rows_expected=6)  # fmt: skip
        db.session.add(e)
        return e

    lost = export(ExportState.QUEUED, now - timedelta(minutes=5))
    dead = export(ExportState.RUNNING, now - timedelta(hours=2), started=now - timedelta(hours=2))
    fresh = export(ExportState.QUEUED, now)
    old = export(ExportState.DONE, now - timedelta(hours=25))
    db.session.commit()
    ids_ = {e.id for e in (lost, dead, fresh, old)}
    assert sweep_exports() == {"queued": 2, "purged": 1}
    assert run_jobs(app) == 2
    states = dict(db.session.execute(sa.select(Export.id, Export.state).where(Export.id.in_(ids_))).all())
    assert states == {lost.id: ExportState.DONE, dead.id: ExportState.DONE, fresh.id: ExportState.QUEUED}
