"""Importing 1C bank statements: matching with reasons, cash application, idempotency, bad files, the
three entries (service, CLI, exchange folder)."""

from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from debitor.db import db
from debitor.invoices.models import Invoice, InvoiceState
from debitor.payments.importing import import_path, new_statement, run
from debitor.payments.models import (
    BankStatement,
    Direction,
    Payment,
    PaymentAllocation,
    PaymentRefund,
    PaymentState,
    StatementState,
)
from debitor.payments.services import unapplied_credit
from debitor.timeline.models import Event
from tests import factories as f
from tests.conftest import needs_postgres
from tests.onec_files import Doc, statement_bytes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "onec"
ISSUED_ON = date(2026, 2, 2)


def _import(data: bytes, name: str = "kl_to_1c.txt") -> BankStatement:
    statement = new_statement("cli", name, data)
    db.session.commit()
    return run(statement, io.BytesIO(data))


@pytest.fixture
def org():
    o = f.organisation()
    db.session.commit()
    return o


def _inv(org, client, amount: int, on: date = ISSUED_ON) -> Invoice:
    return f.issued(org, client, on=on, lines=((1, amount),))


def _payment(line_number: int | None = None, **where) -> Payment:
    q = sa.select(Payment)
    for k, v in where.items():
        q = q.where(getattr(Payment, k) == v)
    return db.session.scalars(q).one()


def test_exact_reference_is_applied_with_reasons(org):
    c = f.client(org, "Альфа")
    inv = _inv(org, c, 120_000_00)
    db.session.commit()
    text = f"Оплата по счету № {inv.number} от {inv.issued_on:%d.%m.%Y} за рекламу. В т.ч. НДС 22% 21639.34"
    st = _import(statement_bytes([Doc("101", "120000.00", text, payer_inn=c.inn)]))
    assert st.state == StatementState.DONE, st.error
    assert st.summary["matched"] == 1 and st.summary["unmatched"] == 0
    db.session.refresh(inv)
    assert inv.state == InvoiceState.PAID and inv.paid_kopecks == 120_000_00 and inv.paid_on == date(2026, 3, 2)
    p = _payment(doc_number="101")
    assert p.state == PaymentState.APPLIED and p.client_id == c.id and p.match_confidence >= 95
    reasons = [r["message"] for r in p.match_reasons]
    assert any("Payer INN" in r for r in reasons) and any("names invoice" in r for r in reasons)
    kinds = db.session.scalars(sa.select(Event.kind).where(Event.invoice_id == inv.id)).all()
    assert "payment_applied" in kinds


@pytest.mark.parametrize(
    "purpose",
    [
        "Оплата по счету №{n} от {d}",
        "по сч. {n}",
        "Опл. счета N{n} за услуги",
        "сч.{n} от {d}",
        "ОПЛАТА ПО СЧ.№ {n} ОТ {d}Г. НДС НЕ ОБЛАГАЕТСЯ",
        "Оплата по счёту на оплату № {n} от {d}, в т.ч. НДС 20% - 1 000,00 руб.",
    ],
)
def test_purpose_variants_find_the_invoice(org, purpose):
    c = f.client(org)
    other = _inv(org, c, 5_000_00, on=date(2026, 1, 10))  # older: FIFO would pick it
    inv = _inv(org, c, 7_000_00)
    db.session.commit()
    text = purpose.format(n=inv.number, d=inv.issued_on.strftime("%d.%m.%Y"))
    _import(statement_bytes([Doc("7", "7000.00", text, payer_inn=c.inn)]))
    db.session.refresh(inv)
    db.session.refresh(other)
    assert inv.state == InvoiceState.PAID, text
    assert other.state == InvoiceState.ISSUED


def test_vat_amount_is_not_an_invoice_number(org):
    c = f.client(org)
    inv = _inv(org, c, 3_000_00)
    decoy = _inv(org, c, 3_000_00)  # number 2: "НДС 20% 2" must not point at it
    db.session.commit()
    assert decoy.number == "2"
    _import(statement_bytes([Doc("8", "3000.00", f"Оплата по сч. {inv.number}. В т.ч. НДС 20 % 2", payer_inn=c.inn)]))
    db.session.refresh(inv)
    db.session.refresh(decoy)
    assert inv.state == InvoiceState.PAID and decoy.state == InvoiceState.ISSUED


def test_several_invoices_in_one_payment(org):
    c = f.client(org)
    a, b, untouched = _inv(org, c, 1_000_00), _inv(org, c, 2_500_00), _inv(org, c, 9_999_00)
    db.session.commit()
    _import(statement_bytes([Doc("9", "3500.00", f"Оплата счетов № {a.number}, {b.number}", payer_inn=c.inn)]))
    for inv in (a, b, untouched):
        db.session.refresh(inv)
    assert a.state == b.state == InvoiceState.PAID and untouched.state == InvoiceState.ISSUED
    p = _payment(doc_number="9")
    assert p.state == PaymentState.APPLIED and len(p.allocations) == 2


