"""The staff pages of cash application: statement upload and its progress, the clerk's queue, one
payment with suggestions, matching by hand and splitting, unapplying, the reconciliation report."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role
from debitor.clients.models import ClientInn
from debitor.db import db
from debitor.invoices.models import InvoiceState
from debitor.payments.models import (
    BankStatement,
    Payment,
    PaymentAllocation,
    PaymentRefund,
    PaymentState,
    StatementState,
)
from debitor.payments.services import unapplied_credit
from debitor.timeline.models import Event
from tests import factories as f
from tests.conftest import csrf_token, post_form, run_jobs
from tests.onec_files import Doc, statement_bytes

UNKNOWN_INN = "500100732259"


@pytest.fixture
def world(app):
    org = f.organisation()
    c = f.client(org, "Василёк")
    a = f.issued(org, c, on=date(2026, 2, 3), lines=((1, 8_400_00),))
    b = f.issued(org, c, on=date(2026, 2, 4), lines=((1, 1_600_00),))
    clerk = f.staff(Role.CLERK, "clerk@staff.test")
    f.staff(Role.ACCOUNT_MANAGER, "am@staff.test")
    db.session.commit()
    return {"org": org, "client": c, "a": a, "b": b, "clerk": clerk}


def signed_in(app, email="clerk@staff.test"):
    c = app.test_client()
    assert post_form(c, "/staff/", {"email": email, "password": f.PASSWORD}).status_code == 303
    return c


def upload(c, data: bytes, name="kl_to_1c.txt"):
    token = csrf_token(c, "/staff/statements")
    return c.post(
        "/staff/statements",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_is_imported_by_the_worker_with_progress(app, world):
    c = signed_in(app)
    data = statement_bytes([Doc("1", "8400.00", f"Оплата по сч. {world['a'].number}", payer_inn=world["client"].inn)])
    r = upload(c, data)
    assert r.status_code == 303
    st = db.session.scalars(sa.select(BankStatement)).one()
    assert st.state == StatementState.QUEUED and st.created_by_id == world["clerk"].id
    fragment = c.get(f"/staff/statements/{st.id}/progress", headers={"HX-Request": "true"})
    assert 'data-state="queued"' in fragment.get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in fragment.get_data(as_text=True)
    assert run_jobs(app) == 1
    done = c.get(f"/staff/statements/{st.id}/progress", headers={"HX-Request": "true"})
    assert done.headers.get("HX-Refresh") == "true"
    body = done.get_data(as_text=True)
    assert 'data-state="done"' in body and "every 1s" not in body
    db.session.refresh(st)
    assert st.sha256 == hashlib.sha256(data).hexdigest()  # taken while the worker read the stored bytes
    page = c.get(f"/staff/statements/{st.id}").get_data(as_text=True)
    assert "ИНН " + world["client"].inn in page
    db.session.refresh(world["a"])
    assert world["a"].state == InvoiceState.PAID
    other = _unknown_payment(world, "1.00", "другая выписка", number="5")
    listed = c.get(f"/staff/payments?statement={st.id}").get_data(as_text=True)
    assert f"/staff/payments/{other.id}" not in listed and "ИНН " + world["client"].inn in listed
    assert run_jobs(app) == 0  # nothing left; the stored bytes are gone
    assert db.session.scalar(sa.text("SELECT count(*) FROM statement_files")) == 0


@pytest.mark.parametrize(
    "data, name, words",
    [
        (b"", "empty.txt", "пуст"),
        (b"%PDF-1.4 not a statement", "statement.pdf", "не банковская выписка 1С"),
    ],
)
def test_upload_refuses_what_is_not_a_statement(app, world, data, name, words):
    c = signed_in(app)
    r = upload(c, data, name)
    assert r.status_code == 400
    assert words in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BankStatement)) == 0


def test_failed_import_shows_the_line(app, world):
    c = signed_in(app)
    data = statement_bytes([Doc("1", "10.00", "x", payer_inn="")]).replace(
        b"\xd1\xf3\xec\xec\xe0=10.00", b"\xd1\xf3\xec\xec\xe0=1O.00"
    )
    upload(c, data)
    run_jobs(app)
    st = db.session.scalars(sa.select(BankStatement)).one()
    assert st.state == StatementState.FAILED
    page = c.get(f"/staff/statements/{st.id}").get_data(as_text=True)
    assert "Строка 23" in page and "1O.00" in page and "Сумма" in page and "ничего не учтено" in page


def _unknown_payment(world, amount="8400.00", purpose=None, number="77"):
    from debitor.payments.importing import new_statement, run

    purpose = purpose or f"Оплата по сч. {world['a'].number} от 03.02.2026 за ООО Василёк"
    data = statement_bytes([Doc(number, amount, purpose, payer_inn=UNKNOWN_INN, payer_name="ИП Васильев")])
    st = new_statement("cli", "s.txt", data)
    db.session.commit()
    run(st, io.BytesIO(data))
    return db.session.scalars(sa.select(Payment).where(Payment.doc_number == number)).one()


def test_payment_page_explains_and_suggests(app, world):
    p = _unknown_payment(world)
    c = signed_in(app)
    body = c.get(f"/staff/payments/{p.id}").get_data(as_text=True)
    assert "Ни у одного клиента нет ИНН плательщика 500100732259" in body
    assert f"Счёт № {world['a'].number}" in body and 'name="remember_inn"' in body
    queue = c.get("/staff/payments?state=open").get_data(as_text=True)
    assert "ИП Васильев" in queue


def test_applying_a_suggestion_and_remembering_the_inn(app, world):
    p = _unknown_payment(world)
    c = signed_in(app)
    r = post_form(
        c,
        f"/staff/payments/{p.id}/apply",
        {"rows-0-invoice_id": world["a"].id, "rows-0-amount": "8400.00", "reason": "suggestion", "remember_inn": "1"},
        page=f"/staff/payments/{p.id}",
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert world["a"].state == InvoiceState.PAID and p.client_id == world["client"].id
    assert (
        db.session.scalars(sa.select(ClientInn.client_id).where(ClientInn.inn == UNKNOWN_INN)).one()
        == world["client"].id
    )
    kinds = db.session.scalars(sa.select(Event.kind).where(Event.client_id == world["client"].id)).all()
    assert "payment_applied" in kinds and "client_updated" in kinds
    # the next payment from that INN is recognised without a clerk
    nxt = _unknown_payment(world, "1600.00", f"по счету {world['b'].number}", number="78")
    assert nxt.client_id == world["client"].id and nxt.match_confidence >= 90


def test_split_by_hand_then_unapply_and_apply_again(app, world):
    p = _unknown_payment(world, "10000.00", "Оплата за рекламу")
    c = signed_in(app)
    page = f"/staff/payments/{p.id}"
    form = {
        "rows-0-invoice": world["a"].number,
        "rows-0-amount": "8 400,00",
        "rows-1-invoice": f"№ {world['b'].number}",
    }
    assert post_form(c, f"{page}/apply", form, page=page).status_code == 303
    db.session.expire_all()
    assert world["a"].state == InvoiceState.PAID and world["b"].state == InvoiceState.PAID
    assert p.unapplied_kopecks == 0 and len(p.allocations) == 2
    alloc = next(a for a in p.allocations if a.invoice_id == world["b"].id)
    assert post_form(c, f"{page}/allocations/{alloc.id}/unapply", {}, page=page).status_code == 303
    db.session.expire_all()
    assert world["b"].state == InvoiceState.ISSUED and p.unapplied_kopecks == 1_600_00
    assert alloc.reversed_at is not None  # history kept
    assert post_form(c, f"{page}/apply", {"rows-0-invoice": world["b"].number}, page=page).status_code == 303
    db.session.expire_all()
    assert world["b"].state == InvoiceState.PAID
    live = db.session.scalars(sa.select(PaymentAllocation).where(PaymentAllocation.reversed_at.is_(None))).all()
    assert len(live) == 2


@pytest.mark.parametrize(
    "form, field, words",
    [
        ({"rows-0-invoice": "999"}, "rows.0.invoice", "Неоплаченного счёта № 999 нет"),
        ({"rows-0-invoice": "abc"}, "rows.0.invoice", "не номер счёта"),
        ({"rows-0-invoice": "{a}", "rows-0-amount": "сто"}, "rows.0.amount", "Некорректная сумма: сто"),
        ({"rows-0-invoice": "{a}", "rows-0-amount": "0"}, "rows.0.amount", "больше нуля"),
        ({"rows-0-invoice": "{a}", "rows-0-amount": "9000"}, "_schema", "превышают остаток платежа"),
        ({"rows-0-invoice": "{a}", "rows-1-amount": "5"}, "rows.1.invoice", "К какому счёту"),
        ({}, "rows.0.invoice", "хотя бы один счёт"),
    ],
)
def test_bad_manual_match_names_the_field_and_changes_nothing(app, world, form, field, words):
    p = _unknown_payment(world, "8400.00", "Оплата")
    c = signed_in(app)
    page = f"/staff/payments/{p.id}"
    form = {k: v.format(a=world["a"].number) for k, v in form.items()}
    r = post_form(c, f"{page}/apply", form, page=page)
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    if field == "_schema":  # about the whole match: above the form
        assert re.search(r'role="alert">\s*<div>[^<]*' + words, body)
    else:  # under the row's field that is wrong
        assert re.search(rf'data-error-for="{field}">[^<]*{words}', body)
    db.session.expire_all()
    assert p.applied_kopecks == 0 and world["a"].paid_kopecks == 0


def test_only_clerks_and_managers_match(app, world):
    p = _unknown_payment(world)
    c = signed_in(app, "am@staff.test")
    r = post_form(
        c, f"/staff/payments/{p.id}/apply", {"rows-0-invoice": world["a"].number}, page=f"/staff/payments/{p.id}"
    )
    assert r.status_code == 403
    assert c.get(f"/staff/payments/{p.id}").status_code == 200  # may look


def test_reconciliation_report_and_csv(app, world):
    _unknown_payment(world, "50.00", "Пожертвование")
    manual = f.payment(world["org"], world["client"], 1_600_00)
    from debitor.payments.services import apply_payment

    apply_payment(manual, world["b"])  # paid, but not through the bank
    db.session.commit()
    c = signed_in(app)
    body = c.get("/staff/reconciliation?date_from=2026-01-01&date_to=2026-12-31").get_data(as_text=True)
    assert "ИП Васильев" in body  # unknown payer
    assert f"№ {world['b'].number}" in body  # paid without a bank payment
    assert "40702810200000012345" in body  # the statement's account, checked
    csv = c.get("/staff/reconciliation.csv?date_from=2026-01-01&date_to=2026-12-31")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert "ИП Васильев" in text and "50,00" in text
    bad = c.get("/staff/reconciliation?date_from=2026-12-31&date_to=2026-01-01")
    assert bad.status_code == 400


def test_an_upload_whose_worker_died_is_imported_again(app, world):
    from datetime import timedelta

    from debitor.db import utcnow
    from jobs.tasks import sweep_statements

    c = signed_in(app)
    upload(c, statement_bytes([Doc("1", "8400.00", f"по сч. {world['a'].number}", payer_inn=world["client"].inn)]))
    st = db.session.scalars(sa.select(BankStatement)).one()
    from jobs.queues import get_queue

    get_queue(app).empty()  # the enqueue was lost
    st.state, st.started_at = StatementState.RUNNING, utcnow() - timedelta(hours=1)  # and a worker died on it
    db.session.commit()
    assert sweep_statements() == 1
    assert run_jobs(app) == 1
    db.session.expire_all()
    assert st.state == StatementState.DONE and world["a"].state == InvoiceState.PAID


def test_a_statement_is_imported_by_one_run_only(app, world):
    from debitor import jobrows
    from jobs.tasks import import_statement

    c = signed_in(app)
    upload(c, statement_bytes([Doc("1", "8400.00", f"по сч. {world['a'].number}", payer_inn=world["client"].inn)]))
    st = db.session.scalars(sa.select(BankStatement)).one()
    assert jobrows.claim(BankStatement, st.id) is True  # one run has it (and is importing)
    db.session.commit()
    assert jobrows.claim(BankStatement, st.id) is False
    assert import_statement(st.id)["state"] == StatementState.RUNNING  # a second job leaves it alone
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_a_file_above_the_request_limit_gets_a_clear_page(app, world):
    c = signed_in(app)
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    try:
        r = upload(c, b"1CClientBankExchange\r\n" + b"x" * (3 * 1024 * 1024))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
    assert r.status_code == 413
    assert "не больше 2 МБ" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BankStatement)) == 0


def test_reasons_show_amounts_in_the_readers_language(app, world):
    from debitor.payments.importing import new_statement, run

    data = statement_bytes([Doc("88", "1000.00", f"по сч. {world['a'].number}", payer_inn=world["client"].inn)])
    st = new_statement("cli", "s.txt", data)
    db.session.commit()
    run(st, io.BytesIO(data))
    p = db.session.scalars(sa.select(Payment).where(Payment.doc_number == "88")).one()
    assert any("owed_kopecks" in r["params"] for r in p.match_reasons)  # a part payment: the reason names the debt
    c = signed_in(app)
    assert "8\u00a0400,00\u00a0₽" in c.get(f"/staff/payments/{p.id}").get_data(as_text=True)
    c.post("/lang", data={"lang": "en", "csrf_token": csrf_token(c, "/staff/home")})
    body = c.get(f"/staff/payments/{p.id}").get_data(as_text=True)
    assert "RUB\u00a08,400.00" in body and "8\u00a0400,00" not in body


def test_an_advance_paid_back_leaves_the_queue_and_both_pages_say_so(app, world):
    c = signed_in(app)
    client = f.client(world["org"], "Ромашка")  # owes nothing: its payment is an advance, kept as credit
    world["clerk"].locale = "en"  # the assertions below read the English msgids
    db.session.commit()
    upload(c, statement_bytes([Doc("61", "900.00", "Аванс", payer_inn=client.inn)]))
    run_jobs(app)
    assert "№ 61" in c.get("/staff/payments?state=open").get_data(as_text=True)
    upload(c, statement_bytes([Doc("62", "1000.00", "Возврат аванса", payer_inn=client.inn, incoming=False)]))
    assert run_jobs(app) == 1
    advance = db.session.scalars(sa.select(Payment).where(Payment.doc_number == "61")).one()
    refund = db.session.scalars(sa.select(Payment).where(Payment.doc_number == "62")).one()
    assert "№ 61" not in c.get("/staff/payments?state=open").get_data(as_text=True)  # nothing left to do
    page = c.get(f"/staff/payments/{advance.id}").get_data(as_text=True)
    assert 'data-testid="refunds"' in page and "Paid back to the client" in page
    assert f'href="/staff/payments/{refund.id}">Refund № 62</a>' in page
    page = c.get(f"/staff/payments/{refund.id}").get_data(as_text=True)
    assert "Returns the client's money" in page and f'href="/staff/payments/{advance.id}">Payment № 61</a>' in page
    assert "RUB\u00a0100.00 of this refund is more than the client had paid and not used" in page


def test_the_clerk_takes_a_refund_match_back_and_makes_it_again(app, world):
    c = signed_in(app)
    client = f.client(world["org"], "Ромашка")
    world["clerk"].locale = "en"
    db.session.commit()
    upload(c, statement_bytes([Doc("71", "900.00", "Аванс", payer_inn=client.inn)]))
    upload(c, statement_bytes([Doc("72", "900.00", "Возврат", payer_inn=client.inn, incoming=False)]))
    run_jobs(app)
    advance = db.session.scalars(sa.select(Payment).where(Payment.doc_number == "71")).one()
    refund = db.session.scalars(sa.select(Payment).where(Payment.doc_number == "72")).one()
    link = db.session.scalars(sa.select(PaymentRefund)).one()
    url = f"/staff/payments/{advance.id}/refunds/{link.id}/unlink"
    am = signed_in(app, "am@staff.test")
    assert post_form(am, url, {}, page=f"/staff/payments/{advance.id}").status_code == 403

    r = post_form(c, url, {}, page=f"/staff/payments/{advance.id}")
    assert r.status_code == 303 and r.headers["Location"] == f"/staff/payments/{advance.id}"
    db.session.expire_all()
    assert (advance.refunded_kopecks, advance.state, refund.applied_kopecks) == (0, PaymentState.UNMATCHED, 0)
    assert db.session.get(PaymentRefund, link.id).reversed_at is not None
    assert unapplied_credit(client.id) == 0  # the advance is credit again, the refund unmatched against it
    assert "№ 71" in c.get("/staff/payments?state=open").get_data(as_text=True)
    assert "taken back" in c.get(f"/staff/payments/{advance.id}").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).where(Event.kind == "payment_refund_unlinked")) == 1
    again = post_form(c, url, {}, page=f"/staff/payments/{advance.id}")  # the same link twice: refused
    assert "already taken back" in c.get(again.headers["Location"]).get_data(as_text=True)

    page = c.get(f"/staff/payments/{refund.id}").get_data(as_text=True)
    assert 'data-testid="match-refund"' in page
    r = post_form(c, f"/staff/payments/{refund.id}/refunds/match", {}, page=f"/staff/payments/{refund.id}")
    assert "Matched RUB\u00a0900.00 of the client" in c.get(r.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert advance.state == PaymentState.APPLIED and advance.refunded_kopecks == 900_00
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentRefund)) == 2
    r = post_form(c, f"/staff/payments/{refund.id}/refunds/match", {}, page=f"/staff/payments/{refund.id}")
    assert r.status_code == 303 and db.session.scalar(sa.select(sa.func.count()).select_from(PaymentRefund)) == 2
