"""People who log in: staff users (with a role) and portal users (belonging to one client)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from debitor.db import CreatedMixin, IdMixin, UTCDateTime, db, enum_column


class Role(enum.StrEnum):
    CLERK = "clerk"
    ACCOUNT_MANAGER = "account_manager"
    MANAGER = "manager"
    ADMIN = "admin"


class _Person(IdMixin, CreatedMixin, UserMixin):
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="ru")
    is_active_flag: Mapped[bool] = mapped_column("is_active", default=True)
    session_epoch: Mapped[int] = mapped_column(default=0)  # bumped on password change: old sessions end
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    kind = ""

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_flag

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_epoch = (self.session_epoch or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.kind}:{self.id}:{self.session_epoch}"


class StaffUser(_Person, db.Model):
    __tablename__ = "staff_users"
    role: Mapped[Role] = mapped_column(enum_column(Role))
    kind = "staff"

    def has_role(self, *roles: Role) -> bool:
        return self.role == Role.ADMIN or self.role in roles


class PortalUser(_Person, db.Model):
    __tablename__ = "portal_users"
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    client = relationship("Client", back_populates="portal_users")
    kind = "client"
