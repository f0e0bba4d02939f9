"""Business days everywhere: each request and job counts "overdue" by the production calendar with the
administrator's exceptions, as the collection does; an exception saved (in any process) counts from the
next request on, and in the rest of the request that saved it."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from debitor.business_days import BusinessDays
from debitor.collection.services import set_calendar_exception
from debitor.db import db
from debitor.invoices import rules
from debitor.invoices.models import Invoice, overdue_sql
from jobs import tasks
from tests import factories as f

DUE = date(2026, 3, 10)  # a Tuesday


@pytest.fixture
def working_days(app, monkeypatch):
    monkeypatch.setitem(app.config, "BUSINESS_DAYS", True)


@pytest.fixture
def inv(app):
    org = f.organisation()
    invoice = f.issued(org, f.client(org), on=date(2026, 2, 28))
    assert invoice.due_on == DUE
    db.session.commit()
    return invoice


def overdue_on(day: date) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Invoice).where(overdue_sql(day)))


def test_overdue_counts_working_days_with_the_exceptions(app, working_days, inv):
    assert isinstance(rules.calendar(), BusinessDays)
    assert inv.days_overdue(date(2026, 3, 11)) == 1  # a working Tuesday: late from Wednesday
    set_calendar_exception(DUE, False, "день компании")
    db.session.commit()
    assert (inv.days_overdue(date(2026, 3, 11)), overdue_on(date(2026, 3, 11))) == (0, 0)  # the term ends on the 11th
    assert (inv.days_overdue(date(2026, 3, 12)), overdue_on(date(2026, 3, 12))) == (1, 1)
    set_calendar_exception(DUE, None)  # back to the production calendar
    db.session.commit()
    assert (inv.days_overdue(date(2026, 3, 11)), overdue_on(date(2026, 3, 11))) == (1, 1)


def test_a_holiday_moves_overdue_in_the_sql_and_the_python_alike(app, working_days):
    org = f.organisation()
    may = f.issued(org, f.client(org), on=date(2026, 4, 21))  # due Friday 1 May 2026, a public holiday
    db.session.commit()
    assert may.due_on == date(2026, 5, 1)
    # the term ends on Monday the 4th (the weekend follows the holiday): overdue from the 5th
    assert [may.days_overdue(date(2026, 5, d)) for d in (2, 4, 5, 6)] == [0, 0, 1, 2]
    assert [overdue_on(date(2026, 5, d)) for d in (2, 4, 5)] == [0, 0, 1]


def test_a_request_and_a_job_count_by_it(app, working_days, inv, client, monkeypatch):
    set_calendar_exception(DUE, False)
    db.session.commit()
    seen = []
    monkeypatch.setattr("jobs.outbox.due_message_ids", lambda: seen.append(rules.calendar()) or [])
    tasks.sweep_outbox()
    monkeypatch.setitem(app.view_functions, "common.health", lambda: str(rules.calendar().is_working_day(DUE)))
    assert client.get("/healthz").get_data(as_text=True) == "False"
    assert not seen[0].is_working_day(DUE)


def test_off_the_plain_calendar_stays(app, inv):
    assert not isinstance(rules.calendar(), BusinessDays)
    assert inv.days_overdue(date(2026, 3, 11)) == 1
