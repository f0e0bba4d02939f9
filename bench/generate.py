"""Bulk data generator: load Debitor's real schema at scale into PostgreSQL, fast, and report rows/s.

What it makes: one organisation with two bank accounts, 20 staff users, N clients (valid unique
ИНН, КПП, ОГРН; ~3 % agencies and ~10 % their sub-clients; billing contacts, portal users for ~30 %,
1–2 contracts in every contract state) and M invoices issued over the 18 months before 2026-11-27
in every state, with 1–3 lines, gapless numbers per year (and the matching document_counters),
VAT included in the gross per line, half-up (20 % in 2025, 22 % from 2026-01-01), payments (some
paying several invoices, some in two instalments, some overpaid, some from unknown payers),
allocations that add up to payments.applied_kopecks and invoices.paid_kopecks, the timeline events
(invoice_issued, payment_applied, ...), and a few thousand disputes and tasks.

How: rows are made with plain Python from ``random.Random(seed)`` in chunks of invoices and
streamed with psycopg 3 ``COPY ... FROM STDIN`` (``write_row``) by a writer thread, in one
transaction, into the tables created by the app's Alembic migrations. To be fast it loads with the
per-row foreign-key triggers skipped (``session_replication_role = replica``, as pg_restore
--disable-triggers; superuser only) and the plain (non-constraint) indexes dropped, then recreates
those indexes from their saved definitions, checks every foreign key with one anti-join each, sets
the id sequences, commits and runs ANALYZE. Primary keys, unique and CHECK constraints stay in place
throughout; the schema at the end is the migrated one. ``--keep-indexes`` / ``--keep-fk-triggers``
load the simple way instead (for comparison).

Run from the repository root:

    .venv/bin/python bench/generate.py --clients 10000 --invoices 1000000 --reset
    .venv/bin/python bench/generate.py --clients 200 --invoices 5000 --reset \\
        --database-url postgresql://postgres@127.0.0.1:5432/debitor_bench_small
    psql -h 127.0.0.1 -U postgres -d debitor_bench -f bench/check_generate.sql  # consistency checks

``--reset`` (or a missing database) drops and recreates the database and runs the migrations through
the app; a database that already holds data is refused without it. The default database URL is
$DATABASE_URL or postgresql://postgres@127.0.0.1:5432/debitor_bench. The summary (rows, COPY
seconds and rows/s per table, the phases, the total) is printed and written to
bench/out/generate.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import random
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from debitor.clients.models import fold  # noqa: E402 - needs the repository root on sys.path
from debitor.identifiers import (  # noqa: E402 - needs the repository root on sys.path
    inn_check_digit,
    ogrn_check_digit,
    settlement_account_with_key,
)
from debitor.invoices.requisites import canonical  # noqa: E402 - needs the repository root on sys.path

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/debitor_bench"
OUT_FILE = ROOT / "bench" / "out" / "generate.json"
CHUNK = 20_000  # invoices per COPY round
PASSWORD = "bench-password"

TODAY = date(2026, 11, 27)
START = date(2025, 5, 27)  # 18 months before TODAY
T0 = TODAY.toordinal()
S0 = START.toordinal()
DAYS = T0 - S0 + 1
VAT_22_FROM = date(2026, 1, 1).toordinal()


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COLS: dict[str, tuple[str, ...]] = {
    "organisations": words(
        "id name short_name inn kpp ogrn legal_address director_name accountant_name vat_mode currency "
        "timezone created_at"
    ),
    "bank_accounts": words("id organisation_id bank_name bik corr_account account is_primary"),
    "staff_users": words("id role email name password_hash locale is_active session_epoch last_login_at created_at"),
    "clients": words(
        "id organisation_id legal_name short_name inn kpp ogrn legal_address postal_address language "
        "payment_terms_days credit_limit_kopecks currency account_manager_id parent_id created_at search_text"
    ),
    "client_inns": words("id client_id inn name"),
    "billing_contacts": words("id client_id name email phone receives_invoices"),
    "portal_users": words(
        "id client_id position email name password_hash locale is_active session_epoch last_login_at created_at"
    ),
    "contracts": words(
        "id client_id number title signed_on starts_on ends_on state ack_deadline payment_terms_days "
        "penalty_rate_per_day acknowledged_at acknowledged_by_id created_at"
    ),
    "requisite_sets": words("id sha256 data created_at"),
    "invoices": words(
        "id organisation_id client_id contract_id kind corrects_id state number_year number_seq currency "
        "period_start period_end issued_on due_on issued_at vat_rate subtotal_kopecks vat_kopecks "
        "total_kopecks paid_kopecks paid_on requisites_id created_at"
    ),
    "invoice_lines": words(
        "id invoice_id position description quantity unit unit_price_kopecks amount_kopecks vat_kopecks"
    ),
    "payments": words(
        "id organisation_id client_id state external_key source received_on amount_kopecks "
        "applied_kopecks currency payer_name payer_inn payer_account payer_bik doc_number doc_date "
        "purpose created_at"
    ),
    "payment_allocations": words("id payment_id invoice_id amount_kopecks created_by_id reversed_at created_at"),
    "disputes": words(
        "id client_id invoice_id invoice_line_id state reason resolution opened_by_id resolved_by_id "
        "opened_at resolved_at"
    ),
    "document_counters": words("organisation_id kind year last_value"),
    "tasks": words(
        "id kind title role assignee_id state due_at closed_at client_id invoice_id contract_id "
        "dispute_id note created_at"
    ),
    "events": words(
        "id occurred_at kind visibility actor_staff_id actor_portal_user_id client_id contract_id "
        "invoice_id payment_id dispute_id data"
    ),
}
ORDER = tuple(COLS)  # foreign keys point only to tables earlier in this order

NAME_A = words(
    "Альфа Бета Вектор Гранит Дельта Енисей Звезда Импульс Космос Лидер Меридиан Нева Омега Прогресс "
    "Ракурс Север Титан Урал Феникс Цифра Балтика Волга Горизонт Кристалл Магистраль"
)
NAME_B = words("Медиа Маркет Трейд Групп Софт Строй Логистик Фуд Авто Тех Реклама Дизайн Инвест Сервис")
CITIES = ("Москва", "Санкт-Петербург", "Казань", "Екатеринбург", "Новосибирск", "Нижний Новгород")
STREETS = ("Ленина", "Тверская", "Садовая", "Мира", "Пушкина", "Гагарина", "Лесная", "Новая")
PEOPLE = (
    "Иванов Иван",
    "Петрова Анна",
    "Смирнов Олег",
    "Кузнецова Мария",
    "Попов Сергей",
    "Соколова Елена",
    "Лебедев Павел",
    "Новикова Ольга",
    "Морозов Дмитрий",
    "Волкова Наталья",
    "Фёдоров Андрей",
)
SERVICES = (
    "Размещение рекламы в поисковой выдаче",
    "Медийная реклама (баннеры)",
    "Таргетированная реклама",
    "Продвижение в социальных сетях",
    "Размещение на наружных носителях",
    "Производство видеоролика",
    "Агентское вознаграждение",
    "Email-рассылка",
    "Реклама в мобильных приложениях",
    "Аналитика кампании",
)
UNITS = ("усл.", "усл.", "шт.", "мес.")
MONTHS = words("январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь")
BANKS = (  # БИК, корр. счёт, name: real pairs that pass the control-key check
    ("044525225", "30101810400000000225", "ПАО Сбербанк"),
    ("044525593", "30101810200000000593", "АО «Альфа-Банк»"),
    ("044525187", "30101810700000000187", "Банк ВТБ (ПАО)"),
    ("044030653", "30101810500000000653", "Северо-Западный банк ПАО Сбербанк"),
)
REASONS = (
    "Услуга оказана не в полном объёме",
    "Неверная сумма в счёте",
    "Счёт выставлен повторно",
    "Не согласован объём показов",
    "Неверные реквизиты покупателя",
)
STAFF_ROLES = ("admin",) * 2 + ("manager",) * 3 + ("account_manager",) * 10 + ("clerk",) * 5


# --- small helpers --------------------------------------------------------------------------------

ISO = {o: date.fromordinal(o).isoformat() for o in range(S0 - 1500, T0 + 800)}
RATE_TEXT = {20: "20.00", 22: "22.00"}
T = TypeVar("T")


class Rand(random.Random):
    """``random.Random`` with cheaper integer draws (``randrange`` costs ~10x ``random()``)."""

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, a: int, b: int) -> int:
        """An integer in ``[a, b)``."""
        return a + int(self.random() * (b - a))

    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.random() * len(seq))]


_STAMPS: dict[int, list[str]] = {}


def ts(rng: Rand, o: int) -> str:
    """A UTC timestamp, to the minute, in working hours (06:00–15:59 UTC) on day ``o``."""
    stamps = _STAMPS.get(o)
    if stamps is None:
        stamps = _STAMPS[o] = [f"{ISO[o]} {6 + m // 60:02d}:{m % 60:02d}:00+00" for m in range(600)]
    return stamps[int(rng.random() * 600)]


def qty_text(milli: int) -> str:
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli // 1000}.{milli % 1000:03d}"


def vat_in(gross: int, rate: int) -> int:
    """VAT included in a gross amount, half-up: gross × rate / (100 + rate) (as debitor.money)."""
    return (2 * gross * rate + 100 + rate) // (2 * (100 + rate))


@dataclass(frozen=True, slots=True)
class Day:
    iso: str
    year: int
    rate: int
    period_start: str
    period_end: str
    label: str  # ", ноябрь 2026" (appended to line descriptions)
    ru: str  # "27.11.2026"


def make_day(o: int) -> Day:
    d = date.fromordinal(o)
    first = d.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    rate = 22 if o >= VAT_22_FROM else 20
    label = f", {MONTHS[d.month - 1]} {d.year}"
    return Day(d.isoformat(), d.year, rate, first.isoformat(), last.isoformat(), label, f"{d:%d.%m.%Y}")


class Rows:
    """Row buffers per table (flushed by COPY) and the last id given in each table."""

    def __init__(self) -> None:
        self.buf: dict[str, list[Sequence]] = {t: [] for t in ORDER}
        self.last: dict[str, int] = dict.fromkeys(ORDER, 0)
        self.add_event = self.buf["events"].append

    def new_id(self, table: str) -> int:
        self.last[table] += 1
        return self.last[table]

    def add(self, table: str, row: Sequence) -> None:
        self.buf[table].append(row)

    def take(self) -> dict[str, list[Sequence]]:
        """Hand the buffered rows over (to the COPY writer) and empty the buffers (kept: the hot
        loops hold their bound ``append`` methods)."""
        full = {t: b.copy() for t, b in self.buf.items()}
        for b in self.buf.values():
            b.clear()
        return full

    def event(
        self, at: str, kind: str, vis: str, data: str, *, staff: int | None = None, portal: int | None = None,
        client: int | None = None, contract: int | None = None, invoice: int | None = None,
        payment: int | None = None, dispute: int | None = None,
    ) -> None:  # fmt: skip
        """Add a timeline event (``data`` is JSON text)."""
        self.last["events"] += 1
        row = (self.last["events"], at, kind, vis, staff, portal, client, contract, invoice, payment, dispute)
        self.add_event((*row, data))


@dataclass
class World:
    """What the invoice generator needs to know about clients and staff (lists indexed by client id)."""

    staff: dict[str, list[int]]
    password_hash: str
    name: list[str] = field(default_factory=lambda: [""])
    inn: list[str] = field(default_factory=lambda: [""])
    parent: list[int | None] = field(default_factory=lambda: [None])
    terms: list[int] = field(default_factory=lambda: [0])
    contract: list[int | None] = field(default_factory=lambda: [None])
    account: list[str] = field(default_factory=lambda: [""])
    bik: list[str] = field(default_factory=lambda: [""])
    portal: list[int | None] = field(default_factory=lambda: [None])
    manager: list[int | None] = field(default_factory=lambda: [None])
    unknown_payers: list[tuple[str, str, str, str]] = field(default_factory=list)
    overdue_contracts: list[tuple[int, int]] = field(default_factory=list)  # (contract, client)
    buyer: list[dict | None] = field(default_factory=lambda: [None])
    supplier: dict = field(default_factory=dict)  # the organisation's and its primary account's requisites


# --- reference data: organisation, staff, clients and what hangs off them -------------------------


def build_org(rows: Rows, stem: str) -> dict:
    """The organisation and its two accounts; returns the requisites its invoices are issued with."""
    inn = inn_check_digit(stem)
    org = {
        "name": "Общество с ограниченной ответственностью «Дебитор Медиа»", "short_name": "ООО «Дебитор Медиа»",
        "inn": inn, "kpp": inn[:4] + "01001", "ogrn": ogrn_check_digit("102770000001"),
        "legal_address": "125009, г. Москва, ул. Тверская, д. 1", "director_name": "Сергеев Сергей Сергеевич",
        "accountant_name": "Антонова Анна Петровна",
    }  # fmt: skip
    rows.add("organisations", (
        rows.new_id("organisations"), org["name"], org["short_name"], org["inn"], org["kpp"], org["ogrn"],
        org["legal_address"], org["director_name"], org["accountant_name"],
        "standard", "RUB", "Europe/Moscow", "2024-01-09 09:00:00+00",
    ))  # fmt: skip
    primary = None
    for k, (bik, corr, bank) in enumerate(BANKS[:2]):
        account = settlement_account_with_key(bik, f"40702810{k + 1:011d}")
        rows.add("bank_accounts", (rows.new_id("bank_accounts"), 1, bank, bik, corr, account, k == 0))
        primary = primary or {"account": account, "bank_name": bank, "bik": bik, "corr_account": corr}
    return {"supplier": org, "account": primary}


def add_requisites(rows: Rows, w: World, cid: int, buyer: dict, contract: dict) -> None:
    """The set a client's invoices are issued with (id = the client's: one contract invoices refer to),
    keyed as the app keys it (debitor.invoices.requisites)."""
    data = {**w.supplier, "buyer": buyer, "contract": contract}
    text = canonical(data)
    rows.add("requisite_sets", (cid, hashlib.sha256(text.encode()).hexdigest(), text, "2024-01-09 09:00:00+00"))


def build_staff(rows: Rows, rng: Rand, pw_hash: str) -> dict[str, list[int]]:
    staff: dict[str, list[int]] = {}
    for n, role in enumerate(STAFF_ROLES, start=1):
        sid = rows.new_id("staff_users")
        staff.setdefault(role, []).append(sid)
        login = ts(rng, T0 - rng.below(30))
        rows.add("staff_users", (
            sid, role, f"staff{n}@debitor.example", f"{PEOPLE[n % len(PEOPLE)]} ({role})", pw_hash, "ru",
            True, 0, login, "2024-01-10 09:00:00+00",
        ))  # fmt: skip
    return staff


def build_clients(rows: Rows, rng: Rand, n: int, stems: list[str], w: World) -> None:
    """Clients ``1..n`` (about 3 % agencies, 10 % their sub-clients), extra ИНН and unknown payers."""
    agencies: list[int] = []
    for cid in range(1, n + 1):
        parent = rng.pick(agencies) if agencies and rng.random() < 0.10 else None
        agency = parent is None and rng.random() < 0.03
        if agency:
            agencies.append(cid)
        created_o = S0 - rng.between(30, 900)
        add_client(rows, rng, w, cid, stems[cid], parent, created_o, agency)
        add_contacts(rows, rng, cid)
        w.portal.append(add_portal_user(rows, rng, w, cid, created_o) if rng.random() < 0.30 else None)
        w.contract.append(add_contracts(rows, rng, w, cid, created_o))
        rows.event(ts(rng, created_o), "client_created", "staff", f'{{"name": "{w.name[cid]}"}}',
                   staff=w.staff["admin"][0], client=cid)  # fmt: skip
    for k, stem in enumerate(stems[n + 1 : n + 1 + n // 20]):
        cid = rng.between(1, n + 1)
        rows.add("client_inns", (rows.new_id("client_inns"), cid, inn_check_digit(stem), f"ООО «Филиал {k}»"))
    for k, stem in enumerate(stems[n + 1 + n // 20 :]):
        bik = BANKS[k % len(BANKS)][0]
        acc = settlement_account_with_key(bik, f"40702810{9 * 10**10 + k:011d}")
        w.unknown_payers.append((f"ООО «Неизвестный плательщик {k}»", inn_check_digit(stem), acc, bik))


def add_client(rows: Rows, rng: Rand, w: World, cid: int, stem: str, parent: int | None, o: int, agency: bool) -> None:
    inn = inn_check_digit(stem)
    short = f"{'Агентство ' if agency else ''}{rng.pick(NAME_A)} {rng.pick(NAME_B)} {cid}"
    legal = f"{rng.pick(('ООО', 'ООО', 'ООО', 'АО', 'ПАО'))} «{short}»"
    ogrn = ogrn_check_digit(f"1{rng.between(2, 24):02d}{inn[:2]}{rng.below(10**7):07d}")
    city = rng.pick(CITIES)
    street = f"ул. {rng.pick(STREETS)}, д. {rng.between(1, 90)}"
    address = f"{rng.between(101000, 199999)}, г. {city}, {street}"
    terms = rng.pick((5, 10, 10, 14, 30, 30, 45, 60))
    manager = rng.pick(w.staff["account_manager"]) if rng.random() < 0.9 else None
    bik = BANKS[cid % len(BANKS)][0]
    rows.add("clients", (
        cid, 1, legal, short, inn, inn[:4] + "01001", ogrn, address, address,
        "en" if rng.random() < 0.1 else "ru", terms, rng.between(0, 500) * 1_000_000, "RUB", manager,
        parent, ts(rng, o), fold(f"{short} {legal} {inn}"),
    ))  # fmt: skip
    w.buyer.append({"legal_name": legal, "short_name": short, "inn": inn, "kpp": inn[:4] + "01001",
                    "legal_address": address})  # fmt: skip
    w.name.append(legal.replace('"', "'"))
    w.inn.append(inn)
    w.parent.append(parent)
    w.terms.append(terms)
    w.manager.append(manager)
    w.bik.append(bik)
    w.account.append(settlement_account_with_key(bik, f"40702810{cid:011d}"))


def add_contacts(rows: Rows, rng: Rand, cid: int) -> None:
    for k in range(rng.pick((1, 1, 2))):
        phone = f"+7 495 {rng.between(100, 999)}-{rng.between(10, 99)}-{rng.between(10, 99)}"
        row = (rows.new_id("billing_contacts"), cid, rng.pick(PEOPLE), f"buh{k + 1}@client{cid}.example")
        rows.add("billing_contacts", (*row, phone, k == 0 or rng.random() < 0.5))


def add_portal_user(rows: Rows, rng: Rand, w: World, cid: int, o: int) -> int:
    pid = rows.new_id("portal_users")
    login = ts(rng, T0 - rng.below(90)) if rng.random() < 0.7 else None
    at = ts(rng, o + 5)
    rows.add("portal_users", (
        pid, cid, "Главный бухгалтер", f"user{pid}@client{cid}.example", rng.pick(PEOPLE),
        w.password_hash, "ru", True, 0, login, at,
    ))  # fmt: skip
    rows.event(at, "portal_user_created", "staff", f'{{"email": "user{pid}@client{cid}.example"}}',
               staff=w.staff["admin"][0], client=cid)  # fmt: skip
    return pid


CONTRACT_STATES = ("draft", "awaiting_ack", "acknowledged", "ack_overdue", "terminated")


def add_contracts(rows: Rows, rng: Rand, w: World, cid: int, created_o: int) -> int:
    """1–2 contracts; the first (acknowledged) is the one invoices refer to. Returns its id."""
    signed = created_o + rng.between(1, 20)
    first = add_contract(rows, rng, w, cid, 1, "acknowledged", signed)
    add_requisites(
        rows, w, cid, w.buyer[cid], {"number": f"{cid}-1/{date.fromordinal(signed):%y}", "signed_on": ISO[signed]}
    )
    if rng.random() < 0.30:
        state = rng.pick(CONTRACT_STATES)
        signed = T0 - rng.between(0, 11) if state == "awaiting_ack" else T0 - rng.between(20, 300)
        add_contract(rows, rng, w, cid, 2, state, signed)
    return first


def add_contract(rows: Rows, rng: Rand, w: World, cid: int, k: int, state: str, signed: int) -> int:
    ctr = rows.new_id("contracts")
    deadline = None if state == "draft" else ISO[signed + 14]
    acked = state in ("acknowledged", "terminated")
    ack_at = ts(rng, min(signed + rng.between(0, 10), T0)) if acked else None
    ack_by = w.portal[cid] if acked else None
    ends = ISO[min(signed + rng.between(30, 200), T0 - 1)] if state == "terminated" else None
    terms = w.terms[cid]
    rows.add("contracts", (
        ctr, cid, f"{cid}-{k}/{date.fromordinal(signed):%y}", "Договор возмездного оказания рекламных услуг",
        ISO[signed], ISO[signed], ends, state, deadline, terms, "0.100", ack_at, ack_by, ts(rng, signed - 1),
    ))  # fmt: skip
    if state != "draft":
        at = ts(rng, signed)
        rows.event(at, "contract_sent", "client", "{}", staff=w.manager[cid], client=cid, contract=ctr)
    if ack_at:
        rows.event(ack_at, "contract_acknowledged", "client", "{}", portal=ack_by, client=cid, contract=ctr)
    if state == "ack_overdue":
        w.overdue_contracts.append((ctr, cid))
    return ctr


# --- invoices, lines, payments, allocations and their events --------------------------------------


Item = tuple[int, int, int, int, int]  # invoice id, client, amount to apply, number, issue day


@dataclass(slots=True)
class Group:
    """A payment that will settle several invoices of one payer (open until full or stale)."""

    day: int
    size: int
    items: list[Item] = field(default_factory=list)


class Ledger:
    """Generates invoices chronologically (ids follow issue dates) with everything they cause."""

    def __init__(self, rows: Rows, rng: Rand, w: World, samples: int) -> None:
        self.rows, self.rng, self.w = rows, rng, w
        self.days = {o: make_day(o) for o in range(S0, T0 + 1)}
        self.clerks = w.staff["clerk"]
        self.add_invoice = rows.buf["invoices"].append
        self.add_line = rows.buf["invoice_lines"].append
        self.add_payment = rows.buf["payments"].append
        self.add_allocation = rows.buf["payment_allocations"].append
        self.counters: dict[int, int] = {}
        self.groups: dict[int, Group] = {}
        self.cap = samples
        self.seen = [0, 0]
        self.disputable: list[Item] = []  # inv, client, first line, seq, o
        self.overdue: list[tuple[int, int, int]] = []  # inv, client, seq

    def invoice(self, client: int, o: int) -> None:
        """One invoice of ``client`` issued (or drafted) on day ``o``, its lines, payments and events."""
        rows, w, day = self.rows, self.w, self.days[o]
        iid = rows.new_id("invoices")
        terms = w.terms[client]
        state = self.pick_state(T0 - o, terms)
        rate = 22 if state == "draft" else day.rate
        total, vat, first_line = self.lines(iid, rate, day)
        at = ts(self.rng, o)
        if state == "draft":
            self.add_invoice((
                iid, 1, client, w.contract[client], "invoice", None, state, None, None, "RUB",
                day.period_start, day.period_end, None, None, None, RATE_TEXT[rate], total - vat, vat, total,
                0, None, None, at,
            ))  # fmt: skip
            return
        seq = self.counters[day.year] = self.counters.get(day.year, 0) + 1
        paid, paid_on = self.settle(iid, client, state, total, o, seq)
        due = ISO[o + terms]
        self.add_invoice((
            iid, 1, client, w.contract[client], "invoice", None, state, day.year, seq, "RUB",
            day.period_start, day.period_end, day.iso, due, at, RATE_TEXT[rate], total - vat, vat, total,
            paid, paid_on, client, at,
        ))  # fmt: skip
        data = f'{{"number": "{seq}", "total": {total}}}'
        rows.event(at, "invoice_issued", "client", data, staff=w.manager[client], client=client, invoice=iid)
        self.sample(iid, client, first_line, seq, o, state, due)

    def pick_state(self, age: int, terms: int) -> str:
        r = self.rng.random()
        if age <= 30 and r < 0.25:
            return "draft"
        r = self.rng.random()
        if r < 0.01:
            return "cancelled"
        if age < terms:  # not yet due
            return "paid" if r < 0.36 else "partially_paid" if r < 0.41 else "issued"
        return "paid" if r < 0.93 else "partially_paid" if r < 0.96 else "issued"

    def lines(self, iid: int, rate: int, day: Day) -> tuple[int, int, int]:
        """1–3 lines (prices include VAT); returns (total, vat, id of the first line)."""
        rows, rnd = self.rows, self.rng.random
        r = rnd()
        total = vat = 0
        first = rows.last["invoice_lines"] + 1
        for pos in range(1, 2 if r < 0.5 else 3 if r < 0.85 else 4):
            r = rnd()
            milli = 1000 if r < 0.7 else (2 + int(rnd() * 19)) * 1000 if r < 0.9 else 500 + int(rnd() * 49500)
            price = (5_000 + int(rnd() * 495_000)) * 100
            amount = (milli * price + 500) // 1000
            v = vat_in(amount, rate)
            self.add_line((
                rows.new_id("invoice_lines"), iid, pos, SERVICES[int(rnd() * len(SERVICES))] + day.label,
                qty_text(milli), UNITS[int(rnd() * len(UNITS))], price, amount, v,
            ))  # fmt: skip
            total += amount
            vat += v
        return total, vat, first

    def sample(self, iid: int, client: int, line: int, seq: int, o: int, state: str, due: str) -> None:
        """Reservoir samples: invoices that get disputes, overdue invoices that get tasks."""
        self.seen[0] += 1
        keep(self.rng, self.disputable, (iid, client, line, seq, o), self.seen[0], self.cap)
        if state in ("issued", "partially_paid") and due < ISO[T0]:
            self.seen[1] += 1
            keep(self.rng, self.overdue, (iid, client, seq), self.seen[1], self.cap)

    def settle(self, iid: int, client: int, state: str, total: int, o: int, seq: int) -> tuple[int, str | None]:
        """Pay the invoice as its state says; returns (paid_kopecks, paid_on)."""
        if state in ("issued", "cancelled"):
            return 0, None
        rng = self.rng
        pay_o = o + min(rng.below(self.w.terms[client] + 21), T0 - o)
        payer = self.payer_of(client)
        if state == "partially_paid":
            part = min(max(1, total * rng.between(10, 91) // 100), total - 1)
            self.pay(payer, pay_o, part, [(iid, client, part, seq, o)])
            return part, None
        r = rng.random()
        item = (iid, client, total, seq, o)
        if r < 0.08:
            pay_o = self.join_group(payer, item, pay_o)
        elif r < 0.11 and pay_o > o:
            self.split(payer, item, pay_o)
        else:
            over = rng.between(1, total // 10 + 2) if r < 0.15 else 0
            self.pay(payer, pay_o, total + over, [item], reverse_first=rng.random() < 0.005)
        if rng.random() < 0.01:
            self.unmatched(pay_o)
        return total, ISO[pay_o]

    def payer_of(self, client: int) -> int:
        """Half of the sub-clients' invoices are paid by their agency."""
        parent = self.w.parent[client]
        return parent if parent is not None and self.rng.random() < 0.5 else client

    def split(self, payer: int, item: Item, pay_o: int) -> None:
        """Two instalments: a part on a day between issue and ``pay_o``, the rest on ``pay_o``."""
        iid, client, total, seq, o = item
        first = total * self.rng.between(20, 81) // 100 or 1
        self.pay(payer, self.rng.between(o, pay_o), first, [(iid, client, first, seq, o)])
        self.pay(payer, pay_o, total - first, [(iid, client, total - first, seq, o)])

    def join_group(self, payer: int, item: Item, pay_o: int) -> int:
        """Add the invoice to the payer's open group payment; returns the group's payment day."""
        g = self.groups.get(payer)
        if g is not None and g.day < item[4]:
            self.close_group(payer)
            g = None
        if g is None:
            g = self.groups[payer] = Group(pay_o, self.rng.between(2, 5))
        g.items.append(item)
        if len(g.items) >= g.size:
            self.close_group(payer)
        return g.day

    def close_group(self, payer: int) -> None:
        g = self.groups.pop(payer)
        self.pay(payer, g.day, sum(x[2] for x in g.items), g.items)

    def close_all(self) -> None:
        for payer in list(self.groups):
            self.close_group(payer)

    def pay(self, payer: int, o: int, amount: int, items: list[Item], reverse_first: bool = False) -> None:
        """A payment from ``payer`` on day ``o`` applied to ``items`` (invoice, client, amount, seq, o)."""
        rows, rng, w = self.rows, self.rng, self.w
        pid = rows.new_id("payments")
        applied = items[0][2] if len(items) == 1 else sum(x[2] for x in items)
        at, day = ts(rng, o), ISO[o]
        actor = self.clerks[rng.below(len(self.clerks))] if rng.random() < 0.4 else None
        purpose = f"Оплата по счёту № {items[0][3]} от {self.days[items[0][4]].ru}"
        if len(items) > 1:
            purpose += f" и ещё {len(items) - 1}"
        self.add_payment((
            pid, 1, payer, "applied" if applied == amount else "partially_applied", f"onec:{pid:09d}",
            "onec" if actor is None else "manual", day, amount, applied, "RUB", w.name[payer], w.inn[payer],
            w.account[payer], w.bik[payer], str(rng.between(1, 99999)), day, purpose + ", в т.ч. НДС", at,
        ))  # fmt: skip
        if reverse_first:
            self.reversed_allocation(pid, items[0], at, o)
        for iid, client, amt, _seq, _o in items:
            self.add_allocation((rows.new_id("payment_allocations"), pid, iid, amt, actor, None, at))
            data = f'{{"amount": {amt}, "reason": "", "payment_date": "{day}"}}'
            rows.event(at, "payment_applied", "client", data, staff=actor, client=client, invoice=iid, payment=pid)

    def reversed_allocation(self, pid: int, item: Item, at: str, o: int) -> None:
        """A wrong allocation taken back the same day (kept in history, not counted as paid)."""
        rows, (iid, client, amt, _seq, _o) = self.rows, item
        actor = self.clerks[0]
        back = f"{ISO[o]} 16:30:00+00"
        self.add_allocation((rows.new_id("payment_allocations"), pid, iid, amt, actor, back, at))
        data = f'{{"amount": {amt}, "reason": "", "payment_date": "{ISO[o]}"}}'
        refs = {"client": client, "invoice": iid, "payment": pid}
        rows.event(at, "payment_applied", "client", data, staff=actor, **refs)
        rows.event(back, "payment_unapplied", "staff", f'{{"amount": {amt}}}', staff=actor, **refs)

    def unmatched(self, o: int) -> None:
        """A payment from a payer we do not know: no client, nothing applied."""
        rows, rng = self.rows, self.rng
        name, inn, account, bik = rng.pick(self.w.unknown_payers)
        pid = rows.new_id("payments")
        self.add_payment((
            pid, 1, None, "unmatched", f"onec:{pid:09d}", "onec", ISO[o],
            rng.between(1000, 10**6) * 100, 0, "RUB", name, inn, account, bik,
            str(rng.between(1, 99999)), ISO[o], "Оплата по договору", ts(rng, o),
        ))  # fmt: skip

    def counter_rows(self) -> list[tuple[int, str, int, int]]:
        return [(1, "invoice", year, last) for year, last in sorted(self.counters.items())]


