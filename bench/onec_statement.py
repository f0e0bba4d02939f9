"""Generator of big, realistic 1CClientBankExchange statements for the parser and import benchmarks.

What it writes: one bank → 1C statement (cp1251, CRLF, as banks send them) for our account with one
account section whose ВсегоПоступило / ВсегоСписано / balances agree with the documents, then N
documents sorted by receipt date: ~90 % incoming payment orders from clients, the rest outgoing
(refunds of overpayments, suppliers, taxes with every budget key filled). Each document carries the
~40 keys real banks write (payer and payee with ИНН, КПП, account, bank, БИК, correspondent
account, the budget keys, receipt date and time), so per-line costs are those of real files; a
100k-document file is about 118 MB.

Payments reference invoices in ``НазначениеПлатежа`` the way people type them (``по счету № 42 от
05.01.2026``, ``по сч. 42``, ``Опл. счета N42``, two invoices in one line, VAT notes whose numbers
are not invoice numbers). ``payers`` (optional) lists real clients with their invoices —
``{"inn", "kpp", "name", "account", "bik", "invoices": [(number, date, amount_kopecks), ...]}`` — so
that an import benchmark can match payments to existing invoices; without it, payers are random
companies with valid ИНН and bank accounts (check digits from ``debitor.identifiers``).

Run from the repository root:

    .venv/bin/python bench/onec_statement.py bench/out/statement.txt --documents 100000 --seed 1
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from collections.abc import Iterator
from datetime import date, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stdnum.ru.inn import calc_personal_check_digits  # noqa: E402

from debitor.identifiers import inn_check_digit, settlement_account_with_key  # noqa: E402 - needs ROOT on sys.path
from debitor.onec.statement import AccountSection, Document, Header  # noqa: E402
from debitor.onec.writer import write_statement  # noqa: E402

PERIOD_FROM = date(2026, 1, 1)
PERIOD_TO = date(2026, 11, 27)
OUR_NAME = "ООО «Дебитор Медиа»"
OUR_INN = inn_check_digit("770412345")
OUR_KPP = "770401001"

# name, city, БИК, correspondent account
BANKS = (
    ("ПАО СБЕРБАНК", "г. Москва", "044525225", "30101810400000000225"),
    ('АО "АЛЬФА-БАНК"', "г. Москва", "044525593", "30101810200000000593"),
    ("Банк ВТБ (ПАО)", "г. Москва", "044525187", "30101810700000000187"),
    ('АО "ТБанк"', "г. Москва", "044525974", "30101810145250000974"),
    ('АО "Райффайзенбанк"', "г. Москва", "044525700", "30101810200000000700"),
    ('ООО "Банк Точка"', "г. Москва", "044525104", "30101810745374525104"),
    ('ПАО "Промсвязьбанк"', "г. Москва", "044525555", "30101810400000000555"),
    ("Уральский банк ПАО Сбербанк", "г. Екатеринбург", "046577674", "30101810500000000674"),
    ("Северо-Западный банк ПАО Сбербанк", "г. Санкт-Петербург", "044030653", "30101810500000000653"),
    ('ПАО "БАНК УРАЛСИБ"', "г. Уфа", "048073770", "30101810600000000770"),
)
OUR_BANK = BANKS[0]
TAX = {
    "name": "Казначейство России (ФНС России)",
    "inn": "7727406020",
    "kpp": "770801001",
    "account": "03100643000000018500",
    "bank": "ОКЦ № 7 ГУ Банка России по ЦФО//УФК по г. Москве г. Москва",
    "city": "г. Москва",
    "bik": "024501901",
    "corr": "40102810545370000003",
}
FORMS = ("ООО", "ООО", "ООО", "АО", "ПАО", "ИП")
WORDS_A = ("Северный", "Новый", "Первый", "Городской", "Быстрый", "Точный", "Зелёный", "Большой", "Верный", "Умный")
WORDS_B = ("Ветер", "Вектор", "Маркет", "Дом", "Сервис", "Медиа", "Ресурс", "Проект", "Альянс", "Стандарт", "Путь")
PEOPLE = ("Иванов Иван Иванович", "Петрова Анна Сергеевна", "Сидоров Пётр Алексеевич", "Кузнецова Ольга Юрьевна")
SERVICES = (
    "рекламные услуги",
    "размещение рекламы",
    "размещение рекламных материалов в интернете",
    "услуги по продвижению",
    "изготовление рекламных материалов",
)
SUPPLIERS = ("аренду офиса", "услуги связи", "хостинг", "канцтовары", "юридические услуги", "бухгалтерские услуги")


def _rubles(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def _vat(gross: int, rate: int) -> int:
    """VAT included in ``gross`` kopecks at ``rate`` %, half-up, integers only."""
    return (gross * rate * 2 + 100 + rate) // (2 * (100 + rate))


def _d(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def random_payer(rng: random.Random, k: int) -> dict:
    form = rng.choice(FORMS)
    bank = rng.choice(BANKS)
    if form == "ИП":
        stem = f"77{rng.randrange(10**8):08d}"
        inn, kpp = stem + calc_personal_check_digits(stem), ""
        name = f"ИП {rng.choice(PEOPLE)}"
        account = settlement_account_with_key(bank[2], f"40802810{rng.randrange(10**11):011d}")
    else:
        inn = inn_check_digit(f"{rng.randrange(10, 99)}{rng.randrange(10**7):07d}")
        kpp = inn[:4] + "01001"
        name = f"{form} «{rng.choice(WORDS_A)} {rng.choice(WORDS_B)} {k}»"
        account = settlement_account_with_key(bank[2], f"40702810{rng.randrange(10**11):011d}")
    return {"inn": inn, "kpp": kpp, "name": name, "account": account, "bik": bank[2], "invoices": []}


def _bank(bik: str) -> tuple[str, str, str, str]:
    for bank in BANKS:
        if bank[2] == bik:
            return bank
    return (f"Банк с БИК {bik}", "г. Москва", bik, f"301018100000000{bik[-3:]:0>5}")


def _purpose(rng: random.Random, invoices: list[tuple[str, date, int]], amount: int, when: date) -> str:
    number, day, _ = invoices[0]
    rate = 22 if when.year >= 2026 else 20
    vat = f"В т.ч. НДС {rate}% {_rubles(_vat(amount, rate))}"
    service = rng.choice(SERVICES)
    roll = rng.random()
    if len(invoices) > 1:
        numbers = ", ".join(n for n, _, _ in invoices)
        return f"Оплата по счетам № {numbers} за {service}. {vat}"
    if roll < 0.45:
        return f"Оплата по счету № {number} от {_d(day)} за {service}. {vat}"
    if roll < 0.60:
        return f"Оплата по сч. {number} от {_d(day)} за {service}. Сумма {_rubles(amount)}, {vat}"
    if roll < 0.72:
        return f"Опл. счета N{number} по договору № Д-{rng.randrange(1, 999)}/{when.year} от {_d(day)}. {vat}"
    if roll < 0.82:
        return f"сч.{number} от {_d(day)} {service}, НДС не облагается"
    if roll < 0.92:
        return f"Оплата за {service} по счету {number}. {vat}"
    return f"Предоплата по договору № {rng.randrange(1, 999)}-Р от {_d(day)} за {service}. {vat}"


class _Plan:
    """The documents as small tuples first (sorted by receipt date), so that totals precede them."""

    def __init__(self, rng: random.Random, documents: int, payers: list[dict] | None):
        self.rng = rng
        self.payers = payers or [random_payer(rng, k) for k in range(max(50, documents // 40))]
        self.given = payers is not None
        self.rows: list[tuple] = []
        outgoing = 0
        for _ in range(documents):
            if rng.random() < 0.9:
                self.rows.append(self._incoming())
            else:
                outgoing += 1
                self.rows.append(self._outgoing(outgoing))
        self.rows.sort(key=lambda row: row[0])

    def _day(self) -> date:
        return PERIOD_FROM + timedelta(days=self.rng.randrange((PERIOD_TO - PERIOD_FROM).days + 1))

    def _incoming(self) -> tuple:
        rng = self.rng
        payer = rng.choice(self.payers)
        invoices = payer["invoices"]
        if self.given and invoices:
            picked = [rng.choice(invoices)]
            if rng.random() < 0.08 and len(invoices) > 1:
                picked.append(rng.choice(invoices))
            amount = sum(inv[2] for inv in picked)
            if rng.random() < 0.07:
                amount = max(1, amount // 2)  # a part payment
            received = max(inv[1] for inv in picked) + timedelta(days=rng.randrange(0, 25))
        else:
            received = self._day()
            amount = rng.choice((1_000, 5_000, 12_000, 25_000, 50_000, 120_000, 480_000)) * 100
            amount += rng.randrange(0, 1_000_000) if rng.random() < 0.6 else 0
            issued = received - timedelta(days=rng.randrange(1, 40))
            picked = [(str(rng.randrange(1, 30_000)), issued, amount)]
            if rng.random() < 0.08:
                picked.append((str(rng.randrange(1, 30_000)), issued, 0))
        doc_day = received - timedelta(days=rng.randrange(0, 3))
        purpose = _purpose(rng, picked, amount, received)
        return (received, "in", payer, amount, str(rng.randrange(1, 10_000)), doc_day, purpose)

    def _outgoing(self, k: int) -> tuple:
        rng = self.rng
        day = self._day()
        roll = rng.random()
        if roll < 0.4:
            payee = rng.choice(self.payers)
            amount = rng.randrange(100, 50_000) * 100
            purpose = f"Возврат излишне уплаченных средств по счету № {rng.randrange(1, 30_000)}. НДС не облагается"
            return (day, "refund", payee, amount, str(k), day, purpose)
        if roll < 0.85:
            payee = random_payer(rng, 90_000 + k)
            amount = rng.randrange(1_000, 300_000) * 100 + rng.randrange(100)
            vat = _vat(amount, 22)
            purpose = f"Оплата по счету № {rng.randrange(1, 9999)} от {_d(day)} за {rng.choice(SUPPLIERS)}. "
            purpose += f"В т.ч. НДС 22% {_rubles(vat)}"
            return (day, "supplier", payee, amount, str(k), day, purpose)
        amount = rng.randrange(10_000, 2_000_000) * 100
        quarter = (day.month - 1) // 3 + 1
        purpose = f"Налог на добавленную стоимость за {quarter} кв. {day.year} г."
        return (day, "tax", TAX, amount, str(k), day, purpose)


def _document(row: tuple, our_account: str) -> Document:
    received, kind, party, amount, number, doc_day, purpose = row
    our = {"inn": OUR_INN, "kpp": OUR_KPP, "name": OUR_NAME, "account": our_account, "bik": OUR_BANK[2]}
    incoming = kind == "in"
    payer, payee = (party, our) if incoming else (our, party)
    payer_bank = _bank(payer["bik"]) if payer is not TAX else None
    payee_bank = _bank(payee["bik"]) if payee is not TAX else None
    tax = kind == "tax"
    fields = {
        "КвитанцияДата": _d(received),
        "КвитанцияВремя": f"{9 + amount % 9:02d}:{amount // 7 % 60:02d}:{amount % 60:02d}",
        "Плательщик": f"ИНН {payer['inn']} {payer['name']}",
        "ПлательщикБанк2": payer_bank[1] if payer_bank else TAX["city"],
        "Получатель": f"ИНН {payee['inn']} {payee['name']}",
        "ПолучательБанк2": payee_bank[1] if payee_bank else TAX["city"],
        "ВидПлатежа": "",
        "СтатусСоставителя": "01" if tax else "",
        "ПоказательКБК": "18210301000011000110" if tax else "",
        "ОКАТО": "45383000" if tax else "",
        "ПоказательОснования": "ТП" if tax else "",
        "ПоказательПериода": f"КВ.0{(received.month - 1) // 3 + 1}.{received.year}" if tax else "",
        "ПоказательНомера": "0" if tax else "",
        "ПоказательДаты": "0" if tax else "",
        "ПоказательТипа": "",
        "СрокПлатежа": "",
    }
    return Document(
        line=0,
        kind="Платежное поручение",
        number=number,
        date=doc_day,
        amount_kopecks=amount,
        payer_account=payer["account"],
        payer_inn=payer["inn"],
        payer_kpp=payer["kpp"],
        payer_name=payer["name"],
        payer_bik=payer["bik"],
        payer_bank=payer_bank[0] if payer_bank else TAX["bank"],
        payer_corr_account=payer_bank[3] if payer_bank else TAX["corr"],
        debited_on=None if incoming else received,
        payee_account=payee["account"],
        payee_inn=payee["inn"],
        payee_kpp=payee["kpp"],
        payee_name=payee["name"],
        payee_bik=payee["bik"],
        payee_bank=payee_bank[0] if payee_bank else TAX["bank"],
        payee_corr_account=payee_bank[3] if payee_bank else TAX["corr"],
        received_on=received if incoming else None,
        payment_kind="01",
        priority="5",
        uin="0",
        purpose=purpose,
        fields=fields,
    )


def write_bench_statement(
    path: str | Path,
    documents: int = 100_000,
    *,
    seed: int = 1,
    our_account: str = "40702810900000000001",
    payers: list[dict] | None = None,
) -> dict:
    """Write the statement to ``path``; return its figures (documents, incoming/outgoing totals, bytes)."""
    rng = random.Random(seed)
    plan = _Plan(rng, documents, payers)
    received = sum(row[3] for row in plan.rows if row[1] == "in")
    debited = sum(row[3] for row in plan.rows if row[1] != "in")
    opening = 1_250_000_00 + rng.randrange(100_000_00)
    days = [row[0] for row in plan.rows] or [PERIOD_FROM]
    first, last = min(min(days), PERIOD_FROM), max(max(days), PERIOD_TO)
    header = Header(
        version="1.03",
        encoding_declared="Windows",
        sender="СберБизнес",
        recipient="1С:Бухгалтерия предприятия, редакция 3.0",
        created_on=last + timedelta(days=1),
        created_time=time(9, 15, 0),
        date_from=first,
        date_to=last,
        accounts=[our_account],
        document_kinds=[],
        fields={},
    )
    section = AccountSection(
        line=0,
        account=our_account,
        date_from=first,
        date_to=last,
        opening_kopecks=opening,
        received_kopecks=received,
        debited_kopecks=debited,
        closing_kopecks=opening + received - debited,
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    docs: Iterator[Document] = (_document(row, our_account) for row in plan.rows)
    with open(path, "wb", buffering=1 << 20) as stream:
        write_statement(stream, header, [section], docs, encoding="cp1251", newline="\r\n")
    return {
        "path": str(path),
        "documents": documents,
        "incoming": sum(1 for row in plan.rows if row[1] == "in"),
        "received_kopecks": received,
        "debited_kopecks": debited,
        "total_kopecks": received + debited,
        "bytes": path.stat().st_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default=str(ROOT / "bench" / "out" / "statement.txt"))
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--our-account", default="40702810900000000001")
    args = parser.parse_args()
    started = clock.perf_counter()
    figures = write_bench_statement(args.path, args.documents, seed=args.seed, our_account=args.our_account)
    figures["seconds"] = round(clock.perf_counter() - started, 2)
    print(figures)


if __name__ == "__main__":
    main()
