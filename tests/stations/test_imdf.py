"""IMDF 1.0 export and import: georeferencing, the archive's content, the round trip, refusals."""

import io
import json
import math
import uuid
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import pytest
import shapely
from django.core.exceptions import PermissionDenied
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import Entry
from stations import imdf, services
from stations.models import Level, Station, Unit, UtilityPoint, Zone
from tests.factories import station_officer
from tests.stations.factories import StationFactory, square

# The IMDF 1.0 category lists (OGC 20-094, "Categories") for the values we write.
IMDF_UNIT_CATEGORIES = {
    "auditorium", "brick", "classroom", "column", "concrete", "conferenceroom", "drywall",
    "elevator", "escalator", "fieldofplay", "firstaid", "fitnessroom", "foodservice",
    "footbridge", "glass", "huddleroom", "kitchen", "laboratory", "library", "lobby", "lounge",
    "mailroom", "mothersroom", "movietheater", "movingwalkway", "nonpublic", "office",
    "opentobelow", "parking", "phoneroom", "platform", "privatelounge", "ramp", "recreation",
    "restroom", "restroom.family", "restroom.female", "restroom.female.wheelchair",
    "restroom.male", "restroom.male.wheelchair", "restroom.transgender",
    "restroom.transgender.wheelchair", "restroom.unisex", "restroom.unisex.wheelchair",
    "restroom.wheelchair", "road", "room", "serverroom", "shower", "smokingarea", "stairs",
    "steps", "storage", "structure", "terrace", "theater", "unenclosedarea", "unspecified",
    "vegetation", "waitingroom", "walkway", "walkway.island", "wood",
}  # fmt: skip
IMDF_SECTION_CATEGORIES = {"paidarea", "walkway", "private", "retail", "servicearea"}
GEOMETRY = {
    "venue.geojson": {"Polygon", "MultiPolygon"},
    "level.geojson": {"Polygon"},
    "unit.geojson": {"Polygon"},
    "section.geojson": {"Polygon"},
    "amenity.geojson": {"Point"},
    "hsr_utility.geojson": {"Point"},
}
OFFICE_WKT = "POLYGON ((20 5, 31.25 5, 35.5 14.75, 20 12.333, 20 5))"


def build_station(code="T30") -> Station:
    """Two levels, units of several kinds, zones, utility points; plan rotated 30°."""
    station = StationFactory(
        code=code,
        name_zh="测试南站",
        name_en="Test South",
        latitude=Decimal("28.147000"),
        longitude=Decimal("113.064000"),
        plan_rotation_deg=Decimal("30"),
    )
    upper = services.level_create(
        actor=None,
        station=station,
        name="高架层",
        short_name="2F",
        ordinal=1,
        outline=square(0, 0, 200, 100),
    )
    ground = services.level_create(
        actor=None, station=station, name="地面层", ordinal=0, outline=square(0, 0, 120, 60)
    )
    services.zone_create(
        actor=None,
        level=upper,
        kind="evacuation",
        name="东疏散通道",
        polygon=square(0, 40, 200, 10),
    )
    services.zone_create(actor=None, level=ground, kind="paid_area", polygon=square(60, 0, 60, 60))
    services.utility_points_create(
        actor=None,
        level=upper,
        specs=[
            services.PointSpec(kind="cabinet", x=100, y=80, capacity_kw=Decimal("60"), code="C1"),
            services.PointSpec(kind="toilet", x=15, y=15, code="T1"),
            services.PointSpec(kind="washbasin", x=150.25, y=80.5, code="W1"),
            services.PointSpec(kind="floor_socket", x=12, y=12, code="FS1"),
            services.PointSpec(kind="lightbox_socket", x=51, y=10.25),
        ],
    )
    services.utility_points_create(
        actor=None,
        level=ground,
        specs=[
            services.PointSpec(kind="water", x=7, y=7, code="WS1"),
            services.PointSpec(kind="drainage", x=8, y=7),
        ],
    )
    services.units_create(
        actor=None,
        level=upper,
        specs=[
            services.UnitSpec(
                code="A101",
                polygon=square(10, 10, 10),
                kind="shop",
                business_types=["coffee"],
                power_kw=Decimal("20"),
                has_exhaust=True,
                name="咖啡店",
            ),
            services.UnitSpec(
                code="A102", polygon=square(30, 10, 5), kind="kiosk", business_types=["bookstore"]
            ),
            services.UnitSpec(code="A103", polygon=square(50, 10, 2, 0.5), kind="lightbox"),
            services.UnitSpec(
                code="A104", polygon=square(60, 10, 3, 2), kind="counter", in_paid_area=True
            ),
        ],
    )
    services.units_create(
        actor=None,
        level=ground,
        specs=[
            services.UnitSpec(code="B001", polygon=square(5, 5, 8, 6), kind="storage"),
            services.UnitSpec(code="B002", polygon=OFFICE_WKT, kind="office"),
        ],
    )
    return Station.objects.get(pk=station.pk)


