"""Penalties, worked by hand: per day on the balance unpaid that day, a payment lowering the base from the
next day, a cap, statutory interest by the key rate in force and the length of each year, a due date on a
day off, and terms refused with the field named."""

from datetime import date
from decimal import Decimal

import pytest

from debitor.business_days import BusinessDays
from debitor.collection.penalties import PenaltyTerms, accrue
from debitor.errors import DomainError
from debitor.invoices.rules import Calendar

RU = BusinessDays()
CONTRACT = PenaltyTerms(percent_per_day=Decimal("0.1"))


def table(penalty):
    return [(r.start, r.end, r.days, r.base_kopecks, r.amount_kopecks) for r in penalty.rows]


def test_contractual_penalty_with_two_partial_payments(app):
    # 100 000,00 due Tuesday 10 March 2026; 30 000,00 paid on 20 March, 50 000,00 on 1 April; as of 10 April
    payments = [(date(2026, 3, 20), 30_000_00), (date(2026, 4, 1), 50_000_00)]
    p = accrue(100_000_00, date(2026, 3, 10), date(2026, 4, 10), CONTRACT, calendar=RU, payments=payments)
    assert table(p) == [
        (date(2026, 3, 11), date(2026, 3, 20), 10, 100_000_00, 1_000_00),  # 100 000 × 0.1 % × 10
        (date(2026, 3, 21), date(2026, 4, 1), 12, 70_000_00, 840_00),  # 70 000 × 0.1 % × 12
        (date(2026, 4, 2), date(2026, 4, 10), 9, 20_000_00, 180_00),  # 20 000 × 0.1 % × 9
    ]
    assert (p.accrued_kopecks, p.total_kopecks, p.capped) == (2_020_00, 2_020_00, False)
    capped = accrue(100_000_00, date(2026, 3, 10), date(2026, 4, 10), PenaltyTerms(Decimal("0.1"), Decimal(2)),
                    calendar=RU, payments=payments)  # fmt: skip
    assert (capped.accrued_kopecks, capped.cap_kopecks, capped.total_kopecks, capped.capped) == (
        2_020_00, 2_000_00, 2_000_00, True)  # fmt: skip


def test_paid_in_full_stops_and_paid_before_the_term_lowers_the_base(app):
    paid = accrue(10_000_00, date(2026, 3, 10), date(2026, 4, 30), CONTRACT, calendar=RU,
                  payments=[(date(2026, 3, 9), 4_000_00), (date(2026, 3, 15), 6_000_00)])  # fmt: skip
    # 6 000,00 unpaid from 11 March up to and including the day it was paid, 15 March: 5 days; nothing after
    assert table(paid) == [(date(2026, 3, 11), date(2026, 3, 15), 5, 6_000_00, 30_00)]
    early = accrue(10_000_00, date(2026, 3, 10), date(2026, 3, 10), CONTRACT, calendar=RU)
    assert (early.rows, early.total_kopecks) == ((), 0)


def test_a_due_date_on_a_day_off_starts_the_penalty_later(app):
    # Saturday 14 March 2026: the term ends on Monday the 16th, the penalty runs from Tuesday the 17th
    p = accrue(10_000_00, date(2026, 3, 14), date(2026, 3, 20), CONTRACT, calendar=RU)
    assert table(p) == [(date(2026, 3, 17), date(2026, 3, 20), 4, 10_000_00, 40_00)]


def test_statutory_interest_follows_the_key_rate_and_the_year(app):
    rates = [(date(2026, 1, 5), Decimal(16)), (date(2025, 10, 27), Decimal("16.5"))]  # in any order
    p = accrue(100_000_00, date(2025, 12, 26), date(2026, 1, 10), PenaltyTerms(), calendar=RU,
               payments=[(date(2026, 1, 7), 40_000_00)], key_rates=rates)  # fmt: skip
    assert table(p) == [
        (date(2025, 12, 27), date(2025, 12, 31), 5, 100_000_00, 226_03),  # 100 000 × 16.5 % × 5 / 365 = 226.027
        (date(2026, 1, 1), date(2026, 1, 4), 4, 100_000_00, 180_82),  # × 4 / 365 = 180.822
        (date(2026, 1, 5), date(2026, 1, 7), 3, 100_000_00, 131_51),  # 16 % × 3 / 365 = 131.507
        (date(2026, 1, 8), date(2026, 1, 10), 3, 60_000_00, 78_90),  # 60 000 × 16 % × 3 / 365 = 78.904
    ]
    assert [r.percent for r in p.rows] == [Decimal("16.5"), Decimal("16.5"), Decimal(16), Decimal(16)]
    assert p.total_kopecks == 617_26
    leap = accrue(36_600_00, date(2027, 12, 29), date(2028, 1, 2), PenaltyTerms(), calendar=Calendar(),
                  key_rates=[(date(2027, 1, 1), Decimal(10))])  # fmt: skip
    assert [(r.days_in_year, r.amount_kopecks) for r in leap.rows] == [(365, 20_05), (366, 20_00)]


def test_a_day_without_a_key_rate_is_refused(app):
    with pytest.raises(DomainError) as refused:
        accrue(1_00, date(2026, 1, 10), date(2026, 2, 1), PenaltyTerms(), calendar=RU,
               key_rates=[(date(2026, 1, 20), Decimal(16))])  # fmt: skip
    assert refused.value.field == "key_rates" and "2026-01" in str(refused.value.message)


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"percent_per_day": Decimal(0)}, "percent_per_day"),
        ({"percent_per_day": Decimal("-0.1")}, "percent_per_day"),
        ({"percent_per_day": Decimal("5.01")}, "percent_per_day"),
        ({"percent_per_day": Decimal("NaN")}, "percent_per_day"),
        ({"percent_per_day": Decimal("Infinity")}, "percent_per_day"),
        ({"percent_per_day": 0.1}, "percent_per_day"),
        ({"percent_per_day": Decimal("0.1"), "cap_percent": Decimal(0)}, "cap_percent"),
        ({"percent_per_day": Decimal("0.1"), "cap_percent": Decimal("1e30")}, "cap_percent"),
    ],
)
def test_absurd_terms_are_refused_with_the_field(app, terms, field):
    with pytest.raises(DomainError) as refused:
        PenaltyTerms(**terms)
    assert refused.value.field == field


def test_no_debt_no_penalty(app):
    for debt in (0, -1_00):
        with pytest.raises(DomainError) as refused:
            accrue(debt, date(2026, 3, 10), date(2026, 4, 10), CONTRACT, calendar=RU)
        assert refused.value.field == "debt_kopecks"
