"""The statement of account (акт сверки) against the client's balance: what an agency pays for its
sub-client, refunds, credit notes, and the closing figure the portal's home shows («К оплате»)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from debitor.dates import company_tz, today
from debitor.db import db, frozen_clock
from debitor.documents.services import statement_document
from debitor.documents.statement import statement_of_account
from debitor.invoices.models import OPEN_STATES, Invoice, InvoiceKind
from debitor.invoices.services import cancel_with_credit_note
from debitor.kpi.services import client_balance
from debitor.payments.models import Direction, Payment, PaymentAllocation
from debitor.payments.services import apply_payment, link_refunds, unapplied_credit, unapply
from tests import factories as f
from tests.conftest import post_form

NBSP = "\u00a0"


def noon(day: date):
    from datetime import datetime, time

    return datetime.combine(day, time(12), tzinfo=company_tz())


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def signed_in(app, email):
    c = app.test_client()
    assert post_form(c, "/", {"email": email, "password": f.PASSWORD}).status_code == 303
    return c


def test_agency_payment_settles_the_sub_clients_statement(app):
    """An agency pays a sub-client's invoice: the sub-client's statement closes at what it owes (as its
    home page says), with a credit line naming the agency; the agency's shows where its money went."""
    day = today() - timedelta(days=40)
    org = f.organisation()
    agency = f.client(org, "Агентство", legal_name="ООО «Агентство»")
    sub = f.client(org, "Сабклиент", legal_name="ООО «Сабклиент»", parent_id=agency.id)
    paid_by_agency = f.issued(org, sub, on=day, lines=((1, 100_000_00),))
    part_paid = f.issued(org, sub, on=day + timedelta(days=1), lines=((1, 30_000_00),))
    by_agency = f.payment(org, agency, 120_000_00, on=day + timedelta(days=5))  # 20 000 left: the agency's credit
    with frozen_clock(noon(day + timedelta(days=5))):  # applied the day it came in, as the import does
        apply_payment(by_agency, paid_by_agency)
    apply_payment(f.payment(org, sub, 10_000_00, on=day + timedelta(days=6)), part_paid)
    f.portal_user(sub, "buh@sub.test")
    db.session.commit()

    due = client_balance(sub.id, today()).balance
    assert due == 20_000_00
    period = {"from": (day - timedelta(days=1)).isoformat(), "to": today().isoformat()}
    st = statement_of_account(sub.id, day - timedelta(days=1), today())
    assert (st.opening_kopecks, st.debit_kopecks, st.credit_kopecks) == (0, 130_000_00, 110_000_00)
    assert st.closing_kopecks == due
    third = [r for r in st.rows if r.kind == "third_party_payment"]
    assert [(r.credit_kopecks, r.party, r.number, r.invoices) for r in third] == [
        (100_000_00, "ООО «Агентство»", by_agency.doc_number, (paid_by_agency.number,))
    ]
    # a period that starts after the agency's payment opens with what was left to pay then
    later = statement_of_account(sub.id, day + timedelta(days=6), today())
    assert later.opening_kopecks == 30_000_00 and later.closing_kopecks == due

    c = signed_in(app, "buh@sub.test")
    home = c.get("/home").get_data(as_text=True)
    figure = re.search(r'data-testid="balance">([^<]*)<', home).group(1)
    assert figure == f"20{NBSP}000,00{NBSP}₽"
    page = c.get("/statement", query_string=period).get_data(as_text=True)
    assert f'data-testid="closing-debit">{figure}<' in page
    assert f"за вас: ООО «Агентство», п/п № {by_agency.doc_number}" in page.replace("&#34;", '"')
    pdf = pdf_text(c.get("/statement.pdf", query_string=period).data)
    assert "Сальдо конечное 20 000,00" in pdf
    assert "20 000,00 руб. (Двадцать тысяч рублей 00 копеек)" in pdf
    assert f"Оплачено за вас: ООО «Агентство» ({by_agency.doc_number} от" in pdf
    english = pdf_text(statement_document(sub, day - timedelta(days=1), today(), "en").content)
    assert f"Payment for you by ООО «Агентство» ({by_agency.doc_number} of" in english
    assert "Closing balance 20,000.00" in english

    agency_st = statement_of_account(agency.id, day - timedelta(days=1), today())
    assert agency_st.closing_kopecks == client_balance(agency.id, today()).balance == -20_000_00
    assert [(r.kind, r.debit_kopecks, r.credit_kopecks, r.party) for r in agency_st.rows] == [
        ("payment", 0, 120_000_00, None),
        ("payment_for_other", 100_000_00, 0, "ООО «Сабклиент»"),
    ]


