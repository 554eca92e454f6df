"""Benchmark: importing 10,000 units on one level, against bare pandas + shapely on the same data.

Run with ``pytest --perf tests/perf/test_import_units.py -s``; it prints timings and ratios and
asserts only that the import worked (no timed assertions).
"""

import csv
import io
import time

import numpy as np
import pandas as pd
import pytest
import shapely
from django.db import connection

from stations.imports import units_import
from stations.models import Unit
from tests.perf.results import record
from tests.stations.factories import StationFactory, level, square

pytestmark = [pytest.mark.django_db, pytest.mark.perf]

SIDE = 100  # 100 × 100 = 10,000 units
PITCH = 5.0  # 4 m units with 1 m aisles


def units_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["station", "level", "code", "geometry", "kind", "business_types"])
    for i in range(SIDE):
        for j in range(SIDE):
            writer.writerow(
                [
                    "PRF",
                    "1",
                    f"U{i:03d}-{j:03d}",
                    square(i * PITCH, j * PITCH, 4.0),
                    "shop",
                    "coffee" if (i + j) % 7 == 0 else "",
                ]
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def bare_baseline(content: bytes) -> int:
    """The same rules' core as bare vectorised calls: read, parse, validity, containment, overlaps."""
    frame = pd.read_csv(io.BytesIO(content), dtype=str, encoding="utf-8-sig")
    polygons = shapely.from_wkt(frame["geometry"].to_numpy(dtype=object))
    outline = shapely.box(0, 0, SIDE * PITCH, SIDE * PITCH)
    valid = shapely.is_valid(polygons)
    inside = shapely.covers(outline, polygons)
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(polygons[left[pairs]], polygons[right[pairs]]))
    assert valid.all() and inside.all()
    return int(np.count_nonzero(overlap > 1e-4))


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def test_import_10000_units_against_bare_pandas_and_shapely():
    level(StationFactory(code="PRF"), ordinal=1, width=SIDE * PITCH, depth=SIDE * PITCH)
    content = units_csv()

    baseline_s, overlaps = timed(bare_baseline, content)
    check_s, checked = timed(
        units_import, actor=None, file=content, filename="perf.csv", dry_run=True
    )
    import_s, imported = timed(units_import, actor=None, file=content, filename="perf.csv")

    assert overlaps == 0
    assert checked.count == imported.count == SIDE * SIDE
    assert Unit.objects.count() == SIDE * SIDE
    print()
    print(f"bare pandas.read_csv + shapely (validity, containment, STRtree): {baseline_s:.3f} s")
    print(
        f"units_import, checks only (dry run):  {check_s:.3f} s  ratio {check_s / baseline_s:.2f}x"
    )
    print(
        f"units_import, checks + save + audit: {import_s:.3f} s  "
        f"ratio {import_s / baseline_s:.2f}x"
    )
    bare_name = "pandas.read_csv + shapely.from_wkt + STRtree"
    n = f"{SIDE * SIDE:,}"
    record(f"import {n} units from CSV, checks", check_s, baseline_s, baseline_name=bare_name)
    record(
        f"import {n} units from CSV, checks, save and journal",
        import_s,
        baseline_s,
        baseline_name=bare_name,
        database=connection.vendor,
    )
