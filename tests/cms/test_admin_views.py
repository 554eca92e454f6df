"""The back office for a network officer: every page renders, and every form goes through the
services — a refused change shows the services' message and saves nothing."""

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import Entry
from stations import services
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint, Zone
from tests.stations.factories import square

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def unit_post(level, code, polygon, **extra):
    data = {
        "level": level.pk,
        "code": code,
        "name": "",
        "polygon_wkt": polygon,
        "kind": "shop",
        "power_kw": "0",
    }
    data.update(extra)
    return data


@pytest.fixture
def officer_client(client, network_officer):
    client.force_login(network_officer)
    return client


# --- every page renders -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "stations:index",
        "stations:add",
        "levels:index",
        "levels:add",
        "units:index",
        "units:add",
        "zones:index",
        "zones:add",
        "utility-points:index",
        "utility-points:add",
        "business-types:index",
        "business-types:add",
        "cms_plans",
        "cms_reports",
        "cms_unit_import",
        "wagtailadmin_home",
    ],
)
def test_every_index_and_create_page_renders_for_a_network_officer(
    officer_client, concourse, name
):
    response = officer_client.get(reverse(name))
    assert response.status_code == 200


def test_every_edit_and_inspect_page_renders_for_a_network_officer(officer_client, concourse):
    unit = concourse.units.get(code="A01")
    zone = concourse.zones.get()
    point = concourse.utility_points.get()
    category = BusinessCategory.objects.get(code="coffee")
    urls = [
        reverse("stations:edit", args=(concourse.station_id,)),
        reverse("levels:edit", args=(concourse.pk,)),
        reverse("units:edit", args=(unit.pk,)),
        reverse("units:inspect", args=(unit.pk,)),
        reverse("units:delete", args=(unit.pk,)),
        reverse("zones:inspect", args=(zone.pk,)),
        reverse("zones:delete", args=(zone.pk,)),
        reverse("utility-points:inspect", args=(point.pk,)),
        reverse("utility-points:delete", args=(point.pk,)),
        reverse("business-types:edit", args=(category.pk,)),
        reverse("cms_station_plan", args=("CSS",)),
    ]
    for url in urls:
        response = officer_client.get(url, follow=True)
        assert response.status_code == 200, url


def test_the_unit_list_shows_status_area_types_and_links_to_the_plan(officer_client, concourse):
    response = officer_client.get(reverse("units:index"))
    content = response.content.decode()
    assert 'class="cms-status cms-status--planned"' in content
    assert "100.00" in content  # A01's area
    assert "Fast food" in content  # A01's business type
    assert reverse("cms_plans") in content
    assert reverse("cms_level_plan", args=("CSS", concourse.pk)) in content


def test_the_unit_list_filters_by_status_and_searches_by_code(officer_client, concourse):
    services.unit_change_status(
        actor=None, unit=concourse.units.get(code="A02"), status="available"
    )
    available = officer_client.get(reverse("units:index"), {"status": "available"})
    assert [u.code for u in available.context["object_list"]] == ["A02"]
    found = officer_client.get(reverse("units:index"), {"q": "a01"})
    assert [u.code for u in found.context["object_list"]] == ["A01"]


# --- units through the services -----------------------------------------------------------


def test_creating_a_unit_through_the_form_creates_it_through_the_service(
    officer_client, network_officer, concourse
):
    response = officer_client.post(
        reverse("units:add"),
        unit_post(
            concourse,
            "A03",
            square(20, 0, 10),
            power_kw="20",
            business_types=["coffee", "retail"],
        ),
    )
    assert response.status_code == 302
    unit = Unit.objects.get(station=concourse.station, code="A03")
    assert unit.area_m2 == Decimal("100.00")
    assert unit.status == Unit.Status.PLANNED
    assert sorted(unit.business_types.values_list("code", flat=True)) == ["coffee", "retail"]
    entry = Entry.objects.get(action="unit.create", target_id=str(unit.pk))
    assert entry.actor_id == network_officer.pk
    assert response["Location"] == reverse("cms_level_plan", args=("CSS", concourse.pk))


