"""The leasing reports on small hand-made data with known answers, empty data, the stations
filter and the TOTAL rows; and the report command for each."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from leasing import services as leases
from leasing.models import Lease
from leasing.reports import premium_pct
from stations import services as space
from stations.models import Station, Unit
from stations.reports import get_report, render_report
from tenders import result as outcome
from tests.leasing.factories import direct_lease, lease_officer
from tests.stations.factories import StationFactory, level, unit
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import declare_all, opened_round, score_all, seat_committee
from tests.tenders.factories import BrandFactory, DemandFactory, MerchantFactory, business_type

pytestmark = pytest.mark.django_db
D = Decimal
ON = dt.date(2026, 4, 15)
NOW = dt.datetime(2026, 4, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


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
        "round", "lot", "lease", "station", "tier", "business_type", "area_m2",
        "reserve_annual_rent", "awarded_annual_rent", "contract_annual_rent", "premium_pct",
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
        "round,lot,lease,station,tier,business_type,area_m2,reserve_annual_rent,"
        "awarded_annual_rent,contract_annual_rent,premium_pct"
    )
    path = tmp_path / "rent.xlsx"
    call_command("report", "rent-vs-reserve", "--format", "xlsx", "--out", str(path))
    assert path.read_bytes()[:2] == b"PK"
    assert render_report(get_report("rent-vs-reserve")(), "csv").count(b"\n") == 4


def test_stations_narrow_the_report(awarded):
    frame = get_report("rent-vs-reserve")(stations=[awarded.lots[0].station])
    assert list(frame["lot"].dropna()) == [1]


def test_stations_narrow_every_grouping(awarded):
    first = awarded.lots[0].station
    by_station = get_report("rent-vs-reserve-by-station")(stations=[first])
    assert list(by_station["station"]) == [first.code, "TOTAL"]


@pytest.fixture
def leased(awarded):
    """Lot 1's award made into a lease (150000, the winning offer); lot 2 not yet."""
    award = awarded.lots[0].award
    lease = leases.lease_create_from_award(
        actor=lease_officer(), award=award, code="HT-AWARD-1", start_date=dt.date(2026, 6, 1)
    )
    return awarded, lease


def test_the_lease_made_from_an_award_gives_its_contract_rent(leased):
    awarded, lease = leased
    first, second, total = get_report("rent-vs-reserve")().to_dict("records")
    assert (first["lease"], first["contract_annual_rent"]) == ("HT-AWARD-1", D("150000.00"))
    assert first["tier"] == awarded.lots[0].station.tier
    assert (second["lease"], second["contract_annual_rent"]) == ("", None)
    assert total["contract_annual_rent"] == D("150000.00")


def test_rent_against_reserve_by_station_type_and_tier_with_the_network_total(leased):
    awarded, _lease = leased
    lot1, lot2 = awarded.lots
    by_station = get_report("rent-vs-reserve-by-station")()
    assert list(by_station.columns) == [
        "station", "awards", "leases", "area_m2", "reserve_annual_rent",
        "awarded_annual_rent", "contract_annual_rent", "premium_pct",
    ]  # fmt: skip
    rows = {r["station"]: r for r in by_station.to_dict("records")}
    assert list(rows) == sorted([lot1.station.code, lot2.station.code]) + ["TOTAL"]
    one = rows[lot1.station.code]
    assert (one["awards"], one["leases"], one["awarded_annual_rent"]) == (1, 1, D("150000.00"))
    assert one["area_m2"] == sum(u.area_m2 for u in lot1.units.all())
    assert (one["contract_annual_rent"], one["premium_pct"]) == (D("150000.00"), D("25.00"))
    two = rows[lot2.station.code]
    assert (two["leases"], two["contract_annual_rent"], two["premium_pct"]) == (
        0, D("0.00"), D("4.17"),
    )  # fmt: skip
    network = rows["TOTAL"]
    assert (network["awards"], network["leases"]) == (2, 1)
    assert network["reserve_annual_rent"] == D("240000.00")
    assert network["awarded_annual_rent"] == D("275000.00")
    assert network["premium_pct"] == D("14.58")
    by_type = get_report("rent-vs-reserve-by-type")().to_dict("records")
    assert [(r["business_type"], r["awards"], r["premium_pct"]) for r in by_type] == [
        ("coffee", 2, D("14.58")), ("TOTAL", 2, D("14.58")),
    ]  # fmt: skip
    by_tier = get_report("rent-vs-reserve-by-tier")().to_dict("records")
    assert [(r["tier"], r["awarded_annual_rent"]) for r in by_tier] == [
        ("prefecture", D("275000.00")), ("TOTAL", D("275000.00")),
    ]  # fmt: skip


