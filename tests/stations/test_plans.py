"""Floor plans (stations.plans): the SVG and PNG drawings, their data load, underlay checks."""

import io
import re
import struct
import warnings
import xml.etree.ElementTree as ET
import zlib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from audit.models import Entry
from stations import plans, services
from stations.models import BusinessCategory, Level, Unit, UtilityPoint
from stations.services import PointSpec, UnitSpec
from tests.stations.factories import StationFactory, cabinet, level, square, unit

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def unit_groups(root: ET.Element) -> dict[str, ET.Element]:
    return {
        g.get("data-unit-code"): g for g in root.iter(f"{SVG}g") if g.get("class") == "hsr-unit"
    }


def by_id(root: ET.Element, element_id: str) -> ET.Element:
    found = [e for e in root.iter() if e.get("id") == element_id]
    assert len(found) == 1, element_id
    return found[0]


def texts(element: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in element.iter(f"{SVG}text")]


def first_point(path_d: str) -> tuple[float, float]:
    x, y = re.match(r"M([-\d.]+) ([-\d.]+)", path_d).groups()
    return float(x), float(y)


def move(unit_obj, *statuses):
    for status in statuses:
        # A stand-in source for the statuses the award and the lease set.
        unit_obj = services.unit_change_status(
            actor=None, unit=unit_obj, status=status, source=unit_obj.level
        )
    return unit_obj


@pytest.fixture
def concourse():
    """A 200 m × 100 m level with a few units."""
    lv = level()
    unit(lv, "A01", 0, 0, 12)
    unit(lv, "A02", 20, 0, 12)
    unit(lv, "A03", 40, 80, 12)
    return lv


# --- plan_data ----------------------------------------------------------------------------


def test_plan_data_holds_units_zones_points_and_business_types(concourse):
    coffee = BusinessCategory.objects.get(code="coffee")
    services.unit_update(actor=None, unit=Unit.objects.get(code="A01"), business_types=[coffee])
    services.zone_create(
        actor=None, level=concourse, kind="evacuation", name="E1", polygon=square(100, 0, 6, 100)
    )
    cabinet(concourse, 5, 5, code="AP1")

    data = plans.plan_data(concourse)

    assert [u.code for u in data.units] == ["A01", "A02", "A03"]
    assert data.units[0].business_types == (("coffee", "咖啡", "Coffee"),)
    assert data.units[0].area_m2 == Decimal("144.00")
    assert len(data.unit_polygons) == 3 and data.unit_polygons[2].bounds == (40, 80, 52, 92)
    assert [(z.kind, z.name) for z in data.zones] == [("evacuation", "E1")]
    assert [(p.kind, p.code, p.x, p.y) for p in data.points] == [("cabinet", "AP1", 5.0, 5.0)]
    assert data.underlay is None