def test_an_overlapping_unit_shows_the_codes_and_overlap_area_and_saves_nothing(
    officer_client, concourse
):
    units, entries = Unit.objects.count(), Entry.objects.count()
    response = officer_client.post(
        reverse("units:add"), unit_post(concourse, "A03", square(15, 0, 10))
    )
    assert response.status_code == 200
    assert "Units A02 and A03 overlap by 50.00 m²." in response.content.decode()
    assert response.context["form"].errors["polygon_wkt"] == [
        "Units A02 and A03 overlap by 50.00 m²."
    ]
    assert Unit.objects.count() == units
    assert Entry.objects.count() == entries


def test_a_unit_in_the_evacuation_corridor_is_refused_with_the_zone_named(
    officer_client, concourse
):
    response = officer_client.post(
        reverse("units:add"), unit_post(concourse, "A03", square(40, 14, 4))
    )
    assert (
        "Unit A03 intrudes 12.00 m² into the no-build zone “Corridor A”."
        in (response.context["form"].errors["polygon_wkt"])
    )
    assert not Unit.objects.filter(code="A03").exists()


def test_bad_wkt_is_refused_on_the_polygon_field(officer_client, concourse):
    response = officer_client.post(
        reverse("units:add"), unit_post(concourse, "A03", "POLYGON ((0 0, 1 1")
    )
    [error] = response.context["form"].errors["polygon_wkt"]
    assert error.startswith("Unit A03: polygon ")
    assert not Unit.objects.filter(code="A03").exists()


def test_power_beyond_the_cabinets_is_refused_on_the_power_field(officer_client, concourse):
    response = officer_client.post(
        reverse("units:add"), unit_post(concourse, "A03", square(20, 0, 10), power_kw="500")
    )
    assert response.context["form"].errors["power_kw"] == [
        "Station CSS would allocate 530.00 kW to its units but its distribution cabinets "
        "provide only 200.00 kW."
    ]
    assert not Unit.objects.filter(code="A03").exists()


