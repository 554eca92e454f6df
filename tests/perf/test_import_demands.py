"""Benchmark: importing 100,000 demands from CSV, against bare pandas.read_csv + bulk_create of
the same rows in the same run.

Run with ``pytest --perf tests/perf/test_import_demands.py -s``; it prints timings and the ratio
and asserts only that the import worked (no timed assertions).
"""

import csv
import io
import os
import time
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection

from stations.models import BusinessCategory
from tenders.demands_io import demands_import
from tenders.models import Demand
from tests.perf.results import record
from tests.stations.factories import StationFactory
from tests.tenders.factories import MerchantFactory

pytestmark = [pytest.mark.django_db, pytest.mark.perf]

ROWS = int(os.environ.get("PERF_DEMAND_ROWS", "100000"))
MERCHANTS = 1_000
TYPES = ("coffee", "fast-food", "convenience-store", "bookstore", "local-specialty")
HEADER = [
    "credit_code",
    "business_type",
    "stations",
    "tiers",
    "location_wish",
    "area_min_m2",
    "area_max_m2",
    "power_kw",
    "floor_sockets",
    "needs_water",
    "needs_drainage",
    "needs_exhaust",
    "intended_rent_m2_month",
    "lease_mode",
    "term_months",
]


def demands_csv(codes: list[str], stations: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for i in range(ROWS):
        writer.writerow(
            [
                codes[i % len(codes)],
                TYPES[i % len(TYPES)],
                ";".join(stations[(i + k) % len(stations)] for k in range(i % 3)),
                "prefecture" if i % 5 == 0 else "",
                "高架层" if i % 2 else "",
                f"{20 + i % 50}",
                f"{60 + i % 90}.5",
                f"{i % 40}",
                str(i % 3),
                "yes" if i % 2 else "no",
                "yes" if i % 4 else "no",
                "no",
                f"{100 + i % 400}.00",
                ("fixed", "turnover", "both")[i % 3],
                str(12 + i % 48),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def bare_baseline(content: bytes, merchant_ids: dict[str, int], type_ids: dict[str, int]) -> int:
    """Read with pandas and bulk_create the demands (no checks, no stations, no journal)."""
    frame = pd.read_csv(io.BytesIO(content), dtype=str, encoding="utf-8-sig", na_filter=False)
    demands = [
        Demand(
            merchant_id=merchant_ids[row.credit_code],
            business_type_id=type_ids[row.business_type],
            area_min_m2=Decimal(row.area_min_m2),
            area_max_m2=Decimal(row.area_max_m2),
            power_kw=Decimal(row.power_kw),
            intended_rent_m2_month=Decimal(row.intended_rent_m2_month),
            lease_mode=row.lease_mode,
            term_months=int(row.term_months),
        )
        for row in frame.itertuples(index=False)
    ]
    Demand.objects.bulk_create(demands, batch_size=2000)
    return len(demands)


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def test_import_100000_demands_against_bare_read_csv_and_bulk_create():
    merchants = MerchantFactory.create_batch(MERCHANTS)
    stations = [StationFactory(code=f"P{n:02d}").code for n in range(20)]
    content = demands_csv([m.credit_code for m in merchants], stations)
    merchant_ids = {m.credit_code: m.pk for m in merchants}
    type_ids = dict(BusinessCategory.objects.values_list("code", "pk"))

    baseline_s, baseline_count = timed(bare_baseline, content, merchant_ids, type_ids)
    Demand.objects.all().delete()
    import_s, result = timed(demands_import, actor=None, file=content, filename="perf.csv")

    assert baseline_count == result.count == ROWS
    assert Demand.objects.count() == ROWS
    print()
    print(f"bare pandas.read_csv + bulk_create of {ROWS:,} demands: {baseline_s:.2f} s")
    print(
        f"demands_import (checks, stations, journal): {import_s:.2f} s  "
        f"ratio {import_s / baseline_s:.2f}x"
    )
    record(
        f"import {ROWS:,} demands from CSV, demands_import",
        import_s,
        baseline_s,
        baseline_name="pandas.read_csv + bulk_create of the same rows",
        database=connection.vendor,
    )