def members(data: bytes) -> dict[str, object]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def rewrite(data: bytes, **changes) -> bytes:
    """A copy of the archive with members replaced (value) or removed (None); names use __."""
    contents = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            contents[name] = archive.read(name)
    for key, value in changes.items():
        name = key.replace("__", ".")
        if value is None:
            contents.pop(name, None)
        else:
            contents[name] = value if isinstance(value, bytes) else json.dumps(value).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, raw in contents.items():
            archive.writestr(name, raw)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (
        Station.objects.count(),
        Level.objects.count(),
        Unit.objects.count(),
        Zone.objects.count(),
        UtilityPoint.objects.count(),
        Entry.objects.count(),
    )


def by_code(files, name="unit.geojson") -> dict[str, dict]:
    return {f["properties"]["hsr:code"]: f for f in files[name]["features"]}


def lonlat_ring(station, plan_points) -> list[list[float]]:
    xs, ys = zip(*plan_points, strict=True)
    lon, lat = imdf.plan_to_wgs84(xs, ys, station)
    return [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]


@pytest.fixture
def station(db):
    return build_station()


@pytest.fixture
def archive(station) -> bytes:
    return imdf.export_station(station)


# --- georeferencing -----------------------------------------------------------------------


def test_plan_y_axis_points_clockwise_from_north_by_the_rotation():
    east_facing = SimpleNamespace(latitude=28.147, longitude=113.064, plan_rotation_deg=90)
    lon, lat = imdf.plan_to_wgs84([0.0], [100.0], east_facing)
    assert lon[0] > 113.064
    assert lat[0] == pytest.approx(28.147, abs=1e-12)

    thirty = SimpleNamespace(latitude=28.147, longitude=113.064, plan_rotation_deg=30)
    lon, lat = imdf.plan_to_wgs84([0.0], [100.0], thirty)
    origin = SimpleNamespace(latitude=28.147, longitude=113.064, plan_rotation_deg=0)
    east, north = imdf.wgs84_to_plan(lon, lat, origin)
    assert east[0] == pytest.approx(50.0, abs=1e-9)
    assert north[0] == pytest.approx(100 * math.cos(math.radians(30)), abs=1e-9)


def test_degree_lengths_follow_the_wgs84_ellipsoid_not_a_flat_constant():
    """Compared with the standard series for the length of a degree on WGS84."""
    phi = math.radians(28.147)
    meridian_degree = 111132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    parallel_degree = (
        111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi) + 0.118 * math.cos(5 * phi)
    )
    origin = SimpleNamespace(latitude=28.147, longitude=113.064, plan_rotation_deg=0)
    lon, lat = imdf.plan_to_wgs84([1000.0, 0.0], [0.0, 1000.0], origin)
    assert (lon[0] - 113.064) * parallel_degree == pytest.approx(1000.0, rel=2e-5)
    assert (lat[1] - 28.147) * meridian_degree == pytest.approx(1000.0, rel=2e-5)


