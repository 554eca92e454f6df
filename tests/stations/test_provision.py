"""Provision checks: which business types a unit can host, and which units can host a type."""

from decimal import Decimal

import pytest

from stations import provision, services
from stations.models import BusinessCategory, Unit
from tests.stations.factories import cabinet, level, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def concourse():
    lv = level()
    cabinet(lv, 190, 90, "200")
    return lv


def point(lv, kind, x, y):
    return services.utility_point_create(actor=None, level=lv, kind=kind, x=x, y=y)


def test_catering_unit_with_water_drainage_power_and_exhaust_can_host_fast_food(concourse):
    shop = unit(concourse, "C1", 0, 0, power_kw="40", has_exhaust=True)
    point(concourse, "water", 2, 2)
    point(concourse, "drainage", 3, 3)
    point(concourse, "floor_socket", 4, 4)
    point(concourse, "floor_socket", 5, 5)

    fits = {f.category.code: f for f in provision.types_for_unit(shop)}

    assert fits["fast-food"].ok
    assert fits["coffee"].ok
    assert fits["convenience-store"].ok


def test_small_retail_unit_names_every_shortfall_for_fast_food(concourse):
    shop = unit(concourse, "R1", 20, 0, power_kw="5")

    fits = {f.category.code: f for f in provision.types_for_unit(shop)}

    assert fits["bookstore"].ok
    assert fits["fast-food"].reasons == [
        "power 5.00 kW < 30.00 kW needed",
        "no water supply point",
        "no drainage point",
        "no exhaust",
    ]
    # Fits come first in the list.
    ordered = provision.types_for_unit(shop)
    assert ordered[0].ok and not ordered[-1].ok


def test_points_outside_a_unit_do_not_count_for_it(concourse):
    shop = unit(concourse, "R2", 40, 0, power_kw="20")
    point(concourse, "water", 60, 60)  # in the hall, not in the unit

    assert provision.provisions([shop])[shop.pk].water_points == 0


def test_units_for_type_lists_fits_first_with_reasons_for_the_rest(concourse):
    wet = unit(concourse, "W1", 0, 20, power_kw="15")
    point(concourse, "water", 1, 21)
    point(concourse, "drainage", 2, 22)
    point(concourse, "floor_socket", 3, 23)
    point(concourse, "floor_socket", 4, 24)
    dry = unit(concourse, "D1", 20, 20, power_kw="15")
    coffee = BusinessCategory.objects.get(code="coffee")

    fits = provision.units_for_type(coffee, Unit.objects.filter(level=concourse))

    assert [(f.unit.pk, f.ok) for f in fits] == [(wet.pk, True), (dry.pk, False)]
    assert "no water supply point" in fits[1].reasons


def test_designation_shortfalls_name_what_a_designated_type_still_lacks(concourse):
    shop = unit(concourse, "X1", 0, 40, power_kw="10", business_types=["coffee", "bookstore"])

    assert provision.designation_shortfalls(shop) == {
        "coffee": [
            "power 10.00 kW < 15.00 kW needed",
            "0 floor sockets < 1 needed",
            "no water supply point",
            "no drainage point",
        ]
    }


def test_provisions_take_one_query_whatever_the_number_of_units(
    concourse, django_assert_num_queries
):
    units = services.units_create(
        actor=None,
        level=concourse,
        specs=[
            services.UnitSpec(
                code=f"U{i}",
                polygon=f"POLYGON(({i * 5} 60,{i * 5 + 4} 60,{i * 5 + 4} 64,{i * 5} 64,{i * 5} 60))",
            )
            for i in range(30)
        ],
    )
    with django_assert_num_queries(1):
        result = provision.provisions(units)
    assert len(result) == 30
    assert all(p.power_kw == Decimal("0") for p in result.values())