def test_money_applied_for_another_client_later_moves_on_that_day_and_a_take_back_never_rewrites_the_past(app):
    """The agency's money was its own until a clerk applied it to the sub-client's invoice: the sub-client's
    credit and the agency's debit are dated that day, and taking the allocation back later is a reversing row,
    so the statement of a period already closed (and perhaps signed) stays as it was."""
    day = today() - timedelta(days=60)
    org = f.organisation()
    agency = f.client(org, "Агентство", legal_name="ООО «Агентство»")
    sub = f.client(org, "Сабклиент", legal_name="ООО «Сабклиент»", parent_id=agency.id)
    inv = f.issued(org, sub, on=day, lines=((1, 50_000_00),))
    money = f.payment(org, agency, 50_000_00, on=day + timedelta(days=2))
    applied_on, taken_back_on = day + timedelta(days=20), day + timedelta(days=40)
    with frozen_clock(noon(applied_on)):
        alloc = apply_payment(money, inv)
    db.session.commit()
    first_month = (statement_of_account(sub.id, day, applied_on - timedelta(days=1)),
                   statement_of_account(agency.id, day, applied_on - timedelta(days=1)))  # fmt: skip
    assert first_month[0].closing_kopecks == 50_000_00  # not yet paid for it: the money was the agency's
    assert first_month[1].closing_kopecks == -50_000_00  # the agency's credit
    with frozen_clock(noon(taken_back_on)):
        unapply(alloc)  # applied to the wrong client
    db.session.commit()
    for before, client in zip(first_month, (sub, agency), strict=True):
        again = statement_of_account(client.id, day, applied_on - timedelta(days=1))
        assert again == before  # the closed period did not change
    whole = statement_of_account(sub.id, day, today())
    moves = [(r.on, r.kind, r.debit_kopecks, r.credit_kopecks) for r in whole.rows if r.kind != "invoice"]
    assert moves == [
        (applied_on, "third_party_payment", 0, 50_000_00),
        (taken_back_on, "third_party_payment", 50_000_00, 0),
    ]
    assert whole.closing_kopecks == client_balance(sub.id, today()).balance == 50_000_00


def test_a_refund_beyond_what_the_client_had_is_money_it_owes_on_both_the_home_page_and_the_statement(app):
    """We paid the client 30,00 that no unused money of its covered (the import links any outgoing payment to a
    client's INN to it): the balance says it owes that back, and the statement, summed from its rows, agrees."""
    org = f.organisation()
    client = f.client(org, "Ромашка")
    f.issued(org, client, on=today() - timedelta(days=10), lines=((1, 100_00),))
    db.session.add(Payment(organisation_id=org.id, client_id=client.id, direction=Direction.OUTGOING,
                           external_key="test:refund", source="test", received_on=today() - timedelta(days=5),
                           amount_kopecks=30_00, payer_name="", payer_inn=client.inn, purpose="Возврат"))  # fmt: skip
    db.session.commit()
    st = statement_of_account(client.id, date(2000, 1, 1), today())
    assert st.opening_kopecks == 0 and st.debit_kopecks == 130_00
    assert st.closing_kopecks == client_balance(client.id, today()).balance == 130_00


