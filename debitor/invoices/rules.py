"""What an invoice owes, defined once: open, overdue and outstanding, on plain values.

``debitor.invoices.models`` builds the invoice's properties and the SQL expressions for many invoices
(``open_sql``, ``overdue_sql``, ``outstanding_sql``) from these, so the home pages, the staff table, the
portal and the exports all count the same invoices.

- **open**: an invoice (never a credit note, which lowers the debt itself) that is issued or partly paid;
- **outstanding**: what the client still owes on an open invoice: its total less what is paid and what
  credit notes took off (``credited_kopecks``); nothing on anything else;
- **overdue**: open, and the calendar says the due date has passed. Today the calendar counts calendar days
  (overdue from the day after the due date); a business-day calendar is one ``set_calendar`` away and both
  the Python and the SQL side follow it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

INVOICE = "invoice"
OPEN_STATE_VALUES = ("issued", "partially_paid")


class Calendar:
    """When an invoice becomes overdue. ``overdue_since`` and ``latest_overdue_due`` are inverses of each other:
    an invoice due on ``d`` is at least ``days`` days overdue on ``today`` exactly when
    ``d <= latest_overdue_due(today, days)`` (what the SQL side compares with)."""

    def overdue_since(self, due_on: date) -> date:
        """The first day an invoice due on ``due_on`` is overdue."""
        return due_on + timedelta(days=1)

    def latest_overdue_due(self, today: date, days: int = 1) -> date:
        """The latest due date that is at least ``days`` days overdue on ``today``."""
        return today - timedelta(days=days)

    def days_overdue(self, due_on: date, today: date) -> int:
        """How many days late: 0 before ``overdue_since``, then days since the due date."""
        if today < self.overdue_since(due_on):
            return 0
        return max((today - due_on).days, 0)


CALENDAR = Calendar()
# Where the app's calendar comes from (the production calendar with the admin's exceptions, read once per
# request or job): ``calendar_source()`` gives it, or None for ``CALENDAR``
_source: Callable[[], Calendar | None] | None = None


def set_calendar(calendar: Calendar) -> Calendar:
    """Use another calendar (business days, holidays) where the source gives none; returns the one it
    replaces."""
    global CALENDAR
    previous, CALENDAR = CALENDAR, calendar
    return previous


def set_calendar_source(source: Callable[[], Calendar | None]) -> None:
    global _source
    _source = source


def calendar() -> Calendar:
    return (_source and _source()) or CALENDAR


def is_open(kind: str, state: str) -> bool:
    return kind == INVOICE and state in OPEN_STATE_VALUES


def outstanding(kind: str, state: str, total: int, paid: int, credited: int = 0) -> int:
    if not is_open(kind, state):
        return 0
    return max(total - paid - credited, 0)


def overdue_since(due_on: date | None) -> date | None:
    return None if due_on is None else calendar().overdue_since(due_on)


def days_overdue(kind: str, state: str, due_on: date | None, today: date) -> int:
    if due_on is None or not is_open(kind, state):
        return 0
    return calendar().days_overdue(due_on, today)


def is_overdue(kind: str, state: str, due_on: date | None, today: date) -> bool:
    return days_overdue(kind, state, due_on, today) > 0
