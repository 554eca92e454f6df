"""The space services (stations.services): every write, its refusals, its audit, who may."""

import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from audit.models import Entry
from stations import services
from stations.geometry import PlanInvalid
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint, Zone
from stations.services import PointSpec, UnitSpec
from stations.transitions import InvalidTransition
from tests.factories import UserFactory, inspector, officer, station_officer
from tests.stations.factories import StationFactory, cabinet, level, square, unit

pytestmark = pytest.mark.django_db

BOW_TIE = "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def everything():
    """Every row the space services write, so a refusal can be shown to have saved nothing."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Station, Level, Unit, Zone, UtilityPoint, Entry, Unit.business_types.through)
    }


@contextmanager
def nothing_saved():
    before = everything()
    yield
    assert everything() == before


def last_entry() -> Entry:
    return Entry.objects.order_by("-seq").first()


def point(level_obj, kind, x, y, code=""):
    return services.utility_point_create(
        actor=None, level=level_obj, kind=kind, x=Decimal(str(x)), y=Decimal(str(y)), code=code
    )


@pytest.fixture
def concourse():
    """A 200 m × 100 m level of an empty station."""
    return level()


# --- stations -------------------------------------------------------------------------------

STATION = {
    "code": "CSS",
    "name_zh": "长沙南",
    "name_en": "Changsha South",
    "line": "Wuhan–Guangzhou HSR",
    "city": "Changsha",
    "tier": Station.Tier.PROVINCIAL_CAPITAL,
    "latitude": Decimal("28.147000"),
    "longitude": Decimal("113.064000"),
}


def test_a_network_officer_creates_a_station_and_it_is_audited():
    actor = officer(username="network")

    station = services.station_create(actor=actor, **STATION)

    assert Station.objects.get(code="CSS").name_en == "Changsha South"
    entry = last_entry()
    assert (entry.action, entry.target_type, entry.target_id) == (
        "station.create",
        "stations.station",
        str(station.pk),
    )
    assert (entry.actor_id, entry.actor_name) == (actor.pk, "network")
    assert entry.after["code"] == "CSS" and entry.after["latitude"] == "28.147000"
    assert entry.before is None


def test_a_station_with_a_taken_code_is_refused():
    StationFactory(code="CSS")

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.station_create(actor=None, **STATION)

    assert exc.value.message_dict == {"code": ["Station with this Code already exists."]}


@pytest.mark.parametrize(
    "field, value", [("tier", "megacity"), ("latitude", Decimal("91")), ("name_en", "")]
)
def test_a_station_with_a_bad_field_is_refused_naming_the_field(field, value):
    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.station_create(actor=None, **{**STATION, field: value})

    assert list(exc.value.message_dict) == [field]


def test_a_station_officer_may_not_create_stations_even_with_bad_data():
    actor = station_officer(StationFactory())

    with nothing_saved(), pytest.raises(PermissionDenied) as exc:
        services.station_create(actor=actor, **{**STATION, "tier": "megacity"})

    assert str(exc.value) == "Only a network leasing officer may create stations."


def test_updating_a_station_records_before_and_after():
    station = StationFactory(city="Changsha")

    services.station_update(actor=None, station=station, city="Zhuzhou", line="Hu–Kun HSR")

    station.refresh_from_db()
    assert (station.city, station.line) == ("Zhuzhou", "Hu–Kun HSR")
    entry = last_entry()
    assert entry.action == "station.update" and entry.actor_name == "system"
    assert (entry.before["city"], entry.after["city"]) == ("Changsha", "Zhuzhou")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"id": 99}, "id"),
        ({"longitude": Decimal("200")}, "longitude"),
        ({"code": "TAKEN"}, "code"),
    ],
)
def test_a_bad_station_update_is_refused_and_saves_nothing(changes, field):
    StationFactory(code="TAKEN")
    station = StationFactory()

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.station_update(actor=None, station=station, **changes)

    assert field in exc.value.message_dict


# --- levels ---------------------------------------------------------------------------------


def test_a_level_is_created_with_its_outline_and_audited():
    station = StationFactory()

    lv = services.level_create(
        actor=None, station=station, name="出站层", ordinal=-1, outline=square(0, 0, 80, 40)
    )

    assert lv.outline_wkt == "POLYGON ((0 0, 80 0, 80 40, 0 40, 0 0))"
    entry = last_entry()
    assert entry.action == "level.create" and entry.after["name"] == "出站层"


def test_a_level_outline_may_be_geojson():
    lv = services.level_create(
        actor=None,
        station=StationFactory(),
        name="L",
        ordinal=0,
        outline={"type": "Polygon", "coordinates": [[[0, 0], [5, 0], [5, 5], [0, 5], [0, 0]]]},
    )

    assert lv.outline_wkt == "POLYGON ((0 0, 5 0, 5 5, 0 5, 0 0))"


@pytest.mark.parametrize(
    "name, ordinal, field, message",
    [
        ("另一层", 1, "ordinal", "Station {code} already has a level 1."),
        ("高架层", 2, "name", "Station {code} already has a level named 高架层."),
    ],
)
def test_a_second_level_with_the_same_ordinal_or_name_is_refused(
    concourse, name, ordinal, field, message
):
    station = concourse.station

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.level_create(
            actor=None, station=station, name=name, ordinal=ordinal, outline=square(0, 0, 50)
        )

    assert exc.value.message_dict == {field: [message.format(code=station.code)]}


@pytest.mark.parametrize(
    "outline, message",
    [
        (BOW_TIE, "Level outline: polygon is not a valid polygon: Self-intersection[5 5]."),
        ("POLYGON ((0 0, 10 0, 10 10))", "Level outline: polygon the ring is not closed."),
        ("POINT (1 1)", "Level outline: polygon must be a Polygon, not Point."),
        ("", "Level outline: polygon is empty."),
    ],
)
def test_a_level_with_a_bad_outline_is_refused(outline, message):
    station = StationFactory()

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.level_create(actor=None, station=station, name="L", ordinal=0, outline=outline)

    assert exc.value.message_dict == {"outline_wkt": [message]}


def test_a_level_outline_may_grow_and_the_change_is_audited(concourse):
    unit(concourse, "A1", 0, 0)

    services.level_update(actor=None, level=concourse, outline=square(0, 0, 300, 100), name="新")

    concourse.refresh_from_db()
    assert concourse.outline_wkt == "POLYGON ((0 0, 300 0, 300 100, 0 100, 0 0))"
    entry = last_entry()
    assert entry.action == "level.update"
    assert entry.before["name"] == "高架层" and entry.after["name"] == "新"


def test_a_level_outline_shrunk_so_a_unit_falls_outside_is_refused(concourse):
    unit(concourse, "A1", 0, 0)
    unit(concourse, "A2", 45, 0)

    with nothing_saved(), pytest.raises(PlanInvalid) as exc:
        services.level_update(actor=None, level=concourse, outline=square(0, 0, 50, 50))

    assert exc.value.messages == ["Unit A2 lies outside the level outline by 50.00 m²."]


def test_a_level_outline_shrunk_so_a_utility_point_falls_outside_is_refused(concourse):
    point(concourse, "water", 150, 50, code="W1")

    with nothing_saved(), pytest.raises(PlanInvalid) as exc:
        services.level_update(actor=None, level=concourse, outline=square(0, 0, 100, 100))

    assert exc.value.messages == [
        "Utility point W1 at (150.00, 50.00) lies outside the level outline."
    ]


@pytest.mark.parametrize(
    "changes, field",
    [({"ordinal": 0}, "ordinal"), ({"name": "地面层"}, "name")],
)
def test_a_level_renumbered_or_renamed_onto_another_is_refused(concourse, changes, field):
    level(concourse.station, name="地面层", ordinal=0)

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.level_update(actor=None, level=concourse, **changes)

    assert list(exc.value.message_dict) == [field]


def test_a_level_update_of_an_unknown_field_is_refused(concourse):
    elsewhere = StationFactory()

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.level_update(actor=None, level=concourse, station=elsewhere)

    assert exc.value.message_dict == {"station": ["This field cannot be changed here."]}


# --- creating units -------------------------------------------------------------------------


def test_a_unit_gets_its_area_from_its_polygon_and_its_business_types(concourse):
    coffee = BusinessCategory.objects.get(code="coffee")

    created = services.unit_create(
        actor=None,
        level=concourse,
        code="A1",
        polygon="POLYGON ((0 0, 12 0, 12 4, 4 4, 4 10, 0 10, 0 0))",  # an L: 48 + 24 m²
        business_types=[coffee, "convenience-store"],
        power_kw="0",
        kind=Unit.Kind.KIOSK,
    )

    saved = Unit.objects.get(pk=created.pk)
    assert saved.area_m2 == Decimal("72.00")
    assert (saved.station_id, saved.level_id, saved.status) == (
        concourse.station_id,
        concourse.pk,
        Unit.Status.PLANNED,
    )
    assert sorted(saved.business_types.values_list("code", flat=True)) == [
        "coffee",
        "convenience-store",
    ]
    entry = last_entry()
    assert (entry.action, entry.target_type, entry.target_id, entry.target_repr) == (
        "unit.create",
        "stations.unit",
        str(saved.pk),
        f"{concourse.station.code}-A1",
    )
    assert entry.after["area_m2"] == "72.00"
    assert entry.after["business_types"] == ["coffee", "convenience-store"]


def test_twenty_units_are_created_at_once_each_audited(concourse):
    specs = [
        UnitSpec(code=f"B{i:02d}", polygon=square(12 * (i % 10), 12 * (i // 10)))
        for i in range(20)
    ]

    units = services.units_create(actor=None, level=concourse, specs=specs)

    assert len(units) == Unit.objects.filter(level=concourse).count() == 20
    assert Entry.objects.filter(action="unit.create").count() == 20


def _bad_batch(kind: str) -> list[UnitSpec]:
    specs = [
        UnitSpec(code=f"B{i:02d}", polygon=square(12 * (i % 10), 12 * (i // 10)))
        for i in range(20)
    ]
    bad = specs[19]
    if kind == "overlap":
        bad.polygon = square(2, 2, 5)
    elif kind == "outside":
        bad.polygon = square(195, 0)
    elif kind == "invalid":
        bad.polygon = BOW_TIE
    elif kind == "unknown type":
        bad.business_types = ["no-such-type"]
    elif kind == "garbage power":
        bad.power_kw = "lots"
    elif kind == "duplicate code":
        bad.code = "B00"
    return specs


@pytest.mark.parametrize(
    "kind, message",
    [
        ("overlap", "Units B00 and B19 overlap by 25.00 m²."),
        ("outside", "Unit B19 lies outside the level outline by 50.00 m²."),
        ("invalid", "Unit B19: polygon is not a valid polygon: Self-intersection[5 5]."),
        ("unknown type", "Unknown business type: no-such-type."),
        ("garbage power", "“lots” is not a number."),
        ("duplicate code", "Unit code already used in station {code}: B00."),
    ],
)
def test_one_bad_unit_in_a_batch_of_twenty_saves_none_of_them(concourse, kind, message):
    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.units_create(actor=None, level=concourse, specs=_bad_batch(kind))

    assert exc.value.messages == [message.format(code=concourse.station.code)]


def test_a_unit_overlapping_an_existing_unit_is_refused_with_both_codes_and_the_area(concourse):
    unit(concourse, "A1", 0, 0)

    with nothing_saved(), pytest.raises(PlanInvalid) as exc:
        unit(concourse, "A2", 8, 6)

    assert exc.value.messages == ["Units A1 and A2 overlap by 8.00 m²."]
    (violation,) = exc.value.violations
    assert (violation.rule, violation.codes, violation.area_m2) == (
        "overlap",
        ("A1", "A2"),
        Decimal("8.00"),
    )


def test_a_unit_sharing_an_edge_with_an_existing_unit_is_fine(concourse):
    unit(concourse, "A1", 0, 0)
    unit(concourse, "A2", 10, 0)

    assert Unit.objects.count() == 2


def test_a_unit_outside_the_outline_is_refused(concourse):
    with nothing_saved(), pytest.raises(PlanInvalid) as exc:
        unit(concourse, "A1", 195, 95)

    assert exc.value.messages == ["Unit A1 lies outside the level outline by 75.00 m²."]


def test_a_unit_into_a_no_build_zone_is_refused_naming_the_zone(concourse):
    services.zone_create(
        actor=None,
        level=concourse,
        kind=Zone.Kind.EVACUATION,
        name="1号疏散通道",
        polygon=square(0, 40, 200, 10),
    )

    with nothing_saved(), pytest.raises(PlanInvalid) as exc:
        unit(concourse, "A1", 0, 35)

    assert exc.value.messages == [
        "Unit A1 intrudes 50.00 m² into the no-build zone “1号疏散通道”."
    ]


def test_a_unit_beside_a_no_build_zone_or_in_a_paid_area_is_fine(concourse):
    services.zone_create(
        actor=None, level=concourse, kind=Zone.Kind.EVACUATION, polygon=square(0, 40, 200, 10)
    )
    services.zone_create(
        actor=None, level=concourse, kind=Zone.Kind.PAID_AREA, polygon=square(0, 0, 100, 40)
    )

    unit(concourse, "A1", 0, 30)
    unit(concourse, "A2", 0, 50)

    assert Unit.objects.count() == 2


def test_a_unit_code_is_unique_in_the_station_across_levels(concourse):
    ground = level(concourse.station, name="地面层", ordinal=0)
    unit(concourse, "A1", 0, 0)

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        unit(ground, "A1", 50, 50)

    assert exc.value.message_dict == {
        "code": [f"Unit code already used in station {concourse.station.code}: A1."]
    }


def test_the_same_unit_code_in_another_station_is_fine(concourse):
    unit(concourse, "A1", 0, 0)
    unit(level(), "A1", 0, 0)

    assert Unit.objects.filter(code="A1").count() == 2


@pytest.mark.parametrize(
    "polygon, message",
    [
        (BOW_TIE, "Unit A1: polygon is not a valid polygon: Self-intersection[5 5]."),
        (
            square(0, 0, 0.2, 0.2),
            "Unit A1: polygon has an area of 0.0400 m²; the minimum is 0.1 m².",
        ),
        ("POLYGON ((0 0, 10 0, 10 10))", "Unit A1: polygon the ring is not closed."),
        (
            "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))",
            "Unit A1: polygon must be a Polygon, not MultiPolygon.",
        ),
        (
            "rubbish",
            "Unit A1: polygon is not valid WKT or GeoJSON (ParseException: Unknown type: 'RUBBISH').",
        ),
    ],
)
def test_a_unit_with_an_invalid_polygon_is_refused(concourse, polygon, message):
    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.unit_create(actor=None, level=concourse, code="A1", polygon=polygon)

    assert exc.value.message_dict == {"polygon_wkt": [message]}


def test_a_unit_with_an_unknown_business_type_is_refused(concourse):
    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.unit_create(
            actor=None,
            level=concourse,
            code="A1",
            polygon=square(0, 0),
            business_types=["coffee", "casino", "opium-den"],
        )

    assert exc.value.message_dict == {
        "business_types": ["Unknown business type: casino, opium-den."]
    }


@pytest.mark.parametrize(
    "power, message",
    [
        ("-5", "must be a finite number ≥ 0, not -5."),
        ("lots", "“lots” is not a number."),
        ("NaN", "must be a finite number ≥ 0, not NaN."),
        ("1e40", "1E+40 is too large."),
        ("1000000", "Ensure that there are no more than 8 digits in total."),
    ],
)
def test_a_unit_with_bad_power_is_refused(concourse, power, message):
    cabinet(concourse, 190, 90, "100")

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        unit(concourse, "A1", 0, 0, power_kw=power)

    assert exc.value.message_dict == {"power_kw": [message]}


def test_power_allocated_over_the_cabinets_capacity_is_refused(concourse):
    cabinet(concourse, 190, 90, "60")
    cabinet(concourse, 190, 80, "40")
    unit(concourse, "A1", 0, 0, power_kw="70")

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        unit(concourse, "A2", 20, 0, power_kw="30.01")

    assert exc.value.message_dict == {
        "power_kw": [
            f"Station {concourse.station.code} would allocate 100.01 kW to its units but its "
            "distribution cabinets provide only 100.00 kW."
        ]
    }
    # Exactly the capacity is fine.
    unit(concourse, "A2", 20, 0, power_kw="30")


def test_power_counts_over_every_level_of_the_station(concourse):
    ground = level(concourse.station, name="地面层", ordinal=0)
    cabinet(ground, 5, 5, "50")
    unit(concourse, "A1", 0, 0, power_kw="50")

    with nothing_saved(), pytest.raises(ValidationError):
        unit(ground, "G1", 20, 0, power_kw="1")


def test_a_new_unit_takes_the_utility_points_inside_it(concourse):
    water = point(concourse, "water", 5, 5)
    hall = point(concourse, "floor_socket", 50, 50)

    created = unit(concourse, "A1", 0, 0)

    water.refresh_from_db()
    hall.refresh_from_db()
    assert water.unit_id == created.pk
    assert hall.unit_id is None


# --- changing and deleting units ------------------------------------------------------------


def test_moving_a_unit_recomputes_its_area_and_reassigns_points(concourse):
    a1 = unit(concourse, "A1", 0, 0)
    old_spot = point(concourse, "water", 5, 5)
    new_spot = point(concourse, "drainage", 55, 5)

    services.unit_update(actor=None, unit=a1, polygon=square(50, 0, 20, 10))

    a1.refresh_from_db()
    old_spot.refresh_from_db()
    new_spot.refresh_from_db()
    assert a1.area_m2 == Decimal("200.00")
    assert old_spot.unit_id is None and new_spot.unit_id == a1.pk
    entry = last_entry()
    assert entry.action == "unit.update"
    assert (entry.before["area_m2"], entry.after["area_m2"]) == ("100.00", "200.00")
    assert entry.after["polygon_wkt"] == "POLYGON ((50 0, 70 0, 70 10, 50 10, 50 0))"


def test_a_unit_may_be_recoded_and_given_other_business_types(concourse):
    a1 = unit(concourse, "A1", 0, 0, business_types=["coffee"])

    services.unit_update(actor=None, unit=a1, code="C1", business_types=["bookstore", "coffee"])

    a1.refresh_from_db()
    assert a1.code == "C1"
    assert sorted(a1.business_types.values_list("code", flat=True)) == ["bookstore", "coffee"]
    entry = last_entry()
    assert (entry.before["code"], entry.after["code"]) == ("A1", "C1")
    assert (entry.before["business_types"], entry.after["business_types"]) == (
        ["coffee"],
        ["bookstore", "coffee"],
    )


def test_a_unit_may_be_reshaped_onto_its_own_old_place(concourse):
    a1 = unit(concourse, "A1", 0, 0)
    unit(concourse, "A2", 10, 0)

    services.unit_update(actor=None, unit=a1, polygon=square(0, 0, 10, 20))

    assert Unit.objects.get(pk=a1.pk).area_m2 == Decimal("200.00")


def test_moving_a_unit_onto_another_is_refused(concourse):
    a1 = unit(concourse, "A1", 0, 0)
    unit(concourse, "A2", 20, 0)

    with nothing_saved(), pytest.raises(PlanInvalid) as exc:
        services.unit_update(actor=None, unit=a1, polygon=square(15, 0))

    assert exc.value.messages == ["Units A1 and A2 overlap by 50.00 m²."]


def test_recoding_a_unit_to_a_taken_code_is_refused(concourse):
    a1 = unit(concourse, "A1", 0, 0)
    unit(concourse, "A2", 20, 0)

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.unit_update(actor=None, unit=a1, code="A2")

    assert exc.value.message_dict == {
        "code": [f"Unit code already used in station {concourse.station.code}: A2."]
    }


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"status": Unit.Status.OPEN}, "status"),
        ({"area_m2": Decimal("1")}, "area_m2"),
        ({"business_types": ["casino"]}, "business_types"),
        ({"power_kw": "-1"}, "power_kw"),
        ({"polygon": BOW_TIE}, "polygon_wkt"),
    ],
)
def test_a_bad_unit_update_is_refused_and_saves_nothing(concourse, changes, field):
    a1 = unit(concourse, "A1", 0, 0)

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.unit_update(actor=None, unit=a1, **changes)

    assert list(exc.value.message_dict) == [field]


def test_raising_a_units_power_over_the_capacity_is_refused(concourse):
    cabinet(concourse, 190, 90, "50")
    a1 = unit(concourse, "A1", 0, 0, power_kw="20")

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.unit_update(actor=None, unit=a1, power_kw="60")

    assert "would allocate 60.00 kW" in exc.value.message_dict["power_kw"][0]


@pytest.mark.parametrize(
    "status", [Unit.Status.PLANNED, Unit.Status.AVAILABLE, Unit.Status.CLOSED]
)
def test_a_unit_not_let_is_deleted_and_its_points_freed(concourse, status):
    a1 = unit(concourse, "A1", 0, 0)
    water = point(concourse, "water", 5, 5)
    Unit.objects.filter(pk=a1.pk).update(status=status)

    services.unit_delete(actor=None, unit=a1)

    assert not Unit.objects.filter(pk=a1.pk).exists()
    water.refresh_from_db()
    assert water.unit_id is None
    entry = last_entry()
    assert (entry.action, entry.target_id, entry.before["code"]) == (
        "unit.delete",
        str(a1.pk),
        "A1",
    )


@pytest.mark.parametrize(
    "status, label",
    [
        (Unit.Status.RESERVED, "Reserved"),
        (Unit.Status.LET, "Let"),
        (Unit.Status.FITTING_OUT, "Fitting out"),
        (Unit.Status.OPEN, "Open"),
    ],
)
def test_a_reserved_let_fitting_out_or_open_unit_is_never_deleted(concourse, status, label):
    a1 = unit(concourse, "A1", 0, 0)
    Unit.objects.filter(pk=a1.pk).update(status=status)

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.unit_delete(actor=None, unit=a1)

    assert exc.value.messages == [f"Unit A1 is {label} and cannot be deleted."]


# --- unit status ----------------------------------------------------------------------------

ALLOWED = sorted((old, new) for old, targets in Unit.TRANSITIONS.items() for new in targets)
FORBIDDEN = sorted(
    pair for pair in itertools.product(Unit.Status, repeat=2) if pair not in set(ALLOWED)
)


def test_the_transition_table_covers_every_status():
    assert set(Unit.TRANSITIONS) == set(Unit.Status)
    assert len(ALLOWED) + len(FORBIDDEN) == len(Unit.Status) ** 2


@pytest.mark.parametrize("old, new", ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_every_allowed_status_change_is_made_and_audited(concourse, old, new):
    a1 = unit(concourse, "A1", 0, 0)
    Unit.objects.filter(pk=a1.pk).update(status=old)
    # Statuses that follow the award or the lease cite the record causing them (here a
    # stand-in: any saved row will do for the service).
    source = concourse if new in Unit.PROCESS_STATUSES else None

    services.unit_change_status(
        actor=None, unit=a1, status=new, reason="tender round 7", source=source
    )

    assert Unit.objects.get(pk=a1.pk).status == new
    entry = last_entry()
    assert (entry.action, entry.before, entry.after, entry.data) == (
        "unit.change_status",
        {"status": old},
        {"status": new},
        {
            "reason": "tender round 7",
            "source": f"stations.level:{concourse.pk}" if source else None,
        },
    )


PROCESS_STEPS = [(old, new) for old, new in ALLOWED if new in Unit.PROCESS_STATUSES]


@pytest.mark.parametrize("old, new", PROCESS_STEPS, ids=[f"{a}->{b}" for a, b in PROCESS_STEPS])
def test_statuses_of_the_award_and_lease_are_never_set_by_hand(concourse, old, new):
    a1 = unit(concourse, "A1", 0, 0)
    Unit.objects.filter(pk=a1.pk).update(status=old)

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.unit_change_status(actor=None, unit=a1, status=new)

    assert exc.value.message_dict == {
        "status": [
            f"A unit becomes “{Unit.Status(new).label}” only through the award or the lease,"
            " not by hand."
        ]
    }


@pytest.mark.parametrize("old, new", FORBIDDEN, ids=[f"{a}->{b}" for a, b in FORBIDDEN])
def test_every_forbidden_status_change_is_refused_readably(concourse, old, new):
    a1 = unit(concourse, "A1", 0, 0)
    Unit.objects.filter(pk=a1.pk).update(status=old)

    with nothing_saved(), pytest.raises(InvalidTransition) as exc:
        services.unit_change_status(actor=None, unit=a1, status=new)

    assert exc.value.messages == [
        f"Unit {concourse.station.code}-A1 cannot go from "
        f"“{Unit.Status(old).label}” to “{Unit.Status(new).label}”."
    ]


# --- zones ----------------------------------------------------------------------------------


def test_a_no_build_zone_clear_of_units_is_created_and_audited(concourse):
    unit(concourse, "A1", 0, 0)

    zone = services.zone_create(
        actor=None,
        level=concourse,
        kind=Zone.Kind.EVACUATION,
        name="疏散",
        polygon=square(10, 0, 5),
    )

    assert Zone.objects.get(pk=zone.pk).polygon_wkt == "POLYGON ((10 0, 15 0, 15 5, 10 5, 10 0))"
    entry = last_entry()
    assert entry.action == "zone.create" and entry.after["kind"] == "evacuation"


def test_a_new_no_build_zone_over_an_existing_unit_is_refused(concourse):
    unit(concourse, "A1", 0, 0)
    unit(concourse, "A2", 30, 0)

    with nothing_saved(), pytest.raises(PlanInvalid) as exc:
        services.zone_create(
            actor=None, level=concourse, kind=Zone.Kind.PASSENGER_FLOW, polygon=square(5, 0, 30, 2)
        )

    assert sorted(exc.value.messages) == [
        "Unit A1 intrudes 10.00 m² into the no-build zone “Passenger flow line”.",
        "Unit A2 intrudes 10.00 m² into the no-build zone “Passenger flow line”.",
    ]


def test_a_paid_area_zone_over_units_is_fine(concourse):
    unit(concourse, "A1", 0, 0)

    services.zone_create(
        actor=None, level=concourse, kind=Zone.Kind.PAID_AREA, polygon=square(0, 0, 100, 100)
    )

    assert Zone.objects.count() == 1


@pytest.mark.parametrize(
    "kind, polygon, field",
    [("swimming_pool", square(0, 0), "kind"), (Zone.Kind.EVACUATION, BOW_TIE, "polygon_wkt")],
)
def test_a_bad_zone_is_refused(concourse, kind, polygon, field):
    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.zone_create(actor=None, level=concourse, kind=kind, polygon=polygon)

    assert list(exc.value.message_dict) == [field]


# --- utility points -------------------------------------------------------------------------


def test_utility_points_are_placed_assigned_and_audited(concourse):
    a1 = unit(concourse, "A1", 0, 0)

    points = services.utility_points_create(
        actor=None,
        level=concourse,
        specs=[
            PointSpec(kind="cabinet", x="5", y="5", capacity_kw="80", code="PD1"),
            PointSpec(kind="water", x=Decimal("10"), y=Decimal("3.333")),
            PointSpec(kind="lightbox_socket", x=100, y=50),
        ],
    )

    saved = {p.kind: p for p in UtilityPoint.objects.filter(pk__in=[p.pk for p in points])}
    assert saved["cabinet"].unit_id == a1.pk and saved["cabinet"].capacity_kw == Decimal("80.00")
    assert saved["water"].unit_id == a1.pk and saved["water"].y == Decimal("3.33")
    assert saved["lightbox_socket"].unit_id is None
    entries = Entry.objects.filter(action="utility_point.create").order_by("seq")
    assert [e.after["kind"] for e in entries] == ["cabinet", "water", "lightbox_socket"]
    assert entries[0].after["capacity_kw"] == "80.00"


@pytest.mark.parametrize(
    "spec, field, message",
    [
        (
            PointSpec(kind="water", x=Decimal("500"), y=Decimal("5"), code="W1"),
            None,
            "Utility point W1 at (500.00, 5.00) lies outside the level outline.",
        ),
        (
            PointSpec(kind="cabinet", x=Decimal("5"), y=Decimal("5"), code="PD1"),
            "capacity_kw",
            "A distribution cabinet needs its capacity in kW; other points have none (PD1).",
        ),
        (
            PointSpec(
                kind="floor_socket", x=Decimal("5"), y=Decimal("5"), capacity_kw=Decimal("3")
            ),
            "capacity_kw",
            "A distribution cabinet needs its capacity in kW; other points have none (floor_socket).",
        ),
        (PointSpec(kind="water", x="east", y=Decimal("5")), "x", "“east” is not a number."),
        (
            PointSpec(kind="water", x=Decimal("5"), y="Infinity"),
            "y",
            "must be a finite number, not Infinity.",
        ),
        (PointSpec(kind="water", x="1e30", y=Decimal("5")), "x", "1E+30 is too large."),
        (PointSpec(kind="hydrant", x=Decimal("5"), y=Decimal("5")), "kind", None),
        (
            PointSpec(kind="cabinet", x=Decimal("5"), y=Decimal("5"), capacity_kw=Decimal("-5")),
            "capacity_kw",
            "must be a finite number ≥ 0, not -5.",
        ),
    ],
    ids=[
        "outside",
        "cabinet-no-capacity",
        "socket-capacity",
        "garbage-x",
        "inf-y",
        "huge-x",
        "kind",
        "negative",
    ],
)
def test_a_bad_utility_point_is_refused_and_none_of_its_batch_is_saved(
    concourse, spec, field, message
):
    good = PointSpec(kind="water", x=Decimal("1"), y=Decimal("1"))

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.utility_points_create(actor=None, level=concourse, specs=[good, spec])

    if field is None:
        assert exc.value.messages == [message]
    else:
        assert list(exc.value.message_dict) == [field]
        if message:
            assert exc.value.message_dict[field] == [message]


def test_a_utility_point_is_deleted_and_audited(concourse):
    water = point(concourse, "water", 5, 5, code="W1")

    services.utility_point_delete(actor=None, point=water)

    assert not UtilityPoint.objects.filter(pk=water.pk).exists()
    entry = last_entry()
    assert (entry.action, entry.before["code"]) == ("utility_point.delete", "W1")


def test_deleting_a_cabinet_that_would_leave_units_short_of_power_is_refused(concourse):
    big = cabinet(concourse, 190, 90, "100")
    small = cabinet(concourse, 190, 80, "30")
    unit(concourse, "A1", 0, 0, power_kw="90")

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.utility_point_delete(actor=None, point=big)

    assert exc.value.message_dict["power_kw"] == [
        f"Station {concourse.station.code} would allocate 90.00 kW to its units but its "
        "distribution cabinets provide only 30.00 kW."
    ]
    services.utility_point_delete(actor=None, point=small)
    assert UtilityPoint.objects.filter(kind="cabinet").count() == 1


# --- who may change what --------------------------------------------------------------------


@dataclass
class Space:
    station: Station
    level: Level
    unit: Unit
    zone: Zone
    point: UtilityPoint


def make_space() -> Space:
    lv = level()
    return Space(
        station=lv.station,
        level=lv,
        unit=unit(lv, "A1", 0, 0),
        zone=services.zone_create(
            actor=None, level=lv, kind=Zone.Kind.EVACUATION, polygon=square(50, 0, 5, 100)
        ),
        point=point(lv, "water", 5, 5),
    )


CHANGES = {
    "station_update": lambda actor, s: services.station_update(
        actor=actor, station=s.station, city="Hengyang"
    ),
    "level_create": lambda actor, s: services.level_create(
        actor=actor, station=s.station, name="地下层", ordinal=-1, outline=square(0, 0, 50)
    ),
    "level_update": lambda actor, s: services.level_update(actor=actor, level=s.level, name="新"),
    "unit_create": lambda actor, s: services.unit_create(
        actor=actor, level=s.level, code="A9", polygon=square(20, 0)
    ),
    "units_create": lambda actor, s: services.units_create(
        actor=actor, level=s.level, specs=[UnitSpec(code="A8", polygon=square(20, 20))]
    ),
    "unit_update": lambda actor, s: services.unit_update(actor=actor, unit=s.unit, name="咖啡"),
    "unit_change_status": lambda actor, s: services.unit_change_status(
        actor=actor, unit=s.unit, status=Unit.Status.AVAILABLE
    ),
    "unit_delete": lambda actor, s: services.unit_delete(actor=actor, unit=s.unit),
    "zone_create": lambda actor, s: services.zone_create(
        actor=actor, level=s.level, kind=Zone.Kind.PAID_AREA, polygon=square(0, 0, 100)
    ),
    "zone_delete": lambda actor, s: services.zone_delete(actor=actor, zone=s.zone),
    "utility_points_create": lambda actor, s: services.utility_points_create(
        actor=actor, level=s.level, specs=[PointSpec(kind="cabinet", x=1, y=1, capacity_kw=9)]
    ),
    "utility_point_delete": lambda actor, s: services.utility_point_delete(
        actor=actor, point=s.point
    ),
}
ALL_CHANGES = {
    **CHANGES,
    "station_create": lambda actor, s: services.station_create(actor=actor, **STATION),
}


@pytest.fixture(
    params=["no role", "merchant", "inspector", "other station's officer", "inactive officer"]
)
def outsider(request):
    if request.param == "no role":
        return UserFactory()
    if request.param == "merchant":
        return UserFactory(roles=["merchant"])
    if request.param == "inspector":
        return inspector()
    if request.param == "other station's officer":
        return station_officer(StationFactory())
    user = officer()
    user.is_active = False
    user.save()
    return user


@pytest.mark.parametrize("service", sorted(ALL_CHANGES))
def test_a_user_who_does_not_manage_the_station_may_change_nothing(outsider, service):
    space = make_space()

    with nothing_saved(), pytest.raises(PermissionDenied):
        ALL_CHANGES[service](outsider, space)


@pytest.mark.parametrize("service", sorted(CHANGES))
def test_a_station_officer_changes_their_own_station_and_not_another(service):
    mine, theirs = make_space(), make_space()
    actor = station_officer(mine.station, username="css-officer")

    with nothing_saved(), pytest.raises(PermissionDenied) as exc:
        CHANGES[service](actor, theirs)
    assert str(exc.value) == f"You may not change the space of station {theirs.station.code}."

    CHANGES[service](actor, mine)
    entry = last_entry()
    assert (entry.actor_id, entry.actor_name) == (actor.pk, "css-officer")


@pytest.mark.parametrize("service", sorted(ALL_CHANGES))
def test_a_network_officer_changes_every_station(service):
    make_space()
    space = make_space()
    actor = officer()
    entries = Entry.objects.count()

    ALL_CHANGES[service](actor, space)

    assert Entry.objects.count() > entries
    assert last_entry().actor_id == actor.pk


def test_a_station_manager_holding_the_station_may_change_it():
    space = make_space()
    actor = station_officer(space.station, role="station manager")

    services.unit_update(actor=actor, unit=space.unit, name="书店")

    assert Unit.objects.get(pk=space.unit.pk).name == "书店"


# --- added with the batch journal, the zone outline rule and the status guard ---------------


def test_an_unknown_status_is_refused_by_name_and_nothing_saved(concourse):
    a1 = unit(concourse, "A1", 0, 0)

    with nothing_saved(), pytest.raises(ValidationError) as exc:
        services.unit_change_status(actor=None, unit=a1, status="demolished")

    assert exc.value.message_dict == {"status": ["“demolished” is not a status of unit."]}


def test_a_zone_reaching_outside_the_level_is_refused_and_nothing_saved(concourse):
    with nothing_saved(), pytest.raises(PlanInvalid) as exc:
        services.zone_create(
            actor=None,
            level=concourse,
            kind="evacuation",
            polygon=square(190, 0, 20, 100),
            name="E9",
        )

    assert exc.value.messages == ["Zone E9 lies outside the level outline by 1000.00 m²."]


def test_a_batch_of_units_is_journalled_as_one_entry_per_unit_in_a_valid_chain(concourse):
    from audit.journal import verify
    from audit.models import Entry

    first = Entry.objects.count()
    specs = [services.UnitSpec(code=f"B{i}", polygon=square(i * 10, 0)) for i in range(12)]

    units = services.units_create(actor=None, level=concourse, specs=specs)

    entries = list(Entry.objects.filter(seq__gt=first).order_by("seq"))
    assert [e.target_id for e in entries] == [str(u.pk) for u in units]
    assert {e.action for e in entries} == {"unit.create"}
    assert verify() is None


def test_a_batch_looks_up_business_types_once(concourse, django_assert_max_num_queries):
    specs = [
        services.UnitSpec(
            code=f"T{i}", polygon=square(i * 10, 0), business_types=["coffee", "bookstore"]
        )
        for i in range(15)
    ]
    few = [services.UnitSpec(code="Q1", polygon=square(0, 50), business_types=["coffee"])]
    with CaptureQueriesContext(connection) as one:
        services.units_create(actor=None, level=concourse, specs=few)
    with django_assert_max_num_queries(len(one.captured_queries) + 2):
        services.units_create(actor=None, level=concourse, specs=specs)
