"""IMDF occupants and anchors: the registry of occupant sources, the features against the
IMDF 1.0 rules, their categories, and an archive with them imported and exported again.

The outlets here come from a hand-made source; the open leases (leasing.occupants) are tested
in tests/leasing/test_occupants.py.
"""

import datetime as dt
import io
import re
import uuid

import pytest
import shapely
from django.core.management import call_command

from stations import catalogue, imdf
from stations.models import Unit
from tests.stations.test_imdf import build_station, by_code, members, refused, rewrite

# The IMDF 1.0 occupant categories (OGC 20-094, "Categories", Occupant) that the mapping
# uses; each was looked up in the spec's list.
IMDF_OCCUPANT_CATEGORIES = {
    "arcade", "atm", "bakedgoods", "bank", "books", "bubbletea", "cafe", "carrental",
    "cellphoneaccessories", "coffee", "conveniencestore", "courier", "fastfood", "icecream",
    "localservices", "luggage", "luggagestorage", "massagetherapy", "noodles", "pharmacy",
    "phonechargingstation", "photography", "recreation", "restaurant", "shopping", "souvenirs",
    "specialtyfood", "supermarket", "telecommunications", "tobaccoshop", "transitlounge",
    "travelagent", "travelservices", "vendingmachine",
}  # fmt: skip
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


@pytest.fixture
def station(db):
    return build_station()


def outlet(key, codes, *, type_code="coffee", class_code="catering", **fields):
    """An occupant as a source gives it, on the units of ``codes`` (resolved at export)."""
    return {"key": key, "codes": codes, "type": type_code, "class": class_code, **fields}


@pytest.fixture
def outlets(monkeypatch):
    """The only occupant source while a test runs: the outlets the test appends."""
    given: list[dict] = []

    def source(station):
        units = dict(Unit.objects.filter(station=station).values_list("code", "pk"))
        return [
            imdf.Occupant(
                key=o["key"],
                name_zh=o.get("name_zh", "星巴克"),
                name_en=o.get("name_en", "Starbucks"),
                business_type=o["type"],
                business_class=o["class"],
                unit_ids=tuple(units[code] for code in o["codes"]),
                start=o.get("start", dt.date(2026, 5, 27)),
                end=o.get("end", dt.date(2029, 6, 1)),
                phone=o.get("phone"),
                website=o.get("website"),
                extension={"lease": o["key"]},
            )
            for o in given
        ]

    monkeypatch.setattr(imdf, "_OCCUPANT_SOURCES", [source])
    return given


def occupants_of(files) -> dict[str, dict]:
    """The occupant features by their lease (hsr:lease) and unit code."""
    anchors = {a["id"]: a for a in files["anchor.geojson"]["features"]}
    units = {u["id"]: u["properties"]["hsr:code"] for u in files["unit.geojson"]["features"]}
    found = {}
    for occupant in files["occupant.geojson"]["features"]:
        anchor = anchors[occupant["properties"]["anchor_id"]]
        found[occupant["properties"]["hsr:lease"], units[anchor["properties"]["unit_id"]]] = (
            occupant
        )
    return found


# --- the registry -------------------------------------------------------------------------


def test_registering_a_source_twice_keeps_it_once(monkeypatch):
    monkeypatch.setattr(imdf, "_OCCUPANT_SOURCES", [])

    def source(station):
        return []

    imdf.register_occupants(source)
    imdf.register_occupants(source)
    assert imdf._OCCUPANT_SOURCES.count(source) == 1 and len(imdf._OCCUPANT_SOURCES) == 1


def test_the_leases_register_their_source_when_the_apps_load():
    from leasing.occupants import open_outlets

    assert open_outlets in imdf._OCCUPANT_SOURCES


# --- the features -------------------------------------------------------------------------


def test_without_outlets_the_occupant_and_anchor_files_are_empty(station, outlets):
    files = members(imdf.export_station(station))
    assert files["occupant.geojson"] == {"type": "FeatureCollection", "features": []}
    assert files["anchor.geojson"] == {"type": "FeatureCollection", "features": []}


