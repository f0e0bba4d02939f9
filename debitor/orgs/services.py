"""Organisation services: VAT rate by date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from debitor.db import db
from debitor.orgs.models import Organisation, VatMode, VatRate


class NoVatRate(LookupError):
    pass


def vat_rate_on(on: date, organisation: Organisation | None = None) -> Decimal:
    """The VAT rate (percent) that applies on a date: 0 for "без НДС", else the dated table."""
    if organisation is not None and organisation.vat_mode == VatMode.NONE:
        return Decimal(0)
    for valid_from, rate in _rate_table():
        if valid_from <= on:
            return Decimal(rate)
    raise NoVatRate(f"no VAT rate is defined for {on.isoformat()}")


def _rate_table() -> list[tuple[date, Decimal]]:
    """The dated rates, newest first; read once per session (unit of work), not per line."""
    if "vat_rates" not in db.session.info:
        with db.session.no_autoflush:
            rows = db.session.execute(sa.select(VatRate.valid_from, VatRate.rate).order_by(VatRate.valid_from.desc()))
            db.session.info["vat_rates"] = [tuple(r) for r in rows]
    return db.session.info["vat_rates"]


def default_organisation() -> Organisation:
    org = db.session.scalar(sa.select(Organisation).order_by(Organisation.id).limit(1))
    if org is None:
        raise LookupError("no organisation is set up yet (run `flask demo load` or create one)")
    return org
