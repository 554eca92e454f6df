"""Matching units and demands: the reason for every criterion, the ranking, the query count."""

from decimal import Decimal

import pytest

from stations import services as station_services
from stations.models import Station
from tenders.matching import demands_for_unit, units_for_demand
from tests.stations.factories import StationFactory, cabinet, level, unit
from tests.tenders.factories import DemandFactory, MerchantFactory

pytestmark = pytest.mark.django_db


def available(level_obj, code, x, y, size=10.0, **fields):
    shop = unit(level_obj, code, x, y, size, **fields)
    return station_services.unit_change_status(actor=None, unit=shop, status="available")


def point(level_obj, kind, x, y):
    return station_services.utility_point_create(actor=None, level=level_obj, kind=kind, x=x, y=y)


@pytest.fixture
def css():
    station = StationFactory(code="CSS", tier=Station.Tier.PROVINCIAL_CAPITAL)
    lv = level(station)
    cabinet(lv, 190, 90, "500")
    return lv


@pytest.fixture
def yye():
    station = StationFactory(code="YYE", tier=Station.Tier.PREFECTURE)
    lv = level(station)
    cabinet(lv, 190, 90, "500")
    return lv


def test_a_unit_that_meets_every_criterion_fits_with_a_reason_for_each(css):
    shop = available(css, "A1", 0, 0, 7.0, power_kw="20", business_types=["coffee"])  # 49 m²
    point(css, "water", 1, 1)
    point(css, "drainage", 2, 2)
    point(css, "floor_socket", 3, 3)
    demand = DemandFactory(
        stations=[css.station],
        power_kw=Decimal("15"),
        floor_sockets=1,
        needs_water=True,
        needs_drainage=True,
    )

    [match] = units_for_demand(demand)

    assert match.counterpart == shop
    assert match.fits
    assert match.reasons == [
        "✓ unit CSS-A1 is available",
        "✓ station CSS is preferred",
        "✓ area 49.00 m² is within the 40.00–60.00 m² wanted",
        "✓ 咖啡 is designated on the unit",
        "✓ power 20.00 kW ≥ 15.00 kW needed",
        "✓ 1 floor sockets ≥ 1 needed",
        "✓ water supply needed and provided",
        "✓ drainage needed and provided",
    ]


def test_every_misfit_is_named_with_by_how_much(css):
    shop = available(css, "B1", 0, 0, 5.0, power_kw="5", business_types=["bookstore"])  # 25 m²
    demand = DemandFactory(
        power_kw=Decimal("15"),
        floor_sockets=2,
        needs_water=True,
        needs_drainage=True,
        needs_exhaust=True,
    )

    [match] = demands_for_unit(shop)

    assert match.counterpart == demand
    assert not match.fits
    assert match.failed == [
        "area",
        "business_type",
        "power",
        "floor_sockets",
        "water",
        "drainage",
        "exhaust",
    ]
    assert match.reasons == [
        "✓ unit CSS-B1 is available",
        "✓ no station preferred: CSS will do",
        "✗ area 25.00 m² is 15.00 m² below the 40.00–60.00 m² wanted",
        "✗ 咖啡 is not designated on the unit (designated: 书刊)",
        "✗ power 5.00 kW < 15.00 kW needed (short by 10.00 kW)",
        "✗ 0 floor sockets < 2 needed",
        "✗ water supply needed but the unit has no water point",
        "✗ drainage needed but the unit has no drainage point",
        "✗ exhaust needed but the unit has none",
    ]


def test_a_unit_too_large_says_by_how_much_and_a_class_designation_allows_its_types(css):
    shop = available(css, "C1", 0, 0, 9.0, business_types=["catering"])  # 81 m²
    demand = DemandFactory()

    [match] = demands_for_unit(shop)

    assert match.demand == demand
    assert "✗ area 81.00 m² is 21.00 m² above the 40.00–60.00 m² wanted" in match.reasons
    assert "✓ the unit is designated for the class 餐饮, which includes 咖啡" in match.reasons


def test_a_unit_with_no_designation_is_open_to_any_type(css):
    shop = available(css, "D1", 0, 0, 7.0)
    DemandFactory()

    [match] = demands_for_unit(shop)

    assert "✓ the unit has no designated business type: 咖啡 is allowed" in match.reasons
    assert match.fits


