"""Demo data: a believable ad network with ~50 Russian clients and 18 months of history.

A script of service calls — clients, contracts sent and acknowledged in the portal, invoices drafted and
issued, payments applied, credit notes, disputes, tasks — with the clock pinned to the business date of each
step, so numbering, VAT by date, balances, states and timelines are exactly what the product would have
produced. Nothing here sets a state. The same seed gives the same company; its tables are in ``demo_data``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from debitor import demo_collection
from debitor.auth.models import PortalUser, Role, StaffUser
from debitor.auth.services import create_staff_user
from debitor.clients.models import Client
from debitor.clients.services import add_contact, create_client
from debitor.contracts import services as contracts
from debitor.contracts.models import Contract, ContractState
from debitor.dates import today
from debitor.db import db, frozen_clock
from debitor.demo_data import (
    ACCOUNTS,
    BANKS,
    CITIES,
    ORGANISATION,
    PAYMENT_DELAYS,
    PEOPLE,
    PROFILES,
    SBERBANK,
    STAFF,
    TRADES,
    WORDS,
    payment_purpose,
)
from debitor.disputes.models import Dispute, DisputeState
from debitor.disputes.services import open_dispute, resolve_dispute
from debitor.identifiers import inn_check_digit, ogrn_check_digit, settlement_account_with_key
from debitor.invoices.models import Invoice, open_sql
from debitor.invoices.services import cancel_with_credit_note, create_draft, issue_invoice
from debitor.orgs.models import BankAccount, Organisation, VatMode
from debitor.payments.models import Payment
from debitor.payments.services import apply_payment
from debitor.tasks.models import Task
from debitor.tasks.services import create_task

STAFF_PASSWORD = "demo-staff-2026"  # noqa: S105 - published demo credentials
CLIENT_PASSWORD = "demo-client-2026"  # noqa: S105


@dataclass
class Summary:
    counts: dict = field(default_factory=dict)
    logins: list = field(default_factory=list)
    collection: dict = field(default_factory=dict)  # what the collection run of the demo day did

    def render(self) -> str:
        lines = ["Demo data loaded:"]
        lines += [f"  {k}: {v}" for k, v in self.counts.items()]
        lines.append("Logins:")
        lines += [f"  {where:<7} {email:<34} {pw}  ({who})" for where, email, pw, who in self.logins]
        return "\n".join(lines)


def _hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password)


def has_data() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) > 0


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC) - timedelta(hours=3)  # Moscow business hours


class DemoBuilder:
    def __init__(self, seed: int):
        self.rnd = random.Random(seed)
        self.today = today()
        self.summary = Summary()
        self.inn_stems: set[str] = set()
        self.payment_no = 0
        self.users: dict[int, PortalUser] = {}  # client id → its accountant in the portal

    # --- identifiers -------------------------------------------------------------------------------
    def org_inn(self, region: str) -> str:
        while True:
            stem = region + f"{self.rnd.randrange(10**7):07d}"
            if stem not in self.inn_stems:
                self.inn_stems.add(stem)
                return inn_check_digit(stem)

    def person_inn(self, region: str) -> str:
        w1, w2 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8), (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
        stem = region + f"{self.rnd.randrange(10**8):08d}"
        d11 = str(sum(int(a) * b for a, b in zip(stem, w1, strict=True)) % 11 % 10)
        d12 = str(sum(int(a) * b for a, b in zip(stem + d11, w2, strict=True)) % 11 % 10)
        return stem + d11 + d12

    def account(self, bik: str) -> str:
        return settlement_account_with_key(bik, "40702810" + f"{self.rnd.randrange(10**11):011d}")

    # --- building ----------------------------------------------------------------------------------
    def build(self) -> Summary:
        start = date(self.today.year, self.today.month, 1) - timedelta(days=548)
        self.start = date(start.year, start.month, 1)
        with frozen_clock(at(self.start - timedelta(days=30))):
            self.org = self.organisation()
            self.staff = self.staff_users()
            self.clerk = self.staff["clerk@debitor.local"]
            self.clients = self.make_clients()
            self.billable = [c for c in self.clients if c.demo_profile != "agency"]
        self.contracts()
        self.history()
        self.current_state()
        self.summary.counts = self.counts()
        return self.summary

    def organisation(self) -> Organisation:
        org = Organisation(**ORGANISATION, vat_mode=VatMode.STANDARD)
        org.bank_accounts = [BankAccount(**SBERBANK, **account) for account in ACCOUNTS]
        db.session.add(org)
        db.session.flush()
        return org

    def staff_users(self) -> dict[str, StaffUser]:
        users = {}
        for email, name, role in STAFF:
            users[email] = create_staff_user(
                {"email": email, "name": name, "role": role.value, "password": STAFF_PASSWORD}
            )
            self.summary.logins.append(("staff", email, STAFF_PASSWORD, f"{role.value}, /staff"))
        return users

    def make_clients(self) -> list[Client]:
        names = self.rnd.sample([f"{w} {t}" for w in WORDS for t in TRADES], 52)
        ams = [self.staff["am@debitor.local"], self.staff["am2@debitor.local"]]
        clients: list[Client] = []
        client_hash = _hash(CLIENT_PASSWORD)
        for i, name in enumerate(names):
            region, city, street = self.rnd.choice(CITIES)
            is_ip = i % 13 == 7
            agency = i in (0, 1, 2)
            parent = clients[i % 3] if 3 <= i < 12 else None  # agencies with sub-clients
            person = PEOPLE[i % len(PEOPLE)]
            short = f"ИП {person.split()[0]} ({name})" if is_ip else f"ООО «{name}»"
            legal = (
                f"Индивидуальный предприниматель {person}"
                if is_ip
                else f"Общество с ограниченной ответственностью «{name}»"
            )
            if agency:
                short, legal = f"АО «{name} Диджитал»", f"Акционерное общество «{name} Диджитал»"
            inn = self.person_inn(region) if is_ip else self.org_inn(region)
            data = {
                "legal_name": legal,
                "short_name": short,
                "inn": inn,
                "kpp": None if is_ip else f"{inn[:4]}01001",
                "ogrn": None if is_ip else ogrn_check_digit(f"1{self.rnd.randrange(10**11):011d}"),
                "legal_address": f"{city}, {street}, д. {self.rnd.randrange(1, 120)}",
                "postal_address": "",
                "language": "en" if i == 20 else "ru",
                "payment_terms_days": self.rnd.choice([5, 7, 10, 10, 14, 30]),
                "credit_limit": self.rnd.choice([0, 50_000_00, 200_000_00, 1_000_000_00]),
                "account_manager_id": ams[i % 2].id,
                "parent_id": parent.id if parent else None,
                "extra_inns": [self.org_inn(region)] if i in (5, 17) else [],
                "contact_name": PEOPLE[(i + 3) % len(PEOPLE)],
                "contact_email": f"billing{i + 1}@client{i + 1}.example",
            }
            client = create_client(self.org.id, data, actor=self.clerk)
            client.demo_profile = "agency" if agency else PROFILES[i % len(PROFILES)]
            if i % 4 == 0:
                add_contact(client, "Бухгалтерия", f"buh@client{i + 1}.example", actor=self.clerk)
            email = "client@debitor.local" if i == 8 else f"user{i + 1}@client{i + 1}.example"
            # every client's accountant uses the portal (it acknowledges the contracts there); built directly
            # with one precomputed hash: scrypt per user would triple the load time
            user = PortalUser(
                client_id=client.id, email=email, name=person, position="Главный бухгалтер", password_hash=client_hash
            )
            db.session.add(user)
            self.users[client.id] = user
            if i in (8, 11):
                self.summary.logins.append(("portal", email, CLIENT_PASSWORD, f"{short}, /"))
            clients.append(client)
        db.session.flush()
        return clients

    def contracts(self) -> None:
        """Every client's contract, sent and acknowledged in the portal; some a second one in another state."""
        states = list(ContractState)
        for i, client in enumerate(self.clients):
            signed = self.start - timedelta(days=self.rnd.randrange(10, 400))
            with frozen_clock(at(signed)):
                contract = self.contract(client, f"Д-{signed.year}/{100 + i}", signed, signed)
                contracts.send_for_acknowledgement(contract, deadline=signed + timedelta(days=7), actor=self.clerk)
            with frozen_clock(at(signed, 12)):
                contracts.acknowledge(contract, self.users[client.id])
            client.demo_contract = contract
            if i % 8 == 4:  # a second, newer contract in some other state: every state is present
                self.second_contract(client, i, states[(i // 8) % len(states)])
        with frozen_clock(at(self.today, 9)):
            contracts.mark_overdue_acknowledgements(self.today)  # leaves the account manager a task

    def contract(self, client: Client, number: str, signed: date, starts: date, title: str = "") -> Contract:
        data = {
            "number": number,
            "title": title or "Договор возмездного оказания рекламных услуг",
            "signed_on": signed,
            "starts_on": starts,
            "payment_terms_days": client.payment_terms_days,
        }
        return contracts.create_contract(client, data, actor=client.account_manager)

    def second_contract(self, client: Client, i: int, state: ContractState) -> None:
        made = self.today - timedelta(days=10 if state == ContractState.ACK_OVERDUE else 0)
        number, title = f"Д-{self.today.year}/{500 + i}", "Дополнительное соглашение: медийная реклама"
        with frozen_clock(at(made, 11)):
            extra = self.contract(client, number, made, self.today + timedelta(days=10), title)
            if state == ContractState.TERMINATED:
                contracts.terminate(extra, reason="Клиент отказался от медийной рекламы", actor=client.account_manager)
            elif state != ContractState.DRAFT:
                deadline = made + timedelta(days=6 if state == ContractState.ACK_OVERDUE else 5)
                contracts.send_for_acknowledgement(extra, deadline=deadline, actor=client.account_manager)
        if state == ContractState.ACKNOWLEDGED:
            with frozen_clock(at(self.today, 9)):
                contracts.acknowledge(extra, self.users[client.id])

    def months(self):
        month = self.start
        while month < date(self.today.year, self.today.month, 1):
            nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
            yield month, nxt - timedelta(days=1), nxt
            month = nxt

    def history(self) -> None:
        """Month by month: issue last month's invoices, then receive the payments of that month."""
        for first, last, issue_month in self.months():
            issue_day = issue_month + timedelta(days=self.rnd.randrange(0, 3))
            if issue_day > self.today:
                break
            active = [c for c in self.billable if self.rnd.random() < 0.93]
            with frozen_clock(at(issue_day)):
                invoices = [self.invoice(c, first, last, issue_day) for c in active]
            for inv in invoices:
                self.pay(inv)

    def draft(self, client: Client, first: date, last: date, lines: list[tuple]) -> Invoice:
        data = {
            "client_id": client.id,
            "contract_id": client.demo_contract.id,
            "period_start": first,
            "period_end": last,
            "lines": [{"description": d, "quantity": q, "price": p, "unit": u} for d, q, p, u in lines],
        }
        return create_draft(self.org, data, actor=self.clerk)

    def invoice(self, client: Client, first: date, last: date, issue_day: date) -> Invoice:
        month = first.strftime("%m.%Y")
        scale = 1 + (client.id % 7)
        clicks = self.rnd.randrange(800, 9000) * scale
        lines = [(f"Контекстная реклама, клики за {month}", clicks, self.rnd.choice([1250, 1800, 2400, 3100]), "клик")]
        if self.rnd.random() < 0.6:
            shows = Decimal(self.rnd.randrange(50, 900) * scale)
            price = self.rnd.choice([9000, 12000, 15000])
            lines.append((f"Медийная реклама, тыс. показов за {month}", shows, price, "тыс. показов"))
        if self.rnd.random() < 0.15:
            lines.append(("Настройка и ведение рекламных кампаний", 1, 1500000, "усл."))
        return issue_invoice(self.draft(client, first, last, lines), actor=self.clerk, on=issue_day)

    def payment(self, client: Client, amount: int, day: date, purpose: str) -> Payment:
        """A payment order as the bank statement brings it (from the client, its other INN or its agency)."""
        self.payment_no += 1
        bank = BANKS[client.id % len(BANKS)]
        payer_inn = client.extra_inns[0].inn if client.extra_inns and self.payment_no % 2 else client.inn
        payer = client.parent if client.parent and self.payment_no % 3 == 0 else client
        if payer is not client:
            payer_inn = payer.inn
        return self.bank_payment(
            f"demo:{self.payment_no}", day, amount, payer.legal_name, payer_inn, bank[1], str(100 + self.payment_no),
            purpose, client_id=payer.id,
        )  # fmt: skip

    def bank_payment(self, key, day, amount, name, inn, bik, number, purpose, client_id=None) -> Payment:
        p = Payment(
            organisation_id=self.org.id,
            client_id=client_id,
            external_key=key,
            source="demo",
            received_on=day,
            amount_kopecks=amount,
            payer_name=name,
            payer_inn=inn,
            payer_account=self.account(bik),
            payer_bik=bik,
            doc_number=number,
            doc_date=day,
            purpose=purpose,
        )
        db.session.add(p)
        db.session.flush()
        return p

    def purpose(self, invoices: list[Invoice]) -> str:
        return payment_purpose(invoices, self.rnd.randrange(3))

    def pay(self, inv: Invoice) -> None:
        client, profile = inv.client, inv.client.demo_profile
        delay = PAYMENT_DELAYS[profile]
        day = inv.issued_on + timedelta(days=self.rnd.randrange(*delay))
        if day > self.today or (profile == "chronic" and self.rnd.random() < 0.3):
            return  # not paid (yet): open or overdue
        if profile == "bundler":
            if inv.issued_on.month % 2:  # pays two months in one payment order
                return
            previous = [i for i in self.unpaid(client) if i.id != inv.id][-1:]
            self.pay_many(previous + [inv], day)
            return
        amount = inv.total_kopecks
        if profile == "partial" and self.rnd.random() < 0.5:
            amount = inv.total_kopecks // 2 - inv.total_kopecks // 2 % 100
        if profile == "overpayer":
            amount = (inv.total_kopecks + 99_999) // 100_000 * 100_000  # rounds up to whole thousands
        with frozen_clock(at(day, 12)):
            p = self.payment(client, amount, day, self.purpose([inv]))
            apply_payment(p, inv, actor=None, reason="demo: referenced in the payment purpose")

    def unpaid(self, client: Client) -> list[Invoice]:
        """The client's open invoices (``invoices.models.open_sql``: credit notes are never among them)."""
        q = sa.select(Invoice).where(Invoice.client_id == client.id, open_sql()).order_by(Invoice.issued_on, Invoice.id)
        return list(db.session.scalars(q))

    def pay_many(self, invoices: list[Invoice], day: date) -> None:
        total = sum(i.outstanding_kopecks for i in invoices)
        with frozen_clock(at(day, 12)):
            p = self.payment(invoices[0].client, total, day, self.purpose(invoices))
            for inv in invoices:
                apply_payment(p, inv, reason="demo: one payment for several invoices")

    def current_state(self) -> None:
        """This month: drafts waiting for review, a cancelled invoice, an unmatched payment, disputes, tasks."""
        first = date(self.today.year, self.today.month, 1)
        for client in self.billable[:6]:  # drafts of this month's usage, not yet issued
            clicks = self.rnd.randrange(2000, 9000)
            self.draft(
                client, first, self.today, [(f"Контекстная реклама, клики за {first:%m.%Y}", clicks, 1800, "клик")]
            )
        yesterday = self.today - timedelta(days=1)
        with frozen_clock(at(yesterday)):
            victim = next(i for c in self.billable[6:] for i in self.unpaid(c) if i.paid_kopecks == 0)
            cancel_with_credit_note(victim, reason="Счёт выставлен повторно по ошибке", actor=self.clerk)
            self.bank_payment(
                "demo:unknown-1", yesterday, 4_560_000, "ООО «Неизвестный Плательщик»", self.org_inn("77"),
                "044525593", "771", "Оплата за рекламу по счету 9999",
            )  # fmt: skip
        self.disputes()
        held = next(c for c in self.billable[12:] if any(i.due_on < self.today for i in self.unpaid(c)))
        self.summary.collection = demo_collection.set_up(self.today, held=held)
        db.session.flush()

    def disputes(self) -> None:
        """Four clients dispute the clicks of their latest open invoice; one is credited, one rejected."""
        manager = self.staff["manager@debitor.local"]
        disputed = [(c, self.unpaid(c)) for c in self.billable[10:]]
        for n, (client, open_invoices) in enumerate([x for x in disputed if x[1]][:4]):
            inv = open_invoices[-1]
            line = inv.lines[0]
            with frozen_clock(at(min(inv.issued_on + timedelta(days=2), self.today))):
                reason = "Количество кликов не совпадает с нашей статистикой в кабинете"
                dispute = open_dispute(inv, reason=reason, by=self.users[client.id], line_id=line.id)
                title = f"Спор по счёту № {inv.number} от {inv.issued_on:%d.%m.%Y}"
                due = at(inv.issued_on + timedelta(days=5), 15)
                create_task(
                    "dispute", title, role=Role.MANAGER, due_at=due, assignee=manager, invoice=inv, dispute=dispute
                )
            if n > 1:
                continue  # still open
            with frozen_clock(at(min(inv.issued_on + timedelta(days=4), self.today), 16)):
                if n == 0:  # a tenth of the clicks off, at most what is still owed
                    credit = min(line.amount_kopecks // 10, inv.outstanding_kopecks)
                    answer = "Часть кликов признана недействительной: выставлен корректировочный счёт"
                    resolve_dispute(
                        dispute, DisputeState.CREDITED, resolution=answer, actor=manager, credit_lines={line.id: credit}
                    )
                else:
                    answer = "Клики подтверждены журналом рекламной системы"
                    resolve_dispute(dispute, DisputeState.REJECTED, resolution=answer, actor=manager)

    def counts(self) -> dict:
        from debitor.models import Event, PaymentAllocation

        models = [Client, PortalUser, StaffUser, Contract, Invoice, Payment, PaymentAllocation, Dispute, Task, Event]
        return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}


def load_demo(seed: int = 42) -> Summary:
    """Fill an empty database with the demo company. Flushes; the caller commits."""
    if has_data():
        raise RuntimeError("the database already has data; demo data goes into an empty database only")
    return DemoBuilder(seed).build()
