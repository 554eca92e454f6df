"""Benchmark: drawing a 1,000-unit level as SVG and PNG, against a bare path-writing loop.

Run on demand: ``.venv/bin/python -m pytest tests/perf/test_plan_render.py -p no:xdist --perf -s``.
Times are printed, not asserted; only the outputs' validity is.
"""

import io
import time
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import shapely
from PIL import Image

from stations import plans, services
from stations.models import Unit
from stations.services import PointSpec, UnitSpec
from tests.perf.results import record
from tests.stations.factories import level, square

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

COLUMNS, ROWS, SIZE, GAP = 40, 25, 8.0, 1.0


def best_of(runs: int, fn):
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def bare_svg(wkts: list[str]) -> str:
    """The least any SVG drawing must do: parse each polygon and write its coordinates."""
    parts = ['<svg xmlns="http://www.w3.org/2000/svg">']
    for polygon in shapely.from_wkt(wkts):
        points = "L".join(f"{x:.2f} {y:.2f}" for x, y in polygon.exterior.coords[:-1])
        parts.append(f'<path d="M{points}Z"/>')
    parts.append("</svg>")
    return "".join(parts)


def test_render_a_thousand_unit_plan():
    pitch = SIZE + GAP
    lv = level(width=COLUMNS * pitch + GAP, depth=ROWS * pitch + GAP)
    specs = [
        UnitSpec(
            code=f"U{i:04d}",
            polygon=square(GAP + (i % COLUMNS) * pitch, GAP + (i // COLUMNS) * pitch, SIZE),
        )
        for i in range(COLUMNS * ROWS)
    ]
    services.units_create(actor=None, level=lv, specs=specs)
    services.utility_points_create(
        actor=None,
        level=lv,
        specs=[
            PointSpec(
                kind="cabinet",
                x=Decimal(GAP / 2),
                y=Decimal(10 + 20 * i),
                capacity_kw=Decimal("200"),
            )
            for i in range(10)
        ],
    )
    wkts = list(Unit.objects.filter(level=lv).values_list("polygon_wkt", flat=True))
    assert len(wkts) == 1000

    load_s, data = best_of(3, lambda: plans.plan_data(lv))
    svg_s, svg = best_of(3, lambda: plans.render_level_svg(lv, data=data))
    png_s, png = best_of(3, lambda: plans.render_level_png(lv, data=data, width_px=2000))
    bare_s, bare = best_of(3, lambda: bare_svg(wkts))

    root = ET.fromstring(svg)
    codes = {e.get("data-unit-code") for e in root.iter() if e.get("class") == "hsr-unit"}
    assert len(codes) == 1000
    ET.fromstring(bare)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 2000

    print()
    print(f"plan_data, 1,000 units:            {load_s * 1000:8.1f} ms")
    print(f"render_level_svg:                  {svg_s * 1000:8.1f} ms  ({len(svg) / 1e6:.2f} MB)")
    print(f"render_level_png, 2000 px:         {png_s * 1000:8.1f} ms  ({len(png) / 1e6:.2f} MB)")
    print(f"bare loop writing the path string: {bare_s * 1000:8.1f} ms")
    print(f"SVG / bare loop: {svg_s / bare_s:6.1f}×    PNG / bare loop: {png_s / bare_s:6.1f}×")
    bare_name = "a bare loop writing the polygons as an SVG path"
    record("render a 1,000-unit plan as SVG", svg_s, bare_s, baseline_name=bare_name)
    record("render a 1,000-unit plan as PNG, 2000 px", png_s, bare_s, baseline_name=bare_name)
    record("plan_data of a 1,000-unit level", load_s)