def test_a_unit_not_available_is_a_misfit_for_every_demand(css):
    shop = unit(css, "P1", 0, 0, 7.0)
    DemandFactory()

    [match] = demands_for_unit(shop)

    assert match.reasons[0] == "✗ unit CSS-P1 is not available (Planned)"
    assert match.failed == ["status"]


def test_units_for_a_demand_are_the_available_ones_in_its_stations(css, yye):
    wanted = available(css, "A1", 0, 0, 7.0)
    unit(css, "A2", 20, 0, 7.0)  # planned: not offered
    available(yye, "B1", 0, 0, 7.0)  # another station
    demand = DemandFactory(stations=[css.station])

    assert [m.unit for m in units_for_demand(demand)] == [wanted]


def test_units_for_a_demand_by_tier_when_no_station_is_named(css, yye):
    available(css, "A1", 0, 0, 7.0)
    prefecture = available(yye, "B1", 0, 0, 7.0)
    demand = DemandFactory(tiers=[Station.Tier.PREFECTURE])

    [match] = units_for_demand(demand)

    assert match.unit == prefecture
    assert "✓ station YYE is of a preferred tier (Prefecture-level city)" in match.reasons


def test_units_for_a_demand_anywhere_when_nothing_is_preferred(css, yye):
    a = available(css, "A1", 0, 0, 7.0)
    b = available(yye, "B1", 0, 0, 7.0)

    assert {m.unit for m in units_for_demand(DemandFactory())} == {a, b}


def test_demands_for_a_unit_leave_out_other_stations_other_tiers_and_withdrawn(css, yye):
    shop = available(css, "A1", 0, 0, 7.0)
    here = DemandFactory(stations=[css.station, yye.station])
    by_tier = DemandFactory(tiers=[Station.Tier.PROVINCIAL_CAPITAL])
    anywhere = DemandFactory()
    DemandFactory(stations=[yye.station])
    DemandFactory(tiers=[Station.Tier.COUNTY])
    DemandFactory(is_active=False)

    found = {m.demand for m in demands_for_unit(shop)}

    assert found == {here, by_tier, anywhere}


def test_fits_rank_first_then_the_area_closest_to_the_middle(css):
    near = available(css, "N1", 0, 0, 7.0)  # 49 m², 1 from the middle of 40–60
    far = available(css, "F1", 20, 0, 6.5)  # 42.25 m², 7.75 from the middle
    big = available(css, "G1", 40, 0, 8.0)  # 64 m²: a misfit, though only 14 from the middle
    tiny = available(css, "T1", 60, 0, 3.0)  # 9 m²: a misfit far from the middle
    demand = DemandFactory(stations=[css.station])

    matches = units_for_demand(demand)

    assert [m.unit for m in matches] == [near, far, big, tiny]
    assert [m.fits for m in matches] == [True, True, False, False]
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert scores[1] > 1 > scores[2]


def test_demands_for_a_unit_rank_fits_first(css):
    shop = available(css, "A1", 0, 0, 7.0, power_kw="10")  # 49 m²
    misfit = DemandFactory(power_kw=Decimal("30"))
    loose = DemandFactory(area_min_m2=Decimal("20"), area_max_m2=Decimal("100"))
    tight = DemandFactory(area_min_m2=Decimal("45"), area_max_m2=Decimal("55"))

    assert [m.demand for m in demands_for_unit(shop)] == [tight, loose, misfit]


def test_matching_runs_a_fixed_number_of_queries(css, yye, django_assert_max_num_queries):
    for i in range(12):
        shop = available(css, f"A{i}", i * 12, 0, 7.0, business_types=["coffee"])
        available(yye, f"B{i}", i * 12, 0, 7.0, business_types=["bookstore"])
        point(css, "water", i * 12 + 1, 1)
    merchant = MerchantFactory()
    for i in range(15):
        DemandFactory(
            merchant=merchant,
            stations=[css.station] if i % 2 else [],
            tiers=["county"] if i % 3 == 0 else [],
        )
    demand = DemandFactory(stations=[css.station, yye.station], needs_water=True)

    with django_assert_max_num_queries(5):
        assert len(units_for_demand(demand)) == 24
    with django_assert_max_num_queries(5):
        # 7 naming CSS, 5 naming nothing and no county tier, and the one naming both stations
        assert len(demands_for_unit(shop)) == 13
