# ruff: noqa: F811  (the fixtures imported from tests.leasing.test_reports are parameters here)
"""The leasing reports in the admin: each page renders with its table, a chart where one
helps, the Excel download, a bounded number of queries, and only the user's stations."""

import io
import re

import openpyxl
import pytest
from django.urls import reverse

from tests.cms.conftest import speak_english
from tests.factories import officer, station_officer
from tests.leasing.test_reports import LEASING_REPORTS, awarded, leased, network  # noqa: F401

pytestmark = pytest.mark.django_db
CHARTED = {
    "rent-vs-reserve-by-station", "rent-vs-reserve-by-type", "rent-vs-reserve-by-tier",
    "occupancy", "occupancy-by-tier", "pipeline", "expiries",
}  # fmt: skip
# The network has no awards, and what expires depends on today: these always draw.
CHARTED_WITH_DATA = {"occupancy", "occupancy-by-tier", "pipeline"}


def test_the_index_offers_every_leasing_report(client):
    client.force_login(officer())
    content = client.get(reverse("cms_reports")).content.decode()
    for name in LEASING_REPORTS:
        assert reverse("cms_report", args=(name,)) in content


@pytest.mark.parametrize("name", LEASING_REPORTS)
def test_each_page_renders_its_table_and_chart(
    client, network, name, django_assert_max_num_queries
):
    client.force_login(speak_english(officer()))
    with django_assert_max_num_queries(30):
        response = client.get(reverse("cms_report", args=(name,)))
    assert response.status_code == 200
    content = response.content.decode()
    assert f"cms-report--{name}" in content
    has_chart = 'class="cms-chart"' in content
    if name in CHARTED_WITH_DATA:
        assert has_chart
    elif name not in CHARTED:
        assert not has_chart
    if has_chart:
        chart = content.split('class="cms-chart"')[1].split("</figure>")[0]
        assert "<svg" in chart and "<?xml" not in chart and "<!DOCTYPE" not in chart


def test_the_occupancy_chart_names_the_stations_and_their_percentages(client, network):
    client.force_login(speak_english(officer()))
    content = client.get(reverse("cms_report", args=("occupancy",))).content.decode()
    chart = content.split('class="cms-chart"')[1].split("</figure>")[0]
    assert "AAA" in chart and "83.3%" in chart and "36.0%" in chart
    assert "Let area in per cent of the leasable area" in chart


def test_the_pipeline_chart_is_a_funnel_of_the_stages(client, network):
    client.force_login(speak_english(officer()))
    content = client.get(reverse("cms_report", args=("pipeline",))).content.decode()
    chart = content.split('class="cms-chart"')[1].split("</figure>")[0]
    for label in ("Demands", "Applications", "Bids", "Lots awarded", "Leases", "Openings"):
        assert label in chart


def test_the_rent_roll_shows_statuses_by_name_and_the_total(client, network):
    client.force_login(speak_english(officer()))
    content = client.get(reverse("cms_report", args=("rent-roll",))).content.decode()
    assert ">Open<" in content and ">open<" not in content
    total = content.split('<tr class="cms-report__total">')[1].split("</tr>")[0]
    assert "234000.00" in total or "234,000.00" in total
    assert "Annual rent, current year (CNY)" in content


def test_the_excel_download_of_a_leasing_report(client, network):
    client.force_login(officer())
    response = client.get(reverse("cms_report", args=("occupancy",)), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="occupancy.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "AAA" in values and "BBB" in values and "TOTAL" in values


def test_a_station_officer_sees_only_their_stations(client, network):
    client.force_login(speak_english(station_officer(network["BBB"])))
    content = client.get(reverse("cms_report", args=("occupancy",))).content.decode()
    assert ">BBB<" in content and ">AAA<" not in content
    chains = client.get(reverse("cms_report", args=("chains",))).content.decode()
    assert ">AAA<" not in chains


def test_no_chart_without_data(client):
    client.force_login(speak_english(officer()))
    content = client.get(reverse("cms_report", args=("expiries",))).content.decode()
    assert 'class="cms-chart"' not in content


def test_rent_against_reserve_by_station_is_charted_as_bars(client, leased):
    awarded_round, _lease = leased
    client.force_login(speak_english(officer()))
    content = client.get(
        reverse("cms_report", args=("rent-vs-reserve-by-station",))
    ).content.decode()
    chart = content.split('class="cms-chart"')[1].split("</figure>")[0]
    assert awarded_round.lots[0].station.code in chart
    assert "+25.0%" in chart and "Reserve annual rent (CNY)" in chart


def test_the_network_summary_columns_have_headings(client, network):
    client.force_login(speak_english(officer()))
    content = client.get(reverse("cms_report", args=("network-summary",))).content.decode()
    head = content.split("<thead>")[1].split("</thead>")[0]
    assert [label.strip() for label in re.findall(r"<th[^>]*>([^<]*)</th>", head)] == [
        "Key", "Figure", "Value",
    ]  # fmt: skip
