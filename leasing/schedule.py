"""The rent schedule's arithmetic: lease years, escalation, instalments, turnover settlement.

Pure functions on dates and Decimals, so that every rule can be tested with known answers.

- Lease year n runs from the start plus 12(n−1) months to the start plus 12n months (or the
  lease's end). Its annual rent is the previous year's × (1 + escalation %), to the cent,
  half up; year 1's is the lease's annual rent (or the minimum guarantee when that is higher:
  the guarantee is what is paid in advance).
- Rent is due from the end of the rent-free fit-out months; instalments follow the payment
  frequency within each lease year, each due on its first day, for rent in advance.
- A year's payable rent is its annual rent × its payable months ÷ 12, a part month counting
  its days ÷ the month's days, to the cent; its instalments share it by length, the cents
  of rounding going to the largest remainders, so that they add up to exactly the year's
  rent and none is negative.
- Turnover rent for a lease year is its rate × the year's reported turnover; the year is
  settled at the greater of that and what the schedule already asked, the difference being
  a settlement instalment.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
SETTLEMENT_DAYS = 30  # a year's turnover settlement is due this many days after it ends


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: dt.date, end: dt.date) -> Decimal:
    """[start, end) in months: whole months from ``start``, then the rest as days ÷ the days
    of the month it falls in."""
    whole = 0
    while add_months(start, whole + 1) <= end:
        whole += 1
    rest_from = add_months(start, whole)
    rest_days = (end - rest_from).days
    if rest_days == 0:
        return Decimal(whole)
    month_days = (add_months(rest_from, 1) - rest_from).days
    return Decimal(whole) + Decimal(rest_days) / Decimal(month_days)


@dataclass(frozen=True)
class LeaseYear:
    number: int
    start: dt.date
    end: dt.date  # exclusive


def lease_years(start: dt.date, end: dt.date) -> list[LeaseYear]:
    years, n = [], 1
    while True:
        year_start = add_months(start, 12 * (n - 1))
        if year_start >= end:
            return years
        years.append(LeaseYear(n, year_start, min(add_months(start, 12 * n), end)))
        n += 1


def annual_rent(first_year: Decimal, escalation_pct: Decimal, year: int) -> Decimal:
    """Year ``year``'s annual rent: each year the previous one's × (1 + escalation %)."""
    rent = cents(first_year)
    for _ in range(year - 1):
        rent = cents(rent * (1 + escalation_pct / 100))
    return rent


def share_in_cents(annual: Decimal, months: list[Decimal]) -> list[Decimal]:
    """``annual`` × each period's months ÷ 12, in cents that add up to exactly the rounded
    total: each share is rounded down, and the cents left go one each to the shares that
    lost the most (the earlier first) — the largest-remainder method, never negative."""
    exact = [annual * m / 12 for m in months]
    total = cents(sum(exact, Decimal("0")))
    floors = [share.quantize(CENT, rounding=ROUND_DOWN) for share in exact]
    left = int((total - sum(floors, Decimal("0"))) / CENT)
    by_loss = sorted(range(len(exact)), key=lambda i: (floors[i] - exact[i], i))
    for i in by_loss[:left]:
        floors[i] += CENT
    return floors


@dataclass(frozen=True)
class Due:
    """One instalment of the schedule."""

    lease_year: int
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    amount: Decimal


def rent_schedule(
    *,
    start: dt.date,
    end: dt.date,
    first_year_rent: Decimal,
    escalation_pct: Decimal = Decimal("0"),
    rent_free_months: int = 0,
    frequency_months: int = 3,
) -> list[Due]:
    """Every rent instalment of a lease, in order."""
    rent_from = min(add_months(start, rent_free_months), end)
    schedule: list[Due] = []
    for year in lease_years(start, end):
        payable_from = max(year.start, rent_from)
        if payable_from >= year.end:
            continue
        rent = annual_rent(first_year_rent, escalation_pct, year.number)
        periods, k = [], 0
        while (period_start := add_months(payable_from, k * frequency_months)) < year.end:
            # Counted from one anchor, so that the 31st does not drift to the 28th.
            period_end = min(add_months(payable_from, (k + 1) * frequency_months), year.end)
            length = months_between(payable_from, period_end) - k * frequency_months
            periods.append((period_start, period_end, length))
            k += 1
        amounts = share_in_cents(rent, [months for _s, _e, months in periods])
        schedule.extend(
            Due(year.number, s, e, s, amount)
            for (s, e, _m), amount in zip(periods, amounts, strict=True)
        )
    return schedule


def turnover_settlement(*, turnover: Decimal, rate_pct: Decimal, scheduled: Decimal) -> Decimal:
    """What a lease year's turnover adds to the rent already scheduled for it (≥ 0): the
    turnover rent, when greater than the schedule (the guarantee or the fixed rent)."""
    return max(cents(turnover * rate_pct / 100) - scheduled, Decimal("0.00"))
