"""`network-summary` on small hand-made data with known answers (the demo's figures are in
tests/leasing/test_demo.py)."""

import datetime as dt
from decimal import Decimal

import pytest

from stations.reports import get_report, render_report
from tests.leasing import test_reports

awarded, network = test_reports.awarded, test_reports.network  # their fixtures

pytestmark = pytest.mark.django_db


def summary(**filters) -> dict:
    frame = get_report("network-summary")(**filters)
    assert list(frame.columns) == ["figure", "label", "value"]
    return dict(zip(frame["figure"], frame["value"], strict=True))


def test_the_outlets_brands_chains_and_first_opening(network):
    found = summary()

    assert found["stations"] == 2
    assert (found["outlets_open"], found["brands_open"], found["stations_with_outlets"]) == (
        3, 2, 2,
    )  # fmt: skip
    assert found["chains_everywhere"] == "阿尔法 Alpha"
    assert found["chain_types_everywhere"] == "便利店 Convenience store"
    assert found["first_opening"].startswith(f"{dt.date(2025, 2, 1):%Y-%m-%d} 阿尔法 Alpha · ")
    assert found["brands_with_demands"] == 2  # two demands naming no brand: their merchants
    assert (found["projects_completed"], found["projects_let"], found["premium_pct"]) == (
        0, 0, None,
    )  # fmt: skip
    assert found["area_let_m2"] == Decimal("0")


def test_the_stations_narrow_every_figure(network):
    found = summary(stations=[network["BBB"]])

    assert (found["stations"], found["outlets_open"], found["brands_open"]) == (1, 1, 1)
    assert found["chains_everywhere"] == "阿尔法 Alpha"
    assert found["brands_with_demands"] == 1  # the demand naming BBB; the other names AAA only
    assert found["first_opening"].startswith("2026-03-10 ")


def test_the_tender_figures(awarded):
    found = summary()

    assert (found["projects_completed"], found["projects_let"], found["projects_failed"]) == (
        2, 2, 0,
    )  # fmt: skip
    assert found["objections_upheld"] == 0
    assert (found["brands_by_tender"], found["types_by_tender"]) == (2, 1)
    assert found["reserve"] == Decimal("240000.00")
    assert found["rent_won"] == Decimal("275000.00")
    assert found["premium_pct"] == Decimal("14.58")
    lots = awarded.lots
    assert found["area_let_m2"] == sum(u.area_m2 for lot in lots for u in lot.units.all())


def test_on_no_data_everything_is_zero_or_empty():
    found = summary()

    assert found["stations"] == 0 and found["outlets_open"] == 0
    assert found["first_opening"] == "" and found["chains_everywhere"] == ""
    assert render_report(get_report("network-summary")(), "xlsx")[:2] == b"PK"


def test_a_bounded_number_of_queries(network, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        summary()