@settings(max_examples=300, deadline=None)
@given(
    rotation=st.floats(-360, 360),
    latitude=st.floats(-80, 80),
    longitude=st.floats(-180, 180),
    x=st.floats(-2000, 2000),
    y=st.floats(-2000, 2000),
)
def test_plan_coordinates_survive_a_round_trip_within_a_millimetre(
    rotation, latitude, longitude, x, y
):
    station = SimpleNamespace(latitude=latitude, longitude=longitude, plan_rotation_deg=rotation)
    lon, lat = imdf.plan_to_wgs84([x], [y], station)
    # Written to the archive with COORD_DECIMALS decimals, then read back.
    lon, lat = round(float(lon[0]), imdf.COORD_DECIMALS), round(float(lat[0]), imdf.COORD_DECIMALS)
    back_x, back_y = imdf.wgs84_to_plan([lon], [lat], station)
    assert abs(back_x[0] - x) < 0.001
    assert abs(back_y[0] - y) < 0.001


# --- export -------------------------------------------------------------------------------


def test_export_holds_every_imdf_file_as_a_feature_collection(archive):
    files = members(archive)
    assert set(files) >= {
        "manifest.json",
        "address.geojson",
        "venue.geojson",
        "level.geojson",
        "unit.geojson",
        "opening.geojson",
        "amenity.geojson",
        "occupant.geojson",
        "anchor.geojson",
    }
    manifest = files["manifest.json"]
    assert manifest["version"] == "1.0.0"
    assert manifest["language"] == "zh-Hans"
    assert manifest["generated_by"]
    assert manifest["created"]
    assert imdf.EXTENSION_ID in manifest["extensions"]
    for name, content in files.items():
        if name == "manifest.json":
            continue
        assert content["type"] == "FeatureCollection", name
        for feature in content["features"]:
            assert feature["type"] == "Feature"
            assert str(uuid.UUID(feature["id"])) == feature["id"]
            assert feature["feature_type"] == name.removesuffix(".geojson")
            assert isinstance(feature["properties"], dict)
            if name in GEOMETRY:
                assert feature["geometry"]["type"] in GEOMETRY[name], name
    for name in ("opening.geojson", "occupant.geojson", "anchor.geojson"):
        assert files[name]["features"] == []


def test_export_venue_address_and_levels_carry_the_required_properties(archive, station):
    files = members(archive)
    (venue,) = files["venue.geojson"]["features"]
    (address,) = files["address.geojson"]["features"]
    assert venue["properties"]["category"] == "transitstation"
    assert venue["properties"]["name"] == {"zh-Hans": "测试南站", "en": "Test South"}
    assert venue["properties"]["address_id"] == address["id"]
    assert venue["properties"]["display_point"]["type"] == "Point"
    assert address["geometry"] is None
    assert address["properties"]["locality"] == station.city
    assert address["properties"]["province"] == "CN-HN"
    assert address["properties"]["country"] == "CN"
    levels = {f["properties"]["ordinal"]: f for f in files["level.geojson"]["features"]}
    assert set(levels) == {0, 1}
    upper = levels[1]["properties"]
    assert upper["category"] == "unspecified"
    assert upper["outdoor"] is False
    assert upper["name"] == {"zh-Hans": "高架层"}
    assert upper["short_name"] == {"zh-Hans": "2F"}
    assert upper["building_ids"] is None
    assert "display_point" in upper


def test_export_writes_lon_lat_around_the_station_with_enough_decimals(archive):
    files = members(archive)
    (venue,) = files["venue.geojson"]["features"]
    lon, lat = venue["properties"]["display_point"]["coordinates"]
    assert 113.0 < lon < 113.2
    assert 28.1 < lat < 28.2
    raw = zipfile.ZipFile(io.BytesIO(archive)).read("unit.geojson").decode()
    assert any(len(part.split(".")[1]) >= 9 for part in raw.split(",") if "113." in part)