def test_grouped_rent_reports_without_awards_are_a_total_of_nothing():
    for name in (
        "rent-vs-reserve-by-station",
        "rent-vs-reserve-by-type",
        "rent-vs-reserve-by-tier",
    ):
        rows = get_report(name)().to_dict("records")
        assert len(rows) == 1
        assert (rows[0]["awards"], rows[0]["reserve_annual_rent"], rows[0]["premium_pct"]) == (
            0, D("0.00"), None,
        )  # fmt: skip


# --- a small network with leases in force -------------------------------------------------


def _free(level_obj, code, x, size, **fields):
    created = unit(level_obj, code, x, 0, size, **fields)
    space.unit_change_status(actor=None, unit=created, status=Unit.Status.AVAILABLE)
    return Unit.objects.get(pk=created.pk)


@pytest.fixture
def network():
    """AAA (provincial): A1 100 m² and A2 25 m² let, A4 25 m² vacant, a lightbox (not
    leasable). BBB (county): B1 36 m² let, B2 64 m² vacant. On 15 April 2026:
    L1 Alpha convenience store in A1 from 2025-01-01 for 36 months at 120000 + 5 %, open;
    L2 Beta coffee in A2 2025-07-01 to 2026-09-01 at 60000, open;
    L3 Alpha convenience store in B1 from 2026-03-01 for 24 months at 48000, open."""
    with time_machine.travel(NOW, tick=False):
        aaa = StationFactory(code="AAA", tier=Station.Tier.PROVINCIAL_CAPITAL)
        bbb = StationFactory(code="BBB", tier=Station.Tier.COUNTY)
        la, lb = level(aaa), level(bbb)
        a1 = _free(la, "A1", 0, 10, business_types=["convenience-store"])
        a2 = _free(la, "A2", 20, 5, business_types=["coffee"])
        _free(la, "A4", 40, 5, business_types=["coffee"])
        _free(la, "A5", 60, 2, kind=Unit.Kind.LIGHTBOX)
        b1 = _free(lb, "B1", 0, 6, business_types=["convenience-store"])
        _free(lb, "B2", 20, 8, business_types=["coffee"])
        alpha = MerchantFactory(name="Alpha Trading")
        BrandFactory(merchant=alpha, name_zh="阿尔法", name_en="Alpha")
        beta = MerchantFactory(name="Beta Foods")
        BrandFactory(merchant=beta, name_zh="贝塔", name_en="Beta").business_types.add(
            business_type("coffee")
        )
        BrandFactory(merchant=beta, name_zh="伽马", name_en="Gamma").business_types.add(
            business_type("bookstore")
        )
        officer = lease_officer()
        made = {
            "L1": direct_lease(alpha, [a1], actor=officer, start=dt.date(2025, 1, 1), months=36,
                               rent="120000", escalation_pct="5"),
            "L2": direct_lease(beta, [a2], actor=officer, start=dt.date(2025, 7, 1),
                               end=dt.date(2026, 9, 1), rent="60000"),
            "L3": direct_lease(alpha, [b1], actor=officer, start=dt.date(2026, 3, 1), months=24,
                               rent="48000"),
        }  # fmt: skip
        opened = {"L1": dt.date(2025, 2, 1), "L2": dt.date(2025, 8, 1), "L3": dt.date(2026, 3, 10)}
        for name, lease in made.items():
            lease = leases.lease_sign(actor=officer, lease=lease)
            made[name] = leases.lease_open(actor=officer, lease=lease, opened_on=opened[name])
        DemandFactory(stations=[aaa, bbb])
        DemandFactory(stations=[aaa])
    return {"AAA": aaa, "BBB": bbb, **made}


