"""Benchmark: the rent-vs-reserve reports over 100,000 leases made from awards, against one
hand-written SQL GROUP BY on the same data in the same run, and the Excel export.

Run with ``bin/test --perf -k rent`` (PERF_RENT_LEASES changes the size). It prints the
best of three timings and the ratios, and the Excel export's time beside the CSV export of
the same frame; it asserts only that the report and the SQL give the same figures and that
the workbook holds them (no timed assertions).
"""

import datetime as dt
import io
import os
import random
import re
import time
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from leasing.models import Lease, LeaseUnit
from stations.models import BusinessCategory, Level, Station, Unit
from stations.reports import get_report, render_report
from tenders.models import Award, Bid, Lot, OpenedBid, Opening, Result, TenderRound
from tests.perf.results import record
from tests.stations.factories import square
from tests.tenders.factories import MerchantFactory
from tests.tenders.round_factories import make_round

pytestmark = [pytest.mark.django_db, pytest.mark.perf]

LEASES = int(os.environ.get("PERF_RENT_LEASES", "100000"))
STATIONS = 100
PER_ROUND = 1000  # lots per round
MERCHANTS = 500

# The per-lot report's figures: one row per award, its lot's units' area summed.
SQL_PER_LOT = """
SELECT r.code, l.number, le.code, s.code, s.tier, c.code, l.reserve_annual_rent,
       a.annual_rent, le.annual_rent, SUM(u.area_m2)
FROM tenders_award a
JOIN tenders_lot l ON l.id = a.lot_id
JOIN tenders_tenderround r ON r.id = l.round_id
JOIN stations_station s ON s.id = l.station_id
JOIN stations_businesscategory c ON c.id = l.business_type_id
LEFT JOIN leasing_lease le ON le.award_id = a.id
LEFT JOIN tenders_lot_units lu ON lu.lot_id = l.id
LEFT JOIN stations_unit u ON u.id = lu.unit_id
GROUP BY a.id, r.code, l.number, le.code, s.code, s.tier, c.code, l.reserve_annual_rent,
         a.annual_rent, le.annual_rent
ORDER BY r.code, l.number
"""
# The network by station: rents summed per station, each lot's units' area summed apart.
SQL_BY_STATION = """
SELECT s.code, COUNT(a.id), COUNT(le.id), SUM(la.area), SUM(l.reserve_annual_rent),
       SUM(a.annual_rent), SUM(le.annual_rent)
FROM tenders_award a
JOIN tenders_lot l ON l.id = a.lot_id
JOIN stations_station s ON s.id = l.station_id
LEFT JOIN leasing_lease le ON le.award_id = a.id
LEFT JOIN (SELECT lu.lot_id, SUM(u.area_m2) AS area
           FROM tenders_lot_units lu JOIN stations_unit u ON u.id = lu.unit_id
           GROUP BY lu.lot_id) la ON la.lot_id = l.id
GROUP BY s.code
ORDER BY s.code
"""


