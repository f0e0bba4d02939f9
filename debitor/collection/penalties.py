"""Penalties on an overdue debt (пени), as a worked table a client and a court can check line by line.

Two kinds (../shared/formats/ru-documents.md, "Due dates, penalties and the pre-trial claim"):

- **contractual** (Civil Code art. 330): a percentage of the unpaid amount per day, as the contract says
  (0.1 % a day is common), optionally capped at a percentage of the debt;
- **statutory interest** (art. 395), where the contract sets none: the Bank of Russia key rate in force on
  each day, per day as rate / days in that year.

Counted per day from the day after the term ended (the due date, moved to the next working day by the
calendar, art. 193) up to and including the day of payment, on the balance unpaid that day: a payment
lowers the base from the next day. A new row starts wherever the base, the rate or the year's length
changes; each row's amount is rounded to kopecks (half up) and the total is their sum, capped.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

from debitor.errors import DomainError
from debitor.invoices.rules import Calendar

ONE_DAY = timedelta(days=1)
HUNDRED = Decimal(100)
MAX_DAILY_PERCENT = Decimal(5)  # 5 % a day is 1 825 % a year: anything above is a typing error, not a contract
MAX_CAP_PERCENT = Decimal(1000)


@dataclass(frozen=True)
class PenaltyTerms:
    """A contract's penalty clause: ``percent_per_day`` (contractual) or ``None`` for statutory interest."""

    percent_per_day: Decimal | None = None
    cap_percent: Decimal | None = None  # of the debt; None: no cap

    def __post_init__(self):
        for field, value, limit in (
            ("percent_per_day", self.percent_per_day, MAX_DAILY_PERCENT),
            ("cap_percent", self.cap_percent, MAX_CAP_PERCENT),
        ):
            if value is None:
                continue
            if not isinstance(value, Decimal) or not value.is_finite():
                raise DomainError(_l("Enter a number."), field)
            if value <= 0:
                raise DomainError(_l("The rate must be more than zero."), field)
            if value > limit:
                raise DomainError(_l("At most %(limit)s %%.", limit=limit), field)

    @property
    def statutory(self) -> bool:
        return self.percent_per_day is None


@dataclass(frozen=True)
class PenaltyRow:
    start: date
    end: date  # inclusive
    base_kopecks: int
    percent: Decimal  # per day (contractual) or per year (the key rate, statutory)
    days_in_year: int | None  # statutory only: the divisor of the yearly rate
    amount_kopecks: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Penalty:
    rows: tuple[PenaltyRow, ...]
    accrued_kopecks: int  # the rows' sum
    cap_kopecks: int | None
    total_kopecks: int  # what is owed: the sum, capped

    @property
    def capped(self) -> bool:
        return self.cap_kopecks is not None and self.accrued_kopecks > self.cap_kopecks


def _kopecks(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _rate_on(key_rates: Sequence[tuple[date, Decimal]], day: date) -> Decimal:
    rate = None
    for since, percent in key_rates:
        if since <= day:
            rate = percent
    if rate is None:
        raise DomainError(
            _l("No key rate is known for %(day)s: add it to the key-rate table.", day=day.isoformat()), "key_rates"
        )
    return rate


def accrue(
    debt_kopecks: int,
    due_on: date,
    as_of: date,
    terms: PenaltyTerms,
    *,
    calendar: Calendar,
    payments: Iterable[tuple[date, int]] = (),
    key_rates: Sequence[tuple[date, Decimal]] = (),
) -> Penalty:
    """The penalty on ``debt_kopecks`` due on ``due_on``, accrued up to and including ``as_of``.

    ``payments`` are (date, kopecks) that lowered the debt (payments, credit notes); ``key_rates`` are
    (in force from, percent a year) for statutory interest, in any order.
    """
    if debt_kopecks <= 0:
        raise DomainError(_l("A penalty needs a debt of more than zero."), "debt_kopecks")
    rates = sorted(key_rates)
    paid_on: dict[date, int] = {}
    for day, amount in payments:
        paid_on[day] = paid_on.get(day, 0) + amount
    first = calendar.overdue_since(due_on)
    base = debt_kopecks - sum(amount for day, amount in paid_on.items() if day < first)
    # the days where a row may change: the day after a payment, a new key rate, a new year
    breaks = {day + ONE_DAY for day in paid_on if day >= first}
    if terms.statutory:
        breaks |= {since for since, _ in rates}
        breaks |= {date(year, 1, 1) for year in range(first.year + 1, as_of.year + 1)}
    rows: list[PenaltyRow] = []
    start = first
    for stop in sorted(b for b in breaks if first < b <= as_of) + [as_of + ONE_DAY]:
        if start >= stop:
            continue
        if base <= 0:
            break
        end = stop - ONE_DAY
        days = (end - start).days + 1
        if terms.statutory:
            percent = _rate_on(rates, start)
            in_year = 366 if _calendar.isleap(start.year) else 365
            amount = _kopecks(Decimal(base) * percent * days / (HUNDRED * in_year))
        else:
            percent, in_year = terms.percent_per_day, None
            amount = _kopecks(Decimal(base) * percent * days / HUNDRED)
        rows.append(PenaltyRow(start, end, base, percent, in_year, amount))
        base -= sum(amount for day, amount in paid_on.items() if start <= day <= end)
        start = stop
    accrued = sum(row.amount_kopecks for row in rows)
    cap = None if terms.cap_percent is None else _kopecks(Decimal(debt_kopecks) * terms.cap_percent / HUNDRED)
    return Penalty(tuple(rows), accrued, cap, accrued if cap is None else min(accrued, cap))