def test_occupancy_is_let_area_over_leasable_area_per_station(network):
    frame = get_report("occupancy")()
    assert list(frame.columns) == [
        "station", "tier", "units", "let_units", "leasable_area_m2", "let_area_m2",
        "vacant_area_m2", "occupancy_pct",
    ]  # fmt: skip
    rows = [tuple(r.values()) for r in frame.to_dict("records")]
    assert rows == [
        ("AAA", "provincial", 3, 2, D("150.00"), D("125.00"), D("25.00"), D("83.33")),
        ("BBB", "county", 2, 1, D("100.00"), D("36.00"), D("64.00"), D("36.00")),
        ("TOTAL", "", 5, 3, D("250.00"), D("161.00"), D("89.00"), D("64.40")),
    ]
    by_tier = [tuple(r.values()) for r in get_report("occupancy-by-tier")().to_dict("records")]
    assert by_tier == [
        ("provincial", 1, 3, 2, D("150.00"), D("125.00"), D("25.00"), D("83.33")),
        ("county", 1, 2, 1, D("100.00"), D("36.00"), D("64.00"), D("36.00")),
        ("TOTAL", 2, 5, 3, D("250.00"), D("161.00"), D("89.00"), D("64.40")),
    ]
    only = get_report("occupancy")(stations=[network["BBB"]])
    assert list(only["station"]) == ["BBB", "TOTAL"]
    assert only.iloc[-1]["occupancy_pct"] == D("36.00")


def test_occupancy_of_stations_without_units_has_no_percentage():
    StationFactory(code="ZZZ")
    rows = get_report("occupancy")().to_dict("records")
    assert [(r["station"], r["leasable_area_m2"], r["occupancy_pct"]) for r in rows] == [
        ("ZZZ", D("0.00"), None), ("TOTAL", D("0.00"), None),
    ]  # fmt: skip


def test_coverage_counts_open_outlets_by_basic_category(network):
    frame = get_report("coverage")()
    rows = {r["station"]: r for r in frame.to_dict("records")}
    assert (rows["AAA"]["catering"], rows["AAA"]["convenience-store"]) == (
        1,
        1,
    )  # coffee: catering
    assert (rows["AAA"]["bookstore"], rows["AAA"]["luggage-storage"]) == (0, 0)
    assert (rows["BBB"]["catering"], rows["BBB"]["convenience-store"]) == (0, 1)
    assert not frame["complete"].any()
    assert frame["complete"].dtype == bool


def test_coverage_is_complete_once_every_basic_category_is_open():
    with time_machine.travel(NOW, tick=False):
        station = StationFactory(code="CCC")
        lv = level(station)
        officer = lease_officer()
        for n, code in enumerate(
            ["fast-food", "convenience-store", "bookstore", "luggage-storage"]
        ):
            lease = direct_lease(MerchantFactory(), [_free(lv, f"C{n}", n * 20, 5,
                                 business_types=[code])], actor=officer,
                                 start=dt.date(2026, 1, 1), months=12)  # fmt: skip
            leases.lease_sign(actor=officer, lease=lease)
            if n:  # the first one stays signed, not open: not yet coverage
                leases.lease_open(actor=officer, lease=lease, opened_on=dt.date(2026, 2, 1))
        assert not get_report("coverage")().iloc[0]["complete"]
        first = Lease.objects.get(lease_units__unit__code="C0")
        leases.lease_open(actor=officer, lease=first, opened_on=dt.date(2026, 2, 1))
    assert get_report("coverage")().iloc[0]["complete"]


def test_chains_count_each_brands_outlets_per_station(network):
    frame = get_report("chains")()
    assert list(frame.columns) == ["brand", "stations", "outlets", "every_station", "AAA", "BBB"]
    assert [tuple(r.values()) for r in frame.to_dict("records")] == [
        ("阿尔法 Alpha", 2, 2, True, 1, 1),
        ("贝塔 Beta", 1, 1, False, 1, 0),  # of Beta Foods' two brands, the coffee one
    ]
    only = get_report("chains")(stations=[network["AAA"]])
    assert list(only["every_station"]) == [True, True]  # every station reported on: AAA


