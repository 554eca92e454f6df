"""The rent schedule's arithmetic on hand-made leases with known answers."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leasing.schedule import (
    add_months,
    annual_rent,
    lease_years,
    months_between,
    rent_schedule,
    share_in_cents,
    turnover_settlement,
)

D = Decimal
day = dt.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (day(2026, 1, 31), 1, day(2026, 2, 28)),
        (day(2028, 1, 31), 1, day(2028, 2, 29)),
        (day(2026, 5, 27), 12, day(2027, 5, 27)),
        (day(2026, 11, 15), 3, day(2027, 2, 15)),
    ],
)
def test_months_are_added_by_the_calendar(start, months, expected):
    assert add_months(start, months) == expected


def test_a_part_month_counts_its_days():
    assert months_between(day(2026, 1, 1), day(2026, 4, 1)) == 3
    assert months_between(day(2026, 1, 1), day(2026, 4, 16)) == D(3) + D(15) / D(30)


def test_lease_years_run_from_the_start_and_stop_at_the_end():
    years = lease_years(day(2026, 5, 27), day(2029, 1, 1))
    assert [(y.number, y.start, y.end) for y in years] == [
        (1, day(2026, 5, 27), day(2027, 5, 27)),
        (2, day(2027, 5, 27), day(2028, 5, 27)),
        (3, day(2028, 5, 27), day(2029, 1, 1)),
    ]


def test_escalation_compounds_year_on_year_to_the_cent():
    assert annual_rent(D("150000"), D("3"), 1) == D("150000.00")
    assert annual_rent(D("150000"), D("3"), 2) == D("154500.00")
    assert annual_rent(D("150000"), D("3"), 3) == D("159135.00")
    assert annual_rent(D("100000.01"), D("2.5"), 2) == D("102500.01")


def test_a_three_year_quarterly_schedule_with_escalation():
    dues = rent_schedule(
        start=day(2026, 6, 1), end=day(2029, 6, 1), first_year_rent=D("120000"),
        escalation_pct=D("5"), frequency_months=3,
    )  # fmt: skip
    assert len(dues) == 12
    assert dues[0].due_date == day(2026, 6, 1) and dues[0].amount == D("30000.00")
    assert [d.amount for d in dues[4:8]] == [D("31500.00")] * 4
    assert sum(d.amount for d in dues[8:]) == D("132300.00")


def test_rent_free_months_push_the_first_instalment_and_shorten_year_one():
    dues = rent_schedule(
        start=day(2026, 6, 1), end=day(2028, 6, 1), first_year_rent=D("120000"),
        rent_free_months=2, frequency_months=3,
    )  # fmt: skip
    assert dues[0].period_start == day(2026, 8, 1)
    assert dues[0].amount == D("30000.00")
    year_one = [d for d in dues if d.lease_year == 1]
    assert year_one[-1].period_end == day(2027, 6, 1)
    assert year_one[-1].amount == D("10000.00")  # one month left in the lease year
    assert sum(d.amount for d in year_one) == D("100000.00")


def test_a_part_month_at_the_end_is_paid_by_its_days_and_the_year_adds_up():
    dues = rent_schedule(
        start=day(2026, 1, 1), end=day(2026, 4, 16), first_year_rent=D("100000"),
        frequency_months=1,
    )  # fmt: skip
    # 100000 × 3.5 / 12 = 29166.67; the two cents of rounding go to the largest remainders.
    assert [d.amount for d in dues] == [D("8333.34"), D("8333.33"), D("8333.33"), D("4166.67")]
    assert sum(d.amount for d in dues) == D("29166.67")


@given(
    st.integers(min_value=1, max_value=120),
    st.integers(min_value=0, max_value=6),
    st.sampled_from([1, 3, 6, 12]),
    st.decimals(min_value=1, max_value=10_000_000, places=2),
)
def test_every_whole_year_adds_up_to_its_annual_rent(months, free, frequency, rent):
    start = day(2026, 3, 31)
    end = add_months(start, months)
    dues = rent_schedule(
        start=start, end=end, first_year_rent=rent, rent_free_months=free,
        frequency_months=frequency,
    )  # fmt: skip
    for year in lease_years(start, end):
        paid = sum(d.amount for d in dues if d.lease_year == year.number)
        whole = year.end == add_months(year.start, 12) and (year.number > 1 or free == 0)
        if whole:
            assert paid == annual_rent(rent, D("0"), year.number)
    assert all(d.amount >= 0 for d in dues)
    assert all(d.period_start < d.period_end for d in dues)


def test_shares_in_cents_add_up_and_go_to_the_largest_remainders():
    assert share_in_cents(D("100000"), [D(1)] * 12) == [D("8333.34")] * 4 + [D("8333.33")] * 8
    assert share_in_cents(D("1.26"), [D(1), D(1), D(1), D(1) / 31]) == [
        D("0.11"), D("0.11"), D("0.10"), D("0.00"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("turnover", "scheduled", "top_up"),
    [
        (D("1000000"), D("120000"), D("0.00")),  # 8% is 80,000: the guarantee stands
        (D("2000000"), D("120000"), D("40000.00")),  # 8% is 160,000
        (D("1500000"), D("120000"), D("0.00")),  # exactly the guarantee
        (D("1500000.13"), D("120000"), D("0.01")),
    ],
)
def test_turnover_rent_tops_up_the_schedule_only_when_greater(turnover, scheduled, top_up):
    assert turnover_settlement(turnover=turnover, rate_pct=D("8"), scheduled=scheduled) == top_up
