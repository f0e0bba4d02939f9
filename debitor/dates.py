"""Business dates live in the company's time zone; timestamps are UTC."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from debitor.db import utcnow


def company_tz() -> ZoneInfo:
    name = current_app.config["COMPANY_TIMEZONE"] if has_app_context() else "Europe/Moscow"
    return ZoneInfo(name)


def today() -> date:
    return utcnow().astimezone(company_tz()).date()


def local(dt: datetime) -> datetime:
    return dt.astimezone(company_tz())
