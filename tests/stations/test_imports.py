"""Bulk unit import: good CSV and XLSX files, every bad input refused whole, and the command."""

import csv
import hashlib
import io
import json
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from audit.models import Entry
from stations import imports, services
from stations.imports import ImportInvalid, units_import
from stations.models import Unit
from tests.factories import station_officer
from tests.stations.factories import StationFactory, cabinet, level, square, unit

pytestmark = pytest.mark.django_db

HEADER = ["station", "level", "code", "geometry", "kind", "business_types"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def concourse():
    """Station CSS with the 200 m × 100 m level “高架层” (ordinal 1) and a 100 kW cabinet."""
    lv = level(StationFactory(code="CSS"), name="高架层", ordinal=1)
    cabinet(lv, 199, 99, "100")
    return lv


def csv_bytes(rows, header=HEADER, bom=True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(code, x, y, size=10, *, station="CSS", level_name="高架层", kind="shop", types=""):
    return [station, level_name, code, square(x, y, size), kind, types]


def refused(content, actor=None) -> list[str]:
    """Import ``content``; assert it is refused with nothing saved; return the messages."""
    units, entries = Unit.objects.count(), Entry.objects.count()
    with pytest.raises(ImportInvalid) as caught:
        units_import(actor=actor, file=content, filename="units.csv")
    assert Unit.objects.count() == units
    assert Entry.objects.count() == entries
    assert caught.value.messages == [str(e) for e in caught.value.errors]
    return caught.value.messages


# --- good files ---------------------------------------------------------------------------


def test_good_csv_creates_units_with_areas_types_and_one_import_entry(concourse):
    geojson = json.dumps(
        {"type": "Polygon", "coordinates": [[[20, 0], [24, 0], [24, 2.5], [20, 2.5], [20, 0]]]}
    )
    header = [*HEADER, "name", "power_kw", "has_exhaust", "in_paid_area"]
    content = csv_bytes(
        [
            [
                "CSS",
                "高架层",
                "A01",
                square(0, 0),
                "shop",
                "coffee; bakery",
                "瑞幸",
                "20",
                "yes",
                "",
            ],
            ["CSS", "1", "A02", geojson, "Kiosk", "convenience-store", "", "", "", "是"],
        ],
        header=header,
    )

    result = units_import(actor=None, file=content, filename="units.csv")

    assert result.count == 2
    assert [(c.station, c.level, c.count) for c in result.levels] == [("CSS", "高架层", 2)]
    a01 = Unit.objects.get(code="A01")
    assert a01.area_m2 == Decimal("100.00")
    assert a01.name == "瑞幸"
    assert a01.power_kw == Decimal("20.00")
    assert a01.has_exhaust and not a01.in_paid_area
    assert sorted(a01.business_types.values_list("code", flat=True)) == ["bakery", "coffee"]
    a02 = Unit.objects.get(code="A02")
    assert (a02.kind, a02.area_m2, a02.in_paid_area) == ("kiosk", Decimal("10.00"), True)
    assert list(a02.business_types.values_list("code", flat=True)) == ["convenience-store"]
    entry = Entry.objects.get(action="units.import")
    assert entry.data["sha256"] == hashlib.sha256(content).hexdigest() == result.sha256
    assert entry.data["filename"] == "units.csv"
    assert entry.data["count"] == 2
    assert Entry.objects.filter(action="unit.create").count() == 2


def test_csv_without_bom_is_read(concourse):
    result = units_import(
        actor=None, file=csv_bytes([row("B1", 0, 0)], bom=False), filename="units.csv"
    )
    assert result.count == 1
    assert Unit.objects.get(code="B1").level == concourse


def test_good_xlsx_keeps_leading_zeros_and_takes_the_level_by_ordinal(concourse, tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                ["CSS", 1, "001", square(0, 0), "shop", "fast-food"],
                ["CSS", 1, "002", square(10, 0), "counter", ""],
            ]
        )
    )

    result = units_import(actor=None, file=path, filename="units.xlsx")

    assert result.count == 2
    assert sorted(Unit.objects.values_list("code", "area_m2")) == [
        ("001", Decimal("100.00")),
        ("002", Decimal("100.00")),
    ]
    assert list(Unit.objects.get(code="001").business_types.values_list("code", flat=True)) == [
        "fast-food"
    ]
    assert Entry.objects.get(action="units.import").data["sha256"] == result.sha256


