"""Our organisation (the supplier), its bank accounts and the dated VAT rate table."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from debitor.db import CreatedMixin, IdMixin, db, enum_column


class VatMode(enum.StrEnum):
    STANDARD = "standard"  # rate from the dated table
    NONE = "none"  # "Без НДС" (simplified tax system)


class Organisation(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "organisations"
    name: Mapped[str] = mapped_column(sa.String(300))
    short_name: Mapped[str] = mapped_column(sa.String(160))
    inn: Mapped[str] = mapped_column(sa.String(12), unique=True)
    kpp: Mapped[str | None] = mapped_column(sa.String(9))
    ogrn: Mapped[str | None] = mapped_column(sa.String(15))
    legal_address: Mapped[str] = mapped_column(sa.Text, default="")
    director_name: Mapped[str] = mapped_column(sa.String(200), default="")
    accountant_name: Mapped[str] = mapped_column(sa.String(200), default="")
    vat_mode: Mapped[VatMode] = mapped_column(enum_column(VatMode), default=VatMode.STANDARD)
    currency: Mapped[str] = mapped_column(sa.String(3), default="RUB")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Moscow")
    bank_accounts: Mapped[list[BankAccount]] = relationship(
        back_populates="organisation", order_by="BankAccount.id", cascade="all, delete-orphan"
    )

    @property
    def primary_account(self) -> BankAccount | None:
        return next((a for a in self.bank_accounts if a.is_primary), None) or next(iter(self.bank_accounts), None)


class BankAccount(IdMixin, db.Model):
    __tablename__ = "bank_accounts"
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    bank_name: Mapped[str] = mapped_column(sa.String(200))
    bik: Mapped[str] = mapped_column(sa.String(9))
    corr_account: Mapped[str] = mapped_column(sa.String(20))
    account: Mapped[str] = mapped_column(sa.String(20), unique=True)
    is_primary: Mapped[bool] = mapped_column(default=False)
    organisation: Mapped[Organisation] = relationship(back_populates="bank_accounts")


class VatRate(IdMixin, db.Model):
    """Standard VAT rate valid from a date (until the next row's date)."""

    __tablename__ = "vat_rates"
    valid_from: Mapped[date] = mapped_column(sa.Date, unique=True)
    rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