def test_partial_payment(org):
    c = f.client(org)
    inv = _inv(org, c, 10_000_00)
    db.session.commit()
    _import(statement_bytes([Doc("10", "4000.00", f"частичная оплата по счету {inv.number}", payer_inn=c.inn)]))
    db.session.refresh(inv)
    assert inv.state == InvoiceState.PARTIALLY_PAID and inv.paid_kopecks == 4_000_00


def test_overpayment_becomes_credit_and_settles_the_next_invoice(org):
    c = f.client(org)
    inv = _inv(org, c, 1_000_00)
    db.session.commit()
    st = _import(statement_bytes([Doc("11", "1500.00", f"Оплата по счету {inv.number}", payer_inn=c.inn)]))
    assert st.summary["credit_kopecks"] == 500_00
    assert unapplied_credit(c.id) == 500_00
    nxt = _inv(org, c, 2_000_00, on=date(2026, 3, 5))
    db.session.commit()
    assert nxt.paid_kopecks == 500_00 and nxt.state == InvoiceState.PARTIALLY_PAID
    assert unapplied_credit(c.id) == 0


def test_agency_pays_for_its_sub_clients(org):
    agency = f.client(org, "Агентство")
    sub = f.client(org, "Рекламодатель", parent_id=agency.id)
    inv = _inv(org, sub, 6_000_00)
    db.session.commit()
    _import(
        statement_bytes([Doc("12", "6000.00", f"Оплата за Рекламодателя по сч {inv.number}", payer_inn=agency.inn)])
    )
    db.session.refresh(inv)
    assert inv.state == InvoiceState.PAID
    p = _payment(doc_number="12")
    assert p.client_id == agency.id
    assert any("agency" in r["message"] for r in p.match_reasons)


def test_extra_inn_identifies_the_client(org):
    second_entity = f.unique_inn()
    c = f.client(org, extra_inns=[second_entity])
    inv = _inv(org, c, 2_000_00)
    db.session.commit()
    _import(statement_bytes([Doc("13", "2000.00", f"по счету {inv.number}", payer_inn=second_entity)]))
    db.session.refresh(inv)
    assert inv.state == InvoiceState.PAID


def test_unknown_inn_goes_to_the_queue_with_a_suggestion(org):
    c = f.client(org)
    inv = _inv(org, c, 4_200_00)
    db.session.commit()
    st = _import(
        statement_bytes(
            [Doc("14", "4200.00", f"Оплата по счету {inv.number} за {c.short_name}", payer_inn="500100732259")]
        )
    )
    assert st.summary["partially_matched"] == 1 and st.summary["matched"] == 0
    db.session.refresh(inv)
    assert inv.state == InvoiceState.ISSUED  # not applied without a clerk
    p = _payment(doc_number="14")
    assert p.client_id is None and p.state == PaymentState.UNMATCHED and p.match_confidence < 80


def test_nothing_known_is_unmatched(org):
    st = _import(statement_bytes([Doc("15", "700", "Пожертвование", payer_inn="")]))
    assert st.summary == {**st.summary, "documents": 1, "incoming": 1, "unmatched": 1, "matched": 0}
    p = _payment(doc_number="15")
    assert p.amount_kopecks == 700_00 and p.client_id is None
    assert any("no INN" in r["message"] for r in p.match_reasons)


def test_no_reference_oldest_first_waits_for_the_clerk(org):
    c = f.client(org)
    _inv(org, c, 1_000_00, on=date(2026, 1, 5))
    _inv(org, c, 3_000_00)
    db.session.commit()
    _import(statement_bytes([Doc("16", "1700.00", "Оплата за рекламные услуги", payer_inn=c.inn)]))
    p = _payment(doc_number="16")
    assert p.state == PaymentState.UNMATCHED and p.client_id == c.id  # the payer is certain, the invoices not


def test_exact_amount_of_one_invoice_without_reference_is_applied(org):
    c = f.client(org)
    _inv(org, c, 1_000_00, on=date(2026, 1, 5))
    target = _inv(org, c, 3_333_00)
    db.session.commit()
    _import(statement_bytes([Doc("17", "3333.00", "Оплата за рекламные услуги", payer_inn=c.inn)]))
    db.session.refresh(target)
    assert target.state == InvoiceState.PAID


