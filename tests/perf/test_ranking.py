"""Benchmark: ranking a round of 10,000 bids scored by 7 members on 6 criteria (420,000
scores), with ``lot_standings``, against one hand-written SQL statement that computes the same
ranking (trimmed means, price points, totals, ranks) on the same data in the same run.

Run with ``bin/test --perf tests/perf/test_ranking.py -s`` (PERF_RANKING_LOTS and
PERF_RANKING_BIDDERS change the size). It prints the best of three timings and the ratio, and
asserts only that both rank the same winners (no timed assertions).
"""

import datetime as dt
import os
import random
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from tenders.models import (
    Bid,
    Criterion,
    OpenedBid,
    Opening,
    Score,
    ScoreSheet,
    Seat,
    TenderRound,
)
from tenders.scoring import lot_standings
from tests.perf.results import record
from tests.tenders.committee_factories import member
from tests.tenders.factories import MerchantFactory
from tests.tenders.round_factories import add_lot, available_unit, make_round

pytestmark = [pytest.mark.django_db, pytest.mark.perf]

LOTS = int(os.environ.get("PERF_RANKING_LOTS", "100"))
BIDDERS = int(os.environ.get("PERF_RANKING_BIDDERS", "100"))  # per lot: 10,000 bids in all
MEMBERS = 7
SUBJECTIVE = 6
PRICE_WEIGHT = Decimal("40")
SUBJECTIVE_WEIGHT = (Decimal("100") - PRICE_WEIGHT) / SUBJECTIVE

SQL = """
WITH per_criterion AS (
    SELECT s.bid_id, s.lot_id,
           CASE WHEN COUNT(*) >= 5
                THEN (SUM(s.points) - MAX(s.points) - MIN(s.points)) / (COUNT(*) - 2)
                ELSE SUM(s.points) / COUNT(*) END AS points
    FROM tenders_score s
    WHERE s.is_current AND s.lot_id IN (SELECT id FROM tenders_lot WHERE round_id = %(round)s)
    GROUP BY s.bid_id, s.lot_id, s.criterion_id
), subjective AS (
    SELECT bid_id, lot_id, SUM(points) AS points FROM per_criterion GROUP BY bid_id, lot_id
), totals AS (
    SELECT o.id, sj.lot_id, o.annual_rent, b.received_at,
           sj.points + o.annual_rent * %(price)s
               / MAX(o.annual_rent) OVER (PARTITION BY sj.lot_id) AS total
    FROM subjective sj
    JOIN tenders_openedbid o ON o.id = sj.bid_id
    JOIN tenders_bid b ON b.id = o.bid_id
    WHERE o.is_valid
)
SELECT id, lot_id, ROW_NUMBER() OVER (
    PARTITION BY lot_id ORDER BY total DESC, annual_rent DESC, received_at, id) AS rank
FROM totals
"""


def build_round() -> TenderRound:
    """The data the committee would leave behind, written in bulk (the services would take
    hours to seal and score 10,000 bids; the benchmark measures the ranking, not them)."""
    rng = random.Random(20261127)
    round_obj = make_round()
    units = [available_unit() for _ in range(LOTS)]
    lots = [
        add_lot(round_obj, number=n + 1, units=[units[n]], reserve="100000.00")
        for n in range(LOTS)
    ]
    criteria = [Criterion(round=round_obj, name="Price", kind="price", weight=PRICE_WEIGHT)] + [
        Criterion(round=round_obj, name=f"Plan {n}", kind="subjective", weight=SUBJECTIVE_WEIGHT)
        for n in range(SUBJECTIVE)
    ]
    Criterion.objects.bulk_create(criteria)
    subjective = [c for c in criteria if c.kind == "subjective"]
    merchants = MerchantFactory.create_batch(BIDDERS)
    TenderRound.objects.filter(pk=round_obj.pk).update(status=TenderRound.Status.OPENED)
    now = timezone.now()
    bids = Bid.objects.bulk_create(
        [
            Bid(
                round=round_obj,
                lot=lot,
                merchant=merchant,
                version=1,
                received_at=now + dt.timedelta(seconds=n * BIDDERS + k),
                receipt_number=f"PERF-{lot.number}-{k}",
                digest="0" * 64,
                sealed=b"",
            )  # fmt: skip
            for n, lot in enumerate(lots)
            for k, merchant in enumerate(merchants)
        ],
        batch_size=2000,
    )
    opening = Opening.objects.create(round=round_obj, opened_at=now, record={})
    opened = OpenedBid.objects.bulk_create(
        [
            OpenedBid(
                bid=bid,
                opening=opening,
                is_valid=True,
                annual_rent=Decimal(rng.randrange(10_000_000, 30_000_000)) / 100,
            )  # fmt: skip
            for bid in bids
        ],
        batch_size=2000,
    )
    seats = Seat.objects.bulk_create(
        Seat(round=round_obj, user=member(), department="finance", appointed_at=now)
        for _ in range(MEMBERS)
    )
    sheets = ScoreSheet.objects.bulk_create(
        ScoreSheet(seat=seat, lot=lot, version=1, submitted_at=now)
        for seat in seats
        for lot in lots
    )
    sheet_of = {(sheet.seat_id, sheet.lot_id): sheet for sheet in sheets}
    lot_of = {bid.pk: bid.lot_id for bid in bids}
    batch = []
    for opened_bid in opened:
        lot_id = lot_of[opened_bid.bid_id]
        for seat in seats:
            for criterion in subjective:
                batch.append(
                    Score(
                        sheet=sheet_of[seat.pk, lot_id],
                        lot_id=lot_id,
                        bid=opened_bid,
                        criterion=criterion,
                        points=Decimal(rng.randrange(0, 1000)) / 100,
                    )  # fmt: skip
                )
        if len(batch) >= 20_000:
            Score.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Score.objects.bulk_create(batch, batch_size=5000)
    return TenderRound.objects.get(pk=round_obj.pk)


def best_of(runs: int, func, *args):
    timings, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func(*args)
        timings.append(time.perf_counter() - start)
    return min(timings), result


def sql_ranking(round_obj: TenderRound) -> list:
    with connection.cursor() as cursor:
        cursor.execute(SQL, {"round": round_obj.pk, "price": float(PRICE_WEIGHT)})
        return cursor.fetchall()


def test_ranking_10000_bids_against_one_sql_statement():
    round_obj = build_round()
    scores = Score.objects.count()
    assert scores == LOTS * BIDDERS * MEMBERS * SUBJECTIVE
    sql_s, rows = best_of(3, sql_ranking, round_obj)
    ours_s, standings = best_of(3, lot_standings, round_obj)
    sql_winners = {lot_id: bid_id for bid_id, lot_id, rank in rows if rank == 1}
    our_winners = {lot_id: ranking[0].bid_id for lot_id, ranking in standings.items()}
    assert our_winners == sql_winners
    assert sum(len(r) for r in standings.values()) == LOTS * BIDDERS
    print()
    print(
        f"{connection.vendor}: {LOTS * BIDDERS:,} bids, {MEMBERS} members, "
        f"{SUBJECTIVE} scored criteria ({scores:,} scores)"
    )
    print(f"one hand-written SQL statement: {sql_s:.3f} s")
    print(f"lot_standings (Decimal, 4 places): {ours_s:.3f} s  ratio {ours_s / sql_s:.2f}x")
    record(
        f"lot_standings, {LOTS * BIDDERS:,} bids with {scores:,} scores",
        ours_s,
        sql_s,
        baseline_name="one hand-written SQL statement",
        database=connection.vendor,
    )
