"""Test data built through the domain services (so the data obeys the same rules as in production)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from functools import cache

from werkzeug.security import generate_password_hash

from debitor.auth.models import PortalUser, Role, StaffUser
from debitor.clients.services import create_client
from debitor.db import db
from debitor.identifiers import inn_check_digit
from debitor.invoices.models import Invoice
from debitor.invoices.services import add_line, issue_invoice
from debitor.orgs.models import BankAccount, Organisation, VatMode
from debitor.payments.models import Payment

PASSWORD = "correct-horse-battery"  # noqa: S105
_seq = itertools.count(1)


@cache
def password_hash() -> str:
    return generate_password_hash(PASSWORD)


def organisation(vat_mode: VatMode = VatMode.STANDARD) -> Organisation:
    org = Organisation(
        name="ООО «Тест Медиа»",
        short_name="ООО «Тест Медиа»",
        inn="7709123453",
        kpp="770901001",
        ogrn="1027700123450",
        legal_address="г. Москва",
        vat_mode=vat_mode,
    )
    org.bank_accounts = [
        BankAccount(
            bank_name="ПАО Сбербанк",
            bik="044525225",
            corr_account="30101810400000000225",
            account="40702810200000012345",
            is_primary=True,
        )
    ]
    db.session.add(org)
    db.session.flush()
    return org


def staff(role: Role = Role.CLERK, email: str | None = None) -> StaffUser:
    n = next(_seq)
    user = StaffUser(
        email=email or f"{role.value}{n}@staff.test",
        name=f"Staff {role.value} {n}",
        role=role,
        password_hash=password_hash(),
        session_epoch=0,
    )
    db.session.add(user)
    db.session.flush()
    return user


def unique_inn() -> str:
    return inn_check_digit(f"77{next(_seq) + 1000000:07d}")


def client(org: Organisation, name: str | None = None, **extra):
    n = next(_seq)
    data = {
        "legal_name": f"ООО «Клиент {n}»",
        "short_name": name or f"Клиент {n}",
        "inn": unique_inn(),
        "kpp": "770101001",
        "ogrn": None,
        "legal_address": "",
        "postal_address": "",
        "language": "ru",
        "payment_terms_days": 10,
        "credit_limit": 0,
        "account_manager_id": None,
        "parent_id": None,
        "extra_inns": [],
        "contact_name": "Бухгалтерия",
        "contact_email": f"billing{n}@client.test",
    }
    data.update(extra)
    return create_client(org.id, data)


def portal_user(client_obj, email: str | None = None) -> PortalUser:
    n = next(_seq)
    user = PortalUser(
        client_id=client_obj.id,
        email=email or f"user{n}@client.test",
        name=f"Клиентов {n}",
        password_hash=password_hash(),
        session_epoch=0,
    )
    db.session.add(user)
    db.session.flush()
    return user


def draft(org: Organisation, client_obj, lines=((1, 100_000_00),), **kw) -> Invoice:
    inv = Invoice(organisation=org, client=client_obj, currency="RUB", **kw)
    db.session.add(inv)
    for qty, price in lines:
        add_line(inv, "Контекстная реклама", qty, price)
    db.session.flush()
    return inv


def issued(org: Organisation, client_obj, on: date | None = None, lines=((1, 100_000_00),)) -> Invoice:
    inv = draft(org, client_obj, lines)
    return issue_invoice(inv, on=on or date.today() - timedelta(days=1))


def payment(org: Organisation, client_obj, amount: int, on: date | None = None, key: str | None = None) -> Payment:
    p = Payment(
        organisation_id=org.id,
        client_id=client_obj.id if client_obj else None,
        external_key=key or f"test:{next(_seq)}",
        received_on=on or date.today(),
        amount_kopecks=amount,
        payer_inn=client_obj.inn if client_obj else "",
        doc_number=str(next(_seq)),
    )
    db.session.add(p)
    db.session.flush()
    return p
