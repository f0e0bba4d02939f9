"""Due dates on days off move to the next working day (Civil Code art. 193), by Russia's production calendar:
public holidays, days off transferred onto weekdays, working Saturdays, and the administrator's exceptions."""

from datetime import date, timedelta

from debitor.business_days import BusinessDays
from debitor.invoices import rules
from debitor.invoices.models import overdue_sql
from tests.domain.test_invoice_rules import DUE, sql_ids
from tests.domain.test_invoice_rules import invoices as invoices  # noqa: F401 - the fixture

RU = BusinessDays()


def test_the_new_year_holidays_and_a_transferred_day_off():
    # 31 Dec 2025 is a day off transferred from 5 Jan; 1–8 Jan 2026 are the New Year holidays; 9 Jan 2026
    # (a Friday) is a day off transferred from Saturday 3 Jan; 10–11 Jan is a weekend
    assert not RU.is_working_day(date(2025, 12, 31))
    assert not RU.is_working_day(date(2026, 1, 9))
    assert RU.term_end(date(2025, 12, 31)) == date(2026, 1, 12)
    assert RU.overdue_since(date(2025, 12, 31)) == date(2026, 1, 13)
    assert RU.days_overdue(date(2025, 12, 31), date(2026, 1, 12)) == 0
    assert RU.days_overdue(date(2025, 12, 31), date(2026, 1, 13)) == 1


def test_a_working_saturday_ends_a_term_and_a_weekday_off_does_not():
    saturday = date(2025, 11, 1)  # worked, in exchange for Monday 3 November; 4 November is Unity Day
    assert saturday.weekday() == 5 and RU.is_working_day(saturday)
    assert RU.overdue_since(saturday) == date(2025, 11, 2)
    assert RU.term_end(date(2025, 11, 3)) == date(2025, 11, 5)
    assert RU.holiday_name(date(2025, 11, 4))  # a public holiday, named by the calendar
    plain_thursday = date(2026, 3, 12)
    assert RU.overdue_since(plain_thursday) == date(2026, 3, 13)
    assert RU.overdue_since(date(2026, 3, 14)) == date(2026, 3, 17)  # a Saturday: Monday ends the term


def test_the_administrators_exceptions_win():
    monday = date(2026, 3, 16)
    own = BusinessDays({monday: False, date(2026, 1, 9): True})
    assert own.term_end(date(2026, 3, 14)) == date(2026, 3, 17)
    assert own.is_working_day(date(2026, 1, 9))
    assert own.term_end(date(2026, 1, 8)) == date(2026, 1, 9)


def test_latest_overdue_due_is_the_inverse_of_days_overdue():
    start = date(2025, 12, 15)
    days = [start + timedelta(days=n) for n in range(60)]
    for today in days:
        for late in (1, 2, 5):
            limit = RU.latest_overdue_due(today, late)
            for due in days:
                assert (RU.days_overdue(due, today) >= late) is (due <= limit), (due, today, late)


def test_python_and_sql_agree_on_a_business_day_calendar(invoices):  # noqa: F811
    _client, docs = invoices
    plain = docs[0]
    previous = rules.set_calendar(BusinessDays({DUE: False}))  # Tuesday 10 March made a day off
    try:
        assert rules.overdue_since(DUE) == date(2026, 3, 12)  # the term ends on Wednesday the 11th
        for today, late in [(date(2026, 3, 11), False), (date(2026, 3, 12), True)]:
            assert plain.is_overdue(today) is late
            assert (plain.id in sql_ids(overdue_sql(today))) is late
        assert plain.days_overdue(date(2026, 3, 12)) == 1
    finally:
        rules.set_calendar(previous)