def test_xlsx_faults_name_the_rows_excel_shows(concourse):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)  # row 1
    sheet.append(row("A1", 0, 0))  # row 2
    sheet.append([])  # row 3, blank
    sheet.append(row("A4", 20, 0, kind="tent"))  # row 4
    buffer = io.BytesIO()
    workbook.save(buffer)
    [message] = refused(buffer.getvalue())
    assert message.startswith("Row 4, column kind: “tent” is not a unit kind")


def test_units_may_share_an_edge_with_an_existing_unit(concourse):
    unit(concourse, "OLD", 0, 0)
    assert units_import(actor=None, file=csv_bytes([row("N1", 10, 0)]), filename="f.csv").count


def test_an_officer_of_the_station_may_import_into_it(concourse):
    officer = station_officer(concourse.station)
    result = units_import(actor=officer, file=csv_bytes([row("C1", 0, 0)]), filename="f.csv")
    assert result.count == 1
    assert Entry.objects.get(action="units.import").actor_id == officer.pk


def test_a_dry_run_saves_nothing_and_says_what_it_would_create(concourse):
    result = units_import(
        actor=None, file=csv_bytes([row("D1", 0, 0)]), filename="f.csv", dry_run=True
    )
    assert result.dry_run and result.count == 1
    assert not Unit.objects.filter(code="D1").exists()
    assert not Entry.objects.filter(action="units.import").exists()


# --- bad files: each names the row and the column, and nothing is saved --------------------


def test_a_missing_column_is_named_on_the_header_row(concourse):
    content = csv_bytes([["CSS", "高架层", "A1", square(0, 0), "shop"]], header=HEADER[:5])
    assert refused(content) == ["Row 1, column business_types: this required column is missing"]


def test_an_unknown_column_is_named(concourse):
    content = csv_bytes([[*row("A1", 0, 0), "20"]], header=[*HEADER, "power"])
    [message] = refused(content)
    assert message.startswith("Row 1, column power: unknown column; the columns are: station")


def test_an_unknown_station_is_refused(concourse):
    assert refused(csv_bytes([row("A1", 0, 0, station="XXX")])) == [
        "Row 2, column station: unknown station “XXX” or not yours"
    ]


def test_a_station_not_the_actors_is_refused_like_an_unknown_one(concourse):
    officer = station_officer(StationFactory(code="ZZW"))
    assert refused(csv_bytes([row("A1", 0, 0)]), actor=officer) == [
        "Row 2, column station: unknown station “CSS” or not yours"
    ]


def test_an_unknown_level_is_refused_with_the_stations_levels(concourse):
    assert refused(csv_bytes([row("A1", 0, 0, level_name="地下层")])) == [
        "Row 2, column level: station CSS has no level “地下层” (its levels: 1 高架层)"
    ]


def test_a_code_twice_in_the_file_is_refused_naming_the_first_row(concourse):
    assert refused(csv_bytes([row("A1", 0, 0), row("A1", 20, 0)])) == [
        "Row 3, column code: unit A1 of station CSS is already in row 2"
    ]


def test_a_code_already_in_the_station_is_refused(concourse):
    ground = level(concourse.station, name="地面层", ordinal=0)
    unit(ground, "A1", 0, 0)
    assert refused(csv_bytes([row("A1", 50, 50)])) == [
        "Row 2, column code: station CSS already has a unit A1"
    ]


def test_an_empty_code_is_refused(concourse):
    assert refused(csv_bytes([row("", 0, 0)])) == ["Row 2, column code: is empty"]


def test_bad_wkt_is_refused(concourse):
    [message] = refused(csv_bytes([["CSS", "高架层", "A1", "POLYGON ((0 0, 10 0", "shop", ""]]))
    assert message.startswith("Row 2, column geometry: the shape is not valid WKT or GeoJSON")


def test_a_point_is_not_a_unit_shape(concourse):
    assert refused(csv_bytes([["CSS", "高架层", "A1", "POINT (1 1)", "shop", ""]])) == [
        "Row 2, column geometry: the shape must be a Polygon, not Point"
    ]


def test_a_self_intersecting_polygon_is_refused(concourse):
    bowtie = "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"
    assert refused(csv_bytes([["CSS", "高架层", "A1", bowtie, "shop", ""]])) == [
        "Row 2, column geometry: the shape is not a valid polygon: Self-intersection[5 5]"
    ]


def test_a_unit_outside_the_outline_is_refused(concourse):
    assert refused(csv_bytes([row("A1", 195, 0)])) == [
        "Row 2, column geometry: Unit A1 lies outside the level outline by 50.00 m²."
    ]


