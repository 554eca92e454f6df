"""The rent-vs-reserve report: one row per awarded lot, the premium, a TOTAL row."""

import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from stations.reports import get_report, render_report
from tenders import result as outcome
from tenders.reports import premium_pct
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import declare_all, opened_round, score_all, seat_committee

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def awarded():
    with time_machine.travel(BIDDING, tick=False) as clock:
        opened = opened_round(clock)
        members = seat_committee(opened, size=5)
        declare_all(opened, members)
        score_all(opened, members)
        outcome.result_sign_off(actor=members[0], round=opened.round)
        outcome.result_publish(actor=opened.officer, round=opened.refresh())
        clock.move_to(opened.refresh().publicity_ends_at)
        outcome.round_award(actor=opened.officer, round=opened.round)
        yield opened


def test_premium_is_a_percentage_of_the_reserve():
    assert premium_pct(D("150000"), D("120000")) == D("25.00")
    assert premium_pct(D("120000"), D("120000")) == D("0.00")
    assert premium_pct(D("100000"), D("300000")) == D("-66.67")


def test_one_row_per_awarded_lot_and_a_total(awarded):
    frame = get_report("rent-vs-reserve")()
    assert list(frame.columns) == [
        "round", "lot", "station", "business_type", "area_m2",
        "reserve_annual_rent", "awarded_annual_rent", "premium_pct",
    ]  # fmt: skip
    lot1, lot2 = awarded.lots
    rows = frame.to_dict("records")
    assert [r["round"] for r in rows] == [awarded.round.code, awarded.round.code, "TOTAL"]
    assert list(frame["lot"].head(2)) == [1, 2]
    first, second, total = rows
    assert first["station"] == lot1.station.code and first["business_type"] == "coffee"
    assert first["area_m2"] == sum(u.area_m2 for u in lot1.units.all())
    assert (first["reserve_annual_rent"], first["awarded_annual_rent"], first["premium_pct"]) == (
        D("120000.00"), D("150000.00"), D("25.00"),
    )  # fmt: skip
    assert second["premium_pct"] == D("4.17")  # 125000 against 120000
    assert total["reserve_annual_rent"] == D("240000.00")
    assert total["awarded_annual_rent"] == D("275000.00")
    assert total["premium_pct"] == D("14.58")
    assert total["area_m2"] == first["area_m2"] + second["area_m2"]


def test_no_award_gives_a_total_of_nothing():
    frame = get_report("rent-vs-reserve")()
    assert frame.to_dict("records")[0]["round"] == "TOTAL"
    assert len(frame) == 1


def test_the_command_writes_json_csv_and_xlsx(awarded, tmp_path):
    out = StringIO()
    call_command("report", "rent-vs-reserve", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    rows = rows["rows"] if isinstance(rows, dict) else rows
    assert rows[-1]["round"] == "TOTAL" and rows[0]["premium_pct"] == 25.0
    csv = StringIO()
    call_command("report", "rent-vs-reserve", "--format", "csv", stdout=csv)
    assert csv.getvalue().lstrip("\ufeff").splitlines()[0] == (
        "round,lot,station,business_type,area_m2,reserve_annual_rent,awarded_annual_rent,"
        "premium_pct"
    )
    path = tmp_path / "rent.xlsx"
    call_command("report", "rent-vs-reserve", "--format", "xlsx", "--out", str(path))
    assert path.read_bytes()[:2] == b"PK"
    assert render_report(get_report("rent-vs-reserve")(), "csv").count(b"\n") == 4


def test_stations_narrow_the_report(awarded):
    frame = get_report("rent-vs-reserve")(stations=[awarded.lots[0].station])
    assert list(frame["lot"].dropna()) == [1]
