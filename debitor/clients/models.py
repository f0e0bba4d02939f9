"""Clients (advertisers and agencies), the extra INNs they pay from, and billing contacts."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from debitor.db import KOPECKS, CreatedMixin, IdMixin, db


def fold(text: str) -> str:
    """Case- and ё-insensitive form used for search."""
    return text.casefold().replace("ё", "е")


class Client(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "clients"
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    legal_name: Mapped[str] = mapped_column(sa.String(300))
    short_name: Mapped[str] = mapped_column(sa.String(160), index=True)
    inn: Mapped[str] = mapped_column(sa.String(12), unique=True)
    kpp: Mapped[str | None] = mapped_column(sa.String(9))
    ogrn: Mapped[str | None] = mapped_column(sa.String(15))
    legal_address: Mapped[str] = mapped_column(sa.Text, default="")
    postal_address: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(5), default="ru")
    payment_terms_days: Mapped[int] = mapped_column(default=10)
    credit_limit_kopecks: Mapped[int] = mapped_column(KOPECKS, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3), default="RUB")
    account_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    # collection: the policy that reminds this client (none: the default one), or a hold that stops it
    collection_policy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("collection_policies.id"))
    collection_hold: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    collection_hold_reason: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    # names and INNs folded for search (SQLite cannot lower-case Cyrillic); kept by the services
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    account_manager = relationship("StaffUser")
    parent: Mapped[Client | None] = relationship(remote_side="Client.id", back_populates="children")
    children: Mapped[list[Client]] = relationship(back_populates="parent", order_by="Client.short_name")
    extra_inns: Mapped[list[ClientInn]] = relationship(back_populates="client", cascade="all, delete-orphan")
    contacts: Mapped[list[BillingContact]] = relationship(back_populates="client", cascade="all, delete-orphan")
    portal_users = relationship("PortalUser", back_populates="client")

    __table_args__ = (
        sa.CheckConstraint("payment_terms_days >= 0 AND payment_terms_days <= 365", name="terms_range"),
        sa.CheckConstraint("credit_limit_kopecks >= 0", name="credit_limit_nonneg"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        sa.Index(
            "ix_clients_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    def refresh_search_text(self) -> None:
        parts = [self.short_name, self.legal_name, self.inn, *(x.inn for x in self.extra_inns)]
        self.search_text = fold(" ".join(p for p in parts if p))

    @property
    def all_inns(self) -> list[str]:
        return [self.inn, *(x.inn for x in self.extra_inns)]


class ClientInn(IdMixin, db.Model):
    """Another legal entity the client pays from; used to recognise its bank payments."""

    __tablename__ = "client_inns"
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    inn: Mapped[str] = mapped_column(sa.String(12), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300), default="")
    client: Mapped[Client] = relationship(back_populates="extra_inns")


class BillingContact(IdMixin, db.Model):
    __tablename__ = "billing_contacts"
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    receives_invoices: Mapped[bool] = mapped_column(default=True)
    client: Mapped[Client] = relationship(back_populates="contacts")
    __table_args__ = (sa.UniqueConstraint("client_id", "email"),)
