"""Benchmark: validating a level of 10,000 units through the project's code and as bare shapely.

Run on demand: ``pytest tests/perf/test_validate_level.py -p no:xdist --perf -s``. Prints the
times and their ratio; asserts only that both ways find the same violations.
"""

import time
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
import shapely
from django.db import connection

from stations import geometry, services
from stations.services import UnitSpec
from tests.perf.results import record
from tests.stations.factories import level

N_UNITS = 10_000
N_NAIVE = 1_000
N_SERVICE = 2_000
COLUMNS, CELL_W, CELL_H = 100, 10.0, 8.0
ROUNDS = 7


def build_level(n: int = N_UNITS, seed: int = 20260527):
    """A grid of n units of varied size (every 7th an L), none overlapping, and 6 corridors.

    Each unit keeps 0.5 m from its cell's sides, so corridors 0.8 m wide along cell lines
    stay clear.
    """
    rng = np.random.default_rng(seed)
    widths = rng.uniform(2.0, CELL_W - 1.0, n)
    heights = rng.uniform(2.0, CELL_H - 1.0, n)
    polygons = []
    for i in range(n):
        x, y = (i % COLUMNS) * CELL_W + 0.5, (i // COLUMNS) * CELL_H + 0.5
        w, h = widths[i], heights[i]
        if i % 7 == 0:
            polygons.append(
                shapely.Polygon(
                    [(x, y), (x + w, y), (x + w, y + h / 2), (x + w / 2, y + h / 2)]
                    + [(x + w / 2, y + h), (x, y + h)]
                )
            )
        else:
            polygons.append(shapely.box(x, y, x + w, y + h))
    rows = -(-n // COLUMNS)
    outline = shapely.box(0, 0, COLUMNS * CELL_W, rows * CELL_H)
    zones = [
        (f"Evacuation corridor {k}", shapely.box(k * 200 - 0.4, 0, k * 200 + 0.4, rows * CELL_H))
        for k in range(1, 5)
    ] + [
        (f"Passenger flow {k}", shapely.box(0, k * 40 * CELL_H - 0.4, 1000, k * 40 * CELL_H + 0.4))
        for k in (1, 2)
    ]
    codes = [f"U{i:05d}" for i in range(n)]
    return outline, codes, polygons, zones


def with_faults(codes, polygons):
    """The same level with a few of every violation, so the two ways have something to agree on."""
    polygons = list(polygons)
    for i in (12, 3456, 7891):  # overlaps: a unit stretched into its right-hand neighbour
        x0, y0, _x1, y1 = polygons[i].bounds
        polygons[i] = shapely.box(x0, y0, x0 + CELL_W + 3, y1)
    polygons[4321] = shapely.box(1, 1, 6, 6)  # over the first unit, far from its own cell
    for i in (99, 1999):  # last column: sticks out of the outline
        x0, y0, _x1, y1 = polygons[i].bounds
        polygons[i] = shapely.box(x0, y0, x0 + 15, y1)
    polygons[199] = shapely.box(1300, 300, 1310, 305)  # wholly outside
    for i in (1019, 5059):  # across an evacuation corridor (x = 200, 600)
        x0, y0, _x1, y1 = polygons[i].bounds
        polygons[i] = shapely.box(x0, y0, x0 + 9.8, y1)
    polygons[500] = shapely.Polygon([(0.6, 40.6), (5, 45), (5, 40.6), (0.6, 45)])  # bow-tie
    polygons[501] = shapely.box(10.6, 40.6, 10.8, 40.8)  # 0.04 m²
    return codes, polygons


def cents(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def project_path(outline, codes, polygons, zones):
    """(a) What the services run: stations.geometry.check_units, which starts with
    polygon_faults over every polygon and goes on with containment, overlaps and zones."""
    return geometry.check_units(
        outline=outline, codes=codes, polygons=polygons, no_build_zones=zones
    )


def bare_shapely(outline, codes, polygons, zones):
    """(b) The same rules as bare vectorised shapely calls, as (rule, codes, area) tuples."""
    polys = np.asarray(polygons, dtype=object)
    codes = np.asarray(codes, dtype=object)
    found = []
    ok = shapely.is_valid(polys) & (shapely.area(polys) >= geometry.MIN_AREA_M2)
    found += [("invalid", (c,), None) for c in codes[~ok]]
    polys, codes = polys[ok], codes[ok]

    shapely.prepare(outline)
    out = np.flatnonzero(~shapely.covers(outline, polys))
    out_area = shapely.area(shapely.difference(polys[out], outline))
    keep = out_area > geometry.OVERLAP_TOLERANCE_M2
    found += [
        ("outside_level", (c,), cents(a))
        for c, a in zip(codes[out[keep]], out_area[keep], strict=True)
    ]

    left, right = shapely.STRtree(polys).query(polys, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    overlap = shapely.area(shapely.intersection(polys[left], polys[right]))
    hit = overlap > geometry.OVERLAP_TOLERANCE_M2
    found += [
        ("overlap", tuple(sorted((codes[i], codes[j]))), cents(a))
        for i, j, a in zip(left[hit], right[hit], overlap[hit], strict=True)
    ]

    zone_polys = np.asarray([z for _name, z in zones], dtype=object)
    units, zone_idx = shapely.STRtree(zone_polys).query(polys, predicate="intersects")
    intrusion = shapely.area(shapely.intersection(polys[units], zone_polys[zone_idx]))
    hit = intrusion > geometry.OVERLAP_TOLERANCE_M2
    found += [
        ("no_build", (c,), cents(a))
        for c, a in zip(codes[units[hit]], intrusion[hit], strict=True)
    ]
    return found


def naive_pairwise(polygons):
    """(c) For contrast: every pair in a Python loop, no index."""
    found = []
    for i, a in enumerate(polygons):
        for j in range(i + 1, len(polygons)):
            if a.intersects(polygons[j]):
                area = a.intersection(polygons[j]).area
                if area > geometry.OVERLAP_TOLERANCE_M2:
                    found.append((i, j, area))
    return found


def as_tuples(violations):
    return sorted((v.rule, v.codes, v.area_m2) for v in violations)


def best_of(rounds: int, **runs) -> dict[str, tuple[float, object]]:
    """The least CPU time of each run, interleaved. Shapely works on one core, so CPU time is
    what a run costs; wall time on a shared machine mostly measures the neighbours."""
    best = {name: (float("inf"), None) for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.process_time()
            result = run()
            elapsed = time.process_time() - start
            best[name] = (min(best[name][0], elapsed), result)
    return best


def test_validating_a_level_of_ten_thousand_units():
    outline, codes, polygons, zones = build_level()
    shapely.prepare(outline)

    clean = best_of(
        ROUNDS,
        project=lambda: project_path(outline, codes, polygons, zones),
        bare=lambda: bare_shapely(outline, codes, polygons, zones),
        faults_only=lambda: geometry.polygon_faults(polygons),
    )
    bad_codes, bad_polygons = with_faults(codes, polygons)
    faulty = best_of(
        ROUNDS,
        project=lambda: project_path(outline, bad_codes, bad_polygons, zones),
        bare=lambda: bare_shapely(outline, bad_codes, bad_polygons, zones),
    )
    naive_start = time.process_time()
    naive = naive_pairwise(polygons[:N_NAIVE])
    naive_s = time.process_time() - naive_start

    assert clean["project"][1] == [] and clean["bare"][1] == []
    assert as_tuples(faulty["project"][1]) == sorted(faulty["bare"][1])
    assert {v.rule for v in faulty["project"][1]} == {
        "invalid",
        "outside_level",
        "overlap",
        "no_build",
    }
    assert len(faulty["project"][1]) == 11
    assert naive == []

    a, b = clean["project"][0], clean["bare"][0]
    scale = (N_UNITS / N_NAIVE) ** 2
    print(
        f"\nValidating one level: {N_UNITS:,} units ({sum(i % 7 == 0 for i in range(N_UNITS))} "
        f"L-shaped), {len(zones)} no-build zones; CPU time, best of {ROUNDS} runs each"
        f"\n  (a) project path, geometry.check_units (polygon_faults inside): {a:8.3f} s"
        f"\n      of which polygon_faults alone:                              "
        f"{clean['faults_only'][0]:8.3f} s"
        f"\n  (b) bare vectorised shapely calls:                              {b:8.3f} s"
        f"\n  ratio (a)/(b): {a / b:.2f}  (aim ≤ 1.5)"
        f"\n  with 11 seeded violations: (a) {faulty['project'][0]:.3f} s, "
        f"(b) {faulty['bare'][0]:.3f} s, ratio {faulty['project'][0] / faulty['bare'][0]:.2f}"
        f"; both report the same {len(faulty['bare'][1])}"
        f"\n  (c) naive pairwise loop over {N_NAIVE:,} units: {naive_s:.3f} s"
        f" → ≈ {naive_s * scale:,.0f} s for {N_UNITS:,} (×{scale:.0f}, n² pairs)"
    )
    record(
        f"validate a level of {N_UNITS:,} units (check_units), CPU",
        a,
        b,
        baseline_name="the same rules as bare vectorised shapely",
    )
    record(
        f"validate a level of {N_UNITS:,} units with 11 violations, CPU",
        faulty["project"][0],
        faulty["bare"][0],
        baseline_name="the same rules as bare vectorised shapely",
    )


@pytest.mark.django_db
def test_creating_two_thousand_units_through_the_service():
    _outline, codes, polygons, _zones = build_level(N_SERVICE)
    rows = -(-N_SERVICE // COLUMNS)
    concourse = level(width=COLUMNS * CELL_W, depth=rows * CELL_H)
    specs = [
        UnitSpec(code=code, polygon=polygon.wkt, business_types=["coffee"] if i % 5 == 0 else ())
        for i, (code, polygon) in enumerate(zip(codes, polygons, strict=True))
    ]

    start = time.perf_counter()
    units = services.units_create(actor=None, level=concourse, specs=specs)
    elapsed = time.perf_counter() - start

    assert len(units) == concourse.units.count() == N_SERVICE
    print(
        f"\nservices.units_create, {N_SERVICE:,} units from WKT in one call (SQLite unless "
        f"DATABASE_URL says otherwise), with their audit entries: {elapsed:.2f} s "
        f"({elapsed / N_SERVICE * 1000:.2f} ms a unit)"
    )
    record(
        f"units_create, {N_SERVICE:,} units in one call with their journal",
        elapsed,
        database=connection.vendor,
    )