def test_an_outlet_is_an_occupant_anchored_at_its_units_display_point(station, outlets):
    outlets.append(outlet("HT-1", ["A101"], phone="+867318888888", website="https://a.cn"))
    files = members(imdf.export_station(station))
    (occupant,) = files["occupant.geojson"]["features"]
    (anchor,) = files["anchor.geojson"]["features"]
    unit = by_code(files)["A101"]

    assert occupant["feature_type"] == "occupant" and occupant["geometry"] is None
    assert str(uuid.UUID(occupant["id"])) == occupant["id"]
    props = occupant["properties"]
    assert props["name"] == {"zh-Hans": "星巴克", "en": "Starbucks"}
    assert props["category"] == "coffee"
    assert props["anchor_id"] == anchor["id"]
    assert (props["hours"], props["phone"], props["website"]) == (
        None, "+867318888888", "https://a.cn",
    )  # fmt: skip
    assert props["validity"] == {
        "start": "2026-05-27T00:00:00+08:00",
        "end": "2029-06-01T00:00:00+08:00",
    }
    assert props["correlation_id"] is None  # one unit, one occupant
    assert props["hsr:lease"] == "HT-1"

    assert anchor["feature_type"] == "anchor"
    assert anchor["geometry"] == unit["properties"]["display_point"]
    assert anchor["properties"] == {"address_id": None, "unit_id": unit["id"]}


def test_every_anchor_lies_within_the_unit_it_names(station, outlets):
    """IMDF: "Anchor MUST be placed within the referenced Unit" — also for a unit that is
    not convex (the office B002)."""
    outlets.append(outlet("HT-1", ["A101"]))
    outlets.append(outlet("HT-2", ["B002"], type_code="bank-branch", class_code="services"))
    files = members(imdf.export_station(station))
    units = {u["id"]: u for u in files["unit.geojson"]["features"]}
    assert len(files["anchor.geojson"]["features"]) == 2
    for anchor in files["anchor.geojson"]["features"]:
        polygon = shapely.geometry.shape(units[anchor["properties"]["unit_id"]]["geometry"])
        assert polygon.contains(shapely.geometry.shape(anchor["geometry"]))


def test_an_outlet_of_several_units_is_one_occupant_per_unit_passengers_visit(station, outlets):
    """A kiosk and a counter with a storage room behind: two occupants sharing one
    correlation id; the storage room is not where the map points passengers."""
    outlets.append(outlet("HT-9", ["A102", "A104", "B001"], type_code="bookstore",
                          class_code="retail"))  # fmt: skip
    found = occupants_of(members(imdf.export_station(station)))
    assert set(found) == {("HT-9", "A102"), ("HT-9", "A104")}
    correlation = {o["properties"]["correlation_id"] for o in found.values()}
    assert len(correlation) == 1 and str(uuid.UUID(correlation.pop()))
    assert {o["properties"]["category"] for o in found.values()} == {"books"}


def test_an_outlet_of_back_rooms_only_is_anchored_in_them(station, outlets):
    outlets.append(outlet("HT-7", ["B001"], type_code="express-delivery", class_code="services"))
    assert set(occupants_of(members(imdf.export_station(station)))) == {("HT-7", "B001")}


def test_occupant_feature_ids_are_the_same_every_time(station, outlets):
    outlets.append(outlet("HT-1", ["A101"]))
    outlets.append(outlet("HT-9", ["A102", "A104"]))

    def ids():
        files = members(imdf.export_station(station))
        return [
            (f["id"], f["properties"].get("correlation_id"))
            for name in ("occupant.geojson", "anchor.geojson")
            for f in files[name]["features"]
        ]

    assert ids() == ids()


def test_validity_is_rfc_3339_in_the_site_time_zone_and_absent_without_dates(station, outlets):
    outlets.append(outlet("HT-1", ["A101"], start=dt.date(2026, 1, 1), end=dt.date(2026, 7, 1)))
    outlets.append(outlet("HT-2", ["A102"], start=None, end=None))
    found = occupants_of(members(imdf.export_station(station)))
    validity = found["HT-1", "A101"]["properties"]["validity"]
    assert all(RFC3339.match(validity[key]) for key in ("start", "end"))
    assert dt.datetime.fromisoformat(validity["start"]).utcoffset() == dt.timedelta(hours=8)
    assert found["HT-2", "A102"]["properties"]["validity"] is None


