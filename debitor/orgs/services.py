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
    rate = db.session.scalar(
        sa.select(VatRate.rate).where(VatRate.valid_from <= on).order_by(VatRate.valid_from.desc()).limit(1)
    )
    if rate is None:
        raise NoVatRate(f"no VAT rate is defined for {on.isoformat()}")
    return Decimal(rate)


def default_organisation() -> Organisation:
    org = db.session.scalar(sa.select(Organisation).order_by(Organisation.id).limit(1))
    if org is None:
        raise LookupError("no organisation is set up yet (run `flask demo load` or create one)")
    return org
