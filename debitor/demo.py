"""Demo data: a believable ad network with ~50 Russian clients and 18 months of history.

Everything goes through the domain services (clients, invoices, payments) with the clock pinned to
the business date of each step, so numbering, VAT by date, balances and timelines are exactly what
the product would have produced. The same seed gives the same company.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from debitor.auth.models import PortalUser, Role, StaffUser
from debitor.auth.services import create_staff_user
from debitor.clients.models import BillingContact, Client
from debitor.clients.services import create_client
from debitor.contracts.models import Contract, ContractState
from debitor.dates import today
from debitor.db import db, frozen_clock
from debitor.disputes.models import Dispute
from debitor.identifiers import inn_check_digit, ogrn_check_digit, settlement_account_with_key
from debitor.invoices.models import Invoice
from debitor.invoices.services import add_line, cancel_with_credit_note, issue_invoice
from debitor.orgs.models import BankAccount, Organisation, VatMode
from debitor.payments.models import Payment
from debitor.payments.services import apply_payment
from debitor.tasks.models import Task
from debitor.timeline.models import Visibility
from debitor.timeline.services import record

STAFF_PASSWORD = "demo-staff-2026"  # noqa: S105 - published demo credentials
CLIENT_PASSWORD = "demo-client-2026"  # noqa: S105

STAFF = [
    ("admin@debitor.local", "Ольга Смирнова", Role.ADMIN),
    ("clerk@debitor.local", "Ирина Ковалёва", Role.CLERK),
    ("am@debitor.local", "Дмитрий Орлов", Role.ACCOUNT_MANAGER),
    ("am2@debitor.local", "Анна Белова", Role.ACCOUNT_MANAGER),
    ("manager@debitor.local", "Сергей Волков", Role.MANAGER),
]

WORDS = [
    "Альфа",
    "Вектор",
    "Гранит",
    "Меридиан",
    "Север",
    "Орбита",
    "Пульс",
    "Радуга",
    "Сигма",
    "Тандем",
    "Феникс",
    "Эверест",
    "Янтарь",
    "Кедр",
    "Ладья",
    "Маяк",
    "Нева",
    "Олимп",
    "Парус",
    "Рубин",
    "Сапфир",
    "Титан",
    "Урал",
    "Фортуна",
    "Цитадель",
    "Экспресс",
    "Байкал",
    "Волна",
    "Горизонт",
    "Дельта",
    "Зенит",
    "Исток",
    "Космос",
    "Лотос",
    "Магистраль",
    "Ника",
    "Оникс",
    "Прайм",
    "Ритм",
    "Стрела",
    "Терра",
    "Универсал",
    "Фокус",
    "Эталон",
    "Юпитер",
    "Аврора",
    "Бриз",
    "Вега",
    "Гамма",
    "Добрыня",
]
TRADES = [
    "Маркет",
    "Трейд",
    "Строй",
    "Логистик",
    "Медиа",
    "Фуд",
    "Тех",
    "Авто",
    "Дом",
    "Мебель",
    "Тур",
    "Клиник",
    "Фарм",
    "Спорт",
    "Стиль",
    "Снаб",
    "Сервис",
    "Кафе",
    "Девелопмент",
    "Электро",
]
PEOPLE = [
    "Иванов Пётр Сергеевич",
    "Кузнецова Мария Андреевна",
    "Попов Алексей Игоревич",
    "Соколова Елена Викторовна",
    "Лебедев Николай Павлович",
    "Новикова Татьяна Олеговна",
    "Морозов Артём Денисович",
    "Павлова Светлана Юрьевна",
    "Фёдоров Игорь Владимирович",
]
CITIES = [
    ("77", "г. Москва", "ул. Тверская"),
    ("78", "г. Санкт-Петербург", "Невский пр-т"),
    ("50", "Московская обл., г. Химки", "ул. Ленина"),
    ("66", "г. Екатеринбург", "ул. Малышева"),
    ("54", "г. Новосибирск", "Красный пр-т"),
    ("16", "г. Казань", "ул. Баумана"),
]
BANKS = [
    ("ПАО Сбербанк", "044525225", "30101810400000000225"),
    ("АО «Альфа-Банк»", "044525593", "30101810200000000593"),
    ("Банк ВТБ (ПАО)", "044525187", "30101810700000000187"),
    ("АО «Тинькофф Банк»", "044525974", "30101810145250000974"),
]
PROFILES = ["prompt"] * 5 + ["late"] * 3 + ["partial", "bundler", "overpayer", "chronic"]


@dataclass
class Summary:
    counts: dict = field(default_factory=dict)
    logins: list = field(default_factory=list)

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
            self.clients = self.make_clients()
        self.contracts()
        self.history()
        self.current_state()
        self.summary.counts = self.counts()
        return self.summary

    def organisation(self) -> Organisation:
        org = Organisation(
            name="Общество с ограниченной ответственностью «Дебитор Медиа»",
            short_name="ООО «Дебитор Медиа»",
            inn="7709123453",
            kpp="770901001",
            ogrn="1027700123450",
            legal_address="125009, г. Москва, ул. Тверская, д. 7, офис 512",
            director_name="Смирнов А. В.",
            accountant_name="Ковалёва И. Н.",
            vat_mode=VatMode.STANDARD,
        )
        org.bank_accounts = [
            BankAccount(
                bank_name="ПАО Сбербанк",
                bik="044525225",
                corr_account="30101810400000000225",
                account="40702810200000012345",
                is_primary=True,
            ),
            BankAccount(
                bank_name="ПАО Сбербанк",
                bik="044525225",
                corr_account="30101810400000000225",
                account="40702810700000067890",
            ),
        ]
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
        for i, name in enumerate(names):
            region, city, street = self.rnd.choice(CITIES)
            is_ip = i % 13 == 7
            agency = i in (0, 1, 2)
            parent = clients[i % 3] if 3 <= i < 12 else None  # agencies with sub-clients
            short = f"ИП {PEOPLE[i % len(PEOPLE)].split()[0]} ({name})" if is_ip else f"ООО «{name}»"
            legal = (
                f"Индивидуальный предприниматель {PEOPLE[i % len(PEOPLE)]}"
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
            client = create_client(self.org.id, data, actor=self.staff["clerk@debitor.local"])
            client.demo_profile = "agency" if agency else PROFILES[i % len(PROFILES)]
            if i % 4 == 0:
                client.contacts.append(BillingContact(name="Бухгалтерия", email=f"buh@client{i + 1}.example"))
            if i < 12 or i % 3 == 0:
                email = "client@debitor.local" if i == 8 else f"user{i + 1}@client{i + 1}.example"
                # Built directly with one precomputed hash: scrypt per user would triple the load time.
                self.client_hash = getattr(self, "client_hash", None) or _hash(CLIENT_PASSWORD)
                db.session.add(
                    PortalUser(
                        client_id=client.id,
                        email=email,
                        name=PEOPLE[i % len(PEOPLE)],
                        position="Главный бухгалтер",
                        password_hash=self.client_hash,
                    )
                )
                if i in (8, 11):
                    self.summary.logins.append(("portal", email, CLIENT_PASSWORD, f"{short}, /"))
            clients.append(client)
        db.session.flush()
        return clients

    def contracts(self) -> None:
        states = list(ContractState)
        for i, client in enumerate(self.clients):
            signed = self.start - timedelta(days=self.rnd.randrange(10, 400))
            contract = Contract(
                client_id=client.id,
                number=f"Д-{signed.year}/{100 + i}",
                title="Договор возмездного оказания рекламных услуг",
                signed_on=signed,
                starts_on=signed,
                payment_terms_days=client.payment_terms_days,
                state=ContractState.ACKNOWLEDGED,
                acknowledged_at=at(signed, 12),
            )
            db.session.add(contract)
            client.demo_contract = contract
            if i % 8 == 4:  # a second, newer contract in some other state: every state is present
                state = states[(i // 8) % len(states)]
                deadline = self.today + timedelta(days=self.rnd.choice([-6, -2, 3, 9]))
                if state == ContractState.ACK_OVERDUE:
                    deadline = self.today - timedelta(days=4)
                elif state == ContractState.AWAITING_ACK:
                    deadline = self.today + timedelta(days=5)
                extra = Contract(
                    client_id=client.id,
                    number=f"Д-{self.today.year}/{500 + i}",
                    title="Дополнительное соглашение: медийная реклама",
                    signed_on=self.today,
                    starts_on=self.today + timedelta(days=10),
                    payment_terms_days=client.payment_terms_days,
                    state=state,
                    ack_deadline=deadline,
                )
                db.session.add(extra)
                db.session.flush()
                if state == ContractState.ACK_OVERDUE:
                    self.task(
                        "contract_ack_overdue",
                        f"Договор {extra.number} не подтверждён в срок",
                        Role.ACCOUNT_MANAGER,
                        client,
                        due=self.today + timedelta(days=1),
                        assignee=client.account_manager,
                        contract_id=extra.id,
                    )
        db.session.flush()

    def months(self):
        month = self.start
        while month < date(self.today.year, self.today.month, 1):
            nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
            yield month, nxt - timedelta(days=1), nxt
            month = nxt

    def history(self) -> None:
        """Month by month: issue last month's invoices, then receive the payments of that month."""
        billable = [c for c in self.clients if c.demo_profile != "agency"]
        for first, last, issue_month in self.months():
            issue_day = issue_month + timedelta(days=self.rnd.randrange(0, 3))
            if issue_day > self.today:
                break
            active = [c for c in billable if self.rnd.random() < 0.93]
            with frozen_clock(at(issue_day)):
                invoices = [self.invoice(c, first, last, issue_day) for c in active]
            for inv in invoices:
                self.pay(inv)

    def invoice(self, client: Client, first: date, last: date, issue_day: date) -> Invoice:
        inv = Invoice(
            organisation=self.org,
            client=client,
            contract=client.demo_contract,
            period_start=first,
            period_end=last,
            currency="RUB",
        )
        db.session.add(inv)
        month = first.strftime("%m.%Y")
        scale = 1 + (client.id % 7)
        clicks = self.rnd.randrange(800, 9000) * scale
        add_line(
            inv,
            f"Контекстная реклама, клики за {month}",
            clicks,
            self.rnd.choice([1250, 1800, 2400, 3100]),
            unit="клик",
        )
        if self.rnd.random() < 0.6:
            shows = Decimal(self.rnd.randrange(50, 900) * scale)
            add_line(
                inv,
                f"Медийная реклама, тыс. показов за {month}",
                shows,
                self.rnd.choice([9000, 12000, 15000]),
                unit="тыс. показов",
            )
        if self.rnd.random() < 0.15:
            add_line(inv, "Настройка и ведение рекламных кампаний", 1, 1500000)
        issue_invoice(inv, actor=self.staff["clerk@debitor.local"], on=issue_day)
        return inv

    def payment(self, client: Client, amount: int, day: date, purpose: str) -> Payment:
        self.payment_no += 1
        bank = BANKS[client.id % len(BANKS)]
        payer_inn = client.extra_inns[0].inn if client.extra_inns and self.payment_no % 2 else client.inn
        payer = client.parent if client.parent and self.payment_no % 3 == 0 else client
        if payer is not client:
            payer_inn = payer.inn
        p = Payment(
            organisation_id=self.org.id,
            client_id=payer.id,
            external_key=f"demo:{self.payment_no}",
            source="demo",
            received_on=day,
            amount_kopecks=amount,
            payer_name=payer.legal_name,
            payer_inn=payer_inn,
            payer_account=self.account(bank[1]),
            payer_bik=bank[1],
            doc_number=str(100 + self.payment_no),
            doc_date=day,
            purpose=purpose,
        )
        db.session.add(p)
        db.session.flush()
        return p

    def purpose(self, invoices: list[Invoice]) -> str:
        refs = ", ".join(f"№ {i.number} от {i.issued_on:%d.%m.%Y}" for i in invoices)
        vat = sum(i.vat_kopecks for i in invoices)
        style = self.rnd.randrange(3)
        if style == 0:
            return f"Оплата по счету {refs} за рекламные услуги. В т.ч. НДС {vat // 100}-{vat % 100:02d}"
        if style == 1:
            total = sum(i.total_kopecks for i in invoices)
            return f"Оплата счета {refs.replace('№ ', 'N')} Сумма {total // 100}.{total % 100:02d} в т.ч. НДС"
        return f"Оплата по сч. {refs} по договору {invoices[0].contract.number}"

    def pay(self, inv: Invoice) -> None:
        client, profile = inv.client, inv.client.demo_profile
        delay = {
            "prompt": (1, 9),
            "late": (8, 40),
            "partial": (3, 20),
            "bundler": (20, 35),
            "overpayer": (1, 6),
            "chronic": (25, 90),
        }[profile]
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
        q = (
            sa.select(Invoice)
            .where(
                Invoice.client_id == client.id,
                Invoice.paid_kopecks < Invoice.total_kopecks,
                Invoice.state.in_(["issued", "partially_paid"]),
                Invoice.kind == "invoice",  # credit notes are issued too, but nobody pays them
            )
            .order_by(Invoice.issued_on)
        )
        return list(db.session.scalars(q))

    def pay_many(self, invoices: list[Invoice], day: date) -> None:
        total = sum(i.total_kopecks - i.paid_kopecks for i in invoices)
        with frozen_clock(at(day, 12)):
            p = self.payment(invoices[0].client, total, day, self.purpose(invoices))
            for inv in invoices:
                apply_payment(p, inv, reason="demo: one payment for several invoices")

    def current_state(self) -> None:
        """This month: drafts waiting for review, a cancelled invoice, an unmatched payment, disputes, tasks."""
        clerk, manager = self.staff["clerk@debitor.local"], self.staff["manager@debitor.local"]
        first = date(self.today.year, self.today.month, 1)
        billable = [c for c in self.clients if c.demo_profile != "agency"]
        for client in billable[:6]:  # drafts of this month's usage, not yet issued
            inv = Invoice(
                organisation=self.org,
                client=client,
                contract=client.demo_contract,
                period_start=first,
                period_end=self.today,
                currency="RUB",
            )
            db.session.add(inv)
            add_line(
                inv,
                f"Контекстная реклама, клики за {first:%m.%Y}",
                self.rnd.randrange(2000, 9000),
                1800,
                unit="клик",
            )
        with frozen_clock(at(self.today - timedelta(days=1))):
            victim = next(i for c in billable[6:] for i in self.unpaid(c) if i.paid_kopecks == 0)
            cancel_with_credit_note(victim, reason="Счёт выставлен повторно по ошибке", actor=clerk)
            stranger = Payment(
                organisation_id=self.org.id,
                external_key="demo:unknown-1",
                source="demo",
                received_on=self.today - timedelta(days=1),
                amount_kopecks=4_560_000,
                payer_name="ООО «Неизвестный Плательщик»",
                payer_inn=self.org_inn("77"),
                payer_account=self.account("044525593"),
                payer_bik="044525593",
                doc_number="771",
                doc_date=self.today - timedelta(days=1),
                purpose="Оплата за рекламу по счету 9999",
            )
            db.session.add(stranger)
        disputed = [(c, self.unpaid(c)) for c in billable[10:]]
        for client, open_invoices in [x for x in disputed if x[1]][:4]:
            inv = open_invoices[-1]
            portal_user = client.portal_users[0] if client.portal_users else None
            with frozen_clock(at(inv.issued_on + timedelta(days=2))):
                d = Dispute(
                    client_id=client.id,
                    invoice_id=inv.id,
                    invoice_line_id=inv.lines[0].id,
                    reason="Количество кликов не совпадает с нашей статистикой в кабинете",
                    opened_by_id=portal_user.id if portal_user else None,
                )
                db.session.add(d)
                db.session.flush()
                record(
                    "dispute_opened",
                    actor=portal_user,
                    invoice=inv,
                    dispute=d,
                    visibility=Visibility.CLIENT,
                    data={"number": inv.number},
                )
                self.task(
                    "dispute",
                    f"Спор по счёту № {inv.number} от {inv.issued_on:%d.%m.%Y}",
                    Role.MANAGER,
                    client,
                    due=inv.issued_on + timedelta(days=5),
                    assignee=manager,
                    invoice_id=inv.id,
                    dispute_id=d.id,
                )
        for client in billable:
            late = [i for i in self.unpaid(client) if (self.today - i.due_on).days > 30]
            if late:
                self.task(
                    "long_overdue",
                    f"Счёт № {late[0].number} от {late[0].issued_on:%d.%m.%Y} просрочен более 30 дней",
                    Role.CLERK,
                    client,
                    due=self.today + timedelta(days=self.rnd.choice([-2, 0, 1, 3])),
                    invoice_id=late[0].id,
                )
        db.session.flush()

    def task(self, kind: str, title: str, role: Role, client: Client, *, due: date, assignee=None, **refs) -> Task:
        t = Task(
            kind=kind,
            title=title,
            role=role,
            assignee_id=assignee.id if assignee else None,
            client_id=client.id,
            due_at=at(due, 15),
            **refs,
        )
        db.session.add(t)
        return t

    def counts(self) -> dict:
        from debitor.models import Event, PaymentAllocation

        models = [
            Client,
            PortalUser,
            StaffUser,
            Contract,
            Invoice,
            Payment,
            PaymentAllocation,
            Dispute,
            Task,
            Event,
        ]
        return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}


def load_demo(seed: int = 42) -> Summary:
    """Fill an empty database with the demo company. Flushes; the caller commits."""
    if has_data():
        raise RuntimeError("the database already has data; demo data goes into an empty database only")
    return DemoBuilder(seed).build()
