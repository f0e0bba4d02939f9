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