def test_two_overlapping_rows_are_both_reported_with_the_overlap_area(concourse):
    message = "Units A1 and A2 overlap by 25.00 m². (rows 2 and 3)"
    assert refused(csv_bytes([row("A1", 0, 0), row("A2", 5, 5)])) == [
        f"Row 2, column geometry: {message}",
        f"Row 3, column geometry: {message}",
    ]


def test_a_row_overlapping_an_existing_unit_is_reported_on_its_row(concourse):
    unit(concourse, "OLD", 0, 0)
    assert refused(csv_bytes([row("NEW", 5, 0)])) == [
        "Row 2, column geometry: Units NEW and OLD overlap by 50.00 m². (OLD is already on the plan)"
    ]


def test_a_row_in_a_no_build_zone_is_refused(concourse):
    services.zone_create(
        actor=None,
        level=concourse,
        kind="evacuation",
        polygon=square(100, 0, 20, 100),
        name="疏散通道",
    )
    assert refused(csv_bytes([row("A1", 95, 10)])) == [
        "Row 2, column geometry: Unit A1 intrudes 50.00 m² into the no-build zone “疏散通道”."
    ]


def test_an_unknown_kind_is_refused_with_the_kinds(concourse):
    [message] = refused(csv_bytes([row("A1", 0, 0, kind="restaurant")]))
    assert message.startswith(
        "Row 2, column kind: “restaurant” is not a unit kind; use one of: shop"
    )


def test_an_unknown_business_type_is_refused(concourse):
    assert refused(csv_bytes([row("A1", 0, 0, types="coffee;casino;arcade")])) == [
        "Row 2, column business_types: unknown business type: casino, arcade"
    ]


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        ("12,5", "“12,5” is not a number"),
        ("NaN", "“NaN” is not a number"),
        ("-3", "-3 is out of range (0 to 999999.99)"),
        ("1e9", "1e9 is out of range (0 to 999999.99)"),
    ],
)
def test_a_bad_power_number_is_refused(concourse, value, fault):
    content = csv_bytes([[*row("A1", 0, 0), value]], header=[*HEADER, "power_kw"])
    assert refused(content) == [f"Row 2, column power_kw: {fault}"]


def test_a_bad_yes_no_value_is_refused(concourse):
    content = csv_bytes([[*row("A1", 0, 0), "maybe"]], header=[*HEADER, "has_exhaust"])
    assert refused(content) == [
        "Row 2, column has_exhaust: “maybe” is not yes or no (use true/false, yes/no, 1/0)"
    ]


def test_power_beyond_the_cabinets_is_refused_on_the_row_that_exceeds_it(concourse):
    content = csv_bytes(
        [[*row("A1", 0, 0), "60"], [*row("A2", 20, 0), "30"], [*row("A3", 40, 0), "30"]],
        header=[*HEADER, "power_kw"],
    )
    assert refused(content) == [
        "Row 4, column power_kw: station CSS would allocate 120.00 kW to its units but its "
        "distribution cabinets provide only 100.00 kW"
    ]


def test_an_empty_file_is_refused(concourse):
    assert refused(b"") == ["The file is empty: it has no header row and no units."]
    assert refused(b"\xef\xbb\xbf\r\n\r\n") == [
        "The file is empty: it has no header row and no units."
    ]


def test_a_header_without_rows_is_refused(concourse):
    assert refused(csv_bytes([])) == ["The file has a header row but no units."]


NOT_A_TABLE = (
    "The file is neither an XLSX workbook nor a CSV file in UTF-8 (in Excel, save it as "
    "“Excel Workbook (.xlsx)” or “CSV UTF-8”)."
)


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
        "station,level,code\nCSS,高架层,A1\n".encode("gbk"),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,  # an old .xls
    ],
    ids=["png", "gbk-csv", "xls"],
)
def test_content_that_is_no_spreadsheet_is_refused(concourse, content):
    assert refused(content) == [NOT_A_TABLE]


def test_a_zip_that_is_not_a_workbook_is_refused_whatever_its_name(concourse):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("units.csv", "station,level\n")
    units, entries = Unit.objects.count(), Entry.objects.count()
    with pytest.raises(ImportInvalid) as caught:
        units_import(actor=None, file=buffer.getvalue(), filename="units.xlsx")
    assert caught.value.messages == [NOT_A_TABLE]
    assert (Unit.objects.count(), Entry.objects.count()) == (units, entries)