def test_statement_names_the_parties_by_their_short_names_in_running_text(app):
    """«между …», «руководитель …», «По данным …», «в пользу …», «Оплачено за вас: …» take the short name,
    which needs no declining («между Общество с ограниченной ответственностью …» was what it printed);
    the full legal names stand alone over the signatures. The client's short form is derived from its
    legal name, not taken from its short name (here «Ромашка», a name without its legal form)."""
    org = f.organisation()
    org.name, org.director_name = "Общество с ограниченной ответственностью «Тест Медиа»", "Смирнов А. В."
    agency = f.client(org, "Агентство", legal_name="Акционерное общество «Агентство»")
    full = "Общество с ограниченной ответственностью «Ромашка»"
    client = f.client(org, "Ромашка", legal_name=full, parent_id=agency.id)
    inv = f.issued(org, client, on=date(2026, 2, 5), lines=((1, 50_000_00),))
    by_agency = f.payment(org, agency, 20_000_00, on=date(2026, 2, 10))
    with frozen_clock(noon(date(2026, 2, 10))):  # applied the day it came in
        apply_payment(by_agency, inv)
    f.payment(org, client, 40_000_00, on=date(2026, 3, 10))  # 10 000 more than it owes: in its favour in March

    text = pdf_text(statement_document(client, date(2026, 2, 1), date(2026, 2, 28), "ru").content)
    assert "за период: 01.02.2026 – 28.02.2026 между ООО «Тест Медиа» и ООО «Ромашка» Мы" in text
    assert "руководитель ООО «Тест Медиа» Смирнов А. В., с одной стороны, и ____________________ ООО «Ромашка»," in text
    assert "По данным ООО «Тест Медиа», руб. По данным ООО «Ромашка», руб." in text
    assert f"Оплачено за вас: АО «Агентство» ({by_agency.doc_number} от 10.02.2026; сч. № {inv.number})" in text
    assert "По данным ООО «Тест Медиа» на 28.02.2026 задолженность в пользу ООО «Тест Медиа» 30 000,00 руб." in text
    # each full name once, over its signature; the agency's nowhere in full
    assert text.count("Общество с ограниченной ответственностью «Тест Медиа»") == 1
    assert text.count(full) == 1 and "Акционерное общество" not in text
    assert f"(Тридцать тысяч рублей 00 копеек) {org.name} Руководитель" in text

    march = pdf_text(statement_document(client, date(2026, 3, 1), date(2026, 3, 31), "ru").content)
    assert "на 31.03.2026 задолженность в пользу ООО «Ромашка» 10 000,00 руб." in march
    english = pdf_text(statement_document(client, date(2026, 3, 1), date(2026, 3, 31), "en").content)
    assert "between ООО «Тест Медиа» and ООО «Ромашка»" in english
    assert "Director of ООО «Тест Медиа» Смирнов А. В., on the one part, and" in english
    assert "According to ООО «Тест Медиа», RUB According to ООО «Ромашка», RUB" in english
    assert "as of 2026-03-31 the balance is owed to ООО «Ромашка» 10,000.00 RUB" in english
    assert english.count(full) == 1 and english.count(org.name) == 1


# --- the balance rule over random histories ----------------------------------------------------------------

PAYER = st.sampled_from(["client", "agency", "sibling"])  # the client, its agency, another of its sub-clients
DAY = st.integers(0, 59)
END = date(2100, 1, 1)
AMOUNT = st.integers(1, 50_000_00)
# an operation of each kind, chosen by weight (the payments and invoices are what the rest works on)
OPERATIONS = {
    "invoice": st.tuples(st.just("invoice"), st.sampled_from(["client", "client", "agency"]), AMOUNT, DAY),
    # a payment applied (none, half or all of it) to the client's open invoices, oldest first, or (the client's
    # own, ``for_agency``) to the agency's: partial payments, one for many, third parties, money left as credit
    "pay": st.tuples(st.just("pay"), PAYER, AMOUNT, DAY, st.sampled_from([0, 0.5, 1]), st.booleans()),
    # part or all of the credit of one of them who has some
    "refund": st.tuples(st.just("refund"), st.integers(0, 2), st.sampled_from([0.3, 1, 1.5]), DAY),
    "cancel": st.tuples(st.just("cancel"), st.sampled_from(["client", "agency"]), st.integers(0, 5), DAY),
    "unapply": st.tuples(st.just("unapply"), st.integers(0, 20)),
}
OPERATION = st.sampled_from(
    ["invoice", "invoice", "pay", "pay", "pay", "refund", "refund", "cancel", "unapply"]
).flatmap(OPERATIONS.__getitem__)


