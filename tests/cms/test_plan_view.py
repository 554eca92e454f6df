"""The plan page: the level's SVG inline beside its unit list, the provisions, the downloads,
and a number of queries that does not grow with the number of units."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stations import services
from stations.services import UnitSpec
from tests.stations.factories import StationFactory, cabinet, level, square

pytestmark = pytest.mark.django_db


def plan_url(lv) -> str:
    return reverse("cms_level_plan", args=(lv.station.code, lv.pk))


def add_units(lv, codes, *, row: int = 0):
    """Units of 4 m × 4 m in a row along the level, each with a business type."""
    specs = [
        UnitSpec(
            code=code,
            polygon=square(5 * i, 5 * row, 4),
            business_types=["coffee"] if i % 2 else ["convenience-store", "bookstore"],
        )
        for i, code in enumerate(codes)
    ]
    services.units_create(actor=None, level=lv, specs=specs)


@pytest.fixture
def officer_client(client, network_officer):
    client.force_login(network_officer)
    return client


def test_the_plan_shows_the_svg_inline_with_every_unit_and_its_row(officer_client, concourse):
    response = officer_client.get(plan_url(concourse))
    assert response.status_code == 200
    content = response.content.decode()
    figure = content[content.index("data-cms-plan ") :]
    assert "<?xml" not in figure
    svg = figure[figure.index("<svg") : figure.index("</svg>")]
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    for unit in concourse.units.all():
        assert f'data-unit-code="{unit.code}"' in svg
        assert f'<tr data-cms-unit-row data-unit-code="{unit.code}">' in content
        assert reverse("units:edit", args=(unit.pk,)) in content
    assert "Fast food" in content  # A01's business type in the list
    assert "30.00" in content  # A01's power


def test_the_plan_shows_the_levels_as_tabs_and_the_provisions(officer_client, concourse):
    ground = level(concourse.station, name="地面层", ordinal=0, width=50, depth=50)
    cabinet(ground, 10, 10, capacity_kw="100", code="C2")
    content = officer_client.get(plan_url(concourse)).content.decode()
    assert reverse("cms_level_plan", args=("CSS", ground.pk)) in content
    assert 'aria-current="page"' in content
    # the station's cabinets (200 + 100 kW) against the power allocated to its units (30 kW)
    assert "30.00 / 300.00 <small>kW</small>" in content
    assert "Distribution cabinet</span> <strong>1</strong>" in content
    assert "Floor socket</span> <strong>0</strong>" in content
    assert "200.00 m²" in content  # leasable area of the level's two units


def test_power_allocated_beyond_capacity_is_flagged(officer_client, concourse):
    point = concourse.utility_points.get()
    # a cabinet removed outside the services (e.g. a restore) leaves 30 kW without capacity
    point.delete()
    content = officer_client.get(plan_url(concourse)).content.decode()
    assert 'class="cms-figure is-over"' in content


def test_a_station_plan_address_opens_its_busiest_level(officer_client, concourse):
    level(concourse.station, name="出站层", ordinal=-1, width=50, depth=50)
    level(concourse.station, name="地面层", ordinal=0, width=50, depth=50)
    response = officer_client.get(reverse("cms_station_plan", args=("CSS",)))
    assert response.status_code == 302
    assert response["Location"] == plan_url(concourse)


def test_a_station_without_levels_says_so(officer_client):
    StationFactory(code="NEW")
    response = officer_client.get(reverse("cms_station_plan", args=("NEW",)))
    assert response.status_code == 200
    assert "This station has no levels yet." in response.content.decode()


def test_the_plan_downloads_as_svg_and_png(officer_client, concourse):
    svg = officer_client.get(reverse("cms_level_plan_svg", args=("CSS", concourse.pk)))
    assert svg["Content-Type"] == "image/svg+xml"
    assert 'filename="CSS-L1.svg"' in svg["Content-Disposition"]
    assert b'data-unit-code="A01"' in svg.content
    png = officer_client.get(reverse("cms_level_plan_png", args=("CSS", concourse.pk)))
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_the_plan_index_lists_the_stations_with_their_levels(officer_client, concourse):
    content = officer_client.get(reverse("cms_plans")).content.decode()
    assert "长沙南" in content
    assert plan_url(concourse) in content
    found = officer_client.get(reverse("cms_plans"), {"q": "changsha"})
    assert list(found.context["page"].object_list) == [concourse.station]


def test_the_plan_page_query_count_does_not_grow_with_the_units(client, network_officer):
    client.force_login(network_officer)
    lv = level(StationFactory(code="QRY"), name="高架层", ordinal=1, width=300, depth=100)
    cabinet(lv, 299, 99, capacity_kw="500", code="C1")
    add_units(lv, [f"U{i:02d}" for i in range(5)])
    client.get(plan_url(lv))  # warm the per-process caches (content types, site)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(plan_url(lv))
        assert response.status_code == 200
        return len(captured)

    with_5 = queries()
    add_units(lv, [f"V{i:02d}" for i in range(35)], row=2)
    assert lv.units.count() == 40
    with_40 = queries()
    assert with_40 == with_5


def test_the_plan_page_stays_within_a_fixed_query_budget(
    client, network_officer, django_assert_max_num_queries
):
    client.force_login(network_officer)
    lv = level(StationFactory(code="QRZ"), name="高架层", ordinal=1, width=300, depth=100)
    add_units(lv, [f"U{i:02d}" for i in range(40)])
    client.get(plan_url(lv))
    with django_assert_max_num_queries(30):
        assert client.get(plan_url(lv)).status_code == 200


def test_the_unit_list_query_count_does_not_grow_with_the_units(client, network_officer):
    client.force_login(network_officer)
    lv = level(StationFactory(code="QRL"), name="高架层", ordinal=1, width=300, depth=100)
    add_units(lv, [f"U{i:02d}" for i in range(5)])
    client.get(reverse("units:index"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("units:index")).status_code == 200
        return len(captured)

    with_5 = queries()
    add_units(lv, [f"V{i:02d}" for i in range(15)], row=2)
    assert queries() == with_5


def test_a_units_power_is_shown_with_two_places(officer_client, concourse):
    unit = concourse.units.get(code="A02")
    services.unit_update(actor=None, unit=unit, power_kw=Decimal("12.5"))
    assert "12.50" in officer_client.get(plan_url(concourse)).content.decode()
