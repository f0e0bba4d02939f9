"""Demo bank statements: what the bank would send for the demo company this week, written in the real
1CClientBankExchange format from the demo's open invoices — payments that name their invoice in the
usual ways, one paying two invoices, a part payment, a payment from a legal entity we do not know yet
(the clerk's queue, with a suggestion), one from a person without INN, money going out, and a transfer to
our other account.

``flask demo load`` imports one such statement through the import service; with ``--exchange-folder``
it also drops the next day's into the exchange folder, where the scheduler picks it up.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

import sqlalchemy as sa

from debitor.dates import today
from debitor.db import db
from debitor.identifiers import inn_check_digit
from debitor.invoices.models import OPEN_STATES, Invoice, InvoiceKind
from debitor.onec.statement import AccountSection, Document, Header
from debitor.onec.writer import statement_bytes
from debitor.orgs.models import Organisation

BANK = ("ПАО Сбербанк", "044525225", "30101810400000000225")


def _party(client, rnd: random.Random) -> dict:
    return {
        "inn": client.inn,
        "kpp": client.kpp or "",
        "name": client.legal_name,
        "account": "40702810" + f"{rnd.randrange(10**12):012d}",
    }


def _doc(n: int, day: date, amount: int, payer: dict, payee: dict, purpose: str, incoming: bool) -> Document:
    return Document(
        line=0,
        kind="Платежное поручение",
        number=str(n),
        date=day,
        amount_kopecks=amount,
        payer_account=payer["account"],
        payer_inn=payer["inn"],
        payer_kpp=payer["kpp"],
        payer_name=payer["name"],
        payer_bik=BANK[1],
        payer_bank=BANK[0],
        payer_corr_account=BANK[2],
        debited_on=None if incoming else day,
        payee_account=payee["account"],
        payee_inn=payee["inn"],
        payee_kpp=payee["kpp"],
        payee_name=payee["name"],
        payee_bik=BANK[1],
        payee_bank=BANK[0],
        payee_corr_account=BANK[2],
        received_on=day if incoming else None,
        payment_kind="01",
        priority="5",
        uin="0",
        purpose=purpose,
        fields={},
    )


def demo_statement(day: date, *, seed: int = 7, skip: int = 0) -> tuple[str, bytes]:
    """(file name, bytes) of a statement for ``day`` paying some of the open invoices (``skip`` of the
    oldest left for another day's statement)."""
    rnd = random.Random(seed + skip)
    org = db.session.scalar(sa.select(Organisation).order_by(Organisation.id).limit(1))
    account = org.bank_accounts[0].account
    us = {"inn": org.inn, "kpp": org.kpp or "", "name": org.name, "account": account}
    open_ = db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.state.in_(list(OPEN_STATES)), Invoice.kind == InvoiceKind.INVOICE)
        .order_by(Invoice.issued_on, Invoice.id)
    ).all()
    open_ = open_[skip:]
    docs: list[Document] = []
    n = 9000 + skip
    used: set[int] = set()

    paying: set[int] = set()  # one document per client here, so that each shows one rule at work

    def take() -> list[Invoice]:
        for inv in open_:
            if inv.id not in used and inv.client_id not in paying:
                used.add(inv.id)
                paying.add(inv.client_id)
                return [inv]
        return []

    def owed(inv: Invoice) -> int:
        return inv.outstanding_kopecks  # credit notes included

    for style in (
        "по счету № {n} от {d}",
        "Оплата по сч. {n} от {d} за рекламные услуги. В т.ч. НДС 22% {vat}",
        "Опл. счета N{n} от {d}",
        "ОПЛАТА ПО СЧ.№ {n} ОТ {d}Г. ЗА РАЗМЕЩЕНИЕ РЕКЛАМЫ",
    ):
        for inv in take():
            vat = f"{inv.vat_kopecks // 100}.{inv.vat_kopecks % 100:02d}"
            text = style.format(n=inv.number, d=f"{inv.issued_on:%d.%m.%Y}", vat=vat)
            n += 1
            docs.append(_doc(n, day, owed(inv), _party(inv.client, rnd), us, text, True))
    same_client = [i for i in open_ if i.id not in used]
    by_client: dict[int, list[Invoice]] = {}
    for inv in same_client:
        by_client.setdefault(inv.client_id, []).append(inv)
    pair = next((v[:2] for cid, v in by_client.items() if len(v) >= 2 and cid not in paying), [])
    if pair:
        used.update(i.id for i in pair)
        paying.add(pair[0].client_id)
        n += 1
        refs = ", ".join(i.number for i in pair)
        docs.append(
            _doc(n, day, sum(owed(i) for i in pair), _party(pair[0].client, rnd), us, f"Оплата счетов № {refs}", True)
        )
    for inv in take():  # a part payment
        n += 1
        docs.append(
            _doc(n, day, owed(inv) // 2, _party(inv.client, rnd), us, f"Частичная оплата по сч. {inv.number}", True)
        )
    for inv in take():  # a legal entity nobody told us about: the clerk's queue, with a suggestion
        n += 1
        stranger = {
            "inn": inn_check_digit(f"50{rnd.randrange(10**7):07d}"),
            "kpp": "500101001",
            "name": f"ООО «Партнёр {inv.client.short_name}»",
            "account": "40702810" + f"{rnd.randrange(10**12):012d}",
        }
        text = f"Оплата по счету {inv.number} за {inv.client.short_name}. НДС не облагается"
        docs.append(_doc(n, day, owed(inv), stranger, us, text, True))
    for inv in take():  # a known client paying without saying for what, 1 000 ₽ too much, which we pay back
        n += 1
        payer = _party(inv.client, rnd)
        docs.append(_doc(n, day, owed(inv) + 1_000_00, payer, us, "Оплата за рекламные услуги", True))
        n += 1
        text = f"Возврат излишне перечисленных денежных средств по п/п № {n - 1}. НДС не облагается"
        docs.append(_doc(n, day, 1_000_00, us, payer, text, False))
    n += 1
    person = {
        "inn": "",
        "kpp": "",
        "name": "Иванов Иван Иванович",
        "account": "40817810" + f"{rnd.randrange(10**12):012d}",
    }
    docs.append(_doc(n, day, 700_00, person, us, "Оплата", True))
    n += 1
    landlord = {
        "inn": inn_check_digit("77" + f"{rnd.randrange(10**7):07d}"),
        "kpp": "770101001",
        "name": "ООО «Бизнес-центр Арбат»",
        "account": "40702810" + f"{rnd.randrange(10**12):012d}",
    }
    docs.append(_doc(n, day, 350_000_00, us, landlord, "Аренда офиса за текущий месяц. В т.ч. НДС 22% 63114.75", False))
    if len(org.bank_accounts) > 1:  # money moved to our other account: a transfer of our own, nobody's money
        n += 1
        other = {**us, "account": org.bank_accounts[1].account}
        docs.append(_doc(n, day, 500_000_00, us, other, "Перевод собственных средств между счетами. НДС не облагается",
                         False))  # fmt: skip
    received = sum(d.amount_kopecks for d in docs if d.received_on)
    debited = sum(d.amount_kopecks for d in docs if d.debited_on)
    opening = 4_250_000_00
    # a day's statement is made the next morning; today's (dropped into the exchange folder) today, not tomorrow
    header = Header(
        version="1.03", encoding_declared="Windows", sender="СберБизнес", recipient="1С:Бухгалтерия предприятия",
        created_on=min(day + timedelta(days=1), today()), created_time=time(9, 5), date_from=day, date_to=day,
        accounts=[account], document_kinds=[], fields={},
    )  # fmt: skip
    section = AccountSection(0, account, day, day, opening, received, debited, opening + received - debited)
    return f"kl_to_1c_{day:%Y%m%d}.txt", statement_bytes(header, [section], docs)


def import_demo_statement(day: date):
    """Import the demo statement for ``day`` through the import service (it commits its own steps)."""
    import io

    from debitor.payments.importing import new_statement, run

    name, data = demo_statement(day)
    statement = new_statement("folder", name, data)
    return run(statement, io.BytesIO(data))
