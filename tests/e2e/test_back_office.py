"""The back office in a real browser: an officer reads a level's plan beside its units, edits a
unit into its neighbour and is refused; a station officer cannot reach another station; the
utilities report ends with its total. Screens are saved to test-artifacts/ to be looked at."""

from decimal import Decimal

import pytest

from stations import roles, services
from stations.models import Station, Unit
from stations.services import PointSpec, UnitSpec
from tests import factories
from tests.e2e.conftest import log_in
from tests.stations.factories import StationFactory, level, square

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def concourse():
    """Changsha South's elevated concourse: ten units either side of an evacuation corridor,
    a distribution cabinet, sockets and water points."""
    station = StationFactory(
        code="CSS",
        name_zh="长沙南",
        name_en="Changsha South",
        tier=Station.Tier.PROVINCIAL_CAPITAL,
        line="武广高铁 Wuhan–Guangzhou HSR",
    )
    lv = level(station, name="高架层", ordinal=1, width=100, depth=40)
    level(station, name="地面层", ordinal=0, width=100, depth=40)
    services.zone_create(
        actor=None, level=lv, kind="evacuation", name="疏散通道 1", polygon=square(0, 17, 100, 6)
    )
    services.utility_points_create(
        actor=None,
        level=lv,
        specs=[
            PointSpec(
                kind="cabinet",
                x=Decimal("50"),
                y=Decimal("20"),
                capacity_kw=Decimal("300"),
                code="PD-1",
            ),
            PointSpec(kind="floor_socket", x=Decimal("8"), y=Decimal("6"), code="FS-1"),
            PointSpec(kind="floor_socket", x=Decimal("22"), y=Decimal("6"), code="FS-2"),
            PointSpec(kind="water", x=Decimal("4"), y=Decimal("10"), code="W-1"),
            PointSpec(kind="drainage", x=Decimal("6"), y=Decimal("10"), code="D-1"),
            PointSpec(kind="lightbox_socket", x=Decimal("97"), y=Decimal("30"), code="LB-1"),
        ],
    )
    types = [["fast-food"], ["coffee"], ["convenience-store"], ["bookstore"], ["local-snacks"]]
    specs = [
        UnitSpec(
            code=f"A{i + 1:02d}",
            polygon=square(2 + 14 * i, 2, 12, 12),
            business_types=types[i % len(types)],
            power_kw=Decimal("20") if i < 3 else Decimal("0"),
        )
        for i in range(6)
    ] + [
        UnitSpec(code=f"B{i + 1:02d}", polygon=square(2 + 20 * i, 26, 16, 12), kind="shop")
        for i in range(4)
    ]
    services.units_create(actor=None, level=lv, specs=specs)
    for code, status in (("A01", "available"), ("A02", "available"), ("B01", "available")):
        services.unit_change_status(actor=None, unit=lv.units.get(code=code), status=status)
    services.unit_change_status(actor=None, unit=lv.units.get(code="A02"), status="let", source=lv)
    return lv


@pytest.fixture
def officer():
    return factories.officer(username="zhang.wei")


def test_an_officer_reads_the_plan_and_an_overlapping_edit_is_refused(
    page, screenshot, concourse, officer
):
    log_in(page, "zhang.wei")
    screenshot("dashboard")
    page.goto("/admin/station-plans/")
    page.click("text=长沙南")
    page.wait_for_selector("[data-cms-plan] svg")
    assert page.locator("[data-cms-plan] svg .hsr-unit").count() == 10
    assert page.locator("[data-cms-unit-row]").count() == 10
    screenshot("plan")

    row = page.locator('[data-cms-unit-row][data-unit-code="A03"]')
    unit_shape = page.locator('[data-cms-plan] .hsr-unit[data-unit-code="A03"]')
    assert "cms-highlight" not in (unit_shape.get_attribute("class") or "")
    row.hover()
    assert "cms-highlight" in unit_shape.get_attribute("class")
    assert "is-highlighted" in row.get_attribute("class")
    screenshot("plan-hover-A03", full_page=False)
    page.click("[data-cms-plan-enlarge]")
    assert "is-enlarged" in page.locator("[data-cms-plan-layout]").get_attribute("class")
    screenshot("plan-enlarged", full_page=False)
    page.click("[data-cms-plan-enlarge]")

    row.locator("a").click()
    page.wait_for_selector("textarea[name=polygon_wkt]")
    screenshot("unit-edit")
    a03 = Unit.objects.get(code="A03")
    before = a03.polygon_wkt
    # A03 runs from x 30 to 42; moved 6 m west it covers half of A02 (x 16 to 28).
    page.fill("textarea[name=polygon_wkt]", square(24, 2, 12, 12))
    page.click("#w-editor-form button[type=submit]")
    error = page.locator(".w-field__errors, .error-message").filter(has_text="A03").first
    error.wait_for()
    text = error.inner_text()
    assert "A02" in text and "A03" in text and "48.00" in text
    screenshot("unit-edit-overlap")
    a03.refresh_from_db()
    assert a03.polygon_wkt == before


def test_an_officer_releases_a_unit_for_letting_with_one_button(
    page, screenshot, concourse, officer
):
    log_in(page, "zhang.wei")
    unit = concourse.units.get(code="B02")
    page.goto(f"/admin/units/edit/{unit.pk}/")
    page.click('[data-cms-transition="available"]')
    page.wait_for_selector('[data-cms-transition="planned"]')  # back to planning is offered now
    screenshot("unit-released")
    unit.refresh_from_db()
    assert unit.status == Unit.Status.AVAILABLE
    assert page.locator("[data-cms-unit-status]").inner_text().strip() != ""


def test_a_station_officer_cannot_reach_another_stations_plan(page, screenshot, concourse):
    other = StationFactory(code="YYE", name_zh="岳阳东", name_en="Yueyang East")
    level(other, name="站台层", ordinal=0, width=60, depth=30)
    factories.station_officer(other, role=roles.STATION_MANAGER, username="li.na")
    log_in(page, "li.na")
    response = page.goto(f"/admin/station-plans/CSS/{concourse.pk}/")
    assert response.status == 404
    screenshot("foreign-plan-404")
    page.goto("/admin/station-plans/")
    assert page.locator("text=岳阳东").count() >= 1
    assert page.locator("text=长沙南").count() == 0


def test_the_utilities_report_ends_with_the_total(page, screenshot, concourse, officer):
    StationFactory(code="YYE", name_zh="岳阳东", name_en="Yueyang East")
    log_in(page, "zhang.wei")
    page.goto("/admin/station-reports/utilities/")
    total = page.locator("tr.cms-report__total")
    assert total.count() == 1
    cells = total.locator("th, td").all_inner_texts()
    assert cells[0] == "合计"  # the browser asks for Chinese: "TOTAL" on an English screen
    assert "300.00" in cells  # the one cabinet's capacity
    screenshot("utilities-report")
    page.goto("/admin/station-reports/planned-coverage/")
    screenshot("coverage-report")
