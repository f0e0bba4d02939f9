"""Hand-written 1CClientBankExchange statements for the import tests, as a bank would write them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

OUR_ACCOUNT = "40702810200000012345"  # tests.factories.organisation's account
OUR_INN = "7707083893"


@dataclass
class Doc:
    number: str
    amount: str  # as the bank writes it: "1200.00", "700"
    purpose: str = ""
    payer_inn: str = "7728168971"
    payer_name: str = "ООО Плательщик"
    payer_account: str = "40702810938000012345"
    on: date = date(2026, 3, 2)
    incoming: bool = True
    kind: str = "Платежное поручение"
    extra: dict = field(default_factory=dict)


def statement_text(
    docs: list[Doc],
    *,
    account: str = OUR_ACCOUNT,
    start: date = date(2026, 3, 1),
    end: date = date(2026, 3, 31),
    totals: tuple[str, str] | None = None,
    end_marker: bool = True,
) -> str:
    def d(x: date) -> str:
        return x.strftime("%d.%m.%Y")

    received = sum(_kop(x.amount) for x in docs if x.incoming)
    debited = sum(_kop(x.amount) for x in docs if not x.incoming)
    if totals is None:
        totals = (_rub(received), _rub(debited))
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        "Отправитель=Бизнес-Онлайн",
        "Получатель=",
        f"ДатаСоздания={d(end)}",
        "ВремяСоздания=09:15:00",
        f"ДатаНачала={d(start)}",
        f"ДатаКонца={d(end)}",
        f"РасчСчет={account}",
        "СекцияРасчСчет",
        f"ДатаНачала={d(start)}",
        f"ДатаКонца={d(end)}",
        f"РасчСчет={account}",
        "НачальныйОстаток=1000.00",
        f"ВсегоПоступило={totals[0]}",
        f"ВсегоСписано={totals[1]}",
        f"КонечныйОстаток={_rub(100000 + received - debited)}",
        "КонецРасчСчет",
    ]
    for x in docs:
        them = [
            f"{x.payer_account}",
            f"ИНН {x.payer_inn} {x.payer_name}",
            x.payer_inn,
            x.payer_name,
        ]
        us = [account, f"ИНН {OUR_INN} ООО Дебитор", OUR_INN, "ООО Дебитор"]
        payer, payee = (them, us) if x.incoming else (us, them)
        lines += [
            f"СекцияДокумент={x.kind}",
            f"Номер={x.number}",
            f"Дата={d(x.on)}",
            f"Сумма={x.amount}",
            f"ПлательщикСчет={payer[0]}",
            f"ДатаСписано={d(x.on)}" if not x.incoming else "ДатаСписано=",
            f"Плательщик={payer[1]}",
            f"ПлательщикИНН={payer[2]}",
            f"Плательщик1={payer[3]}",
            "ПлательщикБИК=044525225",
            f"ПолучательСчет={payee[0]}",
            f"ДатаПоступило={d(x.on)}" if x.incoming else "ДатаПоступило=",
            f"Получатель={payee[1]}",
            f"ПолучательИНН={payee[2]}",
            f"Получатель1={payee[3]}",
            "ПолучательБИК=044525225",
            "ВидОплаты=01",
            "Очередность=5",
            f"НазначениеПлатежа={x.purpose}",
            *(f"{k}={v}" for k, v in x.extra.items()),
            "КонецДокумента",
        ]
    if end_marker:
        lines.append("КонецФайла")
    return "\r\n".join(lines) + "\r\n"


def statement_bytes(docs: list[Doc], encoding: str = "cp1251", **kw) -> bytes:
    return statement_text(docs, **kw).encode(encoding)


def _kop(amount: str) -> int:
    rub, _, kop = amount.partition(".")
    return int(rub) * 100 + int((kop + "00")[:2])


def _rub(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


# --- statements a bank should never send, and what the import must say of each (issue 11) -------------


def line_number(data: bytes, text: str, nth: int = 1) -> int:
    """The number of the line that is ``text`` (its ``nth`` occurrence) in a cp1251 statement."""
    lines = data.decode("cp1251").split("\r\n")
    found = [k + 1 for k, line in enumerate(lines) if line == text]
    return found[nth - 1]


def _two(amount: str = "100.00", **second) -> list[Doc]:
    return [Doc("1", "250.00", "Оплата", payer_inn=""), Doc("2", amount, "Оплата", payer_inn="", **second)]


def _with(data: bytes, old: str, new: str, nth: int = 1) -> bytes:
    """``data`` with the ``nth`` line ``old`` replaced by ``new``."""
    text = data.decode("cp1251").split("\r\n")
    k = [i for i, line in enumerate(text) if line == old][nth - 1]
    text[k] = new
    return "\r\n".join(text).encode("cp1251")


def _cut(data: bytes, before: str, keep: str, nth: int = 2) -> bytes:
    """``data`` cut off in the middle of its ``nth`` line ``before``, keeping ``keep`` of it."""
    at = -1
    for _ in range(nth):
        at = data.index(before.encode("cp1251"), at + 1)
    return data[: at + len(keep.encode("cp1251"))]


@dataclass
class Refused:
    """A statement the import must refuse as a whole: its error names this line and key."""

    data: bytes
    line_text: str  # the line the error names (its last occurrence is looked up when ``nth`` is 0)
    message: str  # the name of its message constant in debitor.onec.errors
    key: str | None
    nth: int = 1

    @property
    def line(self) -> int:
        return line_number(self.data, self.line_text, self.nth)


def refused_statements() -> dict[str, Refused]:
    """Issue 11's statements that must not be imported, each naming the line that says why."""
    two = statement_bytes(_two())
    cut = _cut(two, "Плательщик1=ООО Плательщик", "Плате")
    huge = statement_bytes(_two("999999999999999999.99"), totals=("250.00", "0.00"))
    closing = _rub(100000 + _kop("250.00") + _kop("999999999999999999.99"))
    huge = _with(huge, f"КонечныйОстаток={closing}", "КонечныйОстаток=1250.00")  # the bank's own sums
    return {
        "amount 0.00": Refused(statement_bytes(_two("0.00")), "Сумма=0.00", "E_AMOUNT_ZERO", "Сумма"),
        "amount 0": Refused(statement_bytes(_two("0")), "Сумма=0", "E_AMOUNT_ZERO", "Сумма"),
        "amount beyond 64 bits": Refused(huge, "Сумма=999999999999999999.99", "E_AMOUNT_TOO_BIG", "Сумма"),
        "date 01.01.0001": Refused(
            _with(two, "Дата=02.03.2026", "Дата=01.01.0001", 2), "Дата=01.01.0001", "E_DATE_RANGE", "Дата"
        ),
        "received 31.12.9999": Refused(
            _with(two, "ДатаПоступило=02.03.2026", "ДатаПоступило=31.12.9999", 2),
            "ДатаПоступило=31.12.9999",
            "E_DATE_RANGE",
            "ДатаПоступило",
        ),
        "Сумма twice": Refused(
            statement_bytes(_two(extra={"Сумма": "5000.00"})), "Сумма=5000.00", "E_REPEATED_KEY", "Сумма"
        ),
        "cut in the middle of a key": Refused(cut, "Плате", "E_CUT_OFF", None),
    }