def add_units(lv, start: int, count: int):
    coffee = BusinessCategory.objects.get(code="coffee")
    specs = [
        UnitSpec(
            code=f"U{i:03d}",
            polygon=square((i % 15) * 12, (i // 15) * 12, 10),
            business_types=[coffee],
        )
        for i in range(start, start + count)
    ]
    services.units_create(actor=None, level=lv, specs=specs)


def test_plan_data_query_count_does_not_grow_with_units(django_assert_num_queries):
    lv = level(width=200, depth=100)
    add_units(lv, 0, 5)
    with django_assert_num_queries(5):
        few = plans.plan_data(lv)
    add_units(lv, 5, 45)
    with django_assert_num_queries(5):
        many = plans.plan_data(lv)
    assert len(few.units) == 5 and len(many.units) == 50
    assert all(u.business_types for u in many.units)


def test_rendering_reads_only_and_writes_nothing(concourse, django_assert_num_queries):
    data = plans.plan_data(concourse)
    entries = Entry.objects.count()
    with django_assert_num_queries(0):
        plans.render_level_svg(concourse, data=data, highlight="A01")
        plans.render_level_png(concourse, data=data, width_px=400)
    assert Entry.objects.count() == entries


# --- SVG ----------------------------------------------------------------------------------


def test_svg_is_well_formed_with_every_unit_its_code_id_and_tooltip(concourse):
    root = parse(plans.render_level_svg(concourse))

    groups = unit_groups(root)
    assert set(groups) == {"A01", "A02", "A03"}
    for code, group in groups.items():
        assert group.get("id") == plans.unit_dom_id(code) == f"unit-{code}"
        assert group.get("data-status") == "planned"
        tooltip = group.find(f"{SVG}title").text
        assert code in tooltip and "144.00 m²" in tooltip and "Planned" in tooltip
        assert "Shop" in tooltip and "Business types: —" in tooltip
    labels = texts(root.find(f".//{SVG}g[@class='hsr-plan-labels']"))
    assert {"A01144.00 m²", "A02144.00 m²", "A03144.00 m²"} <= set(labels)


def test_svg_viewbox_is_in_metres_with_north_of_the_plan_up():
    lv = level(width=200, depth=100)
    unit(lv, "NORTH", 10, 80, 10)
    unit(lv, "SOUTH", 10, 5, 10)
    root = parse(plans.render_level_svg(lv))

    width = float(root.get("viewBox").split()[2])
    assert 200 < width < 260  # the plan plus its margins, in metres
    groups = unit_groups(root)
    _nx, north_y = first_point(groups["NORTH"].find(f"{SVG}path").get("d"))
    _sx, south_y = first_point(groups["SOUTH"].find(f"{SVG}path").get("d"))
    assert south_y - north_y == pytest.approx(75)  # y grows down the page


def test_svg_fills_each_unit_with_its_status_colour():
    lv = level()
    unit(lv, "P", 0, 0)
    move(unit(lv, "AV", 20, 0), "available")
    move(unit(lv, "RS", 40, 0), "available", "reserved")
    move(unit(lv, "LT", 60, 0), "available", "let")
    move(unit(lv, "FO", 80, 0), "available", "let", "fitting_out")
    move(unit(lv, "OP", 100, 0), "available", "let", "open")
    move(unit(lv, "CL", 120, 0), "closed")

    groups = unit_groups(parse(plans.render_level_svg(lv)))

    expected = {
        "P": "planned",
        "AV": "available",
        "RS": "reserved",
        "LT": "let",
        "FO": "fitting_out",
        "OP": "open",
        "CL": "closed",
    }
    for code, status in expected.items():
        assert groups[code].get("data-status") == status
        assert groups[code].find(f"{SVG}path").get("fill") == plans.STATUS_COLOURS[status]
    assert len(set(plans.STATUS_COLOURS.values())) == len(Unit.Status)


def test_svg_legend_names_every_status_and_the_zone_and_utility_kinds_present(concourse):
    services.zone_create(
        actor=None, level=concourse, kind="evacuation", polygon=square(100, 0, 6, 100)
    )
    services.utility_point_create(
        actor=None, level=concourse, kind="water", x=Decimal("150"), y=Decimal("50")
    )
    legend = by_id(parse(plans.render_level_svg(concourse)), "legend")
    labels = texts(legend)

    for status in Unit.Status:
        assert any(text.startswith(str(status.label)) for text in labels), status
    assert "Planned (3)" in labels and "Let (0)" in labels
    assert "Evacuation corridor" in labels and "Water supply" in labels
    assert "Paid area" not in labels and "Distribution cabinet" not in labels
    swatches = {
        g.get("data-key"): g.find(f"{SVG}rect").get("fill")
        for g in legend.iter(f"{SVG}g")
        if g.get("class") == "legend-status"
    }
    assert swatches == {s.value: plans.STATUS_COLOURS[s] for s in Unit.Status}


def test_svg_scale_bar_is_a_round_number_of_metres(concourse):
    bar = by_id(parse(plans.render_level_svg(concourse)), "scale-bar")
    metres = float(bar.get("data-metres"))
    assert metres == 50  # a quarter of the 200 m plan, rounded down to 1, 2 or 5 × 10ⁿ
    assert "50 m" in texts(bar)
    total = sum(float(r.get("width")) for r in bar.iter(f"{SVG}rect"))
    assert total == pytest.approx(50, abs=0.01)  # drawn in metres, like the plan


@pytest.mark.parametrize(
    ("width", "expected"), [(200, 50), (37, 5), (1000, 200), (8, 2), (120, 20)]
)
def test_scale_bar_length_is_1_2_or_5_times_a_power_of_ten(width, expected):
    assert plans._nice_length(width / 4) == expected


def north(root):
    arrow = by_id(root, "north-arrow")
    circle = arrow.find(f"{SVG}circle")
    label = next(t for t in arrow.iter(f"{SVG}text") if t.get("class") == "north-label")
    return arrow, (float(circle.get("cx")), float(circle.get("cy"))), label


@pytest.mark.parametrize(
    ("rotation", "where"),
    [("0", "above"), ("90", "left"), ("-90", "right"), ("180", "below"), ("30", "above-left")],
)
def test_north_arrow_turns_by_the_plan_rotation(rotation, where):
    station = StationFactory(plan_rotation_deg=Decimal(rotation))
    arrow, (cx, cy), label = north(parse(plans.render_level_svg(level(station))))
    needle = next(g for g in arrow.iter(f"{SVG}g") if "rotate(" in (g.get("transform") or ""))
    angle = -float(rotation)
    assert re.search(r"rotate\(([-\d.]+)\)", needle.get("transform")).group(1) == (plans._f(angle))
    dx, dy = float(label.get("x")) - cx, float(label.get("y")) - cy
    tolerance = 0.01
    checks = {
        "above": abs(dx) < tolerance and dy < 0,
        "left": dx < 0 and abs(dy) < tolerance,
        "right": dx > 0 and abs(dy) < tolerance,
        "below": abs(dx) < tolerance and dy > 0,
        # The plan's y axis is 30° clockwise of north, so north is 30° anticlockwise of up.
        "above-left": dx < 0 and dy < 0 and abs(dx / dy) == pytest.approx(0.57735, rel=1e-3),
    }
    assert checks[where], (dx, dy)


def test_hostile_names_are_escaped():
    station = StationFactory(name_en='Evil "Station" & <b>Co</b>')
    lv = level(station, name="<img src=x onerror=alert(1)>")
    services.unit_create(
        actor=None,
        level=lv,
        code="X<1>",
        name="<script>alert(1)</script>\x0b",
        polygon=square(0, 0, 10),
    )
    svg = plans.render_level_svg(lv, highlight="X<1>")

    assert "<script" not in svg and "<img" not in svg and "<b>" not in svg
    root = parse(svg)
    group = unit_groups(root)["X<1>"]
    assert "<script>alert(1)</script>" in group.find(f"{SVG}title").text
    assert group.get("id") == "unit-X_3c_1_3e_"
    assert root.find(f"{SVG}title").text.endswith("<img src=x onerror=alert(1)>")


def test_tiny_units_keep_a_tooltip_but_get_no_unreadable_label():
    lv = level()
    unit(lv, "SHOP", 0, 0, 20)
    services.unit_create(
        actor=None, level=lv, code="LB1", kind="lightbox", polygon=square(50, 50, 0.5, 0.2)
    )
    svg = plans.render_level_svg(lv)

    assert not re.search(r"(?<![a-z])(nan|inf)(?![a-z])", svg.lower())
    root = parse(svg)
    lightbox = unit_groups(root)["LB1"]
    assert "0.10 m²" in lightbox.find(f"{SVG}title").text
    assert "Advertising lightbox" in lightbox.find(f"{SVG}title").text
    labelled = {t.get("data-unit-code") for t in root.iter(f"{SVG}text")}
    assert "SHOP" in labelled and "LB1" not in labelled


def test_labels_scale_with_their_unit_and_turn_in_narrow_strips():
    lv = level()
    unit(lv, "BIG", 0, 0, 40)
    unit(lv, "S1", 50, 0, 3)
    services.unit_create(actor=None, level=lv, code="STRIP", polygon=square(60, 0, 2, 20))
    root = parse(plans.render_level_svg(lv))
    labels = {t.get("data-unit-code"): t for t in root.iter(f"{SVG}text")}

    assert float(labels["BIG"].get("font-size")) > float(labels["S1"].get("font-size"))
    assert "".join(labels["BIG"].itertext()) == "BIG1600.00 m²"
    assert "".join(labels["S1"].itertext()) == "S1"  # no room for the area line
    assert "rotate(-90" in labels["STRIP"].get("transform")  # a narrow strip turns its label
    assert labels["BIG"].get("transform") is None


def test_labels_keep_clear_of_utility_symbols():
    lv = level()
    unit(lv, "A", 0, 0, 20)
    services.utility_point_create(
        actor=None, level=lv, kind="floor_socket", x=Decimal("10"), y=Decimal("10")
    )
    root = parse(plans.render_level_svg(lv))
    label = next(t for t in root.iter(f"{SVG}text") if t.get("data-unit-code") == "A")
    socket = next(u for u in root.iter(f"{SVG}use") if u.get("data-kind") == "floor_socket")
    sx, sy = map(
        float, re.search(r"translate\(([-\d.]+) ([-\d.]+)\)", socket.get("transform")).groups()
    )
    size = float(label.get("font-size"))
    ys = [float(span.get("y")) for span in label.iter(f"{SVG}tspan")]
    # The socket sits in the middle of the unit; the label moves off it, above or below.
    assert sy < min(ys) - size or sy > max(ys) + size


def test_png_refuses_a_width_too_small_to_read(concourse):
    with pytest.raises(ValueError, match="at least 200"):
        plans.render_level_png(concourse, width_px=50)


def test_highlight_outlines_one_unit(concourse):
    root = parse(plans.render_level_svg(concourse, highlight="A02"))
    outlines = [p for p in root.iter(f"{SVG}path") if p.get("class") == "hsr-plan-highlight"]
    assert [p.get("data-unit-code") for p in outlines] == ["A02"]
    unit_path = unit_groups(root)["A02"].find(f"{SVG}path")
    assert outlines[0].get("d") == unit_path.get("d")
    assert float(outlines[0].get("stroke-width")) > 3 * float(
        root.find(f".//{SVG}g[@class='hsr-plan-units']").get("stroke-width")
    )

    plain = parse(plans.render_level_svg(concourse, highlight="NOPE"))
    assert not [p for p in plain.iter(f"{SVG}path") if p.get("class") == "hsr-plan-highlight"]


def test_no_build_zones_and_paid_areas_have_different_hatches(concourse):
    services.zone_create(
        actor=None, level=concourse, kind="evacuation", name="E1", polygon=square(100, 0, 6, 100)
    )
    services.zone_create(
        actor=None, level=concourse, kind="paid_area", polygon=square(110, 0, 90, 100)
    )
    root = parse(plans.render_level_svg(concourse))
    zones = {
        p.get("data-zone-kind"): p for p in root.iter(f"{SVG}path") if p.get("data-zone-kind")
    }
    patterns = {p.get("id"): p for p in root.iter(f"{SVG}pattern")}

    fills = {kind: zones[kind].get("fill") for kind in ("evacuation", "paid_area")}
    assert fills["evacuation"] != fills["paid_area"]
    evacuation = patterns[fills["evacuation"][5:-1]]
    paid = patterns[fills["paid_area"][5:-1]]
    assert evacuation.find(f"{SVG}line") is not None and evacuation.find(f"{SVG}circle") is None
    assert paid.find(f"{SVG}circle") is not None and paid.find(f"{SVG}line") is None
    assert "Evacuation corridor: E1" in zones["evacuation"].find(f"{SVG}title").text


def test_utility_points_get_a_symbol_per_kind_with_a_tooltip():
    lv = level()
    unit(lv, "A", 0, 0, 20)
    kinds = [k.value for k in UtilityPoint.Kind]
    specs = [
        PointSpec(
            kind=kind,
            x=Decimal(30 + 5 * i),
            y=Decimal(50),
            code=f"P{i}",
            capacity_kw=Decimal("80") if kind == "cabinet" else None,
        )
        for i, kind in enumerate(kinds)
    ]
    services.utility_points_create(actor=None, level=lv, specs=specs)
    root = parse(plans.render_level_svg(lv))
    layer = root.find(f".//{SVG}g[@class='hsr-plan-utilities']")
    uses = list(layer.iter(f"{SVG}use"))
    defs = {g.get("id"): g for g in root.find(f"{SVG}defs").iter(f"{SVG}g")}

    assert [u.get("data-kind") for u in uses] == sorted(kinds)
    hrefs = {u.get("href")[1:] for u in uses}
    assert len(hrefs) == len(kinds) and hrefs <= set(defs)
    assert len({ET.tostring(defs[h]) for h in hrefs}) == len(kinds)  # all look different
    cabinet_use = next(u for u in uses if u.get("data-kind") == "cabinet")
    assert cabinet_use.find(f"{SVG}title").text == "Distribution cabinet P0 · 80.00 kW"
    legend = texts(by_id(root, "legend"))
    assert all(str(UtilityPoint.Kind(k).label) in legend for k in kinds)


def test_title_names_station_and_level_in_a_cjk_font():
    station = StationFactory(name_zh="长沙南", name_en="Changsha South")
    root = parse(plans.render_level_svg(level(station, name="高架层")))
    assert root.find(f"{SVG}title").text == "长沙南 Changsha South · 高架层"
    assert "长沙南 Changsha South · 高架层" in texts(root)
    assert root.get("font-family").startswith("'Noto Sans CJK SC', 'Microsoft YaHei'")


def png_upload(
    width=200, height=100, fmt="PNG", name="plan.png", mode="RGB"
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), "white").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_svg_places_the_underlay_beneath_the_plan_by_scale_and_offset(concourse):
    services.level_set_underlay(
        actor=None,
        level=concourse,
        upload=png_upload(200, 100),
        scale=Decimal("0.5"),
        offset_x=Decimal("10"),
        offset_y=Decimal("20"),
    )
    concourse.refresh_from_db()
    root = parse(plans.render_level_svg(concourse))
    image = root.find(f".//{SVG}image")
    outline = next(p for p in root.iter(f"{SVG}path") if p.get("class") == "hsr-plan-outline")
    x0, y0 = first_point(outline.get("d"))  # the plan's (0, 0)

    assert image.get("href") == concourse.underlay.url
    assert float(image.get("width")) == 100 and float(image.get("height")) == 50
    # The image's lower-left corner sits at the offset: (10, 20) m, so its top is at y = 70 m.
    assert float(image.get("x")) == pytest.approx(x0 + 10, abs=0.01)
    assert float(image.get("y")) == pytest.approx(y0 - 70, abs=0.01)
    order = [e for e in root.iter() if e.tag in (f"{SVG}image", f"{SVG}path")]
    assert order.index(image) < order.index(outline)
    assert outline.get("fill") == "none"  # the underlay shows through the level


# --- PNG ----------------------------------------------------------------------------------


def status_pixels(png: bytes, status: str) -> int:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    colour = plans._rgb(plans.STATUS_COLOURS[status])
    return int((pixels == colour).all(axis=2).sum())


def test_png_is_a_png_of_the_requested_width_with_units_in_their_colours():
    lv = level()
    unit(lv, "A", 0, 0, 30)
    move(unit(lv, "B", 40, 0, 30), "available", "let")
    services.zone_create(actor=None, level=lv, kind="evacuation", polygon=square(80, 0, 6, 100))
    cabinet(lv, 150, 50)
    services.unit_create(
        actor=None, level=lv, code="LB", kind="lightbox", polygon=square(100, 100 - 0.2, 0.5, 0.2)
    )
    services.unit_create(actor=None, level=lv, code="STRIP", polygon=square(120, 0, 1.5, 20))

    png = plans.render_level_png(lv, width_px=900)

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 900 and image.height > 300
    assert status_pixels(png, "let") > 500
    assert status_pixels(png, "planned") > 500


def test_png_falls_back_to_pillows_font_without_a_cjk_font(concourse, monkeypatch):
    monkeypatch.setattr(plans, "FONT_CANDIDATES", (("/nonexistent/font.ttc", 0),))
    monkeypatch.setattr(plans, "BOLD_FONT_CANDIDATES", ())
    png = plans.render_level_png(concourse, width_px=600)
    assert Image.open(io.BytesIO(png)).size[0] == 600


def test_png_draws_the_underlay(concourse):
    upload = io.BytesIO()
    Image.new("RGB", (400, 200), (0, 0, 0)).save(upload, "PNG")
    services.level_set_underlay(
        actor=None,
        level=concourse,
        upload=SimpleUploadedFile("u.png", upload.getvalue()),
        scale=Decimal("0.5"),
    )
    png = plans.render_level_png(concourse, width_px=600)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    grey = int(((pixels >= 130) & (pixels <= 150)).sum())
    assert grey > 10_000  # black faded to a light grey under the plan


# --- underlay checks ----------------------------------------------------------------------


def bare_png(width: int, height: int, *, truncate: bool = False) -> bytes:
    """A 1-bit PNG of any size, written row by row: tiny on disk, huge once decoded."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
        )

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(6)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body)
    return data if truncate else data + chunk(b"IEND", b"")


def upload_of(data: bytes, name="plan.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def refusal(upload) -> str:
    with pytest.raises(ValidationError) as caught:
        plans.check_underlay(upload)
    return caught.value.message_dict["underlay"][0]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_underlay_in_an_allowed_format_is_accepted(fmt):
    upload = png_upload(300, 150, fmt=fmt, name="plan.bin")
    info = plans.check_underlay(upload)
    assert info == {"format": fmt, "width": 300, "height": 150, "bytes": upload.size}
    assert upload.tell() == 0  # ready to be stored


def test_underlay_format_comes_from_the_content_not_the_name():
    assert plans.check_underlay(png_upload(name="plan.jpg"))["format"] == "PNG"


def test_underlay_check_takes_a_plain_file_object():
    buffer = io.BytesIO()
    Image.new("L", (64, 32)).save(buffer, "PNG")
    assert plans.check_underlay(buffer) == {
        "format": "PNG",
        "width": 64,
        "height": 32,
        "bytes": len(buffer.getvalue()),
    }


def test_underlay_over_the_byte_cap_is_refused(settings):
    settings.UNDERLAY_MAX_BYTES = 1000
    upload = upload_of(bare_png(3000, 3000) + b"\x00" * 1000)
    assert upload.size > 1000
    message = refusal(upload)
    assert "the limit is 1000\xa0bytes" in message and "KB" in message


def test_empty_underlay_is_refused():
    assert refusal(upload_of(b"")) == "The underlay file is empty."


def test_underlay_over_the_pixel_cap_is_refused_before_decoding(settings):
    settings.UNDERLAY_MAX_PIXELS = 1_000_000
    assert plans.check_underlay(upload_of(bare_png(1000, 1000)))["width"] == 1000
    message = refusal(upload_of(bare_png(1001, 1000)))
    assert message == (
        "The underlay is 1001 × 1000 = 1,001,000 pixels; the limit is 1,000,000 pixels."
    )


def test_underlay_in_the_band_between_the_cap_and_twice_the_cap_is_refused(settings):
    settings.UNDERLAY_MAX_PIXELS = 40_000_000
    upload = upload_of(bare_png(8000, 8000))  # 64 M pixels; a few kB on disk
    assert upload.size < 100_000
    message = refusal(upload)
    assert "8000 × 8000 = 64,000,000 pixels" in message and "40,000,000" in message


def test_underlay_where_pillow_only_warns_is_refused_without_a_warning(settings):
    settings.UNDERLAY_MAX_PIXELS = 40_000_000
    pixels = 10_000 * 10_000
    assert Image.MAX_IMAGE_PIXELS < pixels < 2 * Image.MAX_IMAGE_PIXELS  # Pillow's warning band
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        message = refusal(upload_of(bare_png(10_000, 10_000)))
    assert "100,000,000 pixels" in message
    assert not [w for w in caught if issubclass(w.category, Image.DecompressionBombWarning)]


def test_underlay_so_large_that_pillow_refuses_to_open_it_is_refused():
    message = refusal(upload_of(bare_png(20_000, 10_000)))
    assert message == "The underlay has more pixels than the limit of 40,000,000 pixels."


@pytest.mark.parametrize("fmt", ["GIF", "BMP"])
def test_underlay_in_another_image_format_is_refused(fmt):
    message = refusal(png_upload(fmt=fmt, name="plan.png", mode="RGB"))
    assert message == (f"The underlay is a {fmt} image; allowed formats are PNG, JPEG, WEBP.")


def test_pdf_renamed_as_png_is_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100), "white").save(buffer, "PDF")
    assert buffer.getvalue().startswith(b"%PDF")
    message = refusal(upload_of(buffer.getvalue(), name="plan.png"))
    assert message == "The underlay is not an image in an allowed format (PNG, JPEG, WEBP)."


def test_truncated_png_is_refused():
    data = bare_png(500, 500)
    message = refusal(upload_of(data[: len(data) // 2]))
    assert message.startswith("The underlay PNG file is truncated or corrupt")


def test_truncated_jpeg_is_refused():
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 60).convert("RGB").save(buffer, "JPEG")
    data = buffer.getvalue()
    message = refusal(upload_of(data[: len(data) - 200], name="plan.jpg"))
    assert message.startswith("The underlay JPEG file is truncated or corrupt")


def test_png_with_a_corrupt_checksum_is_refused():
    data = bytearray(bare_png(64, 64))
    data[-20] ^= 0xFF  # inside the IDAT chunk: its CRC no longer matches
    assert refusal(upload_of(bytes(data))).startswith("The underlay PNG file is truncated")


# --- level_set_underlay -------------------------------------------------------------------


def underlay_files() -> list[Path]:
    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "underlays"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_refused_underlay_saves_nothing(concourse, settings):
    settings.UNDERLAY_MAX_PIXELS = 10_000
    entries, files = Entry.objects.count(), underlay_files()
    before = Level.objects.filter(pk=concourse.pk).values().get()

    with pytest.raises(ValidationError) as caught:
        services.level_set_underlay(
            actor=None,
            level=concourse,
            upload=png_upload(200, 100),
            scale=Decimal("0.05"),
            offset_x=Decimal("3"),
        )

    assert "the limit is 10,000 pixels" in caught.value.message_dict["underlay"][0]
    assert Level.objects.filter(pk=concourse.pk).values().get() == before
    assert Entry.objects.count() == entries
    assert underlay_files() == files


def test_accepted_underlay_is_stored_and_audited(concourse):
    services.level_set_underlay(
        actor=None, level=concourse, upload=png_upload(200, 100), scale=Decimal("0.05")
    )
    concourse.refresh_from_db()
    assert concourse.underlay.name.endswith(".png") and concourse.underlay_scale == Decimal("0.05")
    entry = Entry.objects.order_by("-seq").first()
    assert entry.action == "level.set_underlay"
    assert entry.after["format"] == "PNG" and entry.after["width"] == 200
    data = plans.plan_data(concourse)
    assert (data.underlay.width_px, data.underlay.height_px) == (200, 100)
