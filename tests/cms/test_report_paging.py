# ruff: noqa: F811  (the fixtures imported from tests.leasing.test_reports are parameters here)
"""A report's page shows a page of rows and the whole report's TOTAL row; the per-row charts
draw the rows on the page; the CSV download streams every row, byte for byte the report."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from cms import admin_views
from stations.models import Station
from stations.reports import get_report, render_report
from tests.cms.conftest import speak_english
from tests.factories import officer
from tests.leasing.test_reports import awarded, leased, network  # noqa: F401
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db


def body_rows(content: str) -> list[str]:
    """The row headings of the table's body (the station codes, or TOTAL's label)."""
    body = content.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r'<th scope="row">([^<]*)</th>', body)


@pytest.fixture
def stations(network):
    """Seven stations: AAA and BBB of the network and five without units."""
    for code in ("CCC", "DDD", "EEE", "FFF", "GGG"):
        StationFactory(code=code)
    return ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG"]


@pytest.fixture
def page_of_three(monkeypatch):
    monkeypatch.setattr(admin_views, "REPORT_PAGE_SIZE", 3)


def test_the_page_shows_a_page_of_rows_and_the_network_total(
    client, stations, page_of_three, django_assert_max_num_queries
):
    client.force_login(speak_english(officer()))
    url = reverse("cms_report", args=("occupancy",))
    with django_assert_max_num_queries(30):
        first = client.get(url).content.decode()
    assert body_rows(first) == ["AAA", "BBB", "CCC", "TOTAL"]
    assert "Rows 1–3 of 7; the downloads have every row." in first
    total = first.split("cms-report__total")[1].split("</tr>")[0]
    # The network's 250 m² leasable, 161 m² let, whatever the page.
    assert "250.00" in total and "161.00" in total and "64.40" in total
    last = client.get(url + "?page=3").content.decode()
    assert body_rows(last) == ["GGG", "TOTAL"]
    assert last.split("cms-report__total")[1].split("</tr>")[0] == total


def test_a_page_past_the_end_shows_the_last(client, stations, page_of_three):
    client.force_login(speak_english(officer()))
    url = reverse("cms_report", args=("utilities",))
    assert body_rows(client.get(url + "?page=99").content.decode()) == ["GGG", "TOTAL"]
    assert body_rows(client.get(url + "?page=x").content.decode())[:3] == ["AAA", "BBB", "CCC"]


def test_the_occupancy_chart_draws_the_stations_on_the_page(client, stations, page_of_three):
    client.force_login(speak_english(officer()))
    url = reverse("cms_report", args=("occupancy",))
    chart = client.get(url + "?page=2").content.decode().split('class="cms-chart"')[1]
    chart = chart.split("</figure>")[0]
    assert "DDD" in chart and "FFF" in chart
    assert "AAA" not in chart and "GGG" not in chart


def test_a_report_of_one_page_has_no_pager(client, network):
    client.force_login(speak_english(officer()))
    content = client.get(reverse("cms_report", args=("occupancy",))).content.decode()
    assert body_rows(content) == ["AAA", "BBB", "TOTAL"]
    assert "the downloads have every row" not in content


@pytest.mark.parametrize("name", ["occupancy", "utilities", "rent-roll", "chains"])
def test_the_csv_download_streams_every_row(client, stations, page_of_three, name, settings):
    client.force_login(speak_english(officer()))
    response = client.get(reverse("cms_report", args=(name,)) + "?format=csv")
    assert response.streaming
    content = b"".join(response.streaming_content)
    assert content == render_report(get_report(name)(), "csv")
    if name in ("occupancy", "utilities"):
        lines = content.decode("utf-8-sig").splitlines()
        assert [line.split(",")[0] for line in lines[1:]] == [*stations, "TOTAL"]


def test_the_csv_stream_comes_in_chunks_with_one_header(stations, monkeypatch):
    from stations import reports

    monkeypatch.setattr(reports, "CSV_CHUNK_ROWS", 2)
    frame = get_report("utilities")()
    chunks = list(reports.stream_csv(frame))
    assert len(chunks) == 1 + 4  # the BOM, then 8 rows two at a time
    assert b"".join(chunks) == render_report(frame, "csv")
    assert b"".join(chunks).count(b"station,tier") == 1


def test_rent_against_reserve_reads_a_window_of_its_rows_and_the_whole_total(
    leased, django_assert_max_num_queries
):
    report = get_report("rent-vs-reserve")
    assert report.windowed and not get_report("expiries").windowed
    whole = report()
    with django_assert_max_num_queries(5):
        second = report(window=slice(1, 2))
    assert second.attrs["rows"] == 2 == whole.attrs["rows"]
    assert second.to_dict("records") == whole.iloc[[1, 2]].to_dict("records")
    first = report(window=slice(0, 1))
    assert first.to_dict("records") == whole.iloc[[0, 2]].to_dict("records")
    past = report(window=slice(5, 6))
    assert past.to_dict("records") == whole.iloc[[2]].to_dict("records")


def test_the_rent_against_reserve_page_is_a_window(client, leased, monkeypatch):
    from stations import reports

    monkeypatch.setattr(admin_views, "REPORT_PAGE_SIZE", 1)
    built = []
    build = reports.REPORTS["rent-vs-reserve"].build
    monkeypatch.setitem(
        reports.REPORTS,
        "rent-vs-reserve",
        reports.Report(
            name="rent-vs-reserve",
            title="",
            build=lambda *, stations=None, window=None: (
                built.append(window) or build(stations=stations, window=window)
            ),
        ),
    )
    client.force_login(speak_english(officer()))
    url = reverse("cms_report", args=("rent-vs-reserve",))
    awarded, _lease = leased
    rounds = body_rows(client.get(url + "?page=2").content.decode())
    assert rounds == [awarded.round.code, "TOTAL"]
    assert built == [slice(1, 2)]
    content = client.get(url + "?page=7").content.decode()
    assert built[1:] == [slice(6, 7), slice(1, 2)]  # past the end: the last page
    assert "Rows 2–2 of 2; the downloads have every row." in content
    total = content.split("cms-report__total")[1].split("</tr>")[0]
    assert "150,000.00" in total or "150000.00" in total
    csv = b"".join(client.get(url + "?format=csv").streaming_content).decode("utf-8-sig")
    assert len(csv.splitlines()) == 1 + 2 + 1


def test_chains_reads_a_window_of_its_brands(network):
    report = get_report("chains")
    assert report.windowed
    whole = report()
    assert len(whole) == 2
    second = report(window=slice(1, 2))
    assert second.attrs["rows"] == 2
    assert second.to_dict("records") == whole.iloc[[1]].to_dict("records")
    assert list(second.columns) == list(whole.columns)


def test_a_page_shows_the_first_columns_and_says_how_many_more(client, network, monkeypatch):
    monkeypatch.setattr(admin_views, "REPORT_PAGE_COLUMNS", 5)
    client.force_login(speak_english(officer()))
    content = client.get(reverse("cms_report", args=("chains",))).content.decode()
    assert content.count('<th scope="col" data-column=') == 5
    assert 'data-column="AAA"' in content and 'data-column="BBB"' not in content
    assert "1 more column is in the downloads." in content
    download = client.get(reverse("cms_report", args=("chains",)) + "?format=csv")
    header = b"".join(download.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header.endswith(",AAA,BBB")


def test_the_rent_roll_reads_a_window_of_leases_and_the_whole_total(network):
    report = get_report("rent-roll")
    assert report.windowed
    on = dt.date(2026, 4, 15)
    whole = report(on=on)
    assert whole.attrs["rows"] == 3
    for window, rows in ((slice(0, 2), [0, 1, 3]), (slice(2, 4), [2, 3]), (slice(9, 10), [3])):
        part = report(on=on, window=window)
        assert part.attrs["rows"] == 3
        assert part.to_dict("records") == whole.iloc[rows].to_dict("records")


@pytest.mark.parametrize("fixture", ["network", "awarded"])
def test_the_pipeline_reads_a_window_of_its_rows_and_the_whole_total(
    fixture, request, django_assert_max_num_queries
):
    request.getfixturevalue(fixture)
    report = get_report("pipeline")
    assert report.windowed
    whole = report()
    body = len(whole) - 1
    assert whole.attrs["rows"] == body and body >= 2
    for window in (slice(0, 2), slice(2, 5), slice(body - 1, body + 3), slice(body + 5, body + 9)):
        with django_assert_max_num_queries(14):
            part = report(window=window)
        assert part.attrs["rows"] == body
        rows = [*range(body)[window], body]
        assert part.to_dict("records") == whole.iloc[rows].to_dict("records")


def test_the_pipeline_window_of_some_stations_totals_those_stations(awarded):
    report = get_report("pipeline")
    station = awarded.lots[1].station
    whole = report(stations=[station])
    part = report(stations=[station], window=slice(0, 1))
    assert part.attrs["rows"] == len(whole) - 1
    assert part.to_dict("records") == whole.iloc[[0, -1]].to_dict("records")
    assert tuple(part.iloc[-1][["applications", "bids", "awards"]]) == (1, 1, 1)


def test_the_pipeline_funnel_of_a_page_counts_the_whole_report(client, network, monkeypatch):
    monkeypatch.setattr(admin_views, "REPORT_PAGE_SIZE", 1)  # AAA 2025-02: one opening only
    client.force_login(speak_english(officer()))
    content = client.get(reverse("cms_report", args=("pipeline",))).content.decode()
    chart = content.split('class="cms-chart"')[1].split("</figure>")[0]
    assert body_rows(content) == ["AAA", "TOTAL"]
    assert re.findall(r">\s*(\d)\s*</text>", chart) == ["3", "0", "0", "0", "3", "3"]


# Every report with a row per station or per brand reads a window of them for its page.
WINDOWED = [
    "chains",
    "coverage",
    "occupancy",
    "pipeline",
    "planned-coverage",
    "rent-roll",
    "rent-vs-reserve",
    "rent-vs-reserve-by-station",
    "utilities",
]


def test_the_reports_that_read_a_window_are_those_expected():
    from stations.reports import all_reports

    windowed = sorted(name for name, report in all_reports().items() if report.windowed)
    assert windowed == WINDOWED


@pytest.mark.parametrize("fixture", ["stations", "leased"])
@pytest.mark.parametrize("name", WINDOWED)
def test_every_window_is_the_whole_reports_rows_and_total(
    name, fixture, request, django_assert_max_num_queries
):
    """Each page of a windowed report is those rows of the whole report, and its TOTAL row
    (summed by the database) is the whole report's, for the network and for some stations;
    windows past the end give the TOTAL row alone."""
    request.getfixturevalue(fixture)
    report = get_report(name)
    on = {"on": dt.date(2026, 4, 15)} if name == "rent-roll" else {}
    some = list(Station.objects.order_by("code")[1:])
    for stations in (None, some):
        whole = report(stations=stations, **on)
        has_total = bool(whole.attrs.get("total_row"))
        body = len(whole) - has_total
        assert whole.attrs["rows"] == body
        total = [body] if has_total else []
        for window in (slice(0, 2), slice(1, 3), slice(2, 9), slice(body, body + 2)):
            with django_assert_max_num_queries(14):
                part = report(stations=stations, window=window, **on)
            assert part.attrs["rows"] == body, (window, stations)
            rows = [*range(body)[window], *total]
            assert part.to_dict("records") == whole.iloc[rows].to_dict("records"), window
            assert list(part.columns) == list(whole.columns)


@pytest.mark.parametrize(
    "name",
    ["occupancy", "utilities", "coverage", "planned-coverage", "rent-vs-reserve-by-station"],
)
def test_a_station_report_page_is_built_from_its_window(
    client, stations, leased, name, monkeypatch
):
    """The page asks its report for the page's window only, never for the whole report."""
    from stations import reports

    monkeypatch.setattr(admin_views, "REPORT_PAGE_SIZE", 2)
    asked = []
    build = reports.REPORTS[name].build
    monkeypatch.setitem(
        reports.REPORTS,
        name,
        reports.Report(
            name=name,
            title="",
            build=lambda *, stations=None, window=None: (
                asked.append(window) or build(stations=stations, window=window)
            ),
        ),
    )
    client.force_login(speak_english(officer()))
    rows = body_rows(client.get(reverse("cms_report", args=(name,)) + "?page=2").content.decode())
    whole = build()
    codes = list(whole["station"][: whole.attrs["rows"]])
    total = ["TOTAL"] if whole.attrs.get("total_row") else []
    if len(codes) > 2:
        assert asked == [slice(2, 4)]
        assert rows == [*codes[2:4], *total]
    else:  # past the end: the last page, read again
        assert asked == [slice(2, 4), slice(0, 2)]
        assert rows == [*codes, *total]