def keep(rng: Rand, sample: list, item: tuple, seen: int, cap: int) -> None:
    """Reservoir sampling: keep ``item`` (the ``seen``-th candidate) with probability cap/seen."""
    if len(sample) < cap:
        sample.append(item)
    else:
        j = int(rng.random() * seen)
        if j < cap:
            sample[j] = item


# --- disputes and tasks -----------------------------------------------------------------------------

DISPUTE_STATES = ("open",) * 3 + ("credited",) * 2 + ("corrected",) * 2 + ("rejected",) * 3
TASK_STATES = ("open",) * 4 + ("in_progress",) * 2 + ("done",) * 3 + ("cancelled",)


def build_disputes(rows: Rows, rng: Rand, w: World, sample: list, n: int) -> list[tuple]:
    """Disputes on sampled invoices; returns the open ones as (dispute, client, number, invoice)."""
    open_ones = []
    for iid, client, line, seq, o in sample[:n]:
        did = rows.new_id("disputes")
        state = rng.pick(DISPUTE_STATES)
        opened_o = min(o + rng.between(1, 20), T0)
        opened, portal = ts(rng, opened_o), w.portal[client]
        resolved = None if state == "open" else ts(rng, min(opened_o + rng.between(1, 15), T0))
        by = None if state == "open" else rng.pick(w.staff["manager"])
        answer = "" if state == "open" else f"Решение: {state}"
        rows.add("disputes", (did, client, iid, line if rng.random() < 0.5 else None, state,
                              rng.pick(REASONS), answer, portal, by, opened, resolved))  # fmt: skip
        refs = {"client": client, "invoice": iid, "dispute": did}
        rows.event(opened, "dispute_opened", "client", "{}", portal=portal, **refs)
        if resolved:
            rows.event(resolved, "dispute_resolved", "client", f'{{"state": "{state}"}}', staff=by, **refs)
        else:
            open_ones.append((did, client, seq, iid))
    return open_ones