def test_chains_count_a_brands_stations_once_across_its_types_and_merchants():
    """Alpha's one brand trades as two types; two merchants' brands share the name Delta;
    Beta's brands split by type; Omega has none and trades under its name."""
    with time_machine.travel(NOW, tick=False):
        levels = {code: level(StationFactory(code=code)) for code in ("AAA", "BBB", "CCC")}
        officer = lease_officer()
        placed = {code: iter(range(0, 100, 10)) for code in levels}

        def outlet(merchant, station, business_type):
            x = next(placed[station])
            free = _free(levels[station], f"{station}{x}", x, 5, business_types=[business_type])
            lease = direct_lease(merchant, [free], actor=officer, start=dt.date(2026, 1, 1))
            lease = leases.lease_sign(actor=officer, lease=lease)
            leases.lease_open(actor=officer, lease=lease, opened_on=dt.date(2026, 1, 5))

        alpha = MerchantFactory(name="Alpha Trading")
        BrandFactory(merchant=alpha, name_zh="阿尔法", name_en="Alpha")
        beta = MerchantFactory(name="Beta Foods")
        BrandFactory(merchant=beta, name_zh="贝塔", name_en="Beta").business_types.add(
            business_type("coffee")
        )
        BrandFactory(merchant=beta, name_zh="伽马", name_en="Gamma").business_types.add(
            business_type("bookstore")
        )
        deltas = [MerchantFactory(name=f"Delta {n}") for n in (1, 2)]
        for delta in deltas:
            BrandFactory(merchant=delta, name_zh="德尔塔", name_en="Delta")
        omega = MerchantFactory(name="Omega Ltd")
        for merchant, station, kind in [
            (alpha, "AAA", "convenience-store"), (alpha, "AAA", "coffee"),
            (alpha, "BBB", "coffee"), (alpha, "CCC", "convenience-store"),
            (beta, "AAA", "coffee"), (beta, "CCC", "coffee"), (beta, "AAA", "bookstore"),
            (deltas[0], "BBB", "coffee"), (deltas[1], "BBB", "bakery"),
            (deltas[1], "CCC", "bakery"), (omega, "CCC", "coffee"), (omega, "BBB", "bakery"),
        ]:  # fmt: skip
            outlet(merchant, station, kind)
    frame = get_report("chains")()
    assert [tuple(r.values()) for r in frame.to_dict("records")] == [
        ("阿尔法 Alpha", 3, 4, True, 2, 1, 1),
        ("德尔塔 Delta", 2, 3, False, 0, 2, 1),
        ("Omega Ltd", 2, 2, False, 0, 1, 1),
        ("贝塔 Beta", 2, 2, False, 1, 0, 1),
        ("伽马 Gamma", 1, 1, False, 1, 0, 0),
    ]
    page = get_report("chains")(window=slice(1, 3))
    assert page.attrs["rows"] == 5
    assert page.to_dict("records") == frame.iloc[1:3].to_dict("records")


def test_pipeline_counts_each_stage_per_station_and_month(network):
    frame = get_report("pipeline")()
    assert list(frame.columns) == [
        "station", "month", "demands", "applications", "bids", "awards", "leases", "openings",
    ]  # fmt: skip
    rows = [tuple(r.values()) for r in frame.to_dict("records")]
    assert rows == [
        ("AAA", "2025-02", 0, 0, 0, 0, 0, 1),
        ("AAA", "2025-08", 0, 0, 0, 0, 0, 1),
        ("AAA", "2026-04", 2, 0, 0, 0, 2, 0),
        ("BBB", "2026-03", 0, 0, 0, 0, 0, 1),
        ("BBB", "2026-04", 1, 0, 0, 0, 1, 0),
        ("TOTAL", "", 3, 0, 0, 0, 3, 3),
    ]


def test_pipeline_counts_the_tender_stages(awarded):
    from django.utils import timezone

    frame = get_report("pipeline")()
    lot1, lot2 = awarded.lots
    month = f"{timezone.localtime(lot1.award.awarded_at):%Y-%m}"
    total = frame.iloc[-1]
    assert (total["applications"], total["bids"], total["awards"]) == (4, 4, 2)
    one = frame[frame["station"] == lot1.station.code]
    assert int(one["bids"].sum()) == 3 and int(one["applications"].sum()) == 3
    assert month in set(one[one["awards"] > 0]["month"])
    narrowed = get_report("pipeline")(stations=[lot2.station])
    assert tuple(narrowed.iloc[-1][["applications", "bids", "awards"]]) == (1, 1, 1)