class History:
    """Applies random operations through the services to an agency with two sub-clients."""

    def __init__(self):
        self.org = f.organisation()
        agency = f.client(self.org, "Агентство")
        self.clients = {
            "agency": agency,
            "client": f.client(self.org, parent_id=agency.id),
            "sibling": f.client(self.org, parent_id=agency.id),
        }
        self.base = today() - timedelta(days=70)
        self.last_paid = {}  # client id -> the latest day it paid on

    def open_invoices(self, who: str) -> list[Invoice]:
        return db.session.scalars(
            sa.select(Invoice)
            .where(Invoice.client_id == self.clients[who].id, Invoice.kind == InvoiceKind.INVOICE)
            .where(Invoice.state.in_(OPEN_STATES))
            .order_by(Invoice.issued_on, Invoice.id)
        ).all()

    def active_allocations(self) -> list[PaymentAllocation]:
        ids = [c.id for c in self.clients.values()]
        return db.session.scalars(
            sa.select(PaymentAllocation)
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(Payment.client_id.in_(ids), PaymentAllocation.reversed_at.is_(None))
            .order_by(PaymentAllocation.id)
        ).all()

    def run(self, op: tuple) -> None:
        getattr(self, op[0])(*op[1:])

    def invoice(self, who: str, amount: int, day: int) -> None:
        f.issued(self.org, self.clients[who], on=self.base + timedelta(days=day), lines=((1, amount),))

    def pay(self, payer: str, amount: int, day: int, share: float, for_agency: bool) -> None:
        target = "agency" if payer == "client" and for_agency else "client"
        on = self.base + timedelta(days=day)
        payment = f.payment(self.org, self.clients[payer], amount, on=on)
        self.last_paid[payment.client_id] = max(on, self.last_paid.get(payment.client_id, on))
        budget = int(amount * share)
        for inv in self.open_invoices(target):
            take = min(budget, inv.total_kopecks - inv.paid_kopecks)
            if take <= 0:
                break
            apply_payment(payment, inv, take)
            budget -= take

    def refund(self, index: int, part: float, day: int) -> None:
        """Money paid back to a client: part of its unused credit, or (part > 1) more than it had — then the
        rest is money it owes back, on its balance and its statement alike."""
        clients = list(self.clients.values())
        client = clients[index % len(clients)]
        credit = max(unapplied_credit(client.id), 0)
        amount = max(int(credit * part), 1)
        # paid back no earlier than the money it returns came in, so that it is matched to it
        on = max(self.base + timedelta(days=day), self.last_paid.get(client.id, self.base))
        back = f.payment(self.org, client, amount, on=on)
        back.direction = Direction.OUTGOING
        db.session.flush()
        assert 0 <= link_refunds([back.id]) <= amount  # matched to unused money as far as there is any

    def cancel(self, who: str, index: int, day: int) -> None:
        invoices = self.open_invoices(who)
        if not invoices:
            return
        inv = invoices[index % len(invoices)]
        for alloc in self.active_allocations():
            if alloc.invoice_id == inv.id:
                unapply(alloc)
        cancel_with_credit_note(inv, reason="ошибка", on=max(inv.issued_on, self.base + timedelta(days=day)))

    def unapply(self, index: int) -> None:
        allocations = self.active_allocations()
        if allocations:
            unapply(allocations[index % len(allocations)])


def check_statements(client_id: int, first: date, second: date) -> None:
    """Consecutive periods from before the first document to after the last chain: the first opens at zero,
    each one's opening + turnover = its closing and the next opens there; the last closes at the client's
    balance (open invoices less unused credit, as the portal's home shows it)."""
    due = client_balance(client_id, today()).balance
    periods = [(date(2000, 1, 1), first - timedelta(days=1)), (first, second), (second + timedelta(days=1), END)]
    opening = 0
    for start, end in periods:
        s = statement_of_account(client_id, start, end)
        assert s.opening_kopecks == opening
        assert s.debit_kopecks == sum(r.debit_kopecks for r in s.rows) and s.credit_kopecks == sum(
            r.credit_kopecks for r in s.rows
        )
        assert s.opening_kopecks + s.debit_kopecks - s.credit_kopecks == s.closing_kopecks
        assert all(start <= r.on <= end for r in s.rows)
        opening = s.closing_kopecks
    assert opening == due


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATION, min_size=3, max_size=10), first=DAY, length=st.integers(0, 40))
def test_statement_closes_at_the_balance_whatever_happened(app, operations, first, length):
    try:
        history = History()
        history.invoice("client", 10_000_00, 0)  # something to pay from the start
        for op in operations:
            history.run(op)
        start = history.base + timedelta(days=first)
        for client in history.clients.values():
            check_statements(client.id, start, start + timedelta(days=length))
    finally:
        db.session.rollback()  # the next example starts from empty tables again (services only flush)