def test_editing_a_unit_calls_the_service_and_recomputes_the_area(
    officer_client, network_officer, concourse
):
    unit = concourse.units.get(code="A02")
    response = officer_client.post(
        reverse("units:edit", args=(unit.pk,)),
        unit_post(concourse, "A02", square(10, 0, 10, 5), name="Kiosk by gate 3"),
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.area_m2 == Decimal("50.00")
    assert unit.name == "Kiosk by gate 3"
    assert Entry.objects.filter(
        action="unit.update", target_id=str(unit.pk), actor_id=network_officer.pk
    ).exists()


def test_moving_a_unit_onto_its_neighbour_shows_the_overlap_and_keeps_the_old_shape(
    officer_client, concourse
):
    unit = concourse.units.get(code="A02")
    before = unit.polygon_wkt
    entries = Entry.objects.count()
    response = officer_client.post(
        reverse("units:edit", args=(unit.pk,)), unit_post(concourse, "A02", square(5, 0, 10))
    )
    assert response.status_code == 200
    assert "Units A01 and A02 overlap by 50.00 m²." in response.content.decode()
    unit.refresh_from_db()
    assert unit.polygon_wkt == before
    assert Entry.objects.count() == entries
    # the page still shows the unit as stored, not the refused change
    assert response.context["object"].polygon_wkt == before


def test_status_is_not_in_the_unit_form_and_a_posted_status_is_ignored(officer_client, concourse):
    unit = concourse.units.get(code="A02")
    page = officer_client.get(reverse("units:edit", args=(unit.pk,)))
    assert "status" not in page.context["form"].fields
    assert "status" not in officer_client.get(reverse("units:add")).context["form"].fields
    response = officer_client.post(
        reverse("units:edit", args=(unit.pk,)),
        unit_post(concourse, "A02", unit.polygon_wkt, status="open"),
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.status == Unit.Status.PLANNED


def test_the_unit_page_offers_the_allowed_transitions_as_buttons(officer_client, concourse):
    unit = concourse.units.get(code="A02")
    content = officer_client.get(reverse("units:edit", args=(unit.pk,))).content.decode()
    assert 'data-cms-transition="available"' in content
    assert "Release for letting" in content
    assert 'data-cms-transition="closed"' in content
    assert 'data-cms-transition="open"' not in content
    assert reverse("units:change_status", args=(unit.pk,)) in content


def test_release_for_letting_moves_a_planned_unit_to_available(
    officer_client, network_officer, concourse
):
    unit = concourse.units.get(code="A02")
    response = officer_client.post(
        reverse("units:change_status", args=(unit.pk,)),
        {"status": "available", "reason": "fit for tender round 3"},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.status == Unit.Status.AVAILABLE
    entry = Entry.objects.get(action="unit.change_status", target_id=str(unit.pk))
    assert entry.actor_id == network_officer.pk
    assert entry.data == {"reason": "fit for tender round 3", "source": None}
    assert "Unit A02 is now “Available”." in messages_of(response)


def test_a_forbidden_transition_is_refused_with_its_message(officer_client, concourse):
    unit = concourse.units.get(code="A02")
    entries = Entry.objects.count()
    response = officer_client.post(
        reverse("units:change_status", args=(unit.pk,)), {"status": "open"}
    )
    assert response.status_code == 302
    assert messages_of(response) == ["Unit CSS-A02 cannot go from “Planned” to “Open”."]
    unit.refresh_from_db()
    assert unit.status == Unit.Status.PLANNED
    assert Entry.objects.count() == entries


def test_a_status_change_by_get_is_not_allowed(officer_client, concourse):
    unit = concourse.units.get(code="A02")
    response = officer_client.get(
        reverse("units:change_status", args=(unit.pk,)), {"status": "available"}
    )
    assert response.status_code == 405
    unit.refresh_from_db()
    assert unit.status == Unit.Status.PLANNED


def test_deleting_a_planned_unit_goes_through_the_service(
    officer_client, network_officer, concourse
):
    unit = concourse.units.get(code="A02")
    response = officer_client.post(reverse("units:delete", args=(unit.pk,)))
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=unit.pk).exists()
    assert Entry.objects.filter(
        action="unit.delete", target_id=str(unit.pk), actor_id=network_officer.pk
    ).exists()


def test_deleting_a_let_unit_is_refused_with_the_services_message(officer_client, concourse):
    unit = concourse.units.get(code="A02")
    services.unit_change_status(actor=None, unit=unit, status="available")
    services.unit_change_status(actor=None, unit=unit, status="let", source=concourse)
    response = officer_client.post(reverse("units:delete", args=(unit.pk,)))
    assert response.status_code == 302
    assert "Unit A02 is Let and cannot be deleted." in messages_of(response)
    assert Unit.objects.filter(pk=unit.pk).exists()


# --- stations, levels, zones, utility points, business types --------------------------------


def test_creating_a_station_goes_through_the_service(officer_client, network_officer):
    response = officer_client.post(
        reverse("stations:add"),
        {
            "code": "ZZW",
            "name_zh": "株洲西",
            "name_en": "Zhuzhou West",
            "line": "Wuhan–Guangzhou HSR",
            "city": "Zhuzhou",
            "tier": "prefecture",
            "latitude": "27.83",
            "longitude": "113.08",
            "plan_rotation_deg": "0",
        },
    )
    assert response.status_code == 302
    station = Station.objects.get(code="ZZW")
    assert Entry.objects.get(action="station.create").actor_id == network_officer.pk
    assert station.name_en == "Zhuzhou West"


def test_a_level_outline_that_cuts_off_a_unit_is_refused(officer_client, concourse):
    response = officer_client.post(
        reverse("levels:edit", args=(concourse.pk,)),
        {
            "name": concourse.name,
            "short_name": "",
            "ordinal": "1",
            "outline_wkt": square(5, 0, 95, 40),
            "underlay_offset_x": "0",
            "underlay_offset_y": "0",
        },
    )
    assert response.status_code == 200
    assert (
        "Unit A01 lies outside the level outline by 50.00 m²."
        in (response.context["form"].errors["outline_wkt"])
    )
    assert Level.objects.get(pk=concourse.pk).outline_wkt == concourse.outline_wkt


def png_upload(name="underlay.png", size=(40, 20)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def level_post(lv, **extra):
    data = {
        "name": lv.name,
        "short_name": lv.short_name,
        "ordinal": str(lv.ordinal),
        "outline_wkt": lv.outline_wkt,
        "underlay_offset_x": "0",
        "underlay_offset_y": "0",
    }
    data.update(extra)
    return data


def test_an_underlay_uploaded_on_the_level_page_is_stored_with_its_scale(
    officer_client, concourse
):
    response = officer_client.post(
        reverse("levels:edit", args=(concourse.pk,)),
        level_post(concourse, underlay_upload=png_upload(), underlay_scale="2.5"),
    )
    assert response.status_code == 302
    concourse.refresh_from_db()
    assert concourse.underlay.name.startswith("underlays/CSS-1")
    assert concourse.underlay_scale == Decimal("2.5")
    assert Entry.objects.filter(action="level.set_underlay", target_id=str(concourse.pk)).exists()


def test_an_underlay_without_a_scale_is_refused(officer_client, concourse):
    response = officer_client.post(
        reverse("levels:edit", args=(concourse.pk,)),
        level_post(concourse, underlay_upload=png_upload()),
    )
    assert response.context["form"].errors["underlay_scale"] == [
        "Give the scale of the underlay (metres per pixel)."
    ]
    concourse.refresh_from_db()
    assert not concourse.underlay


def test_an_underlay_that_is_not_an_image_is_refused_and_nothing_stored(officer_client, concourse):
    fake = SimpleUploadedFile("plan.png", b"%PDF-1.7 not an image", content_type="image/png")
    entries = Entry.objects.count()
    response = officer_client.post(
        reverse("levels:edit", args=(concourse.pk,)),
        level_post(concourse, underlay_upload=fake, underlay_scale="1", name="Concourse"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    concourse.refresh_from_db()
    assert not concourse.underlay
    assert concourse.name == "高架层"  # the level change in the same form is rolled back too
    assert Entry.objects.count() == entries


def test_moving_the_underlay_needs_no_new_upload(officer_client, concourse):
    services.level_set_underlay(
        actor=None, level=concourse, upload=png_upload(), scale=Decimal("2")
    )
    concourse.refresh_from_db()
    response = officer_client.post(
        reverse("levels:edit", args=(concourse.pk,)),
        level_post(concourse, underlay_scale="2", underlay_offset_x="3.5"),
    )
    assert response.status_code == 302
    concourse.refresh_from_db()
    assert concourse.underlay_offset_x == Decimal("3.50")
    assert Entry.objects.filter(action="level.place_underlay").count() == 1


def test_a_zone_over_an_existing_unit_is_refused_with_the_unit_named(officer_client, concourse):
    zones = Zone.objects.count()
    response = officer_client.post(
        reverse("zones:add"),
        {
            "level": concourse.pk,
            "kind": "passenger_flow",
            "name": "Gate flow",
            "polygon_wkt": square(5, 0, 10, 5),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["polygon_wkt"]
    assert any("A01" in e and "Gate flow" in e for e in errors)
    assert any("A02" in e for e in errors)
    assert Zone.objects.count() == zones


def test_zones_and_utility_points_are_placed_and_removed_through_the_services(
    officer_client, concourse
):
    response = officer_client.post(
        reverse("utility-points:add"),
        {"level": concourse.pk, "kind": "water", "code": "W1", "x": "5", "y": "5"},
    )
    assert response.status_code == 302
    point = UtilityPoint.objects.get(code="W1")
    assert point.unit.code == "A01"  # assigned from the geometry
    assert Entry.objects.filter(action="utility_point.create", target_id=str(point.pk)).exists()
    response = officer_client.post(reverse("utility-points:delete", args=(point.pk,)))
    assert response.status_code == 302
    assert Entry.objects.filter(action="utility_point.delete", target_id=str(point.pk)).exists()
    zone = concourse.zones.get()
    officer_client.post(reverse("zones:delete", args=(zone.pk,)))
    assert not Zone.objects.filter(pk=zone.pk).exists()
    assert Entry.objects.filter(action="zone.delete", target_id=str(zone.pk)).exists()


def test_removing_the_only_cabinet_under_allocated_power_is_refused(officer_client, concourse):
    point = concourse.utility_points.get(kind="cabinet")
    response = officer_client.post(reverse("utility-points:delete", args=(point.pk,)))
    assert response.status_code == 302
    assert any("provide only 0.00 kW" in m for m in messages_of(response))
    assert UtilityPoint.objects.filter(pk=point.pk).exists()


def test_a_cabinet_without_capacity_is_refused_on_the_capacity_field(officer_client, concourse):
    response = officer_client.post(
        reverse("utility-points:add"),
        {"level": concourse.pk, "kind": "cabinet", "code": "C2", "x": "5", "y": "5"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["capacity_kw"] == [
        "A distribution cabinet needs its capacity in kW."
    ]
    assert not UtilityPoint.objects.filter(code="C2").exists()


def test_a_business_type_is_added_through_the_service(officer_client, network_officer):
    retail = BusinessCategory.objects.get(code="retail")
    response = officer_client.post(
        reverse("business-types:add"),
        {
            "code": "tea-shop",
            "parent": retail.pk,
            "name_zh": "茶叶",
            "name_en": "Tea shop",
            "min_power_kw": "5",
            "min_floor_sockets": "1",
            "sort_order": "300",
        },
    )
    assert response.status_code == 302
    category = BusinessCategory.objects.get(code="tea-shop")
    assert category.parent == retail
    assert Entry.objects.get(action="business_category.create").actor_id == network_officer.pk


def test_a_business_type_under_another_type_is_refused(officer_client):
    coffee = BusinessCategory.objects.get(code="coffee")
    response = officer_client.post(
        reverse("business-types:add"),
        {
            "code": "espresso",
            "parent": coffee.pk,
            "name_zh": "意式咖啡",
            "name_en": "Espresso",
            "min_power_kw": "5",
            "min_floor_sockets": "0",
            "sort_order": "300",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["parent"]
    assert not BusinessCategory.objects.filter(code="espresso").exists()


# --- reports ------------------------------------------------------------------------------


def test_the_utilities_report_shows_each_station_and_an_emphasised_total_row(
    officer_client, concourse, other_level
):
    response = officer_client.get(reverse("cms_report", args=("utilities",)))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<tr class="cms-report__total">' in content
    total = content.split('<tr class="cms-report__total">')[1].split("</tr>")[0]
    assert "TOTAL" in total
    assert "200.00" in total  # the one cabinet's capacity
    assert ">CSS<" in content and ">YYE<" in content
    assert "Distribution cabinets" in content


def test_the_coverage_report_shows_ticks_and_crosses(officer_client, concourse):
    content = officer_client.get(
        reverse("cms_report", args=("planned-coverage",))
    ).content.decode()
    # A01 is designated fast food, so catering is covered; books are not.
    assert 'class="cms-check is-yes"' in content
    assert 'class="cms-check is-no"' in content
    assert "✓" in content and "✗" in content


def test_the_excel_download_is_an_xlsx_workbook_with_the_total(officer_client, concourse):
    response = officer_client.get(reverse("cms_report", args=("utilities",)), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="utilities.xlsx"' in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert "TOTAL" in values and "CSS" in values


def test_an_unknown_report_or_format_is_not_found(officer_client, concourse):
    assert officer_client.get(reverse("cms_report", args=("secrets",))).status_code == 404
    assert (
        officer_client.get(
            reverse("cms_report", args=("utilities",)), {"format": "pdf"}
        ).status_code
        == 404
    )


# --- import -------------------------------------------------------------------------------


def csv_upload(rows) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["station", "level", "code", "geometry", "kind", "business_types"])
    writer.writerows(rows)
    return SimpleUploadedFile("units.csv", buffer.getvalue().encode("utf-8"), "text/csv")


def test_the_import_page_lists_every_bad_row_and_saves_nothing(officer_client, concourse):
    units, entries = Unit.objects.count(), Entry.objects.count()
    upload = csv_upload(
        [
            ["CSS", "高架层", "B01", square(30, 0, 10), "shop", "coffee"],
            ["CSS", "高架层", "B02", square(35, 0, 10), "shop", ""],
            ["CSS", "高架层", "B03", square(60, 0, 10), "spaceship", "tea-leaves"],
        ]
    )
    response = officer_client.post(reverse("cms_unit_import"), {"file": upload})
    assert response.status_code == 200
    content = response.content.decode()
    errors = response.context["errors"]
    assert {(e.row, e.column) for e in errors} >= {
        (2, "geometry"),
        (3, "geometry"),
        (4, "kind"),
        (4, "business_types"),
    }
    assert content.count("data-cms-import-error") == len(errors)
    assert "Units B01 and B02 overlap by 50.00 m²." in content
    assert "nothing was saved" in content
    assert Unit.objects.count() == units
    assert Entry.objects.count() == entries


def test_a_good_import_saves_the_units_and_says_how_many(officer_client, concourse):
    upload = csv_upload(
        [
            ["CSS", "高架层", "B01", square(30, 0, 10), "shop", "coffee"],
            ["CSS", "高架层", "B02", square(40, 0, 10), "kiosk", "convenience-store"],
        ]
    )
    response = officer_client.post(reverse("cms_unit_import"), {"file": upload})
    assert response.status_code == 302
    assert "2 units imported from units.csv." in messages_of(response)
    assert set(concourse.units.values_list("code", flat=True)) == {"A01", "A02", "B01", "B02"}


# --- audit journal and dashboard ----------------------------------------------------------


def test_the_inspector_reads_the_audit_journal_and_can_verify_the_chain(
    client, inspector, concourse
):
    client.force_login(inspector)
    response = client.get(reverse("audit-journal:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "unit.create" in content and "zone.create" in content
    assert "Verify the chain" in content
    verified = client.get(reverse("audit-journal:index"), {"verify": "1"})
    count = Entry.objects.count()
    assert f"The chain holds: {count} entries verified." in verified.content.decode()
    filtered = client.get(reverse("audit-journal:index"), {"action": "zone."})
    assert [e.action for e in filtered.context["object_list"]] == ["zone.create"]
    entry = Entry.objects.get(action="zone.create")
    assert client.get(reverse("audit-journal:inspect", args=(entry.seq,))).status_code == 200


def test_the_audit_journal_has_no_add_edit_or_delete(client, inspector, concourse):
    client.force_login(inspector)
    content = client.get(reverse("audit-journal:index")).content.decode()
    assert "/admin/audit-journal/new/" not in content
    assert "/admin/audit-journal/edit/" not in content
    assert "/admin/audit-journal/delete/" not in content


def test_a_broken_chain_is_reported_on_the_journal_page(client, inspector, concourse):
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # switch the append-only trigger off, as an
            cursor.execute("SET session_replication_role = replica")  # intruder could
        cursor.execute("UPDATE audit_entry SET action = 'tampered' WHERE seq = 2")
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    client.force_login(inspector)
    content = client.get(reverse("audit-journal:index"), {"verify": "1"}).content.decode()
    assert "The chain is broken at entry #2" in content


def test_the_officer_without_audit_permission_cannot_read_the_journal(officer_client):
    response = officer_client.get(reverse("audit-journal:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_the_dashboard_shows_the_users_stations_with_units_by_status(
    client, css_officer, concourse, other_level
):
    services.unit_change_status(
        actor=None, unit=concourse.units.get(code="A02"), status="available"
    )
    client.force_login(css_officer)
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Your stations" in content
    assert "长沙南" in content
    assert "岳阳东" not in content
    row = content.split(reverse("cms_station_plan", args=("CSS",)))[1].split("</tr>")[0]
    assert 'data-status="planned">1<' in row
    assert 'data-status="available">1<' in row
    assert 'data-status="let">0<' in row
    assert ">2</a>" in row


def test_the_back_office_speaks_chinese_by_default(client, concourse):
    from tests.factories import officer

    client.force_login(officer(username="chinese-speaker"))
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert json.dumps("车站空间")[1:-1] in home  # the menu is JSON inside the page
    assert "我的车站" in home
    unit = concourse.units.get(code="A02")
    page = client.get(reverse("units:edit", args=(unit.pk,))).content.decode()
    assert "发布招租" in page  # Release for letting
    plan = client.get(reverse("cms_level_plan", args=("CSS", concourse.pk))).content.decode()
    assert "快餐" in plan  # the business type by its Chinese name


@pytest.mark.parametrize("status", list(Unit.Status))
def test_the_unit_page_buttons_are_exactly_the_allowed_transitions(status):
    from cms.viewsets import transitions_for

    offered = transitions_for(Unit(status=status))
    # Reserved, let, fitting out and open follow the award and the lease: never a button.
    expected = set(Unit.TRANSITIONS[status]) - Unit.PROCESS_STATUSES
    assert {value for value, _label in offered} == expected
    assert all(label for _value, label in offered)


def test_the_first_button_is_the_usual_next_step(network_officer):
    from cms.viewsets import transitions_for

    first = {status: transitions_for(Unit(status=status))[0][0] for status in Unit.Status}
    assert first[Unit.Status.PLANNED] == Unit.Status.AVAILABLE
    assert first[Unit.Status.CLOSED] == Unit.Status.AVAILABLE
    # From available the way forward is the tender: by hand only back to planning or closed.
    assert first[Unit.Status.AVAILABLE] == Unit.Status.PLANNED


def test_a_business_type_is_changed_through_the_service(officer_client, network_officer):
    coffee = BusinessCategory.objects.get(code="coffee")
    response = officer_client.post(
        reverse("business-types:edit", args=(coffee.pk,)),
        {
            "code": "coffee",
            "parent": coffee.parent_id,
            "name_zh": coffee.name_zh,
            "name_en": "Coffee shop",
            "min_power_kw": "18",
            "min_floor_sockets": "2",
            "needs_water": "on",
            "needs_drainage": "on",
            "sort_order": str(coffee.sort_order),
        },
    )
    assert response.status_code == 302
    coffee.refresh_from_db()
    assert (coffee.name_en, coffee.min_power_kw) == ("Coffee shop", Decimal("18.00"))
    entry = Entry.objects.get(action="business_category.update", target_id=str(coffee.pk))
    assert entry.actor_id == network_officer.pk
    assert entry.before["min_power_kw"] == "15.00" and entry.after["min_power_kw"] == "18.00"


def test_a_station_officer_may_read_but_not_change_the_business_types(client, css_officer):
    client.force_login(css_officer)
    coffee = BusinessCategory.objects.get(code="coffee")
    index = client.get(reverse("business-types:index"))
    assert index.status_code == 200
    assert reverse("business-types:add") not in index.content.decode()
    assert reverse("business-types:edit", args=(coffee.pk,)) not in index.content.decode()
    response = client.post(
        reverse("business-types:edit", args=(coffee.pk,)),
        {"code": "coffee", "name_zh": "咖啡", "name_en": "X", "min_power_kw": "0"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    coffee.refresh_from_db()
    assert coffee.name_en == "Coffee"