def test_export_units_keep_code_kind_and_use_imdf_categories(archive, station):
    files = members(archive)
    units = by_code(files)
    assert set(units) == {"A101", "A102", "A103", "A104", "B001", "B002"}
    categories = {code: f["properties"]["category"] for code, f in units.items()}
    assert set(categories.values()) <= IMDF_UNIT_CATEGORIES
    assert categories["A101"] == "foodservice"  # a shop designated for coffee (catering)
    assert categories["B001"] == "storage"
    assert categories["B002"] == "office"
    assert units["A103"]["properties"]["hsr:kind"] == "lightbox"
    level_ids = {f["id"] for f in files["level.geojson"]["features"]}
    assert all(f["properties"]["level_id"] in level_ids for f in units.values())
    assert units["A101"]["properties"]["hsr:business_types"] == ["coffee"]
    assert units["A101"]["properties"]["hsr:area_m2"] == "100.00"
    sections = files["section.geojson"]["features"]
    assert {s["properties"]["hsr:kind"] for s in sections} == {"evacuation", "paid_area"}
    assert {s["properties"]["category"] for s in sections} <= IMDF_SECTION_CATEGORIES


def test_export_amenities_are_the_toilet_and_washbasin_interfaces_linked_to_their_unit(archive):
    files = members(archive)
    unit_ids = {code: f["id"] for code, f in by_code(files).items()}
    amenities = {f["properties"]["hsr:code"]: f for f in files["amenity.geojson"]["features"]}
    assert set(amenities) == {"T1", "W1"}
    assert amenities["T1"]["properties"]["category"] == "restroom"
    assert amenities["T1"]["properties"]["unit_ids"] == [unit_ids["A101"]]
    assert amenities["W1"]["properties"]["unit_ids"] == []  # not inside any unit
    utilities = files["hsr_utility.geojson"]["features"]
    assert sorted(f["properties"]["category"] for f in utilities) == sorted(
        ["cabinet", "floor_socket", "lightbox_socket", "water", "drainage"]
    )
    (cabinet,) = [f for f in utilities if f["properties"]["category"] == "cabinet"]
    assert cabinet["properties"]["capacity_kw"] == "60.00"


def test_export_gives_the_same_feature_ids_every_time(station):
    first, second = members(imdf.export_station(station)), members(imdf.export_station(station))
    for name in ("venue.geojson", "level.geojson", "unit.geojson", "amenity.geojson"):
        assert [f["id"] for f in first[name]["features"]] == [
            f["id"] for f in second[name]["features"]
        ]


def test_export_of_a_station_without_levels_is_refused(db):
    station = StationFactory(code="EMPTY")
    with pytest.raises(Exception, match="has no levels"):
        imdf.export_station(station)


# --- round trip ---------------------------------------------------------------------------


def test_export_import_export_gives_the_same_units_areas_and_points(archive, station):
    copy = imdf.import_station(archive, code="T30B")
    again = members(imdf.export_station(copy))
    first = members(archive)
    units_before, units_after = by_code(first), by_code(again)
    assert set(units_before) == set(units_after)
    for code, before in units_before.items():
        after = units_after[code]
        for key in ("hsr:kind", "hsr:business_types", "hsr:power_kw", "hsr:has_exhaust"):
            assert after["properties"][key] == before["properties"][key], (code, key)
        area_before = Decimal(before["properties"]["hsr:area_m2"])
        area_after = Decimal(after["properties"]["hsr:area_m2"])
        assert abs(area_after - area_before) <= Decimal("0.01"), code

    original = {u.code: u for u in station.units.all()}
    for unit in copy.units.all():
        source = original[unit.code]
        assert abs(unit.area_m2 - source.area_m2) <= Decimal("0.01")
        assert unit.in_paid_area == source.in_paid_area
        assert unit.name == source.name
        assert shapely.normalize(shapely.from_wkt(unit.polygon_wkt)).equals_exact(
            shapely.normalize(shapely.from_wkt(source.polygon_wkt)), 1e-4
        )
    assert {(lv.ordinal, lv.name, lv.short_name) for lv in copy.levels.all()} == {
        (lv.ordinal, lv.name, lv.short_name) for lv in station.levels.all()
    }

    def points(of):
        return sorted(
            (p.level.ordinal, p.kind, p.code, p.x, p.y, p.capacity_kw, p.unit and p.unit.code)
            for p in UtilityPoint.objects.filter(level__station=of).select_related("unit", "level")
        )

    assert points(copy) == points(station)
    assert sorted(Zone.objects.filter(level__station=copy).values_list("kind", "name")) == sorted(
        Zone.objects.filter(level__station=station).values_list("kind", "name")
    )
    assert (copy.latitude, copy.longitude, copy.plan_rotation_deg) == (
        station.latitude,
        station.longitude,
        station.plan_rotation_deg,
    )
    assert copy.tier == station.tier
    assert copy.name_en == station.name_en


