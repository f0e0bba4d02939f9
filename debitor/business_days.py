"""Working days in Russia, for due dates that fall on a day off (Civil Code art. 193).

When the last day of a term is a non-working day, the term ends on the next working day: an invoice due on
a Saturday, a public holiday or a transferred day off is not overdue until the next working day has passed.
Russia's production calendar moves days every year (holidays, days off transferred onto weekdays, working
Saturdays), so a weekday check is not enough. The calendar comes from the ``holidays`` package (its RU
calendar follows each year's government decree; keep the package current) and an exception list the
administrator keeps for what the package does not know yet or a company's own days: a date marked working
or non-working there wins over the package.

``BusinessDays`` is a ``debitor.invoices.rules.Calendar``: with it, "overdue" in Python and in SQL, step
dates and penalties all shift the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import holidays

from debitor.invoices.rules import Calendar

ONE_DAY = timedelta(days=1)
LOOKAHEAD = 60  # no run of non-working days in Russia is longer (the New Year holidays are 8–12 days)


class BusinessDays(Calendar):
    def __init__(self, exceptions: Mapping[date, bool] | None = None, country: str = "RU"):
        self._calendar = holidays.country_holidays(country)
        self._exceptions = dict(exceptions or {})

    def is_working_day(self, day: date) -> bool:
        if day in self._exceptions:
            return self._exceptions[day]
        return self._calendar.is_working_day(day)

    def holiday_name(self, day: date) -> str | None:
        """What the package calls a non-working day (``None`` for a plain weekend or a working day)."""
        return self._calendar.get(day)

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        for _ in range(LOOKAHEAD):
            if self.is_working_day(day):
                return day
            day += ONE_DAY
        raise ValueError(f"no working day within {LOOKAHEAD} days after {day - ONE_DAY * LOOKAHEAD}")

    def previous_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the last working day before it."""
        for _ in range(LOOKAHEAD):
            if self.is_working_day(day):
                return day
            day -= ONE_DAY
        raise ValueError(f"no working day within {LOOKAHEAD} days before {day + ONE_DAY * LOOKAHEAD}")

    def term_end(self, due_on: date) -> date:
        """The day a term that ends on ``due_on`` really ends (art. 193)."""
        return self.next_working_day(due_on)

    def overdue_since(self, due_on: date) -> date:
        return self.term_end(due_on) + ONE_DAY

    def latest_overdue_due(self, today: date, days: int = 1) -> date:
        # due dates shift forward only, so the latest due date whose term ended ``days`` days ago is the last
        # working day on or before that day: a day off after it shifts past it
        return self.previous_working_day(today - timedelta(days=days))

    def days_overdue(self, due_on: date, today: date) -> int:
        return max((today - self.term_end(due_on)).days, 0)
