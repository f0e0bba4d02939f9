"""The parties' requisites as they stood when a document was issued.

An issued invoice (or credit note) is frozen: its PDF, its act and its payment QR code must say what
they said on the day it was issued, even after the organisation changes its director, its bank or its
address, or the client its KPP. Issuing records the supplier, the bank account, the buyer and the
contract in a ``RequisiteSet``; identical sets are stored once (by the SHA-256 of their canonical
JSON), so a million invoices of ten thousand clients keep about as many sets as there are clients and
contracts. The documents are rendered from the set, never from the live rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa

from debitor.db import db, insert_or_ignore, utcnow

SUPPLIER = ("name", "short_name", "inn", "kpp", "ogrn", "legal_address", "director_name", "accountant_name")
ACCOUNT = ("account", "bank_name", "bik", "corr_account")
BUYER = ("legal_name", "short_name", "inn", "kpp", "legal_address")
CONTRACT = ("number", "signed_on")


@dataclass(frozen=True)
class Parties:
    """What a document prints about who bills whom, with attribute access as the templates want it."""

    org: SimpleNamespace
    account: SimpleNamespace | None
    client: SimpleNamespace
    contract: SimpleNamespace | None


def _pick(obj, names: tuple[str, ...]) -> dict | None:
    if obj is None:
        return None
    out = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def snapshot(invoice) -> dict:
    """The requisites an invoice is issued with, from the live rows."""
    org = invoice.organisation
    return {
        "supplier": _pick(org, SUPPLIER),
        "account": _pick(org.primary_account, ACCOUNT),
        "buyer": _pick(invoice.client, BUYER),
        "contract": _pick(invoice.contract, CONTRACT),
    }


def canonical(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def freeze(invoice) -> None:
    """Record the invoice's requisites now (at issue). The same set is stored once; two workers issuing
    with the same new set at once both insert with ON CONFLICT DO NOTHING and read the one row."""
    from debitor.invoices.models import RequisiteSet

    data = snapshot(invoice)
    key = hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()
    found = db.session.scalar(sa.select(RequisiteSet.id).where(RequisiteSet.sha256 == key))
    if found is None:
        insert_or_ignore(RequisiteSet, sha256=key, data=data, created_at=utcnow())
        found = db.session.scalar(sa.select(RequisiteSet.id).where(RequisiteSet.sha256 == key))
    invoice.requisites_id = found


def _namespace(data: dict | None, dates: tuple[str, ...] = ()) -> SimpleNamespace | None:
    if data is None:
        return None
    values = dict(data)
    for name in dates:
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return SimpleNamespace(**values)


def parties(invoice) -> Parties:
    """The requisites a document of ``invoice`` prints: those frozen at issue; a draft (or an invoice
    issued before requisites were kept) shows the live ones."""
    data = invoice.requisite_set.data if invoice.requisites_id is not None else snapshot(invoice)
    return Parties(
        org=_namespace(data["supplier"]),
        account=_namespace(data["account"]),
        client=_namespace(data["buyer"]),
        contract=_namespace(data["contract"], dates=("signed_on",)),
    )