def build_leases() -> None:
    """Awards and the leases made from them, written in bulk (the services would take hours;
    the benchmark measures the report, not them): one unit, lot, bid and award per lease."""
    rng = random.Random(20260527)
    types = list(BusinessCategory.objects.filter(parent__isnull=False)[:8])
    tiers = list(Station.Tier.values)
    stations = Station.objects.bulk_create(
        Station(code=f"P{n:03d}", name_zh=f"站{n}", name_en=f"Station {n}", line="L", city="C",
                tier=tiers[n % 3], latitude=Decimal("28"), longitude=Decimal("113"),
                plan_rotation_deg=Decimal("0"))
        for n in range(STATIONS)
    )  # fmt: skip
    levels = Level.objects.bulk_create(
        Level(station=s, name="L1", ordinal=1, outline_wkt=square(0, 0, 10_000, 10_000))
        for s in stations
    )
    units = Unit.objects.bulk_create(
        (
            Unit(station=stations[n % STATIONS], level=levels[n % STATIONS], code=f"U{n:06d}",
                 polygon_wkt=square(0, 0, 5), area_m2=Decimal(rng.randrange(1000, 20000)) / 100,
                 status=Unit.Status.OPEN)
            for n in range(LEASES)
        ),
        batch_size=5000,
    )  # fmt: skip
    merchants = MerchantFactory.create_batch(MERCHANTS)
    chair = User.objects.create(username="perf-chair")
    now = timezone.now()
    rounds = [make_round() for _ in range((LEASES + PER_ROUND - 1) // PER_ROUND)]
    TenderRound.objects.filter(pk__in=[r.pk for r in rounds]).update(
        status=TenderRound.Status.AWARDED
    )
    openings = {r.pk: Opening.objects.create(round=r, opened_at=now, record={}) for r in rounds}
    results = {
        r.pk: Result.objects.create(round=r, version=1, signed_by=chair, signed_at=now)
        for r in rounds
    }
    lots = Lot.objects.bulk_create(
        (
            Lot(round=rounds[n // PER_ROUND], number=n % PER_ROUND + 1, title=f"Lot {n}",
                station=stations[n % STATIONS], business_type=types[n % len(types)],
                term_months=36, status=Lot.Status.AWARDED,
                reserve_annual_rent=Decimal(rng.randrange(5_000_000, 50_000_000)) / 100)
            for n in range(LEASES)
        ),
        batch_size=5000,
    )  # fmt: skip
    Lot.units.through.objects.bulk_create(
        (Lot.units.through(lot=lot, unit=unit) for lot, unit in zip(lots, units, strict=True)),
        batch_size=10000,
    )
    bids = Bid.objects.bulk_create(
        (
            Bid(round_id=lot.round_id, lot=lot, merchant=merchants[n % MERCHANTS], version=1,
                received_at=now, receipt_number=f"PERF-RENT-{n}", digest="0" * 64, sealed=b"")
            for n, lot in enumerate(lots)
        ),
        batch_size=5000,
    )  # fmt: skip
    opened = OpenedBid.objects.bulk_create(
        (
            OpenedBid(bid=bid, opening=openings[bid.round_id], is_valid=True,
                      annual_rent=(lot.reserve_annual_rent * Decimal(rng.randrange(100, 180))
                                   / 100).quantize(Decimal("0.01")))
            for bid, lot in zip(bids, lots, strict=True)
        ),
        batch_size=5000,
    )  # fmt: skip
    awards = Award.objects.bulk_create(
        (
            Award(lot=lot, bid=o, merchant_id=bid.merchant_id, annual_rent=o.annual_rent,
                  result=results[lot.round_id], awarded_at=now)
            for lot, bid, o in zip(lots, bids, opened, strict=True)
        ),
        batch_size=5000,
    )  # fmt: skip
    start = dt.date(2026, 6, 1)
    leases = Lease.objects.bulk_create(
        (
            Lease(code=f"HT-P{n:06d}", merchant_id=award.merchant_id, station_id=lot.station_id,
                  award=award, business_type_id=lot.business_type_id, start_date=start,
                  end_date=dt.date(2029, 6, 1), annual_rent=award.annual_rent,
                  deposit=(award.annual_rent / 4).quantize(Decimal("0.01")),
                  status=Lease.Status.OPEN)
            for n, (award, lot) in enumerate(zip(awards, lots, strict=True))
        ),
        batch_size=5000,
    )  # fmt: skip
    LeaseUnit.objects.bulk_create(
        (
            LeaseUnit(lease=lease, unit=unit, start_date=lease.start_date,
                      end_date=lease.end_date)
            for lease, unit in zip(leases, units, strict=True)
        ),
        batch_size=5000,
    )  # fmt: skip


def best_of(runs: int, func, *args):
    timings, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = func(*args)
        timings.append(time.perf_counter() - began)
    return min(timings), result


def sql(statement: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchall()


def test_rent_vs_reserve_over_100000_leases_against_one_sql_group_by():
    began = time.perf_counter()
    build_leases()
    built_s = time.perf_counter() - began
    assert Lease.objects.count() == LEASES

    sql_s, rows = best_of(3, sql, SQL_PER_LOT)
    ours_s, frame = best_of(3, get_report("rent-vs-reserve"))
    assert len(frame) == len(rows) + 1 == LEASES + 1
    total = frame.iloc[-1]
    assert total["awarded_annual_rent"] == sum(Decimal(str(r[7])) for r in rows)
    assert total["area_m2"] == sum(Decimal(str(r[9])) for r in rows)
    assert list(frame["lease"].head(3)) == [r[2] for r in rows[:3]]

    sql_station_s, station_rows = best_of(3, sql, SQL_BY_STATION)
    station_s, by_station = best_of(3, get_report("rent-vs-reserve-by-station"))
    assert list(by_station["station"])[:-1] == [r[0] for r in station_rows]
    assert list(by_station["leases"])[:-1] == [r[2] for r in station_rows]
    assert by_station.iloc[-1]["area_m2"] == total["area_m2"]

    xlsx_s, content = best_of(1, render_report, frame, "xlsx")
    csv_s, _csv = best_of(1, render_report, frame, "csv")
    check_workbook(content, frame)
    print()
    print(f"{connection.vendor}: {LEASES:,} leases from awards in {STATIONS} stations "
          f"(built in {built_s:.1f} s)")  # fmt: skip
    print(f"one row per lot — one SQL GROUP BY: {sql_s:.3f} s; rent-vs-reserve: {ours_s:.3f} s"
          f"  ratio {ours_s / sql_s:.2f}x")  # fmt: skip
    print(f"by station — one SQL GROUP BY: {sql_station_s:.3f} s; rent-vs-reserve-by-station: "
          f"{station_s:.3f} s  ratio {station_s / sql_station_s:.2f}x")  # fmt: skip
    print(f"Excel export of the {len(frame):,} rows: {xlsx_s:.1f} s ({len(content):,} bytes); "
          f"the same frame as CSV: {csv_s:.1f} s  ratio {xlsx_s / csv_s:.2f}x")  # fmt: skip
    vendor, size = connection.vendor, f"{LEASES:,} leases"
    record(f"rent-vs-reserve per lot, {size}", ours_s, sql_s,
           baseline_name="one raw SQL GROUP BY", database=vendor)  # fmt: skip
    record(f"rent-vs-reserve by station, {size}", station_s, sql_station_s,
           baseline_name="one raw SQL GROUP BY", database=vendor)  # fmt: skip
    record(f"rent-vs-reserve Excel export, {len(frame):,} rows", xlsx_s, csv_s,
           baseline_name="the same frame as CSV", database=vendor)  # fmt: skip


def check_workbook(content: bytes, frame) -> None:
    """The header, the first rows and the TOTAL row of the workbook are the frame's, money
    numeric with two places shown; the sheet spans every row."""
    assert content[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheet = book.active
    assert sheet.max_row == len(frame) + 3  # title, blank row, header
    rows = sheet.iter_rows(min_row=3, max_row=5)
    assert [c.value for c in next(rows)] == list(frame.columns)
    for expected, row in zip(frame.head(2).itertuples(index=False), rows, strict=True):
        cells = dict(zip(frame.columns, row, strict=True))
        assert cells["round"].value == expected.round
        assert cells["lease"].value == expected.lease
        assert cells["reserve_annual_rent"].value == pytest.approx(
            float(expected.reserve_annual_rent)
        )
        assert cells["reserve_annual_rent"].number_format == "#,##0.00"
    book.close()
    # The TOTAL row, read from the end of the sheet's XML (a read-only pass to it is long).
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    last = xml[xml.rindex("<row ") :]
    total = frame.iloc[-1]
    assert f'r="{len(frame) + 3}"' in last and ">TOTAL<" in last
    values = re.findall(r"<v>([^<]*)</v>", last)
    assert str(total["awarded_annual_rent"]) in values
    assert str(total["area_m2"]) in values