def test_a_name_without_english_is_labelled_in_chinese_only(station, outlets):
    outlets.append(outlet("HT-1", ["A101"], name_zh="湘潭小吃", name_en=""))
    (occupant,) = members(imdf.export_station(station))["occupant.geojson"]["features"]
    assert occupant["properties"]["name"] == {"zh-Hans": "湘潭小吃"}


# --- categories ---------------------------------------------------------------------------


def test_every_business_type_and_class_has_an_imdf_occupant_category():
    codes = [code for _cls, code, *_rest in catalogue.TYPES]
    codes += [code for code, *_rest in catalogue.CLASSES]
    assert set(codes) <= set(imdf.OCCUPANT_CATEGORY_BY_TYPE)
    assert set(imdf.OCCUPANT_CATEGORY_BY_TYPE.values()) <= IMDF_OCCUPANT_CATEGORIES
    assert imdf.DEFAULT_OCCUPANT_CATEGORY in IMDF_OCCUPANT_CATEGORIES


def test_a_type_without_a_category_takes_its_classs_and_an_unknown_one_the_default():
    assert imdf.occupant_category("fast-food", "catering") == "fastfood"
    assert imdf.occupant_category("new-type", "catering") == "restaurant"
    assert imdf.occupant_category("new-type", "new-class") == "shopping"
    assert imdf.occupant_category(None, None) == "shopping"


# --- import -------------------------------------------------------------------------------


def test_an_archive_with_occupants_imports_and_exports_again(station, outlets):
    """Occupants are read and checked but not imported (outlets come from leases): the copy
    has the plan, and its export has no occupants of its own."""
    outlets.append(outlet("HT-1", ["A101"]))
    outlets.append(outlet("HT-9", ["A102", "A104"]))
    archive = imdf.export_station(station)
    assert len(members(archive)["occupant.geojson"]["features"]) == 3

    copy = imdf.import_station(archive, code="T30X")
    assert copy.units.count() == 6
    outlets.clear()
    again = members(imdf.export_station(copy))
    assert set(by_code(again)) == set(by_code(members(archive)))
    assert again["occupant.geojson"]["features"] == []


def test_an_anchor_naming_an_unknown_unit_is_refused(station, outlets):
    outlets.append(outlet("HT-1", ["A101"]))
    archive = imdf.export_station(station)
    files = members(archive)
    files["anchor.geojson"]["features"][0]["properties"]["unit_id"] = str(uuid.uuid4())
    refused(rewrite(archive, anchor__geojson=files["anchor.geojson"]),
            expect="does not match any unit")  # fmt: skip


def test_an_occupant_naming_an_unknown_anchor_is_refused(station, outlets):
    outlets.append(outlet("HT-1", ["A101"]))
    archive = imdf.export_station(station)
    files = members(archive)
    files["occupant.geojson"]["features"][0]["properties"]["anchor_id"] = str(uuid.uuid4())
    refused(rewrite(archive, occupant__geojson=files["occupant.geojson"]),
            expect="does not match any anchor")  # fmt: skip


def test_an_occupant_with_a_geometry_is_refused(station, outlets):
    outlets.append(outlet("HT-1", ["A101"]))
    archive = imdf.export_station(station)
    files = members(archive)
    files["occupant.geojson"]["features"][0]["geometry"] = {
        "type": "Point",
        "coordinates": [113.06, 28.14],
    }
    refused(rewrite(archive, occupant__geojson=files["occupant.geojson"]),
            expect="geometry must be null")  # fmt: skip


def test_the_export_command_counts_the_occupants_it_wrote(station, outlets, tmp_path):
    outlets.append(outlet("HT-1", ["A101"]))
    out = io.StringIO()

    call_command("export_imdf", station.code, str(tmp_path / "s.zip"), stdout=out)

    assert "occupants (open outlets): 1." in out.getvalue()