def test_the_rent_roll_lists_leases_in_force_with_this_years_rent(network):
    frame = get_report("rent-roll")(on=ON)
    records = frame.to_dict("records")
    assert [r["lease"] for r in records] == [
        network["L1"].code, network["L2"].code, network["L3"].code, "TOTAL",
    ]  # fmt: skip
    l1, l2, l3, total = records
    assert (l1["tenant"], l1["units"], l1["status"]) == ("Alpha Trading", "A1", "open")
    assert (l1["annual_rent"], l1["monthly_rent"]) == (D("126000.00"), D("10500.00"))  # year 2
    assert (l2["annual_rent"], l2["monthly_rent"], l2["area_m2"]) == (
        D("60000.00"), D("5000.00"), D("25.00"),
    )  # fmt: skip
    assert (l3["annual_rent"], l3["deposit"]) == (D("48000.00"), D("12000.00"))
    assert total["area_m2"] == D("161.00")
    assert total["annual_rent"] == D("234000.00")
    assert total["monthly_rent"] == D("19500.00")
    assert total["deposit"] == l1["deposit"] + l2["deposit"] + D("12000.00")
    before = get_report("rent-roll")(on=dt.date(2025, 6, 1))
    assert before.iloc[0]["annual_rent"] == D("120000.00")  # still the first lease year
    assert list(get_report("rent-roll")(stations=[network["BBB"]], on=ON)["lease"]) == [
        network["L3"].code, "TOTAL",
    ]  # fmt: skip


def test_expiries_are_the_leases_ending_in_the_next_twelve_months(network):
    frame = get_report("expiries")(on=ON)
    records = frame.to_dict("records")
    assert len(records) == 2
    l2, total = records
    assert (l2["lease"], l2["month"], l2["last_day"]) == (
        network["L2"].code, "2026-08", dt.date(2026, 8, 31),
    )  # fmt: skip
    assert (l2["days_left"], l2["renewed"], l2["annual_rent"]) == (138, False, D("60000.00"))
    assert (total["lease"], total["area_m2"], total["annual_rent"]) == (
        "", D("25.00"), D("60000.00"),
    )  # fmt: skip
    assert frame.iloc[-1]["month"] == "TOTAL"
    later = get_report("expiries")(on=dt.date(2027, 3, 2))  # L3 ends 2028-03-01: in range
    assert list(later["lease"])[:-1] == [network["L1"].code, network["L3"].code]
    assert len(get_report("expiries")(stations=[network["BBB"]], on=ON)) == 1  # TOTAL only


def test_a_renewal_shows_on_the_expiring_lease(network):
    with time_machine.travel(NOW, tick=False):
        leases.lease_renew(actor=lease_officer(), lease=network["L2"], code="HT-RENEW",
                           end_date=dt.date(2029, 9, 1), annual_rent="66000")  # fmt: skip
    assert get_report("expiries")(on=ON).iloc[0]["renewed"]


LEASING_REPORTS = [
    "rent-vs-reserve", "rent-vs-reserve-by-station", "rent-vs-reserve-by-type",
    "rent-vs-reserve-by-tier", "occupancy", "occupancy-by-tier", "coverage", "chains",
    "pipeline", "rent-roll", "expiries",
]  # fmt: skip


@pytest.mark.parametrize("name", LEASING_REPORTS)
def test_each_report_renders_through_the_command(network, name, tmp_path):
    out = StringIO()
    call_command("report", name, "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert isinstance(rows, list) and rows
    csv = StringIO()
    call_command("report", name, "--format", "csv", stdout=csv)
    assert csv.getvalue().lstrip("\ufeff").splitlines()[0].split(",")[0] in (
        "round", "station", "business_type", "tier", "brand", "lease", "month",
    )  # fmt: skip
    path = tmp_path / f"{name}.xlsx"
    call_command("report", name, "--format", "xlsx", "--out", str(path), stdout=StringIO())
    assert path.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("name", LEASING_REPORTS)
def test_each_report_on_no_data(name):
    frame = get_report(name)()
    if frame.attrs.get("total_row"):
        assert list(frame.iloc[:, 0]) == ["TOTAL"]
    else:
        assert frame.empty
    assert render_report(frame, "xlsx")[:2] == b"PK"


@pytest.mark.parametrize("name", LEASING_REPORTS)
def test_each_report_asks_a_bounded_number_of_queries(
    network, name, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        get_report(name)()