def test_outgoing_refund_reduces_the_credit(org):
    c = f.client(org)
    db.session.commit()
    _import(statement_bytes([Doc("18", "900.00", "Аванс", payer_inn=c.inn)]))
    assert unapplied_credit(c.id) == 900_00
    _import(statement_bytes([Doc("19", "900.00", "Возврат переплаты", payer_inn=c.inn, incoming=False)]))
    refund = _payment(doc_number="19")
    assert refund.direction == Direction.OUTGOING and refund.client_id == c.id
    assert unapplied_credit(c.id) == 0
    from debitor.documents.statement import statement_of_account
    from debitor.kpi.services import client_balance, staff_counts

    st = statement_of_account(c.id, date(2026, 3, 1), date(2026, 3, 31))
    assert [(r.kind, r.debit_kopecks, r.credit_kopecks) for r in st.rows] == [
        ("payment", 0, 900_00),
        ("refund", 900_00, 0),
    ]
    assert st.closing_kopecks == 0 and client_balance(c.id, date(2026, 3, 31)).credit == 0
    from debitor.db import utcnow

    assert staff_counts(date(2026, 3, 31), utcnow()).unmatched_payments == 0  # the advance was paid back
    advance = _payment(doc_number="18")
    assert advance.state == PaymentState.APPLIED and advance.refunded_kopecks == 900_00
    assert advance.applied_kopecks == 0 and refund.applied_kopecks == 900_00
    link = db.session.scalars(sa.select(PaymentRefund)).one()
    assert (link.refund_id, link.payment_id, link.amount_kopecks) == (refund.id, advance.id, 900_00)
    event = db.session.scalars(sa.select(Event).where(Event.kind == "payment_refunded")).one()
    assert event.payment_id == advance.id and event.data["amount"] == 900_00
    again = _import(statement_bytes([Doc("19", "900.00", "Возврат переплаты", payer_inn=c.inn, incoming=False)]))
    assert again.summary["duplicates_skipped"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentRefund)) == 1


def test_a_refund_returns_the_oldest_money_and_no_more_than_there_is(org):
    c = f.client(org)
    db.session.commit()
    _import(statement_bytes([
        Doc("30", "300.00", "Аванс", payer_inn=c.inn, on=date(2026, 3, 2)),
        Doc("31", "500.00", "Аванс", payer_inn=c.inn, on=date(2026, 3, 3)),
        Doc("32", "100.00", "Аванс", payer_inn=c.inn, on=date(2026, 3, 20)),  # after the refund: not returned
    ]))  # fmt: skip
    _import(statement_bytes([Doc("33", "700.00", "Возврат", payer_inn=c.inn, incoming=False, on=date(2026, 3, 10))]))
    first, second, later = (_payment(doc_number=n) for n in ("30", "31", "32"))
    assert (first.refunded_kopecks, first.state) == (300_00, PaymentState.APPLIED)
    assert (second.refunded_kopecks, second.state) == (400_00, PaymentState.PARTIALLY_APPLIED)
    assert later.refunded_kopecks == 0 and unapplied_credit(c.id) == 100_00 + 100_00
    from debitor.db import utcnow
    from debitor.kpi.services import staff_counts

    queue = staff_counts(date(2026, 3, 31), utcnow())
    assert (queue.unmatched_payments, queue.unmatched_amount) == (2, 200_00)  # what is left, not what came
    inv = _inv(org, c, 150_00, on=date(2026, 3, 25))  # the credit left settles the next invoice
    assert inv.paid_kopecks == 150_00 and second.applied_kopecks == 100_00 and later.applied_kopecks == 50_00
    assert second.state == PaymentState.APPLIED and unapplied_credit(c.id) == 50_00
    big = Doc("34", "5000.00", "Возврат", payer_inn=c.inn, incoming=False, on=date(2026, 3, 30))
    _import(statement_bytes([big]))
    refund = _payment(doc_number="34")
    assert refund.applied_kopecks == 50_00 and later.refunded_kopecks == 50_00
    assert unapplied_credit(c.id) == -4_950_00  # paid back 4 950 more than it had with us: it owes that back


def _money_rows() -> list[int]:
    """Payments, allocations and the timeline's events, but those of the statements' own moves (queued, running,
    done: each import records its statement's)."""
    own = sa.func.coalesce(Event.subject, "") != "statement"
    return [db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in (Payment, PaymentAllocation)] + [
        db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(own))
    ]


def test_the_same_statement_twice_changes_nothing(org):
    c = f.client(org)
    inv = _inv(org, c, 1_000_00)
    db.session.commit()
    data = statement_bytes(
        [Doc("20", "1000.00", f"по счету {inv.number}", payer_inn=c.inn), Doc("21", "50.00", "?", payer_inn="")]
    )
    first = _import(data)
    counts = _money_rows()
    second = _import(data)
    assert second.state == StatementState.DONE
    assert second.summary["duplicates_skipped"] == 2 and second.summary["matched"] == 0
    assert first.summary["documents"] == second.summary["documents"] == 2
    after = _money_rows()
    assert after == counts