def build_tasks(rows: Rows, rng: Rand, w: World, open_disputes: list, overdue: list, n: int) -> None:
    for did, client, seq, iid in open_disputes:
        add_task(rows, rng, w, ("dispute", f"Спор по счёту № {seq}", "manager", client, iid, None, did))
    for ctr, client in w.overdue_contracts:
        add_task(rows, rng, w, ("contract_ack_overdue", "Договор не подтверждён", "account_manager",
                                client, None, ctr, None))  # fmt: skip
    for iid, client, seq in overdue[: max(n - rows.last["tasks"], 0)]:
        kind = rng.pick(("overdue_invoice", "broken_promise"))
        add_task(rows, rng, w, (kind, f"Просрочен счёт № {seq}", "account_manager", client, iid, None, None))


def add_task(rows: Rows, rng: Rand, w: World, spec: tuple) -> None:
    kind, title, role, client, iid, ctr, did = spec
    tid = rows.new_id("tasks")
    state = rng.pick(TASK_STATES)
    created_o = T0 - rng.between(0, 60)
    assignee = w.manager[client] if role == "account_manager" else rng.pick(w.staff[role])
    closed = ts(rng, min(created_o + rng.between(0, 10), T0)) if state in ("done", "cancelled") else None
    created = ts(rng, created_o)
    rows.add("tasks", (tid, kind, title, role, assignee, state, ts(rng, created_o + 3), closed,
                       client, iid, ctr, did, "", created))  # fmt: skip
    rows.event(created, "task_created", "staff", f'{{"task": {tid}, "kind": "{kind}"}}', client=client,
               invoice=iid, contract=ctr, dispute=did)  # fmt: skip