def test_a_row_with_more_cells_than_the_header_is_refused(concourse):
    content = csv_bytes([row("A1", 0, 0), [*row("A2", 20, 0), "extra"]])
    assert refused(content) == ["Row 3: has 7 cells but the header has 6"]


def test_a_file_over_the_size_cap_is_refused(concourse, monkeypatch):
    content = csv_bytes([row("A1", 0, 0)])
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", len(content) - 1)
    [message] = refused(content)
    assert message.startswith("The file is larger than")
    upload = io.BytesIO(content)
    upload.size = len(content)
    with pytest.raises(ImportInvalid):
        units_import(actor=None, file=upload, filename="units.csv")


def test_a_file_over_the_row_cap_is_refused(concourse, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    content = csv_bytes([row(f"A{i}", 20 * i, 0) for i in range(3)])
    assert refused(content) == ["The file has more than 2 rows; split it into smaller files."]


def test_every_fault_of_a_file_is_listed_in_row_order(concourse):
    content = csv_bytes(
        [
            row("A1", 0, 0, kind="tent", types="casino"),
            row("A2", 0, 0, station="XXX"),
            row("A1", 50, 0),
            ["CSS", "高架层", "A4", "garbage", "shop", ""],
            row("A5", 195, 0),
        ]
    )
    messages = refused(content)
    assert [m.split(":")[0] for m in messages] == [
        "Row 2, column kind",
        "Row 2, column business_types",
        "Row 3, column station",
        "Row 4, column code",
        "Row 5, column geometry",
        "Row 6, column geometry",
    ]


def test_blank_rows_are_skipped_but_rows_keep_their_spreadsheet_numbers(concourse):
    content = csv_bytes([row("A1", 0, 0), ["", "", "", "", "", ""], row("A3", 20, 0, kind="x")])
    [message] = refused(content)
    assert message.startswith("Row 4, column kind:")


def test_a_unit_saved_between_the_checks_and_the_write_refuses_the_whole_file(
    concourse, monkeypatch
):
    checked = imports._Validation.run

    def run_then_someone_else_saves(self):
        plan = checked(self)
        unit(concourse, "RACE", 20, 0)  # another officer, just after our checks
        return plan

    monkeypatch.setattr(imports._Validation, "run", run_then_someone_else_saves)
    with pytest.raises(ImportInvalid) as caught:
        units_import(
            actor=None, file=csv_bytes([row("A1", 0, 0), row("A2", 20, 0)]), filename="f.csv"
        )
    assert caught.value.messages == ["Units A2 and RACE overlap by 100.00 m²."]
    assert list(Unit.objects.values_list("code", flat=True)) == ["RACE"]
    assert not Entry.objects.filter(action="units.import").exists()


# --- the command --------------------------------------------------------------------------


def test_command_prints_counts_per_station_and_level(concourse, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes([row("A1", 0, 0), row("A2", 20, 0)]))
    out = io.StringIO()

    call_command("import_units", str(path), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "CSS\t高架层\t2"
    assert lines[1].startswith("Created 2 unit(s) from units.csv (SHA-256 ")
    assert Unit.objects.count() == 2


def test_command_dry_run_saves_nothing(concourse, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes([row("A1", 0, 0)]))
    out = io.StringIO()
    call_command("import_units", str(path), "--dry-run", stdout=out)
    assert "Dry run: 1 unit(s) would be created" in out.getvalue()
    assert Unit.objects.count() == 0


def test_command_lists_every_fault_and_exits_non_zero(concourse, tmp_path, monkeypatch):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes([row("A1", 0, 0, station="XXX"), row("A2", 0, 0, kind="x")]))
    err = io.StringIO()
    # run_from_argv is what manage.py runs; keep it from closing the test's connection.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    from stations.management.commands.import_units import Command

    command = Command(stderr=err)
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["manage.py", "import_units", str(path)])

    assert exited.value.code == 1
    lines = err.getvalue().splitlines()
    assert lines[:2] == [
        "Row 2, column station: unknown station “XXX” or not yours",
        "Row 3, column kind: “x” is not a unit kind; use one of: "
        "shop, kiosk, counter, lightbox, vending, atm, storage, office",
    ]
    assert "2 fault(s) in units.csv; nothing was imported." in lines[2]
    assert Unit.objects.count() == 0


def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_units", str(tmp_path / "nope.csv"))
