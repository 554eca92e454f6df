"""Rent against reserve computed in whole cents: the database's rounding and sums are exact
(SQLite keeps amounts as floats), and the vectorised premium equals premium_pct."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leasing.reports import Cents, _amounts, _premium_hundredths, _sum_cents, premium_pct
from stations.models import Unit
from tests.stations.factories import StationFactory, level, unit

CENTS = st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1)  # MONEY's 14 digits


@given(awarded=st.lists(CENTS, min_size=1, max_size=20), reserve=st.lists(CENTS, max_size=20))
def test_the_vectorised_premium_is_premium_pct_in_hundredths(awarded, reserve):
    reserve = (reserve + [0] * len(awarded))[: len(awarded)]
    expected = [
        premium_pct(Decimal(a) / 100, Decimal(r) / 100)
        for a, r in zip(awarded, reserve, strict=True)
    ]
    got = [None if h is None else Decimal(h) / 100 for h in _premium_hundredths(awarded, reserve)]
    assert got == expected


def test_amounts_have_two_places_and_keep_gaps():
    assert [str(a) for a in _amounts([12345, 0, -50])] == ["123.45", "0.00", "-0.50"]
    assert _amounts([100, None]) == [Decimal("1.00"), None]


@pytest.mark.django_db
def test_the_database_gives_exact_cents_and_sums_them_exactly():
    """Areas such as 0.29 m² are floats in SQLite; their cents and sum are still exact."""
    lv = level(StationFactory(), width=400, depth=20)
    for n, size in enumerate(["0.54", "1.05", "1.3", "2.1", "0.71", "3.33", "1.7"]):
        unit(lv, f"U{n}", n * 5, 0, float(size))
    areas = list(Unit.objects.values_list("area_m2", flat=True))
    assert any(a != a.quantize(Decimal("1")) for a in areas)
    cents = sorted(Unit.objects.annotate(c=Cents("area_m2")).values_list("c", flat=True))
    assert cents == sorted(int(a * 100) for a in areas)
    total = Unit.objects.aggregate(total=_sum_cents("area_m2"))["total"]
    assert isinstance(total, int) and total == int(sum(areas) * 100)