# --- loading ----------------------------------------------------------------------------------------


class Loader:
    """COPYs row buffers into the tables in foreign-key order. The COPYs run in a writer thread, so
    that Python making the next chunk overlaps with PostgreSQL storing the previous one."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.rows: dict[str, int] = dict.fromkeys(ORDER, 0)
        self.seconds: dict[str, float] = dict.fromkeys(ORDER, 0.0)
        self.queue: queue.Queue[dict[str, list[Sequence]] | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._drain, name="copy-writer", daemon=True)
        self.thread.start()

    def submit(self, rows: Rows) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(rows.take())

    def close(self) -> None:
        """Wait until everything submitted is stored; re-raise the writer's error if any."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def _drain(self) -> None:
        while (bufs := self.queue.get()) is not None:
            if self.error is not None:
                continue  # keep draining so that the producer never blocks
            try:
                for table in ORDER:
                    self.copy(table, bufs[table])
            except BaseException as exc:  # handed to the main thread by submit/close
                self.error = exc

    def copy(self, table: str, rows: list[Sequence]) -> None:
        if not rows:
            return
        started = time.perf_counter()
        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, COLS[table]))
        )
        with self.conn.cursor() as cur, cur.copy(stmt) as cp:
            write = cp.write_row
            for row in rows:
                write(row)
        self.seconds[table] += time.perf_counter() - started
        self.rows[table] += len(rows)


