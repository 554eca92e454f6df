"""Station reports: utilities and coverage on hand-made data, the registry, formats, command."""

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from stations import reports, services
from stations.models import Station
from stations.reports import UTILITY_COLUMNS, get_report, render_report
from tests.stations.factories import StationFactory, level, square

pytestmark = pytest.mark.django_db

BASIC = ["catering", "convenience-store", "bookstore", "luggage-storage"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def add_unit(lv, code, x, size, kind="shop", types=(), height=None):
    return services.unit_create(
        actor=None,
        level=lv,
        code=code,
        polygon=square(x, 0, size, height),
        kind=kind,
        business_types=list(types),
    )


def add_points(lv, kind, count, capacity_kw=None):
    services.utility_points_create(
        actor=None,
        level=lv,
        specs=[
            services.PointSpec(
                kind=kind,
                x=Decimal(150 + i),
                y=Decimal(90),
                capacity_kw=None if capacity_kw is None else Decimal(capacity_kw),
            )
            for i in range(count)
        ],
    )


@pytest.fixture
def network():
    """Two stations with known answers (see the tests)."""
    big = StationFactory(code="AAA", tier=Station.Tier.PROVINCIAL_CAPITAL)
    small = StationFactory(code="BBB", tier=Station.Tier.COUNTY)
    upper = level(big, name="高架层", ordinal=1)
    ground = level(big, name="地面层", ordinal=0)
    add_unit(upper, "S1", 0, 10, types=["coffee"])  # 100 m², leasable
    add_unit(upper, "K1", 20, 5, kind="kiosk", types=["convenience-store"])  # 25 m²
    add_unit(upper, "L1", 30, 2, kind="lightbox")  # 4 m², advertising, not leasable
    add_unit(ground, "ST1", 0, 10, kind="storage")  # 100 m², not leasable
    add_points(upper, "cabinet", 1, "100")
    add_points(ground, "cabinet", 1, "50.5")
    add_points(upper, "floor_socket", 3)
    add_points(upper, "lightbox_socket", 1)
    add_points(ground, "toilet", 1)
    add_points(ground, "washbasin", 2)

    concourse = level(small, name="候车层", ordinal=1)
    add_unit(concourse, "C1", 0, 4, kind="counter", types=["bookstore"])  # 16 m²
    add_unit(concourse, "V1", 10, 1.5, kind="vending", types=["catering"])  # 2.25 m²
    add_unit(concourse, "A1", 20, 2, kind="atm", types=["convenience-store"], height=1.5)  # 3
    add_unit(concourse, "S2", 30, 10, types=["luggage-storage"])  # 100 m²
    add_points(concourse, "cabinet", 1, "30")
    add_points(concourse, "lightbox_socket", 2)
    add_points(concourse, "washbasin", 1)
    return big, small


# --- utilities ----------------------------------------------------------------------------


def test_utilities_has_exactly_the_agreed_columns(network):
    assert list(reports.utilities().columns) == [
        "station",
        "tier",
        "units",
        "leasable_area_m2",
        "power_kw",
        "distribution_cabinets",
        "floor_sockets",
        "lightbox_sockets",
        "toilet_interfaces",
        "washbasin_interfaces",
    ]


def test_utilities_counts_each_station_and_totals_them(network):
    frame = reports.utilities()
    assert frame.to_dict(orient="records") == [
        {
            "station": "AAA",
            "tier": "provincial",
            "units": 4,
            "leasable_area_m2": Decimal("125.00"),
            "power_kw": Decimal("150.50"),
            "distribution_cabinets": 2,
            "floor_sockets": 3,
            "lightbox_sockets": 1,
            "toilet_interfaces": 1,
            "washbasin_interfaces": 2,
        },
        {
            "station": "BBB",
            "tier": "county",
            "units": 4,
            "leasable_area_m2": Decimal("121.25"),
            "power_kw": Decimal("30.00"),
            "distribution_cabinets": 1,
            "floor_sockets": 0,
            "lightbox_sockets": 2,
            "toilet_interfaces": 0,
            "washbasin_interfaces": 1,
        },
        {
            "station": "TOTAL",
            "tier": "",
            "units": 8,
            "leasable_area_m2": Decimal("246.25"),
            "power_kw": Decimal("180.50"),
            "distribution_cabinets": 3,
            "floor_sockets": 3,
            "lightbox_sockets": 3,
            "toilet_interfaces": 1,
            "washbasin_interfaces": 3,
        },
    ]
    assert str(frame.loc[2, "power_kw"]) == "180.50"


def test_a_station_without_units_or_points_reports_zeros():
    StationFactory(code="EMP")
    record = reports.utilities().iloc[0].to_dict()
    assert record["station"] == "EMP"
    assert record["units"] == 0
    assert record["leasable_area_m2"] == Decimal("0.00")
    assert record["power_kw"] == Decimal("0.00")
    assert reports.utilities().iloc[-1]["station"] == "TOTAL"


def test_utilities_can_be_narrowed_to_some_stations(network):
    big, _small = network
    frame = reports.utilities(stations=Station.objects.filter(pk=big.pk))
    assert list(frame["station"]) == ["AAA", "TOTAL"]
    assert frame.iloc[-1]["power_kw"] == Decimal("150.50")
    assert list(reports.utilities(stations=[big])["station"]) == ["AAA", "TOTAL"]


def make_stations(n):
    for i in range(n):
        lv = level(StationFactory(code=f"Q{i:02d}"))
        add_unit(lv, "U1", 0, 10, types=["coffee"])
        add_points(lv, "cabinet", 1, "10")
        add_points(lv, "toilet", 1)


@pytest.mark.parametrize("n", [2, 6])
def test_utilities_query_count_does_not_grow_with_stations(n, django_assert_max_num_queries):
    make_stations(n)
    with django_assert_max_num_queries(3):
        frame = reports.utilities()
    assert len(frame) == n + 1


@pytest.mark.parametrize("n", [2, 6])
def test_coverage_query_count_does_not_grow_with_stations(n, django_assert_max_num_queries):
    make_stations(n)
    with django_assert_max_num_queries(3):
        frame = reports.planned_coverage()
    assert len(frame) == n


# --- coverage -----------------------------------------------------------------------------


def test_coverage_marks_each_basic_category_per_station(network):
    frame = reports.planned_coverage()
    assert list(frame.columns) == ["station", "tier", *BASIC, "complete"]
    assert frame.to_dict(orient="records") == [
        {
            "station": "AAA",
            "tier": "provincial",
            "catering": True,  # through coffee, a type in the catering class
            "convenience-store": True,
            "bookstore": False,
            "luggage-storage": False,
            "complete": False,
        },
        {
            "station": "BBB",
            "tier": "county",
            "catering": True,  # designated for the class itself
            "convenience-store": True,
            "bookstore": True,
            "luggage-storage": True,
            "complete": True,
        },
    ]


def test_a_type_of_another_class_does_not_cover_catering():
    lv = level(StationFactory(code="RRR"))
    add_unit(lv, "R1", 0, 10, types=["pharmacy", "bookstore"])
    record = reports.planned_coverage().iloc[0]
    assert not record["catering"]
    assert record["bookstore"]
    assert not record["complete"]


# --- the registry -------------------------------------------------------------------------


def test_get_report_finds_the_station_reports():
    assert get_report("utilities").build is reports.utilities
    assert get_report("planned-coverage").build is reports.planned_coverage


def test_an_unknown_report_names_the_available_ones():
    with pytest.raises(reports.UnknownReport) as caught:
        get_report("nope")
    assert "coverage" in caught.value.available
    assert str(caught.value).startswith("Unknown report “nope”; the reports are: ")


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(reports, "REPORTS", dict(reports.REPORTS))
    yield tmp_path
    import sys

    for name in ("hsr_test_plugin_ok", "hsr_test_plugin_broken"):
        sys.modules.pop(name, None)


def test_a_later_app_registers_its_report_without_stations_importing_it(plugin_dir, monkeypatch):
    (plugin_dir / "hsr_test_plugin_ok.py").write_text(
        "import pandas as pd\n"
        "from stations.reports import register\n"
        "@register('awards', 'Awards')\n"
        "def awards(**filters):\n"
        "    return pd.DataFrame([{'lot': 'L1'}])\n"
    )
    monkeypatch.setattr(
        reports, "PLUGIN_MODULES", ("hsr_test_plugin_ok", "hsr_test_plugin_absent")
    )
    assert list(get_report("awards")()["lot"]) == ["L1"]
    assert "awards" in reports.all_reports()


def test_a_plugin_with_a_broken_import_is_not_silently_skipped(plugin_dir, monkeypatch):
    (plugin_dir / "hsr_test_plugin_broken.py").write_text("import hsr_no_such_module_xyz\n")
    monkeypatch.setattr(reports, "PLUGIN_MODULES", ("hsr_test_plugin_broken",))
    with pytest.raises(ModuleNotFoundError, match="hsr_no_such_module_xyz"):
        get_report("utilities")


# --- formats ------------------------------------------------------------------------------


def test_json_is_a_list_of_records_with_numbers_and_chinese_kept(network):
    frame = reports.utilities()
    frame.loc[0, "tier"] = "省会"
    records = json.loads(render_report(frame, "json").decode("utf-8"))
    assert records[-1] == {
        "station": "TOTAL",
        "tier": "",
        "units": 8,
        "leasable_area_m2": 246.25,
        "power_kw": 180.5,
        "distribution_cabinets": 3,
        "floor_sockets": 3,
        "lightbox_sockets": 3,
        "toilet_interfaces": 1,
        "washbasin_interfaces": 3,
    }
    assert "省会" in render_report(frame, "json").decode("utf-8")


def test_json_booleans_stay_booleans(network):
    records = json.loads(render_report(reports.planned_coverage(), "json"))
    assert records[1]["complete"] is True and records[0]["bookstore"] is False


def test_csv_has_a_bom_the_header_and_two_decimal_places(network):
    content = render_report(reports.utilities(), "csv")
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == UTILITY_COLUMNS
    assert rows[-1][:5] == ["TOTAL", "", "8", "246.25", "180.50"]


def test_xlsx_has_title_bold_frozen_header_numeric_cells_and_the_total_row(network):
    content = render_report(reports.utilities(), "xlsx", title="Utility provisions")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet["A1"].value == "Utility provisions"
    header = [cell.value for cell in sheet[3]]
    assert header == UTILITY_COLUMNS
    assert all(cell.font.bold for cell in sheet[3])
    assert sheet.freeze_panes == "A4"
    total = sheet[sheet.max_row]
    assert total[0].value == "TOTAL"
    assert total[4].value == pytest.approx(180.5)
    assert total[4].number_format == "#,##0.00"
    assert total[2].value == 8
    assert sheet.column_dimensions["D"].width >= len("leasable_area_m2")


def test_an_unknown_format_is_refused(network):
    with pytest.raises(ValueError, match="Unknown format “pdf”"):
        render_report(reports.utilities(), "pdf")


# --- the command --------------------------------------------------------------------------


def test_report_command_writes_xlsx_to_out(network, tmp_path):
    path = tmp_path / "utilities.xlsx"
    out = io.StringIO()
    call_command("report", "utilities", "--format", "xlsx", "--out", str(path), stdout=out)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "Utility provisions by station"
    assert sheet[sheet.max_row][0].value == "TOTAL"
    assert "(3 rows)" in out.getvalue()


def test_report_command_prints_json_and_csv_to_stdout(network):
    out = io.StringIO()
    call_command("report", "planned-coverage", "--format", "json", stdout=out)
    assert [r["station"] for r in json.loads(out.getvalue())] == ["AAA", "BBB"]
    out = io.StringIO()
    call_command("report", "utilities", "--format", "csv", stdout=out)
    assert out.getvalue().lstrip("\ufeff").splitlines()[-1].startswith("TOTAL,,8,246.25")


def test_report_command_refuses_an_unknown_name_listing_the_reports():
    with pytest.raises(CommandError, match="Unknown report “nope”; the reports are: .*coverage"):
        call_command("report", "nope")


def test_report_command_needs_out_for_xlsx():
    with pytest.raises(CommandError, match="needs --out"):
        call_command("report", "utilities", "--format", "xlsx")