# --- money moved between two accounts of our own (issue 11, 10) ------------------------------------------

SECOND_ACCOUNT = "40702810700000067890"
TRANSFER_PURPOSE = "Перевод собственных средств между счетами. НДС не облагается"


def transfer_out(amount: str = "100000.00", number: str = "501") -> Doc:
    """From ``OUR_ACCOUNT`` to ``SECOND_ACCOUNT``, for the statement of ``OUR_ACCOUNT``."""
    return Doc(number, amount, TRANSFER_PURPOSE, payer_inn=OUR_INN, payer_name="ООО Дебитор",
               payer_account=SECOND_ACCOUNT, incoming=False)  # fmt: skip


def transfer_in(amount: str = "100000.00", number: str = "501") -> Doc:
    """The same transfer in the statement of ``SECOND_ACCOUNT`` (``statement_bytes(..., account=SECOND_ACCOUNT)``)."""
    return Doc(number, amount, TRANSFER_PURPOSE, payer_inn=OUR_INN, payer_name="ООО Дебитор",
               payer_account=OUR_ACCOUNT, incoming=True)  # fmt: skip


def both_accounts_statement(amount_kopecks: int = 100_000_00, *, listings: int = 1, other: int = 0) -> bytes:
    """One statement of both accounts (a section each) with the transfer from the first to the second
    listed ``listings`` times (a bank may list it under each account), and ``other`` kopecks from a client
    to the first account."""
    from debitor.onec.statement import AccountSection, Document, Header
    from debitor.onec.writer import statement_bytes as write

    day = date(2026, 3, 2)

    def document(number: str, amount: int, payer: tuple, payee: tuple, purpose: str) -> Document:
        return Document(
            line=0, kind="Платежное поручение", number=number, date=day, amount_kopecks=amount,
            payer_account=payer[0], payer_inn=payer[1], payer_kpp="", payer_name=payer[2], payer_bik="044525225",
            payer_bank="ПАО Сбербанк", payer_corr_account="", debited_on=day,
            payee_account=payee[0], payee_inn=payee[1], payee_kpp="", payee_name=payee[2], payee_bik="044525225",
            payee_bank="ПАО Сбербанк", payee_corr_account="", received_on=day, payment_kind="01", priority="5",
            uin="", purpose=purpose, fields={},
        )  # fmt: skip

    first, second = (OUR_ACCOUNT, OUR_INN, "ООО Дебитор"), (SECOND_ACCOUNT, OUR_INN, "ООО Дебитор")
    docs = [document("501", amount_kopecks, first, second, TRANSFER_PURPOSE) for _ in range(listings)]
    if other:
        docs.append(document("77", other, ("40702810938000012345", "7728168971", "ООО Плательщик"), first, "Аванс"))
    header = Header(
        version="1.03", encoding_declared="Windows", sender="Бизнес-Онлайн", recipient="", created_on=day,
        created_time=None, date_from=day, date_to=day, accounts=[OUR_ACCOUNT, SECOND_ACCOUNT], document_kinds=[],
        fields={},
    )  # fmt: skip
    sections = [
        AccountSection(0, OUR_ACCOUNT, day, day, 1_000_000_00, other, amount_kopecks,
                       1_000_000_00 + other - amount_kopecks),
        AccountSection(0, SECOND_ACCOUNT, day, day, 0, amount_kopecks, 0, amount_kopecks),
    ]  # fmt: skip
    return write(header, sections, docs)