class Stopwatch:
    """Adds up the time between ``start()`` and ``stop()``: here, Python making rows."""

    def __init__(self) -> None:
        self.total = 0.0
        self.mark = time.perf_counter()

    def start(self) -> None:
        self.mark = time.perf_counter()

    def stop(self) -> None:
        self.total += time.perf_counter() - self.mark


def generate(loader: Loader, n_clients: int, n_invoices: int, seed: int) -> float:
    """Make every row and submit it chunk by chunk; returns the seconds Python spent making rows."""
    from werkzeug.security import generate_password_hash

    rng, rows, timer = Rand(seed), Rows(), Stopwatch()
    stems = [str(x) for x in rng.sample(range(10**8, 10**9), 1 + n_clients + 1 + n_clients // 20 + 200)]
    pw_hash = generate_password_hash(PASSWORD)
    supplier = build_org(rows, stems.pop(0))
    w = World(staff=build_staff(rows, rng, pw_hash), password_hash=pw_hash, supplier=supplier)
    build_clients(rows, rng, n_clients, stems, w)
    timer.stop()
    loader.submit(rows)
    ledger = Ledger(rows, rng, w, samples=max(20, min(3000, n_invoices // 300)))
    make_invoices(loader, rows, ledger, n_invoices, timer)
    timer.start()
    for row in ledger.counter_rows():
        rows.add("document_counters", row)
    open_disputes = build_disputes(rows, rng, w, ledger.disputable, max(20, min(2000, n_invoices // 500)))
    build_tasks(rows, rng, w, open_disputes, ledger.overdue, max(30, min(3000, n_invoices // 300)))
    timer.stop()
    loader.submit(rows)
    return timer.total


def make_invoices(loader: Loader, rows: Rows, ledger: Ledger, n: int, timer: Stopwatch) -> None:
    """``n`` invoices, issue days spread evenly over the window, clients drawn with skewed weights."""
    rng, n_clients = ledger.rng, len(ledger.w.terms) - 1
    cum, acc = [], 0.0
    for _ in range(n_clients):
        acc += min(rng.paretovariate(1.2), 60.0)
        cum.append(acc)
    population = range(1, n_clients + 1)
    for start in range(0, n, CHUNK):
        timer.start()
        stop = min(start + CHUNK, n)
        clients = rng.choices(population, cum_weights=cum, k=stop - start)
        for i, client in zip(range(start, stop), clients, strict=True):
            ledger.invoice(client, S0 + i * DAYS // n)
        if stop == n:
            ledger.close_all()
        timer.stop()
        loader.submit(rows)
    if n == 0:
        ledger.close_all()


# --- schema handling around the load: plain indexes, foreign-key triggers --------------------------


def drop_plain_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop the loaded tables' indexes that back no constraint; returns their definitions."""
    found = conn.execute(
        """SELECT ic.relname, pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
           WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
           ORDER BY 1""",
        (list(ORDER),),
    ).fetchall()
    for name, _ in found:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return [definition for _, definition in found]


def create_indexes(conn: psycopg.Connection, definitions: list[str]) -> None:
    for definition in definitions:
        conn.execute(definition.encode())  # text from pg_get_indexdef, not user input


def disable_fk_triggers(conn: psycopg.Connection) -> bool:
    """Skip the per-row foreign-key triggers (superuser only; like pg_restore --disable-triggers)."""
    is_super = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    if is_super:
        conn.execute("SET session_replication_role = replica")
    return bool(is_super)


FK_QUERY = """
SELECT c.conname, t.relname, p.relname,
       array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
       array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid
WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace ORDER BY 1"""


def check_foreign_keys(conn: psycopg.Connection) -> int:
    """Check every foreign key with one anti-join (what the skipped triggers would have checked)."""
    conn.execute("RESET session_replication_role")
    fks = conn.execute(FK_QUERY).fetchall()
    for name, child, parent, cols, pcols in fks:
        cond = sql.SQL(" AND ").join(
            sql.SQL("p.{} = c.{}").format(sql.Identifier(pc), sql.Identifier(cc))
            for cc, pc in zip(cols, pcols, strict=True)
        )
        not_null = sql.SQL(" AND ").join(sql.SQL("c.{} IS NOT NULL").format(sql.Identifier(x)) for x in cols)
        q = sql.SQL("SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})")
        bad = conn.execute(q.format(sql.Identifier(child), not_null, sql.Identifier(parent), cond)).fetchone()[0]
        if bad:
            raise RuntimeError(f"foreign key {name}: {bad} rows of {child} point to no {parent} row")
    return len(fks)


def set_sequences_and_commit(conn: psycopg.Connection) -> None:
    """Point every id sequence past the loaded ids, then commit the load."""
    for table in ORDER:
        if "id" in COLS[table]:
            q = "SELECT setval(pg_get_serial_sequence({t}, 'id'), coalesce(max(id), 1), max(id) IS NOT NULL)"
            conn.execute(sql.SQL(q + " FROM {i}").format(t=sql.Literal(table), i=sql.Identifier(table)))
    conn.commit()


def timed(times: dict[str, float], key: str, fn: Callable[..., T], *args: object) -> T:
    """Call ``fn(*args)`` and note its seconds under ``key``."""
    started = time.perf_counter()
    result = fn(*args)
    times[key] = time.perf_counter() - started
    return result


def load(conn: psycopg.Connection, args: argparse.Namespace, times: dict[str, float]) -> tuple[Loader, bool]:
    """The whole load in one transaction; ``times`` gets the seconds of each phase. Returns the loader
    and whether the foreign-key triggers were skipped (and the keys checked afterwards)."""
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '512MB'")
    fk_off = not args.keep_fk_triggers and disable_fk_triggers(conn)
    indexes = [] if args.keep_indexes else timed(times, "drop plain indexes", drop_plain_indexes, conn)
    started, loader = time.perf_counter(), Loader(conn)
    try:
        python_s = generate(loader, args.clients, args.invoices, args.seed)
    finally:
        loader.close()
    times["generate + COPY (overlapped)"] = time.perf_counter() - started
    times["  of which Python making rows"] = python_s
    if indexes:
        timed(times, f"create {len(indexes)} plain indexes", create_indexes, conn, indexes)
    if fk_off:
        timed(times, "check every foreign key", check_foreign_keys, conn)
    timed(times, "setval + commit", set_sequences_and_commit, conn)
    timed(times, "analyze", conn.execute, "ANALYZE")
    return loader, fk_off


# --- database setup ---------------------------------------------------------------------------------


def db_name(url: str) -> str:
    return conninfo_to_dict(url)["dbname"]


def admin_url(url: str) -> str:
    return make_conninfo(url, dbname="postgres")


def database_exists(url: str) -> bool:
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db_name(url),)).fetchone()
    return found is not None


def recreate_database(url: str) -> None:
    name = sql.Identifier(db_name(url))
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def migrate(url: str) -> None:
    """Create the schema with the app's Alembic migrations."""
    from flask_migrate import upgrade

    from web.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()


def existing_data(url: str) -> int:
    """Rows already in the main tables (0 when the schema is not there yet)."""
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('public.organisations')").fetchone()[0] is None:
            return 0
        q = "SELECT (SELECT count(*) FROM organisations) + (SELECT count(*) FROM staff_users)"
        q += " + (SELECT count(*) FROM clients) + (SELECT count(*) FROM invoices)"
        return conn.execute(q).fetchone()[0]


def prepare(url: str, reset: bool) -> None:
    """Reset the database (or refuse one that holds data), then run the migrations."""
    if reset or not database_exists(url):
        recreate_database(url)
    else:
        found = existing_data(url)
        if found:
            sys.exit(
                f"refusing to load: database {db_name(url)!r} already holds data ({found} rows in "
                "organisations/staff_users/clients/invoices). Use --reset to drop and recreate it."
            )
    migrate(url)


# --- report -----------------------------------------------------------------------------------------


def summary(loader: Loader, args: argparse.Namespace, times: dict[str, float], fk_off: bool) -> dict:
    tables = {
        t: {"rows": n, "seconds": round(loader.seconds[t], 3), "rows_per_s": rate(n, loader.seconds[t])}
        for t, n in loader.rows.items()
        if n
    }
    total_rows, total_s = sum(loader.rows.values()), times.pop("total")
    return {
        "database": db_name(args.database_url),
        "clients": args.clients,
        "invoices": args.invoices,
        "seed": args.seed,
        "indexes_in_place": args.keep_indexes,
        "fk_triggers_skipped_then_checked": fk_off,
        "tables": tables,
        "phases_seconds": {k: round(v, 3) for k, v in times.items()},
        "total_rows": total_rows,
        "total_seconds": round(total_s, 3),
        "rows_per_s": rate(total_rows, total_s),
    }


def rate(rows: int, seconds: float) -> int:
    return round(rows / seconds) if seconds > 0 else 0


def report(s: dict) -> None:
    """Print the summary and write it as JSON to bench/out/generate.json."""
    print(f"{'table':<22}{'rows':>12}{'copy s':>10}{'rows/s':>12}")
    for table, t in s["tables"].items():
        print(f"{table:<22}{t['rows']:>12,}{t['seconds']:>10.2f}{t['rows_per_s']:>12,}")
    print("phases (COPY runs in a writer thread while Python makes the next chunk):")
    for phase, seconds in s["phases_seconds"].items():
        print(f"  {phase:<32}{seconds:>10.2f}")
    print(f"total: {s['total_rows']:,} rows in {s['total_seconds']:.1f} s ({s['rows_per_s']:,} rows/s)")
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(json.dumps(s, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Load Debitor's schema with generated data at scale.")
    p.add_argument("--clients", type=int, default=10_000)
    p.add_argument("--invoices", type=int, default=1_000_000)
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    p.add_argument("--keep-indexes", action="store_true", help="load with every index in place (slower; to compare)")
    p.add_argument(
        "--keep-fk-triggers", action="store_true", help="check foreign keys row by row while loading (slower)"
    )
    args = p.parse_args(argv)
    if args.clients < 1 or args.invoices < 0:
        p.error("--clients must be at least 1 and --invoices not negative")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    times: dict[str, float] = {}
    timed(times, "reset + migrate (not in total)", prepare, args.database_url, args.reset)
    print(f"database {db_name(args.database_url)} ready; loading…", flush=True)
    started = time.perf_counter()
    with psycopg.connect(args.database_url) as conn:
        loader, fk_off = load(conn, args, times)
    times["total"] = time.perf_counter() - started
    report(summary(loader, args, times, fk_off))


if __name__ == "__main__":
    main()