def test_overlapping_statements_and_a_repeated_document(org):
    """A document an earlier statement brought is a duplicate; one listed twice in a statement is two
    payments (see the next tests), and the same again when an overlapping statement lists both."""
    a, b, c = (Doc(str(n), "10.00", "x", payer_inn="") for n in (1, 2, 3))
    _import(statement_bytes([a, b]))
    st = _import(statement_bytes([b, c, c]))
    assert st.summary["duplicates_skipped"] == 1 and st.summary["incoming"] == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 4
    again = _import(statement_bytes([a, b, c, c]))
    assert again.summary["duplicates_skipped"] == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 4


def _count(model=Payment) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _cash(purpose: str, inn: str, name: str, amount: str = "5000.00") -> Doc:
    """A cash deposit (Банковский ордер): no number, no payer account."""
    return Doc("", amount, purpose, payer_inn=inn, payer_name=name, payer_account="", kind="Банковский ордер")


def test_two_cash_deposits_of_one_day_and_amount_are_two_payments(org):
    """Cash paid in at the bank's till has no number and no payer account: who paid and what for tell two
    deposits of the same day and amount apart. Before, the second was a "duplicate" and 5 000 ₽ were lost."""
    data = statement_bytes([
        _cash("Взнос наличных. Оплата по договору 7", "500100732259", "Иванов Иван Иванович"),
        _cash("Взнос наличных. Аренда за март", "7728168971", "ООО Плательщик"),
    ])  # fmt: skip
    st = _import(data)
    assert st.state == StatementState.DONE and st.warnings == []
    assert (st.summary["incoming"], st.summary["incoming_kopecks"], st.summary["duplicates_skipped"]) == (
        2,
        10_000_00,
        0,
    )
    assert sorted(db.session.scalars(sa.select(Payment.payer_inn))) == ["500100732259", "7728168971"]
    again = _import(data)
    assert again.summary["duplicates_skipped"] == 2 and _count() == 2


@pytest.mark.parametrize("differs", ["payer_inn", "payer_name", "purpose"])
def test_each_of_inn_name_and_purpose_tells_documents_apart(org, differs):
    one = _cash("Взнос наличных", "500100732259", "Иванов Иван Иванович")
    other = _cash("Взнос наличных", "500100732259", "Иванов Иван Иванович")
    setattr(other, differs, {"payer_inn": "7728168971", "payer_name": "Петров", "purpose": "Взнос"}[differs])
    st = _import(statement_bytes([one, other]))
    assert st.summary["incoming"] == 2 and st.warnings == [] and _count() == 2


def test_the_same_document_twice_in_one_statement_is_two_payments_and_a_warning(org):
    """Two documents of one file that agree in everything the payer wrote: the bank's totals count both, so
    both are recorded — and the statement's page names the two lines. An overlapping statement listing them
    again brings nothing new; one listing one of them only brings nothing either."""
    deposit = _cash("Взнос наличных", "500100732259", "Иванов Иван Иванович")
    data = statement_bytes([deposit, Doc("9", "1.00", "x", payer_inn=""), deposit])
    st = _import(data)
    assert st.state == StatementState.DONE and st.summary["incoming"] == 3 and _count() == 3
    lines = data.decode("cp1251").split("\r\n")
    starts = [k + 1 for k, x in enumerate(lines) if x == "СекцияДокумент=Банковский ордер"]
    (warning,) = st.warnings  # and none about the totals: they count both deposits
    assert (warning["line"], warning["params"]["first"]) == tuple(reversed(starts))
    from debitor.payments.importer import W_SAME_DOCUMENT
    from debitor.payments.importing import describe

    assert warning["message"] == W_SAME_DOCUMENT
    assert f"Line {starts[1]} is the same bank document as line {starts[0]}" in describe(warning)
    assert _import(data).summary["duplicates_skipped"] == 3
    assert _import(statement_bytes([deposit])).summary["duplicates_skipped"] == 1
    assert _count() == 3


def _received(data: bytes, day: str) -> bytes:
    """The statement with its documents' ДатаПоступило (or ДатаСписано) set to ``day`` (empty: not yet)."""
    text = data.decode("cp1251")
    for key in ("ДатаПоступило", "ДатаСписано"):
        text = text.replace(f"{key}=02.03.2026", f"{key}={day}")
    return text.encode("cp1251")


@pytest.mark.parametrize("incoming", [True, False])
@pytest.mark.parametrize("first, then", [("", "03.03.2026"), ("03.03.2026", "")])
def test_a_document_re_sent_with_the_bank_dates_filled_in_or_not_is_one_payment(org, incoming, first, then):
    """A statement of the day has ДатаПоступило (ДатаСписано) empty, the next day's overlap has it filled in
    (or the other way round): the same bank document, counted once."""
    c = f.client(org)
    db.session.commit()
    data = statement_bytes([Doc("7", "1200.00", "Аванс", payer_inn=c.inn, incoming=incoming)])
    st = _import(_received(data, first))
    assert st.state == StatementState.DONE and _count() == 1
    again = _import(_received(data, then))
    assert again.state == StatementState.DONE and again.summary["duplicates_skipped"] == 1
    assert _count() == 1 and (unapplied_credit(c.id) == 1_200_00) is incoming


