"""generate_network: a small synthetic network in the national proportions, consistent (plans
valid, credit codes valid, seals that open, rankings the scoring service agrees with, units in
their leases' statuses), reported on, journaled so that verify_audit passes, reproducible
from its seed, and refused where it must not run."""

import datetime as dt
from io import StringIO

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db import transaction

from leasing import pipeline
from leasing.generate import LEASE_STATUS_UNIT, network_digest
from leasing.models import Lease, LeaseUnit
from stations.generate import UNITS_PER_STATION, tiers_for
from stations.geometry import check_units
from stations.models import Level, Station, Unit, UtilityPoint
from stations.reports import get_report
from tenders.bids import round_key
from tenders.credit_code import credit_code_fault
from tenders.generate import BRANDS_PER_STATION, MEMBERS
from tenders.models import (
    Award,
    Bid,
    Brand,
    Lot,
    Merchant,
    OpenedBid,
    RankedBid,
    Score,
    TenderRound,
)
from tenders.opening import _read_bid
from tenders.scoring import lot_standings
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)
STATIONS = 12


def generate(stations=STATIONS, seed=7, *extra):
    out, err = StringIO(), StringIO()
    call_command(
        "generate_network",
        f"--stations={stations}",
        f"--seed={seed}",
        f"--today={TODAY}",
        "--force",
        *extra,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


@pytest.fixture
def network():
    return generate()


def test_tiers_and_units_follow_the_national_figures():
    tiers = tiers_for(6000)
    shares = {tier: tiers.count(tier) for tier in Station.Tier.values}
    assert shares == {"provincial": 300, "prefecture": 2100, "county": 3600}
    units = sum(UNITS_PER_STATION[tier] for tier in tiers)
    assert 95_000 <= units <= 105_000  # ~100,000 units for 6,000 stations


def test_counts_scale_with_the_stations(network):
    stations = list(Station.objects.all())
    assert len(stations) == STATIONS
    assert Unit.objects.count() == sum(UNITS_PER_STATION[s.tier] for s in stations)
    assert {s.tier for s in stations} == set(Station.Tier.values)
    assert Brand.objects.count() == round(STATIONS * BRANDS_PER_STATION)
    rounds = TenderRound.objects.count()
    # ~50,000 rounds for ~100,000 units, ~5 bids a round, 10 scores a scored valid bid.
    assert 0.35 <= rounds / Unit.objects.count() <= 0.6
    assert 3 <= Bid.objects.count() / rounds <= 8
    assert set(TenderRound.objects.values_list("status", flat=True)) == set(
        TenderRound.Status.values
    )
    scored = OpenedBid.objects.filter(scores__isnull=False).distinct().count()
    assert Score.objects.count() == scored * MEMBERS * 2
    assert f"stations: {STATIONS}\n" in network[0]  # the counts, on stdout
    assert "100%" in network[1]  # the progress bar, on stderr


def test_every_level_plan_is_valid_and_points_lie_in_their_units(network):
    for level in Level.objects.prefetch_related("units", "zones"):
        units = list(level.units.all())
        violations = check_units(
            outline=shapely.from_wkt(level.outline_wkt),
            codes=[u.code for u in units],
            polygons=[shapely.from_wkt(u.polygon_wkt) for u in units],
            no_build_zones=[(z.name, shapely.from_wkt(z.polygon_wkt)) for z in level.zones.all()],
        )
        assert violations == [], (level, violations)
    for point in UtilityPoint.objects.filter(unit__isnull=False).select_related("unit"):
        polygon = shapely.from_wkt(point.unit.polygon_wkt)
        assert polygon.contains(shapely.Point(float(point.x), float(point.y))), point


def test_credit_codes_are_valid_and_unique(network):
    codes = list(Merchant.objects.values_list("credit_code", flat=True))
    assert codes
    assert [credit_code_fault(code) for code in codes] == [None] * len(codes)
    assert len(set(codes)) == len(codes)


def test_sealed_bids_open_to_their_offers(network):
    opened = OpenedBid.objects.select_related("bid__round")[:40]
    assert opened
    for row in opened:
        bid = Bid.objects.get(pk=row.bid_id)
        payload, reason = _read_bid(round_key(row.bid.round), row.bid.round, bid)
        assert reason == ""
        assert payload["annual_rent"] == f"{row.annual_rent:.2f}"


def test_rankings_agree_with_the_scoring_service(network):
    ranked_rounds = TenderRound.objects.filter(results__isnull=False).distinct()
    assert ranked_rounds.exists()
    for round_obj in ranked_rounds:
        stored = {
            (r.lot_id, r.bid_id): (r.rank, r.total)
            for r in RankedBid.objects.filter(result__round=round_obj)
        }
        computed = {
            (lot_id, s.bid_id): (s.rank, s.total)
            for lot_id, standings in lot_standings(round_obj).items()
            for s in standings
        }
        assert stored == computed


def test_awards_leases_and_units_agree(network):
    awarded_lots = Lot.objects.filter(status=Lot.Status.AWARDED).count()
    assert awarded_lots == Award.objects.count() == Lease.objects.count() > 0
    assert Lease.objects.filter(status=Lease.Status.OPEN).exists()
    for link in LeaseUnit.objects.select_related("lease", "unit"):
        assert link.unit.status == LEASE_STATUS_UNIT[link.lease.status]
    for award in Award.objects.select_related("lot", "bid"):
        assert award.annual_rent == award.bid.annual_rent >= award.lot.reserve_annual_rent
        assert award.bid.rankings.get().rank == 1


def test_the_reports_run_on_the_generated_network(network):
    utilities = get_report("utilities").build()
    assert len(utilities) == STATIONS + 1
    assert (utilities["power_kw"][:-1] > 0).all()
    assert utilities["units"].iloc[-1] == Unit.objects.count()
    rent = get_report("rent-vs-reserve").build()
    assert len(rent) == Award.objects.count() + 1
    assert rent["premium_pct"].iloc[-1] > 0


def test_verify_audit_passes_after_generating(network):
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "records match" in out.getvalue()


def test_the_pipeline_counts_are_those_of_the_generated_rows(network):
    assert pipeline.differences() == []
    total = get_report("pipeline")().iloc[-1]
    assert (total["bids"], total["awards"]) == (
        Bid.objects.exclude(status=Bid.Status.REPLACED).count(),
        Award.objects.count(),
    )


def test_the_same_seed_gives_the_same_network():
    with transaction.atomic():
        generate(seed=5)
        first = network_digest()
        transaction.set_rollback(True)
    with transaction.atomic():
        generate(seed=6)
        other = network_digest()
        transaction.set_rollback(True)
    generate(seed=5)
    assert network_digest() == first
    assert other != first


def test_refused_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("generate_network", "--stations=2", stdout=StringIO(), stderr=StringIO())
    assert not Station.objects.exists()


def test_refused_on_a_database_that_holds_a_network():
    StationFactory()
    with pytest.raises(CommandError, match="already holds 1 stations"):
        generate(stations=2)
    assert Station.objects.count() == 1
    assert not Merchant.objects.exists()


def test_the_planner_statistics_are_gathered_on_postgresql(network):
    """COPY leaves the statistics empty; without them the first queries on a fresh network
    plan as for empty tables (a hash join over every bid to read one window of scores)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("statistics are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'tenders_score'")
        (estimated,) = cursor.fetchone()
    assert estimated == pytest.approx(Score.objects.count(), rel=0.1)
