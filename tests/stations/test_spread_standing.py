"""Where a station stands against its spread limits (错位经营): the outlets counted per level
and in all, and the rules already broken by outlets let before a limit was set."""

import datetime as dt

import pytest
from django.utils import translation

from stations.spread import spread_standing
from tests.leasing.factories import direct_lease
from tests.stations.factories import StationFactory, level
from tests.stations.test_spread import coffee_unit, limit
from tests.tenders.factories import MerchantFactory
from tests.tenders.round_factories import add_lot, make_round

pytestmark = pytest.mark.django_db
START = dt.date(2026, 6, 1)


@pytest.fixture
def station():
    return StationFactory(code="CSN", name_zh="长沙南", name_en="Changsha South")


@pytest.fixture
def upper(station):
    return level(station, name="高架层", ordinal=1)


@pytest.fixture
def ground(station):
    return level(station, name="地面层", ordinal=0)


def test_a_station_without_limits_stands_nowhere(station, upper):
    direct_lease(MerchantFactory(), [coffee_unit(upper)], start=START)
    assert spread_standing(station=station) == []


def test_the_counts_per_level_and_in_the_station_within_the_limit(station, upper, ground):
    limit(station, per_level=2, per_station=3)
    add_lot(make_round(), units=[coffee_unit(upper)])
    direct_lease(MerchantFactory(), [coffee_unit(upper), coffee_unit(ground)], start=START)
    [standing] = spread_standing(station=station)
    assert standing.limit.business_type.code == "coffee"
    assert standing.per_level == (("地面层", 1), ("高架层", 2))
    assert standing.in_station == 2
    assert standing.faults == ()


def test_a_limit_set_after_the_outlets_were_let_names_what_is_over(station, upper):
    first = direct_lease(MerchantFactory(), [coffee_unit(upper)], start=START)
    second = direct_lease(MerchantFactory(), [coffee_unit(upper)], start=START)
    limit(station, per_level=1, per_station=1)
    codes = ", ".join(sorted(u.code for lease in (first, second) for u in lease.units.all()))
    with translation.override("en"):
        [standing] = spread_standing(station=station)
    assert standing.faults == (
        f"Changsha South takes at most 1 coffee outlets per level: level 高架层 has 2 "
        f"(units {codes}).",
        "Changsha South takes at most 1 coffee outlets in the station: it has 2 "
        f"(lease {first.code}; lease {second.code}).",
    )


def test_a_class_limit_counts_its_types_and_other_types_do_not(station, upper):
    direct_lease(MerchantFactory(), [coffee_unit(upper)], start=START)
    direct_lease(MerchantFactory(), [coffee_unit(upper, types=("fast-food",))], start=START)
    direct_lease(MerchantFactory(), [coffee_unit(upper, types=("bookstore",))], start=START)
    limit(station, code="catering", per_level=1)
    limit(station, code="bookstore", per_station=2)
    by_type = {s.limit.business_type.code: s for s in spread_standing(station=station)}
    assert by_type["catering"].in_station == 2 and len(by_type["catering"].faults) == 1
    assert by_type["bookstore"].in_station == 1 and by_type["bookstore"].faults == ()


def test_the_standing_asks_a_bounded_number_of_queries(
    station, upper, django_assert_max_num_queries
):
    for _n in range(6):
        direct_lease(MerchantFactory(), [coffee_unit(upper)], start=START)
    limit(station, per_level=5)
    with django_assert_max_num_queries(12):
        spread_standing(station=station)