def test_totals_that_disagree_are_a_warning(org):
    st = _import(statement_bytes([Doc("30", "100.00", "x", payer_inn="")], totals=("150.00", "0.00")))
    assert st.state == StatementState.DONE
    assert any(w["key"] == "ВсегоПоступило" for w in st.warnings)


@pytest.mark.parametrize(
    "data, words",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "1CClientBankExchange"),
        ("Дата;Сумма\n01.01.2026;100\n".encode("cp1251"), "1CClientBankExchange"),
        (b"", ""),
        (statement_bytes([Doc("1", "10.00", "Оплата")], encoding="koi8_r"), "Windows-1251"),  # the wrong encoding
    ],
)
def test_not_a_statement_is_refused(org, data, words):
    st = _import(data)
    assert st.state == StatementState.FAILED and st.error
    assert words in (st.error["message"] % st.error["params"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_truncated_file_imports_nothing(org):
    c = f.client(org)
    db.session.commit()
    data = statement_bytes([Doc("40", "100.00", "a", payer_inn=c.inn), Doc("41", "200.00", "b", payer_inn=c.inn)])
    cut = data[: data.index("Номер=41".encode("cp1251")) + 30]
    st = _import(cut)
    assert st.state == StatementState.FAILED and st.error["line"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_garbage_late_in_the_file_imports_nothing(org):
    docs = [Doc(str(n), "1.00", "x", payer_inn="") for n in range(3000)]  # more than one batch
    data = statement_bytes(docs)
    bad = data.replace("Номер=2999\r\n".encode("cp1251"), b"\x00\x00\x98garbage\r\n")
    st = _import(bad)
    assert st.state == StatementState.FAILED and st.error["line"] > 50_000
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_someone_elses_account_is_refused(org):
    st = _import(statement_bytes([Doc("50", "100.00", "x")], account="40702810999999999999"))
    assert st.state == StatementState.FAILED
    assert "40702810999999999999" in st.error["params"]["accounts"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_wrong_encoding_declared_is_read_by_the_bytes(org):
    c = f.client(org, "Ёлка")
    inv = _inv(org, c, 100_00)
    db.session.commit()
    data = statement_bytes([Doc("60", "100.00", f"Оплата по счёту {inv.number}", payer_inn=c.inn)], encoding="cp866")
    st = _import(data)  # says Кодировка=Windows, is DOS
    assert st.state == StatementState.DONE and st.encoding == "cp866"
    assert any(w["key"] == "Кодировка" for w in st.warnings)
    db.session.refresh(inv)
    assert inv.state == InvoiceState.PAID


def test_fixture_with_documents_for_other_accounts_is_refused_naming_the_line(org):
    """kilylabs' sample is anonymised: its documents name accounts that are not the statement's."""
    data = (FIXTURES / "kilylabs_one_day_cp1251.txt").read_bytes()
    org.bank_accounts[0].account = "40702810200000000001"
    db.session.commit()
    st = _import(data)
    assert st.state == StatementState.FAILED and st.error["line"] == 20


def test_condo_fixture_imports_for_its_account(org):
    data = (FIXTURES / "condo_1_03_utf8.txt").read_bytes()
    from debitor.onec.parser import parse

    parsed = parse(data)
    account = parsed.header.accounts[0]
    org.bank_accounts[0].account = account
    db.session.commit()
    st = _import(data)
    assert st.state == StatementState.DONE, st.error
    assert st.summary["documents"] == len(parsed.documents)
    assert st.encoding == "utf-8"


def test_cli_prints_a_json_summary(app, org, tmp_path):
    path = tmp_path / "kl_to_1c.txt"
    path.write_bytes(statement_bytes([Doc("70", "100.00", "x", payer_inn="")]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["onec", "import", str(path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["documents"] == 1 and out["incoming"] == 1 and out["unmatched"] == 1 and out["duplicates_skipped"] == 0
    again = json.loads(runner.invoke(args=["onec", "import", str(path)]).output)
    assert again["duplicates_skipped"] == 1
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"hello")
    failed = runner.invoke(args=["onec", "import", str(bad)])
    assert failed.exit_code == 1 and json.loads(failed.output)["state"] == "failed"


def test_exchange_folder_pick_up(app, org, tmp_path):
    from debitor.payments.folder import pick_up

    app.config["ONEC_EXCHANGE_DIR"] = str(tmp_path)
    try:
        inbox = tmp_path / "in"
        inbox.mkdir()
        (inbox / "kl_to_1c.txt").write_bytes(statement_bytes([Doc("80", "100.00", "x", payer_inn="")]))
        (inbox / "broken.txt").write_bytes(b"not a statement")
        fresh = inbox / "being-written.txt"
        fresh.write_bytes(b"1CClientBankExchange\r\n")
        old = 1_000_000_000
        for p in (inbox / "kl_to_1c.txt", inbox / "broken.txt"):
            os.utime(p, (old, old))
        results = pick_up(now=old + 3600)
        assert sorted(r["state"] for r in results) == ["done", "failed"]
        assert [p.name for p in inbox.iterdir()] == ["being-written.txt"]  # left until it settles
        assert len(list((tmp_path / "done").iterdir())) == 1
        failed = sorted(p.name for p in (tmp_path / "failed").iterdir())
        assert len(failed) == 2 and failed[1].endswith(".error.txt")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    finally:
        app.config["ONEC_EXCHANGE_DIR"] = ""


def test_import_path_reads_a_file_without_loading_it(org, tmp_path):
    path = tmp_path / "s.txt"
    path.write_bytes(statement_bytes([Doc("90", "1.00", "x", payer_inn="")]))
    st = import_path(path)
    assert st.state == StatementState.DONE and st.size_bytes == path.stat().st_size


def test_a_file_is_read_to_its_end_and_a_bad_line_is_named(org, tmp_path):
    """The whole file is read and hashed, what follows КонецФайла too; a bad line is reported with its number."""
    c = f.client(org)
    inv = _inv(org, c, 1_000_00)
    db.session.commit()
    good = tmp_path / "good.txt"
    good.write_bytes(statement_bytes([Doc("1", "1000.00", f"по счету {inv.number}", payer_inn=c.inn)]))
    good.write_bytes(good.read_bytes() + "\r\nпосле конца файла\r\n".encode("cp1251"))  # read, hashed, ignored
    st = import_path(good)
    assert st.state == StatementState.DONE and st.summary["matched"] == 1 and st.bytes_read == good.stat().st_size
    assert st.sha256 == hashlib.sha256(good.read_bytes()).hexdigest()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(statement_bytes([Doc("2", "1.500", "x", payer_inn="")]))
    failed = import_path(bad)
    assert failed.state == StatementState.FAILED and failed.error["key"] == "Сумма" and failed.error["line"] == 23


def test_values_are_stored_exactly(org):
    """Quotes, commas, semicolons, tabs and backslashes survive the bulk path (COPY in CSV on PostgreSQL);
    an empty INN stays an empty string and an unknown client stays NULL."""
    purpose = 'Оплата "рекламы", счёт № 5; аванс\tпо дог. 7\\2026'
    name = 'ООО "Кавычки, и запятые"'
    _import(statement_bytes([Doc("91", "12.34", purpose, payer_inn="", payer_name=name)]))
    p = _payment(doc_number="91")
    assert p.purpose == purpose and p.payer_name == name
    assert p.payer_inn == "" and p.client_id is None and p.amount_kopecks == 1234
    assert p.match_reasons and p.match_reasons[0]["message"] == "The payer has no INN"


def test_an_invoice_closed_by_someone_else_meanwhile_stops_the_import(org, monkeypatch):
    """The import reads open invoices without locking them and adds to what they were paid; an invoice a
    clerk closed in between is not overwritten: the import stops, leaves nothing, and says to run it again."""
    from debitor.payments import matching

    c = f.client(org)
    inv = _inv(org, c, 1_000_00)
    db.session.commit()
    original = matching.Book.prefetch

    def prefetch_then_clerk_pays(self, client_ids):
        original(self, client_ids)
        with db.engine.begin() as other:  # another request, on its own connection
            other.execute(sa.text("UPDATE invoices SET state = 'paid', paid_kopecks = total_kopecks WHERE id = :i"),
                          {"i": inv.id})  # fmt: skip

    monkeypatch.setattr(matching.Book, "prefetch", prefetch_then_clerk_pays)
    st = _import(statement_bytes([Doc("95", "1000.00", f"по счету {inv.number}", payer_inn=c.inn)]))
    assert st.state == StatementState.FAILED
    assert "import it again" in st.error["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_one_statement_with_an_agency_an_unknown_payer_and_a_refund(org):
    """An agency paying a sub-client's invoice (the timeline names the sub-client), a client's overpayment
    paid back in the same statement, a payer nobody knows: one import, each row where it belongs."""
    agency = f.client(org, "Агентство")
    sub = f.client(org, "Рекламодатель", parent_id=agency.id)
    other = f.client(org)
    inv_sub, inv_other = _inv(org, sub, 6_000_00), _inv(org, other, 1_000_00)
    db.session.commit()
    st = _import(
        statement_bytes([
            Doc("31", "6000.00", f"за Рекламодателя по сч {inv_sub.number}", payer_inn=agency.inn),
            Doc("32", "1500.00", f"Оплата по счету {inv_other.number}", payer_inn=other.inn),
            Doc("33", "77.00", "Аванс", payer_inn="7707083893"),
            Doc("34", "500.00", "Возврат переплаты", payer_inn=other.inn, incoming=False),
        ])
    )  # fmt: skip
    assert st.state == StatementState.DONE
    assert (st.summary["matched"], st.summary["unmatched"], st.summary["outgoing"]) == (2, 1, 1)
    events = db.session.scalars(sa.select(Event).where(Event.kind == "payment_applied").order_by(Event.id)).all()
    assert [(e.client_id, e.invoice_id) for e in events] == [(sub.id, inv_sub.id), (other.id, inv_other.id)]
    assert _payment(doc_number="32").refunded_kopecks == 500_00


def test_a_refund_returns_money_of_earlier_statements_and_its_own_oldest_first(org):
    """The import matches its refunds in its own transaction: to the money earlier statements left (as
    recorded) and to what this statement leaves (held in memory, such as the rest of a part-applied
    payment), oldest first whichever it came with."""
    c = f.client(org)
    inv = _inv(org, c, 1_000_00)
    db.session.commit()
    _import(statement_bytes([Doc("60", "200.00", "Аванс", payer_inn=c.inn, on=date(2026, 3, 5))]))
    st = _import(statement_bytes([
        Doc("61", "1300.00", f"по счету {inv.number}", payer_inn=c.inn, on=date(2026, 3, 3)),  # 300 left over
        Doc("62", "400.00", "Возврат переплаты", payer_inn=c.inn, incoming=False, on=date(2026, 3, 10)),
        Doc("63", "50.00", "Аванс", payer_inn=c.inn, on=date(2026, 3, 6)),
    ]))  # fmt: skip
    assert st.state == StatementState.DONE
    overpaid, earlier, small, refund = (_payment(doc_number=n) for n in ("61", "60", "63", "62"))
    assert (overpaid.applied_kopecks, overpaid.refunded_kopecks) == (1_000_00, 300_00)
    assert overpaid.state == PaymentState.APPLIED
    assert (earlier.refunded_kopecks, earlier.state) == (100_00, PaymentState.PARTIALLY_APPLIED)
    assert small.refunded_kopecks == 0
    assert (refund.applied_kopecks, refund.state) == (400_00, PaymentState.APPLIED)
    links = db.session.scalars(sa.select(PaymentRefund).order_by(PaymentRefund.id)).all()
    assert [(x.payment_id, x.amount_kopecks) for x in links] == [(overpaid.id, 300_00), (earlier.id, 100_00)]
    events = db.session.scalars(sa.select(Event).where(Event.kind == "payment_refunded").order_by(Event.id)).all()
    assert [(e.payment_id, e.data["amount"], e.data["refund"]) for e in events] == [
        (overpaid.id, 300_00, refund.id), (earlier.id, 100_00, refund.id)]  # fmt: skip
    assert unapplied_credit(c.id) == 100_00 + 50_00


@pytest.mark.postgres
def test_money_a_refund_returns_taken_by_a_clerk_meanwhile_stops_the_import(org, monkeypatch):
    """The import reads earlier statements' unused money without locking it and adds what its refunds take;
    money a clerk applied in between is not overwritten: the import stops, leaves nothing, says to run it
    again."""
    needs_postgres("another writer meanwhile, and the bulk writer (COPY), are PostgreSQL's")  # SQLite: one writer
    from debitor.payments import importer

    c = f.client(org)
    db.session.commit()
    _import(statement_bytes([Doc("70", "500.00", "Аванс", payer_inn=c.inn, on=date(2026, 3, 1))]))
    advance = _payment(doc_number="70")
    real = importer.unused_money

    def read_then_clerk_applies(*args, **kw):
        found = real(*args, **kw)
        with db.engine.begin() as other:  # the clerk's request, on its own connection
            other.execute(sa.text("UPDATE payments SET applied_kopecks = amount_kopecks, state = 'applied' "
                                  "WHERE id = :p"), {"p": advance.id})  # fmt: skip
        return found

    monkeypatch.setattr(importer, "unused_money", read_then_clerk_applies)
    st = _import(statement_bytes([Doc("71", "500.00", "Возврат", payer_inn=c.inn, incoming=False)]))
    assert st.state == StatementState.FAILED and "import it again" in st.error["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentRefund)) == 0
    assert db.session.scalars(sa.select(Payment.doc_number).order_by(Payment.id)).all() == ["70"]


@pytest.fixture
def second_account(org):
    from debitor.orgs.models import BankAccount
    from tests.onec_files import SECOND_ACCOUNT

    org.bank_accounts.append(
        BankAccount(bank_name="АО Альфа-Банк", bik="044525593", corr_account="30101810200000000593",
                    account=SECOND_ACCOUNT)
    )  # fmt: skip
    db.session.commit()
    return SECOND_ACCOUNT


def _directions() -> list[tuple]:
    rows = db.session.execute(sa.select(Payment.direction, Payment.our_account, Payment.client_id).order_by(Payment.id))
    return [(d.value, a, c) for d, a, c in rows]


def test_a_transfer_between_our_accounts_is_recorded_on_both_sides_and_is_nobodys_money(org, second_account):
    """Money we move from one of our accounts to another: the statement of the first has it going out, the
    second's coming in. Both sides are recorded as a transfer of our own — not money from a payer with our
    INN in the clerk's queue, not a client's credit, its outgoing side not lost as a "duplicate" — and the
    bank's totals and the reconciliation agree for both statements."""
    from debitor.db import utcnow
    from debitor.kpi.services import staff_counts
    from debitor.payments.reconciliation import reconcile
    from tests.onec_files import OUR_ACCOUNT, transfer_in, transfer_out

    c = f.client(org)
    db.session.commit()
    first = _import(statement_bytes([transfer_out(), Doc("2", "700.00", "Аванс", payer_inn=c.inn)]))
    assert first.state == StatementState.DONE and first.warnings == []  # ВсегоСписано counts the transfer
    assert (first.summary["incoming"], first.summary["outgoing"], first.summary["transfers"]) == (1, 0, 1)
    assert first.summary["transfer_out_kopecks"] == 100_000_00 and first.summary["incoming_kopecks"] == 700_00
    assert _directions() == [("transfer_out", OUR_ACCOUNT, None), ("incoming", OUR_ACCOUNT, c.id)]
    report = reconcile(date(2026, 3, 1), date(2026, 3, 31))
    assert [p.doc_number for p in report.unpaired_transfers] == ["501"]  # its other side not imported yet
    second = _import(statement_bytes([transfer_in()], account=second_account))
    assert second.state == StatementState.DONE and second.warnings == [] and second.summary["duplicates_skipped"] == 0
    assert second.summary["transfer_in_kopecks"] == 100_000_00 and second.summary["incoming"] == 0
    assert _directions()[2] == ("transfer_in", second_account, None)
    queue = staff_counts(date(2026, 3, 31), utcnow())
    assert (queue.unmatched_payments, queue.unmatched_amount) == (1, 700_00)  # the client's advance only
    assert unapplied_credit(c.id) == 700_00
    report = reconcile(date(2026, 3, 1), date(2026, 3, 31))
    checks = {(x.statement.id, x.account): x for x in report.statements}
    out_check, in_check = checks[(first.id, OUR_ACCOUNT)], checks[(second.id, second_account)]
    assert out_check.ok and (out_check.stored_debited, out_check.documents_debited) == (100_000_00, 100_000_00)
    assert in_check.ok and (in_check.stored_received, in_check.documents_received) == (100_000_00, 100_000_00)
    assert out_check.stored_received == 700_00 and report.received == 700_00  # clients' money only
    assert report.unknown_payers == [] and report.unpaired_transfers == []
    assert (report.transfers_out, report.transfers_in) == (100_000_00, 100_000_00)
    assert [b[4] for b in report.balances] == [700_00]
    again = _import(statement_bytes([transfer_in()], account=second_account))
    assert again.summary["duplicates_skipped"] == 1 and _count() == 3


@pytest.mark.parametrize("listings", [1, 2])
def test_a_statement_of_both_accounts_records_the_transfer_once_on_each(org, second_account, listings, tmp_path):
    """A statement of both accounts lists a transfer between them once, or under each account: either way it
    is one transfer, out of the first account and into the second, and each account's totals agree."""
    from tests.onec_files import OUR_ACCOUNT, both_accounts_statement

    data = both_accounts_statement(listings=listings, other=700_00)
    path = tmp_path / "both.txt"
    path.write_bytes(data)
    st = import_path(path)
    assert st.state == StatementState.DONE and st.warnings == []
    assert st.summary["documents"] == listings + 1 and st.summary["transfers"] == 2
    assert sorted(_directions()) == [("incoming", OUR_ACCOUNT, None), ("transfer_in", second_account, None),
                                     ("transfer_out", OUR_ACCOUNT, None)]  # fmt: skip
    assert {s["account"]: (s["documents_received"], s["documents_debited"]) for s in st.sections} == {
        OUR_ACCOUNT: (700_00, 100_000_00), second_account: (100_000_00, 0)}  # fmt: skip
    assert _import(data).summary["duplicates_skipped"] == 3 and _count() == 3


def test_the_cycle_collector_is_back_on_after_an_import_however_it_ends():
    import gc

    from debitor.payments.importing import collector_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a bad line")
    assert gc.isenabled()