def test_import_of_a_new_station_from_its_own_archive_after_deleting_the_original(archive):
    Station.objects.filter(code="T30").delete()
    station = imdf.import_station(io.BytesIO(archive))
    assert station.code == "T30"
    assert station.units.count() == 6
    assert all(u.status == Unit.Status.PLANNED for u in station.units.all())


def test_an_archive_without_our_unit_extension_is_read_from_the_imdf_categories(archive):
    """Units, sections and amenities as another IMDF tool would leave them (venue kept)."""
    files = members(archive)
    for name in ("unit.geojson", "section.geojson", "amenity.geojson", "level.geojson"):
        for feature in files[name]["features"]:
            for key in [k for k in feature["properties"] if k.startswith("hsr:")]:
                del feature["properties"][key]
    walkway = json.loads(json.dumps(by_code(members(archive))["A102"]))
    walkway["id"] = str(uuid.uuid4())
    walkway["properties"] = {"category": "walkway", "level_id": walkway["properties"]["level_id"]}
    files["unit.geojson"]["features"].append(walkway)  # on top of A102, but not a lettable unit
    changed = {
        name.replace(".", "__"): files[name]
        for name in ("unit.geojson", "section.geojson", "amenity.geojson", "level.geojson")
    }
    station = imdf.import_station(
        rewrite(archive, **changed, hsr_utility__geojson=None), code="EXT"
    )
    kinds = dict(station.units.values_list("code", "kind"))
    assert kinds == {
        "A101": "shop",
        "A102": "shop",
        "A103": "lightbox",
        "A104": "counter",
        "B001": "storage",
        "B002": "office",
    }
    points = UtilityPoint.objects.filter(level__station=station)
    assert sorted(points.values_list("kind", flat=True)) == ["toilet"]  # restroom amenity only
    assert points.get().unit.code == "A101"
    zones = Zone.objects.filter(level__station=station)
    assert list(zones.values_list("kind", flat=True)) == ["paid_area"]  # walkway not a zone


def test_import_by_an_officer_of_another_station_is_refused_and_saves_nothing(archive, station):
    officer = station_officer(StationFactory(code="OTHER"))
    before = counts()
    with pytest.raises(PermissionDenied):
        imdf.import_station(archive, actor=officer, code="T30C")
    assert counts() == before


# --- refusals -----------------------------------------------------------------------------


def refused(data, *, code="NEW", expect: str):
    before = counts()
    with pytest.raises(imdf.ArchiveInvalid) as info:
        imdf.import_station(data, code=code)
    assert counts() == before
    assert any(expect in message for message in info.value.messages), info.value.messages
    return info.value.messages


def test_a_file_that_is_not_a_zip_is_refused(db):
    refused(b"this is not a zip", expect="not a zip archive")


def test_an_archive_without_manifest_is_refused(archive):
    refused(rewrite(archive, manifest__json=None), expect="manifest.json: the archive has no")


def test_an_archive_of_another_imdf_version_is_refused(archive):
    manifest = members(archive)["manifest.json"] | {"version": "2.0.0"}
    refused(rewrite(archive, manifest__json=manifest), expect="version is “2.0.0”")


def test_an_archive_without_level_file_is_refused_without_a_cascade_of_faults(archive):
    messages = refused(
        rewrite(archive, level__geojson=None), expect="level.geojson: the archive has no"
    )
    assert not [m for m in messages if "does not match any level" in m]


def test_a_file_that_is_not_a_feature_collection_is_refused(archive):
    refused(
        rewrite(archive, unit__geojson={"type": "Feature"}),
        expect="unit.geojson: must be a GeoJSON FeatureCollection",
    )


def test_a_unit_on_an_unknown_level_is_refused_naming_the_unit(archive):
    units = members(archive)["unit.geojson"]
    bad = units["features"][0]
    bad["properties"]["level_id"] = str(uuid.uuid4())
    messages = refused(rewrite(archive, unit__geojson=units), expect="does not match any level")
    assert any(bad["id"] in m and "unit.geojson" in m for m in messages)


