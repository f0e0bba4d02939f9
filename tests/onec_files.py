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
    message: str  # the parser's message constant's name
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