def test_an_amenity_linked_to_an_unknown_unit_is_refused(archive):
    amenities = members(archive)["amenity.geojson"]
    amenities["features"][0]["properties"]["unit_ids"] = ["not-a-unit"]
    refused(rewrite(archive, amenity__geojson=amenities), expect="do not match any unit")


def test_a_feature_without_id_or_with_the_wrong_geometry_type_is_refused(archive):
    units = members(archive)["unit.geojson"]
    del units["features"][0]["id"]
    units["features"][1]["geometry"] = {"type": "Point", "coordinates": [113.0, 28.0]}
    messages = refused(rewrite(archive, unit__geojson=units), expect="“id” must be a UUID")
    assert any("geometry must be Polygon, not Point" in m for m in messages)


def test_a_coordinate_that_is_not_finite_is_refused(archive):
    units = members(archive)["unit.geojson"]
    units["features"][0]["geometry"]["coordinates"][0][1][0] = float("nan")
    raw = json.dumps(units).encode()  # json writes NaN, which json.loads reads back
    refused(rewrite(archive, unit__geojson=raw), expect="not a finite number")


def test_a_self_intersecting_unit_polygon_is_refused(archive, station):
    files = members(archive)
    units = files["unit.geojson"]
    target = by_code(files)["A102"]
    target["geometry"]["coordinates"] = [
        lonlat_ring(station, [(30, 10), (35, 15), (35, 10), (30, 15), (30, 10)])
    ]
    messages = refused(rewrite(archive, unit__geojson=units), expect="Unit A102: polygon")
    assert any("Self-intersection" in m and target["id"] in m for m in messages)


def test_overlapping_units_are_refused_with_their_codes_and_overlap(archive, station):
    files = members(archive)
    units = files["unit.geojson"]
    by_code(files)["A102"]["geometry"]["coordinates"] = [
        lonlat_ring(station, [(15, 15), (20, 15), (20, 20), (15, 20), (15, 15)])
    ]
    refused(
        rewrite(archive, unit__geojson=units),
        expect="Units A101 and A102 overlap by 25.00 m²",
    )


def test_a_station_code_that_exists_is_refused(archive):
    refused(archive, code=None, expect="station code T30 already exists")


def test_a_member_name_leaving_the_archive_is_refused(archive):
    data = io.BytesIO(archive)
    with zipfile.ZipFile(data, "a") as zf:
        zf.writestr("../../etc/evil.geojson", b"{}")
    refused(data.getvalue(), expect="“../../etc/evil.geojson” is unsafe")


def test_an_absolute_member_name_is_refused(archive):
    data = io.BytesIO(archive)
    with zipfile.ZipFile(data, "a") as zf:
        zf.writestr(zipfile.ZipInfo("/tmp/evil.geojson"), b"{}")
    refused(data.getvalue(), expect="is unsafe")


def test_an_archive_that_unpacks_beyond_the_cap_is_refused(archive, monkeypatch):
    monkeypatch.setattr(imdf, "MAX_UNCOMPRESSED_BYTES", 10_000)
    data = rewrite(archive, padding__txt=b"0" * 20_000)  # compresses to almost nothing
    assert len(data) < 20_000
    refused(data, expect="would unpack to")


def test_an_archive_with_too_many_members_is_refused(archive, monkeypatch):
    monkeypatch.setattr(imdf, "MAX_MEMBERS", 12)
    extra = {f"extra{i}__txt": b"x" for i in range(5)}
    refused(rewrite(archive, **extra), expect="at most 12 are accepted")


def test_every_fault_of_an_archive_is_listed_at_once(archive):
    files = members(archive)
    files["unit.geojson"]["features"][0]["properties"]["level_id"] = str(uuid.uuid4())
    files["amenity.geojson"]["features"][0]["properties"]["unit_ids"] = ["nowhere"]
    messages = refused(
        rewrite(
            archive,
            unit__geojson=files["unit.geojson"],
            amenity__geojson=files["amenity.geojson"],
            opening__geojson=None,
        ),
        expect="does not match any level",
    )
    assert any("do not match any unit" in m for m in messages)
    assert any("opening.geojson: the archive has no" in m for m in messages)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(
        [
            "venue.geojson",
            "level.geojson",
            "unit.geojson",
            "section.geojson",
            "amenity.geojson",
            "hsr_utility.geojson",
            "address.geojson",
        ]
    ),
    pick=st.integers(0, 50),
    key_pick=st.integers(0, 50),
    value=JSON_VALUES,
    top_level=st.booleans(),
)
def test_a_damaged_archive_is_imported_or_refused_clearly_never_crashes(
    archive, name, pick, key_pick, value, top_level
):
    files = members(archive)
    features = files[name]["features"]
    feature = features[pick % len(features)]
    target = feature if top_level else feature["properties"]
    keys = sorted(target)
    target[keys[key_pick % len(keys)]] = value
    before = counts()
    try:
        imdf.import_station(rewrite(archive, **{name.replace(".", "__"): files[name]}), code="FZ")
    except imdf.ArchiveInvalid as exc:
        assert exc.messages
        assert counts() == before
    else:
        Station.objects.filter(code="FZ").delete()


def test_a_fault_only_the_services_find_rolls_the_whole_import_back(archive, station, monkeypatch):
    """With the pre-check of the plan rules switched off, the services still refuse it."""
    monkeypatch.setattr(imdf, "_plan_faults", lambda *args: None)
    files = members(archive)
    by_code(files)["A102"]["geometry"]["coordinates"] = [
        lonlat_ring(station, [(15, 15), (20, 15), (20, 20), (15, 20), (15, 15)])
    ]
    messages = refused(rewrite(archive, unit__geojson=files["unit.geojson"]), expect="overlap")
    assert any("nothing was imported" in m for m in messages)


# --- commands -----------------------------------------------------------------------------


def test_export_command_writes_the_archive_and_reports_counts(station, tmp_path):
    target = tmp_path / "t30.zip"
    out = io.StringIO()
    call_command("export_imdf", "T30", str(target), stdout=out)
    assert zipfile.is_zipfile(target)
    assert (
        "2 levels, 6 units, 2 zones, 2 amenities, 5 other utility points; occupants (open outlets): 0"
        in out.getvalue()
    )


def test_export_command_with_an_unknown_code_fails(db, tmp_path):
    with pytest.raises(CommandError, match="No station has the code NOPE"):
        call_command("export_imdf", "NOPE", str(tmp_path / "x.zip"))


def test_export_command_into_a_missing_folder_fails(station, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_imdf", "T30", str(tmp_path / "missing" / "x.zip"))


def test_import_command_creates_the_station_and_reports_counts(archive, tmp_path):
    source = tmp_path / "t30.zip"
    source.write_bytes(archive)
    out = io.StringIO()
    call_command("import_imdf", str(source), "--code", "T30D", stdout=out)
    assert "Imported station T30D" in out.getvalue()
    assert "2 levels, 6 units, 2 zones, 7 utility points" in out.getvalue()
    assert Station.objects.filter(code="T30D").exists()


@pytest.fixture
def keep_connection(monkeypatch):
    """run_from_argv closes every connection when it ends; keep the test's transaction."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def test_import_command_exits_non_zero_with_the_reasons_and_saves_nothing(
    archive, tmp_path, capsys, keep_connection
):
    source = tmp_path / "t30.zip"
    source.write_bytes(rewrite(archive, level__geojson=None))
    before = counts()
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "import_imdf", str(source), "--code", "T30E"]).execute()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "was not imported" in err
    assert "level.geojson: the archive has no such file" in err
    assert counts() == before


def test_import_command_succeeds_with_exit_zero(archive, tmp_path, capsys, keep_connection):
    source = tmp_path / "t30.zip"
    source.write_bytes(archive)
    ManagementUtility(["manage.py", "import_imdf", str(source), "--code", "T30F"]).execute()
    assert "Imported station T30F" in capsys.readouterr().out
    assert Station.objects.filter(code="T30F").exists()


def test_import_command_with_a_missing_file_fails(db, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_imdf", str(tmp_path / "none.zip"))
