"""Floor plans drawn from the data (SVG for the admin and the portal, PNG for print) and the
check every plan underlay passes before it is stored.

Drawing units are plan metres with y flipped, so the plan's y axis points up the page. An
underlay is placed by its scale (metres per pixel) and its offset: the plan position, in
metres, of the image's lower-left corner. Rendering reads only; it never writes or audits.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from PIL import Image, ImageChops, ImageDraw, ImageFont, UnidentifiedImageError

from stations.models import Level, Station, Unit, UtilityPoint, Zone

FONT_FAMILY = "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
# (path, face index in the collection); the first that exists draws the PNG text.
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
)
BOLD_FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc", 2),
)

STATUS_COLOURS = {
    Unit.Status.PLANNED: "#e3e7ea",
    Unit.Status.AVAILABLE: "#aed581",
    Unit.Status.RESERVED: "#fff176",
    Unit.Status.LET: "#64b5f6",
    Unit.Status.FITTING_OUT: "#ffb74d",
    Unit.Status.OPEN: "#ba68c8",
    Unit.Status.CLOSED: "#9e9e9e",
}
# (colour, hatch): no-build zones get dense stripes, paid/unpaid areas sparse dots.
ZONE_STYLES = {
    Zone.Kind.EVACUATION: ("#e53935", "diagonal"),
    Zone.Kind.PASSENGER_FLOW: ("#f57c00", "antidiagonal"),
    Zone.Kind.FIRE_EQUIPMENT: ("#b71c1c", "cross"),
    Zone.Kind.OTHER_NO_BUILD: ("#6d4c41", "cross"),
    Zone.Kind.PAID_AREA: ("#1e88e5", "dots"),
    Zone.Kind.UNPAID_AREA: ("#43a047", "dots"),
}
UTILITY_COLOURS = {
    UtilityPoint.Kind.CABINET: "#37474f",
    UtilityPoint.Kind.FLOOR_SOCKET: "#ffffff",
    UtilityPoint.Kind.LIGHTBOX_SOCKET: "#fdd835",
    UtilityPoint.Kind.WATER: "#1e88e5",
    UtilityPoint.Kind.DRAINAGE: "#795548",
    UtilityPoint.Kind.TOILET: "#8e24aa",
    UtilityPoint.Kind.WASHBASIN: "#00acc1",
}
INK = "#263238"
HIGHLIGHT = "#d50000"
PLAN_FILL = "#f7f7f4"

# Layout in multiples of the drawing's em (a hundredth or so of the plan's larger side).
LABEL_MIN_EM = 0.55
LABEL_MAX_EM = 1.1
AREA_LINE_RATIO = 0.8
LINE_HEIGHT = 1.15
LEGEND_TEXT_EM = 0.9
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --- data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    status: str
    kind: str
    area_m2: Decimal
    # (code, Chinese name, English name) of each designated business type
    business_types: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class ZoneRow:
    kind: str
    name: str


@dataclass(frozen=True)
class PointRow:
    kind: str
    code: str
    x: float
    y: float
    capacity_kw: Decimal | None


@dataclass(frozen=True)
class UnderlayRow:
    url: str
    name: str
    width_px: int
    height_px: int
    scale: float
    offset_x: float
    offset_y: float


@dataclass
class PlanData:
    """Everything a plan drawing needs, loaded in a fixed number of queries."""

    level: Level
    station: Station
    outline: shapely.Polygon
    units: list[UnitRow]
    unit_polygons: np.ndarray
    zones: list[ZoneRow]
    zone_polygons: np.ndarray
    points: list[PointRow]
    underlay: UnderlayRow | None = None


def plan_data(level: Level | int) -> PlanData:
    """Load a level with its units, zones and utility points: five queries, however many units."""
    pk = level.pk if isinstance(level, Level) else level
    level = Level.objects.select_related("station").get(pk=pk)
    unit_rows = list(
        Unit.objects.filter(level=level)
        .order_by("code")
        .values_list("id", "code", "name", "status", "kind", "polygon_wkt", "area_m2")
    )
    types_by_unit: dict[int, list[tuple[str, str, str]]] = {}
    links = (
        Unit.business_types.through.objects.filter(unit__level=level)
        .order_by("businesscategory__sort_order", "businesscategory__code")
        .values_list(
            "unit_id",
            "businesscategory__code",
            "businesscategory__name_zh",
            "businesscategory__name_en",
        )
    )
    for unit_id, code, name_zh, name_en in links:
        types_by_unit.setdefault(unit_id, []).append((code, name_zh, name_en))
    # Paid and unpaid areas first: they are tinted underneath, the no-build hatching on top.
    zone_rows = sorted(
        level.zones.order_by("kind", "name").values_list("kind", "name", "polygon_wkt"),
        key=lambda row: row[0] in Zone.NO_BUILD_KINDS,
    )
    point_rows = list(
        level.utility_points.order_by("kind", "code").values_list(
            "kind", "code", "x", "y", "capacity_kw"
        )
    )
    return PlanData(
        level=level,
        station=level.station,
        outline=shapely.from_wkt(level.outline_wkt),
        units=[
            UnitRow(code, name, status, kind, area, tuple(types_by_unit.get(pk, ())))
            for pk, code, name, status, kind, _wkt, area in unit_rows
        ],
        unit_polygons=_polygons([row[5] for row in unit_rows]),
        zones=[ZoneRow(kind, name) for kind, name, _wkt in zone_rows],
        zone_polygons=_polygons([row[2] for row in zone_rows]),
        points=[
            PointRow(kind, code, float(x), float(y), capacity)
            for kind, code, x, y, capacity in point_rows
        ],
        underlay=_underlay(level),
    )


def _polygons(wkts: list[str]) -> np.ndarray:
    if not wkts:
        return np.empty(0, dtype=object)
    return np.asarray(shapely.from_wkt(wkts), dtype=object)


def _underlay(level: Level) -> UnderlayRow | None:
    """The underlay's placement; its pixel size is read from the file header once, here."""
    if not level.underlay or level.underlay_scale is None:
        return None
    try:
        with level.underlay.open("rb") as fh, Image.open(fh) as image:
            width, height = image.size
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None
    return UnderlayRow(
        url=level.underlay.url,
        name=level.underlay.name,
        width_px=width,
        height_px=height,
        scale=float(level.underlay_scale),
        offset_x=float(level.underlay_offset_x),
        offset_y=float(level.underlay_offset_y),
    )


# --- layout (shared by SVG and PNG) -------------------------------------------------------


@dataclass
class _Label:
    x: float
    y: float
    size: float
    lines: tuple[str, ...]
    vertical: bool
    bold: bool = False  # the first line
    halo: bool = False  # a white edge, for text on a hatch


@dataclass
class _LegendEntry:
    group: str  # heading | status | zone | utility
    key: str
    label: str
    x: float
    y: float  # the row's middle


@dataclass
class _Layout:
    em: float
    margin: float
    width: float
    height: float
    minx: float
    maxy: float
    plan_x0: float
    plan_y0: float
    plan_w: float
    plan_h: float
    title: str
    title_size: float
    subtitle: str
    scale_m: float
    scale_x: float
    scale_y: float
    north_x: float
    north_y: float
    north_r: float
    rotation_deg: float
    symbol: float
    unit_labels: list[_Label | None]
    zone_labels: list[_Label | None]
    legend: list[_LegendEntry] = field(default_factory=list)

    def tx(self, x):
        return np.asarray(x, dtype=float) - self.minx + self.plan_x0

    def ty(self, y):
        return self.plan_y0 + (self.maxy - np.asarray(y, dtype=float))


def _text_em(text: str) -> float:
    """A generous estimate of a text's width in em (CJK full width, the rest 0.62)."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.62 for c in text)


def _area_text(area: Decimal) -> str:
    return f"{area:.2f} m²"


def _nice_length(target: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above ``target``."""
    exponent = math.floor(math.log10(max(target, 1e-3)))
    for step in (5, 2, 1):
        value = step * 10**exponent
        if value <= target:
            return float(value)
    return float(10**exponent)


def _layout(data: PlanData, labels: dict[str, tuple[str, ...]] | None = None) -> _Layout:
    geoms = [data.outline, *data.unit_polygons, *data.zone_polygons]
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    if data.points:
        xs = [p.x for p in data.points]
        ys = [p.y for p in data.points]
        minx, maxx = min(minx, *xs), max(maxx, *xs)
        miny, maxy = min(miny, *ys), max(maxy, *ys)
    plan_w, plan_h = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    em = max(plan_w, plan_h) / 90
    margin = 2 * em
    width = max(plan_w + 2 * margin, 48 * em)
    plan_x0 = (width - plan_w) / 2
    plan_y0 = 4.6 * em

    station, level = data.station, data.level
    title = f"{station.name_zh} {station.name_en} · {level.name}"
    title_size = min(1.6 * em, (width - 2 * margin) / max(_text_em(title), 1))
    total_area = sum((u.area_m2 for u in data.units), Decimal("0"))
    subtitle = _("%(count)d units · %(area)s m² · %(code)s") % {
        "count": len(data.units),
        "area": f"{total_area:.2f}",
        "code": station.code,
    }

    band_top = plan_y0 + plan_h + 1.0 * em
    north_r = 1.5 * em
    layout = _Layout(
        em=em,
        margin=margin,
        width=width,
        height=0.0,
        minx=minx,
        maxy=maxy,
        plan_x0=plan_x0,
        plan_y0=plan_y0,
        plan_w=plan_w,
        plan_h=plan_h,
        title=title,
        title_size=title_size,
        subtitle=subtitle,
        scale_m=_nice_length(plan_w / 4),
        scale_x=margin,
        scale_y=band_top + 2.8 * em,
        north_x=width - margin - 2.4 * em,
        north_y=band_top + 2.8 * em,
        north_r=north_r,
        rotation_deg=float(station.plan_rotation_deg or 0),
        symbol=0.75 * em,
        unit_labels=[],
        zone_labels=[],
    )
    # Labels keep clear of the utility symbols, which would otherwise sit on top of the text.
    half = 0.6 * layout.symbol
    obstacles = (
        shapely.box(
            *(
                np.asarray(
                    [[p.x - half, p.y - half, p.x + half, p.y + half] for p in data.points]
                ).T
            )
        )
        if data.points
        else np.empty(0, dtype=object)
    )
    unit_texts = [(u.code, _area_text(u.area_m2)) for u in data.units]
    if labels is not None:
        unit_texts = [
            tuple(labels.get(u.code, text)) for u, text in zip(data.units, unit_texts, strict=True)
        ]
    layout.unit_labels = _fit_labels(
        layout,
        _clear_of(data.unit_polygons, obstacles),
        [text or ("",) for text in unit_texts],
        min_size=LABEL_MIN_EM * em,
        max_size=LABEL_MAX_EM * em,
        bold=True,
    )
    # A unit given no text (an empty tuple in ``labels``) is drawn without a label.
    layout.unit_labels = [
        label if text else None for label, text in zip(layout.unit_labels, unit_texts, strict=True)
    ]
    no_build = [z.kind in Zone.NO_BUILD_KINDS for z in data.zones]
    zone_texts = [((z.name or str(Zone.Kind(z.kind).label)),) for z in data.zones]
    zone_labels = _fit_labels(
        layout,
        _clear_of(data.zone_polygons, obstacles),
        zone_texts,
        min_size=0.6 * em,
        max_size=1.0 * em,
        halo=True,
    )
    # Paid and unpaid areas hold units; their names would sit on top of the units' labels.
    layout.zone_labels = [
        label if keep else None for label, keep in zip(zone_labels, no_build, strict=True)
    ]
    legend_top = band_top + 6.0 * em
    layout.legend, legend_bottom = _legend_layout(data, layout, legend_top)
    layout.height = legend_bottom + 0.8 * em
    return layout


def _clear_of(polygons, obstacles) -> np.ndarray:
    """The polygons minus whatever obstacles (small boxes) fall on them."""
    polys = np.array(polygons, dtype=object)
    if not len(obstacles) or not len(polys):
        return polys
    poly_idx, box_idx = shapely.STRtree(obstacles).query(polys, predicate="intersects")
    if not len(poly_idx):
        return polys
    order = np.argsort(poly_idx, kind="stable")
    poly_idx, box_idx = poly_idx[order], box_idx[order]
    starts = np.flatnonzero(np.r_[True, poly_idx[1:] != poly_idx[:-1]])
    for start, end in zip(starts, [*starts[1:], len(poly_idx)], strict=True):
        i = poly_idx[start]
        polys[i] = shapely.difference(polys[i], shapely.union_all(obstacles[box_idx[start:end]]))
    return polys


def _fit_labels(
    layout: _Layout,
    polygons,
    texts,
    *,
    min_size: float,
    max_size: float,
    bold: bool = False,
    halo: bool = False,
):
    """For each polygon, the largest label (text lines) that lies wholly inside it, or None.

    Tried as two lines and as the first line alone, upright and turned a quarter; a label
    smaller than ``min_size`` is not drawn (the SVG keeps the text in the unit's tooltip).
    Whole-label containment keeps labels of neighbouring units from ever overlapping.
    """
    n = len(texts)
    polys = np.asarray(polygons, dtype=object)
    room = ~shapely.is_empty(polys) if n else np.zeros(0, dtype=bool)
    if not room.all():
        labels: list[_Label | None] = [None] * n
        kept = np.flatnonzero(room)
        fitted = _fit_labels(
            layout,
            polys[kept],
            [texts[i] for i in kept],
            min_size=min_size,
            max_size=max_size,
            bold=bold,
            halo=halo,
        )
        for i, label in zip(kept, fitted, strict=True):
            labels[i] = label
        return labels
    if n == 0:
        return []
    centroids = shapely.centroid(polys)
    circles = shapely.maximum_inscribed_circle(polys)
    radius = shapely.length(circles)
    inside = shapely.contains(polys, centroids)
    clearance = np.where(inside, shapely.distance(centroids, shapely.boundary(polys)), 0.0)
    # The centroid is the natural middle of a rectangle; odd shapes use the inscribed circle.
    anchors = np.where(clearance >= 0.8 * radius, centroids, shapely.get_point(circles, 0))
    ax, ay = shapely.get_x(anchors), shapely.get_y(anchors)
    bx0, by0, bx1, by1 = shapely.bounds(polys).T
    shapely.prepare(polys)

    line1 = np.array([_text_em(t[0]) for t in texts])
    line2 = np.array([_text_em(t[1]) * AREA_LINE_RATIO if len(t) > 1 else 0.0 for t in texts])
    two_lines = np.array([len(t) > 1 for t in texts])
    # Only strips at least twice as tall as wide get turned labels; a turned label among
    # upright ones reads badly.
    narrow = (by1 - by0) >= 2 * (bx1 - bx0)
    # In order of preference: the area is worth a smaller label; upright beats turned.
    options = [(2, False), (2, True), (1, False), (1, True)]
    best_option = np.full(n, -1)
    sizes: dict[int, np.ndarray] = {}
    for index, (lines, vertical) in enumerate(options):
        if lines == 2:
            wide = np.maximum(line1, line2)
            tall = np.full(n, LINE_HEIGHT * (1 + AREA_LINE_RATIO))
            usable = two_lines.copy()
            smallest = min_size / AREA_LINE_RATIO  # the smaller second line must stay legible
        else:
            wide = line1
            tall = np.full(n, LINE_HEIGHT)
            usable = np.ones(n, dtype=bool)
            smallest = min_size
        if vertical:
            usable &= narrow
        wide, tall = wide + 0.3, tall + 0.1  # a little air around the text
        if vertical:
            wide, tall = tall, wide
        size = np.minimum.reduce(
            [np.full(n, max_size), (bx1 - bx0) / wide, (by1 - by0) / np.maximum(tall, 1e-9)]
        )
        fits = np.zeros(n, dtype=bool)
        todo = usable & (size >= smallest)
        for _attempt in range(8):
            if not todo.any():
                break
            idx = np.flatnonzero(todo)
            half_w, half_h = size[idx] * wide[idx] / 2, size[idx] * tall[idx] / 2
            boxes = shapely.box(
                ax[idx] - half_w, ay[idx] - half_h, ax[idx] + half_w, ay[idx] + half_h
            )
            ok = shapely.covers(polys[idx], boxes)
            fits[idx[ok]] = True
            todo[idx[ok]] = False
            size[idx[~ok]] *= 0.85
            todo &= size >= smallest
        best_option[fits & (best_option < 0)] = index
        sizes[index] = size

    tx, ty = layout.tx(ax), layout.ty(ay)
    labels: list[_Label | None] = []
    for i in range(n):
        option = best_option[i]
        if option < 0:
            labels.append(None)
            continue
        lines, vertical = options[option]
        labels.append(
            _Label(
                x=float(tx[i]),
                y=float(ty[i]),
                size=float(sizes[option][i]),
                lines=tuple(texts[i][:lines]),
                vertical=vertical,
                bold=bold,
                halo=halo,
            )
        )
    return labels


def _legend_layout(data: PlanData, layout: _Layout, top: float):
    em = layout.em
    counts: dict[str, int] = {}
    for unit in data.units:
        counts[unit.status] = counts.get(unit.status, 0) + 1
    zone_kinds = {z.kind for z in data.zones}
    point_kinds = {p.kind for p in data.points}
    rows = [
        (
            "status",
            _("Unit status"),
            [(s.value, f"{s.label} ({counts.get(s.value, 0)})") for s in Unit.Status],
        ),
        ("zone", _("Zones"), [(k.value, str(k.label)) for k in Zone.Kind if k in zone_kinds]),
        (
            "utility",
            _("Utilities"),
            [(k.value, str(k.label)) for k in UtilityPoint.Kind if k in point_kinds],
        ),
    ]
    entries: list[_LegendEntry] = []
    right = layout.width - layout.margin
    heading_w = max(_text_em(heading) for _g, heading, _items in rows) * em + 1.2 * em
    row_h = 2.0 * em
    y = top
    for group, heading, items in rows:
        if not items:
            continue
        entries.append(_LegendEntry("heading", group, heading, layout.margin, y))
        x0 = layout.margin + heading_w
        x = x0
        for key, label in items:
            w = 1.3 * em + 0.5 * em + _text_em(label) * LEGEND_TEXT_EM * em + 1.5 * em
            if x + w > right and x > x0:
                y += row_h
                x = x0
            entries.append(_LegendEntry(group, key, label, x, y))
            x += w
        y += row_h
    return entries, y - row_h / 2 + em


# --- SVG ----------------------------------------------------------------------------------


def _esc(value) -> str:
    """Text safe inside an XML element or a double-quoted attribute."""
    return html.escape(_XML_INVALID.sub("", str(value)), quote=True)


def _f(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def unit_dom_id(code: str) -> str:
    """The SVG element id of a unit, for links and highlighting (``unit-`` + a safe code)."""
    return "unit-" + re.sub(r"[^A-Za-z0-9_.-]", lambda m: f"_{ord(m.group()):x}_", code)


def _path_data(polygons, layout: _Layout) -> list[str]:
    """SVG path data for each polygon (rings as subpaths, holes included), in drawing units."""
    n = len(polygons)
    if n == 0:
        return []
    rings, ring_owner = shapely.get_rings(np.asarray(polygons, dtype=object), return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    xs, ys = layout.tx(coords[:, 0]).tolist(), layout.ty(coords[:, 1]).tolist()
    points = [f"{x:.2f} {y:.2f}" for x, y in zip(xs, ys, strict=True)]
    ends = np.cumsum(np.bincount(coord_ring, minlength=len(rings))).tolist()
    ring_paths, start = [], 0
    for end in ends:
        ring_paths.append("M" + "L".join(points[start : end - 1]) + "Z")
        start = end
    owner_ends = np.cumsum(np.bincount(ring_owner, minlength=n)).tolist()
    paths, start = [], 0
    for end in owner_ends:
        paths.append("".join(ring_paths[start:end]))
        start = end
    return paths


def _unit_strokes(polygons, stroke: float) -> np.ndarray:
    """Outline widths: the usual one, thinner on units so small the outline would hide them."""
    if not len(polygons):
        return np.empty(0)
    x0, y0, x1, y1 = shapely.bounds(np.asarray(polygons, dtype=object)).T
    return np.minimum(stroke, 0.12 * np.minimum(x1 - x0, y1 - y0))


def _svg_label(label: _Label, *, fill: str, attrs: str = "") -> str:
    size = label.size
    if len(label.lines) == 2:
        block = LINE_HEIGHT * size * (1 + AREA_LINE_RATIO)
        y1 = label.y - block / 2 + LINE_HEIGHT * size / 2
        y2 = label.y + block / 2 - LINE_HEIGHT * size * AREA_LINE_RATIO / 2
        body = (
            f'<tspan x="{_f(label.x)}" y="{_f(y1)}" font-weight="bold">{_esc(label.lines[0])}'
            f'</tspan><tspan x="{_f(label.x)}" y="{_f(y2)}" font-size="'
            f'{_f(size * AREA_LINE_RATIO)}">{_esc(label.lines[1])}</tspan>'
        )
    else:
        weight = ' font-weight="bold"' if label.bold else ""
        body = f'<tspan x="{_f(label.x)}" y="{_f(label.y)}"{weight}>{_esc(label.lines[0])}</tspan>'
    turn = f' transform="rotate(-90 {_f(label.x)} {_f(label.y)})"' if label.vertical else ""
    halo = (
        f' stroke="#ffffff" stroke-width="{_f(size * 0.18)}" paint-order="stroke"'
        if label.halo
        else ""
    )
    return f'<text{attrs} font-size="{_f(size)}" fill="{fill}"{halo}{turn}>{body}</text>'


class _Words:
    """The translated labels a drawing repeats, looked up once per drawing, not per unit."""

    def __init__(self):
        self.zh = (get_language() or "").lower().startswith("zh")
        self.unit_kinds = {k.value: str(k.label) for k in Unit.Kind}
        self.statuses = {s.value: str(s.label) for s in Unit.Status}
        self.point_kinds = {k.value: str(k.label) for k in UtilityPoint.Kind}
        self.business_types = _("Business types: %(types)s")

    def unit_tooltip(self, unit: UnitRow) -> str:
        types = ", ".join(
            name_zh if self.zh else name_en for _code, name_zh, name_en in unit.business_types
        )
        kind = self.unit_kinds.get(unit.kind, unit.kind)
        status = self.statuses.get(unit.status, unit.status)
        return "\n".join(
            [
                f"{unit.code} {unit.name}".strip(),
                f"{kind} · {status}",
                _area_text(unit.area_m2),
                self.business_types % {"types": types or "—"},
            ]
        )

    def point_tooltip(self, point: PointRow) -> str:
        text = f"{self.point_kinds.get(point.kind, point.kind)} {point.code}".strip()
        if point.capacity_kw is not None:
            text += f" · {point.capacity_kw} kW"
        return text


def _svg_defs(prefix: str, em: float) -> list[str]:
    out = ["<defs>"]
    for kind, (colour, hatch) in ZONE_STYLES.items():
        period = 0.7 * em if hatch != "dots" else 1.4 * em
        line = f'stroke="{colour}" stroke-width="{_f(period * 0.28)}"'
        if hatch == "dots":
            marks = f'<circle cx="{_f(period / 2)}" cy="{_f(period / 2)}" r="{_f(period * 0.09)}" fill="{colour}"/>'
            turn = ""
        else:
            marks = f'<line x1="0" y1="0" x2="0" y2="{_f(period)}" {line}/>'
            if hatch == "cross":
                marks += f'<line x1="0" y1="0" x2="{_f(period)}" y2="0" {line}/>'
            turn = f' patternTransform="rotate({-45 if hatch == "antidiagonal" else 45})"'
        out.append(
            f'<pattern id="{prefix}-zone-{kind}" patternUnits="userSpaceOnUse" '
            f'width="{_f(period)}" height="{_f(period)}"{turn}>'
            f'<rect width="{_f(period)}" height="{_f(period)}" fill="{colour}" '
            f'fill-opacity="0.08"/>{marks}</pattern>'
        )
    for kind, shape in _svg_symbols().items():
        out.append(f'<g id="{prefix}-sym-{kind}">{shape}</g>')
    out.append("</defs>")
    return out


def _svg_symbols() -> dict[str, str]:
    """Each utility symbol drawn on a 1 × 1 box centred on the point."""
    c = UTILITY_COLOURS
    s = f'stroke="{INK}" stroke-width="0.1"'
    return {
        UtilityPoint.Kind.CABINET: (
            f'<rect x="-0.5" y="-0.5" width="1" height="1" fill="{c["cabinet"]}" {s}/>'
            '<path d="M0.1 -0.35L-0.18 0.05H0.05L-0.1 0.35L0.2 -0.08H-0.02Z" fill="#ffeb3b"/>'
        ),
        UtilityPoint.Kind.FLOOR_SOCKET: (
            f'<circle r="0.45" fill="{c["floor_socket"]}" {s}/>'
            f'<path d="M-0.45 0H0.45M0 -0.45V0.45" {s}/>'
        ),
        UtilityPoint.Kind.LIGHTBOX_SOCKET: (
            f'<path d="M0 -0.55L0.5 0L0 0.55L-0.5 0Z" fill="{c["lightbox_socket"]}" {s}/>'
        ),
        UtilityPoint.Kind.WATER: f'<circle r="0.45" fill="{c["water"]}" {s}/>',
        UtilityPoint.Kind.DRAINAGE: (
            f'<path d="M-0.5 -0.4H0.5L0 0.5Z" fill="{c["drainage"]}" {s}/>'
        ),
        UtilityPoint.Kind.TOILET: (
            f'<rect x="-0.45" y="-0.45" width="0.9" height="0.9" rx="0.15" '
            f'fill="{c["toilet"]}" {s}/><circle r="0.18" fill="#ffffff"/>'
        ),
        UtilityPoint.Kind.WASHBASIN: (
            f'<path d="M-0.5 -0.2H0.5A0.5 0.5 0 0 1 -0.5 -0.2Z" fill="{c["washbasin"]}" {s}/>'
        ),
    }


def render_level_svg(
    level: Level,
    *,
    data: PlanData | None = None,
    highlight: str | None = None,
    labels: dict[str, tuple[str, ...]] | None = None,
) -> str:
    """The level's plan as a standalone SVG document (viewBox in metres, north up).

    Units are filled by status and labelled with code and area where the label fits inside
    them; every unit carries an id (:func:`unit_dom_id`), ``data-unit-code``, ``data-status``
    and a tooltip. ``highlight`` names a unit code to outline thickly. ``labels`` replaces the
    label lines of the units it names (by code; an empty tuple draws no label) — the
    passengers' directory writes the outlets' names.
    """
    data = data or plan_data(level)
    layout = _layout(data, labels)
    em = layout.em
    prefix = f"plan{data.level.pk}"
    words = _Words()
    out: list[str] = []
    w = out.append
    w('<?xml version="1.0" encoding="UTF-8"?>')
    w(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(layout.width)} '
        f'{_f(layout.height)}" role="img" aria-labelledby="{prefix}-title" '
        f'font-family="{FONT_FAMILY}" font-size="{_f(em)}" text-anchor="middle" '
        f'dominant-baseline="central" data-station="{_esc(data.station.code)}" '
        f'data-level="{_esc(data.level.name)}">'
    )
    w(f'<title id="{prefix}-title">{_esc(layout.title)}</title>')
    out += _svg_defs(prefix, em)
    w(f'<rect width="{_f(layout.width)}" height="{_f(layout.height)}" fill="#ffffff"/>')
    plan_rect = (
        f'x="{_f(layout.plan_x0 - em)}" y="{_f(layout.plan_y0 - em)}" '
        f'width="{_f(layout.plan_w + 2 * em)}" height="{_f(layout.plan_h + 2 * em)}"'
    )
    outline_fill = PLAN_FILL
    if data.underlay is not None:
        u = data.underlay
        w(f'<clipPath id="{prefix}-clip"><rect {plan_rect}/></clipPath>')
        w(
            f'<g id="{prefix}-underlay" clip-path="url(#{prefix}-clip)"><image '
            f'href="{_esc(u.url)}" x="{_f(float(layout.tx(u.offset_x)))}" '
            f'y="{_f(float(layout.ty(u.offset_y + u.height_px * u.scale)))}" '
            f'width="{_f(u.width_px * u.scale)}" height="{_f(u.height_px * u.scale)}" '
            f'preserveAspectRatio="none" opacity="0.45"/></g>'
        )
        outline_fill = "none"
    (outline_d,) = _path_data([data.outline], layout)
    w(
        f'<path class="hsr-plan-outline" d="{outline_d}" fill="{outline_fill}" '
        f'fill-rule="evenodd" stroke="{INK}" stroke-width="{_f(0.18 * em)}"/>'
    )

    w(f'<g class="hsr-plan-zones" stroke-width="{_f(0.08 * em)}">')
    for zone, d in zip(data.zones, _path_data(data.zone_polygons, layout), strict=True):
        colour = ZONE_STYLES.get(zone.kind, (INK, "dots"))[0]
        label = str(Zone.Kind(zone.kind).label) if zone.kind in Zone.Kind.values else zone.kind
        tooltip = f"{label}: {zone.name}" if zone.name else label
        w(
            f'<path d="{d}" fill="url(#{prefix}-zone-{_esc(zone.kind)})" stroke="{colour}" '
            f'stroke-dasharray="{_f(0.5 * em)} {_f(0.3 * em)}" fill-rule="evenodd" '
            f'data-zone-kind="{_esc(zone.kind)}"><title>{_esc(tooltip)}</title></path>'
        )
    w("</g>")

    unit_paths = _path_data(data.unit_polygons, layout)
    stroke = 0.07 * em
    strokes = _unit_strokes(data.unit_polygons, stroke).tolist()
    w(
        f'<g class="hsr-plan-units" stroke="{INK}" stroke-width="{_f(stroke)}" '
        f'stroke-linejoin="round">'
    )
    highlighted = None
    for unit, d, width in zip(data.units, unit_paths, strokes, strict=True):
        colour = STATUS_COLOURS.get(unit.status, "#ffffff")
        if unit.code == highlight:
            highlighted = d
        thin = f' stroke-width="{_f(width)}"' if width < stroke else ""
        w(
            f'<g id="{_esc(unit_dom_id(unit.code))}" class="hsr-unit" '
            f'data-unit-code="{_esc(unit.code)}" data-status="{_esc(unit.status)}" '
            f'data-kind="{_esc(unit.kind)}"><title>{_esc(words.unit_tooltip(unit))}</title>'
            f'<path d="{d}" fill="{colour}" fill-rule="evenodd"{thin}/></g>'
        )
    w("</g>")

    w('<g class="hsr-plan-utilities">')
    k = layout.symbol
    pxs, pys = layout.tx([p.x for p in data.points]), layout.ty([p.y for p in data.points])
    for point, x, y in zip(data.points, pxs.tolist(), pys.tolist(), strict=True):
        w(
            f'<use href="#{prefix}-sym-{_esc(point.kind)}" '
            f'transform="translate({x:.2f} {y:.2f}) scale({_f(k)})" '
            f'data-kind="{_esc(point.kind)}"><title>{_esc(words.point_tooltip(point))}</title></use>'
        )
    w("</g>")

    w('<g class="hsr-plan-labels" pointer-events="none">')
    for zone, label in zip(data.zones, layout.zone_labels, strict=True):
        if label is not None:
            colour = ZONE_STYLES.get(zone.kind, (INK, ""))[0]
            w(_svg_label(label, fill=colour, attrs=' font-style="italic"'))
    for unit, label in zip(data.units, layout.unit_labels, strict=True):
        if label is not None:
            w(_svg_label(label, fill="#1a1a1a", attrs=f' data-unit-code="{_esc(unit.code)}"'))
    w("</g>")

    if highlighted is not None:
        w(
            f'<path class="hsr-plan-highlight" data-unit-code="{_esc(highlight)}" '
            f'd="{highlighted}" fill="none" stroke="{HIGHLIGHT}" '
            f'stroke-width="{_f(0.4 * em)}" stroke-linejoin="round" pointer-events="none"/>'
        )

    w(
        f'<text x="{_f(layout.margin)}" y="{_f(1.9 * em)}" font-size="{_f(layout.title_size)}" '
        f'font-weight="bold" text-anchor="start" fill="{INK}">{_esc(layout.title)}</text>'
    )
    w(
        f'<text x="{_f(layout.margin)}" y="{_f(3.5 * em)}" font-size="{_f(0.85 * em)}" '
        f'text-anchor="start" fill="#546e7a">{_esc(layout.subtitle)}</text>'
    )
    out += _svg_scale_bar(layout)
    out += _svg_north_arrow(layout)
    out += _svg_legend(layout, prefix)
    w("</svg>")
    return "\n".join(out)


def _svg_scale_bar(layout: _Layout) -> list[str]:
    em, metres = layout.em, layout.scale_m
    steps = 5 if str(int(metres)).startswith("5") else 4
    seg = metres / steps
    x0, y0, h = layout.scale_x, layout.scale_y - 0.25 * em, 0.5 * em
    parts = [
        f'<g id="scale-bar" data-metres="{_f(metres)}" font-size="{_f(0.8 * em)}" fill="{INK}">'
    ]
    for i in range(steps):
        fill = INK if i % 2 == 0 else "#ffffff"
        parts.append(
            f'<rect x="{_f(x0 + i * seg)}" y="{_f(y0)}" width="{_f(seg)}" height="{_f(h)}" '
            f'fill="{fill}" stroke="{INK}" stroke-width="{_f(0.06 * em)}"/>'
        )
    ty = y0 - 0.8 * em
    for value in (0, metres / 2, metres):
        text = f"{value:g}"
        if value == metres:
            text = f"{value:g} m"
        parts.append(f'<text x="{_f(x0 + value)}" y="{_f(ty)}">{_esc(text)}</text>')
    parts.append("</g>")
    return parts


def _north_needle() -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """The two halves of the north arrow, pointing up, on a radius of 1."""
    dark = [(0.0, -0.9), (-0.42, 0.6), (0.0, 0.3)]
    light = [(0.0, -0.9), (0.42, 0.6), (0.0, 0.3)]
    return dark, light


def _north_direction(rotation_deg: float) -> tuple[float, float]:
    """True north on the page: the plan's y axis is turned clockwise by ``rotation_deg``
    from north, so north is turned the same angle anticlockwise from the page's up."""
    theta = math.radians(rotation_deg)
    return -math.sin(theta), -math.cos(theta)


def _svg_north_arrow(layout: _Layout) -> list[str]:
    cx, cy, r, em = layout.north_x, layout.north_y, layout.north_r, layout.em
    dark, light = _north_needle()

    def pts(points):
        return " ".join(f"{_f(x * r)},{_f(y * r)}" for x, y in points)

    dx, dy = _north_direction(layout.rotation_deg)
    lx, ly = cx + dx * (r + 0.75 * em), cy + dy * (r + 0.75 * em)
    return [
        f'<g id="north-arrow" data-rotation-deg="{_f(layout.rotation_deg)}">',
        f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(r)}" fill="#ffffff" stroke="{INK}" '
        f'stroke-width="{_f(0.08 * em)}"/>',
        f'<g transform="translate({_f(cx)} {_f(cy)}) rotate({_f(-layout.rotation_deg)})" '
        f'stroke="{INK}" stroke-width="{_f(0.06 * em)}" stroke-linejoin="round">'
        f'<polygon points="{pts(dark)}" fill="{INK}"/>'
        f'<polygon points="{pts(light)}" fill="#ffffff"/></g>',
        f'<text class="north-label" x="{_f(lx)}" y="{_f(ly)}" font-weight="bold" '
        f'fill="{INK}">{_esc(pgettext("compass point", "N"))}</text>',
        "</g>",
    ]


def _svg_legend(layout: _Layout, prefix: str) -> list[str]:
    em = layout.em
    sw = 1.3 * em
    parts = [f'<g id="legend" font-size="{_f(LEGEND_TEXT_EM * em)}" text-anchor="start">']
    for entry in layout.legend:
        x, y = entry.x, entry.y
        if entry.group == "heading":
            parts.append(
                f'<text x="{_f(x)}" y="{_f(y)}" font-weight="bold" fill="{INK}">'
                f"{_esc(entry.label)}</text>"
            )
            continue
        key = _esc(entry.key)
        parts.append(f'<g class="legend-{entry.group}" data-key="{key}">')
        box = f'x="{_f(x)}" y="{_f(y - sw / 2)}" width="{_f(sw)}" height="{_f(sw)}"'
        if entry.group == "status":
            fill = STATUS_COLOURS.get(entry.key, "#ffffff")
            parts.append(
                f'<rect {box} fill="{fill}" stroke="{INK}" stroke-width="{_f(0.07 * em)}"/>'
            )
        elif entry.group == "zone":
            colour = ZONE_STYLES.get(entry.key, (INK, ""))[0]
            parts.append(
                f'<rect {box} fill="url(#{prefix}-zone-{key})" stroke="{colour}" '
                f'stroke-width="{_f(0.08 * em)}"/>'
            )
        else:
            parts.append(
                f'<use href="#{prefix}-sym-{key}" transform="translate({_f(x + sw / 2)} '
                f'{_f(y)}) scale({_f(0.95 * em)})"/>'
            )
        parts.append(
            f'<text x="{_f(x + sw + 0.5 * em)}" y="{_f(y)}" fill="{INK}">{_esc(entry.label)}'
            "</text></g>"
        )
    parts.append("</g>")
    return parts


# --- PNG ----------------------------------------------------------------------------------

_SUPERSAMPLE = 2


def _find_font(candidates) -> tuple[str, int] | None:
    for path, index in candidates:
        if Path(path).is_file():
            return path, index
    return None


class _Fonts:
    """TrueType fonts by pixel size for one drawing; Pillow's own font when no CJK font exists."""

    def __init__(self):
        self.regular = _find_font(FONT_CANDIDATES)
        self.bold = _find_font(BOLD_FONT_CANDIDATES) or self.regular
        self.cache: dict[tuple[int, bool], ImageFont.ImageFont] = {}

    def get(self, size_px: float, bold: bool = False):
        size = max(int(round(size_px)), 4)
        key = (size, bold)
        if key not in self.cache:
            found = self.bold if bold else self.regular
            if found is None:
                self.cache[key] = ImageFont.load_default(size=size)
            else:
                self.cache[key] = ImageFont.truetype(found[0], size, index=found[1])
        return self.cache[key]


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def _tint(colour: str, amount: float) -> tuple[int, int, int]:
    return tuple(int(255 - (255 - c) * amount) for c in _rgb(colour))


def render_level_png(level: Level, *, width_px: int = 2000, data: PlanData | None = None) -> bytes:
    """The level's plan as a PNG ``width_px`` (at least 200) wide, drawn with Pillow for print
    and export: drawn at twice the size and halved, for smooth edges."""
    if int(width_px) < 200:
        raise ValueError(f"width_px must be at least 200, not {width_px}")
    width_px = int(width_px)
    data = data or plan_data(level)
    layout = _layout(data)
    painter = _Painter(layout, width_px * _SUPERSAMPLE)
    painter.underlay(data)
    painter.outline(data)
    painter.zones(data)
    painter.units(data)
    painter.utilities(data)
    painter.labels(data)
    painter.furniture()
    image = painter.image.reduce(_SUPERSAMPLE)
    if image.width != width_px:
        image = image.resize((width_px, image.height), Image.Resampling.BILINEAR)
    out = BytesIO()
    image.save(out, "PNG", compress_level=3)
    return out.getvalue()


class _Painter:
    def __init__(self, layout: _Layout, width_px: int):
        self.layout = layout
        self.k = width_px / layout.width  # pixels per drawing metre
        self.image = Image.new("RGB", (width_px, max(1, round(layout.height * self.k))), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.fonts = _Fonts()

    def px(self, value: float) -> float:
        return value * self.k

    def rings(self, polygon) -> list[list[tuple[float, float]]]:
        """The polygon's rings in pixels, exterior first."""
        rings = [polygon.exterior, *polygon.interiors]
        out = []
        for ring in rings:
            coords = np.asarray(ring.coords)
            xs = self.layout.tx(coords[:, 0]) * self.k
            ys = self.layout.ty(coords[:, 1]) * self.k
            out.append(list(zip(xs.tolist(), ys.tolist(), strict=True)))
        return out

    def underlay(self, data: PlanData) -> None:
        u = data.underlay
        if u is None:
            return
        layout = self.layout
        left = float(layout.tx(u.offset_x)) * self.k
        top = float(layout.ty(u.offset_y + u.height_px * u.scale)) * self.k
        ppx = u.scale * self.k  # canvas pixels per image pixel
        box = (
            max(layout.plan_x0 - layout.em, 0) * self.k,
            max(layout.plan_y0 - layout.em, 0) * self.k,
            (layout.plan_x0 + layout.plan_w + layout.em) * self.k,
            (layout.plan_y0 + layout.plan_h + layout.em) * self.k,
        )
        # Only the part of the image that falls on the plan is decoded into the drawing.
        src = (
            max(0.0, (box[0] - left) / ppx),
            max(0.0, (box[1] - top) / ppx),
            min(float(u.width_px), (box[2] - left) / ppx),
            min(float(u.height_px), (box[3] - top) / ppx),
        )
        if src[2] <= src[0] or src[3] <= src[1]:
            return
        size = (round((src[2] - src[0]) * ppx), round((src[3] - src[1]) * ppx))
        if size[0] < 1 or size[1] < 1:
            return
        try:
            from django.core.files.storage import default_storage

            with default_storage.open(u.name, "rb") as fh, Image.open(fh) as source:
                source.draft(
                    "L", (max(1, round(u.width_px * ppx)), max(1, round(u.height_px * ppx)))
                )
                factor = source.width / u.width_px
                crop = source.convert("L").crop(tuple(round(v * factor) for v in src))
                picture = crop.resize(size, Image.Resampling.BILINEAR)
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
            return
        faded = picture.point(lambda v: 255 - round((255 - v) * 0.45)).convert("RGB")
        self.image.paste(faded, (round(left + src[0] * ppx), round(top + src[1] * ppx)))

    def outline(self, data: PlanData) -> None:
        rings = self.rings(data.outline)
        fill = None if data.underlay is not None else _rgb(PLAN_FILL)
        self.draw.polygon(rings[0], fill=fill)
        for hole in rings[1:]:
            self.draw.polygon(hole, fill=(255, 255, 255))
        width = max(1, round(self.px(0.18 * self.layout.em)))
        for ring in rings:
            self.draw.line([*ring, ring[0]], fill=_rgb(INK), width=width, joint="curve")

    def hatch(self, rings, kind: str) -> None:
        colour, style = ZONE_STYLES.get(kind, (INK, "dots"))
        xs = [x for ring in rings for x, _y in ring]
        ys = [y for ring in rings for _x, y in ring]
        x0, y0 = max(int(min(xs)) - 1, 0), max(int(min(ys)) - 1, 0)
        x1 = min(int(max(xs)) + 2, self.image.width)
        y1 = min(int(max(ys)) + 2, self.image.height)
        if x1 <= x0 or y1 <= y0:
            return
        mask = Image.new("L", (x1 - x0, y1 - y0), 0)
        mdraw = ImageDraw.Draw(mask)
        mdraw.polygon([(x - x0, y - y0) for x, y in rings[0]], fill=255)
        for hole in rings[1:]:
            mdraw.polygon([(x - x0, y - y0) for x, y in hole], fill=0)
        tint = Image.new("RGB", mask.size, _tint(colour, 0.1))
        self.image.paste(tint, (x0, y0), mask)
        em = self.px(self.layout.em)
        period = max(3, round((1.4 if style == "dots" else 0.7) * em))
        thick = max(1, round(period * (0.16 if style == "dots" else 0.4)))
        yy, xx = np.ogrid[y0:y1, x0:x1]
        if style == "diagonal":
            marks = ((xx + yy) % period) < thick
        elif style == "antidiagonal":
            marks = ((xx - yy) % period) < thick
        elif style == "cross":
            marks = (((xx + yy) % period) < thick) | (((xx - yy) % period) < thick)
        else:
            marks = (((xx + period // 2) % period) < thick) & (
                ((yy + period // 2) % period) < thick
            )
        pattern = Image.fromarray((marks * 255).astype(np.uint8), "L")
        self.image.paste(_rgb(colour), (x0, y0, x1, y1), ImageChops.multiply(mask, pattern))

    def zones(self, data: PlanData) -> None:
        width = max(1, round(self.px(0.08 * self.layout.em)))
        for zone, polygon in zip(data.zones, data.zone_polygons, strict=True):
            rings = self.rings(polygon)
            self.hatch(rings, zone.kind)
            colour = _rgb(ZONE_STYLES.get(zone.kind, (INK, ""))[0])
            for ring in rings:
                self.draw.line([*ring, ring[0]], fill=colour, width=width)

    def units(self, data: PlanData) -> None:
        ink = _rgb(INK)
        strokes = _unit_strokes(data.unit_polygons, 0.07 * self.layout.em).tolist()
        for unit, polygon, stroke in zip(data.units, data.unit_polygons, strokes, strict=True):
            width = max(1, round(self.px(stroke)))
            rings = self.rings(polygon)
            colour = _rgb(STATUS_COLOURS.get(unit.status, "#ffffff"))
            # Outlines as lines: ImageDraw.polygon with a wide outline builds a canvas-sized
            # mask for every polygon, which is what made a 1,000-unit plan take seconds.
            self.draw.polygon(rings[0], fill=colour)
            for hole in rings[1:]:
                self.draw.polygon(hole, fill=_rgb(PLAN_FILL))
            for ring in rings:
                self.draw.line([*ring, ring[1]], fill=ink, width=width, joint="curve")

    def symbol(self, kind: str, x: float, y: float, size: float) -> None:
        d, r = self.draw, size / 2
        ink, fill = _rgb(INK), _rgb(UTILITY_COLOURS.get(kind, "#ffffff"))
        lw = max(1, round(size * 0.1))
        if kind == UtilityPoint.Kind.CABINET:
            d.rectangle((x - r, y - r, x + r, y + r), fill=fill, outline=ink, width=lw)
            bolt = [
                (0.1, -0.35),
                (-0.18, 0.05),
                (0.05, 0.05),
                (-0.1, 0.35),
                (0.2, -0.08),
                (-0.02, -0.08),
            ]
            d.polygon([(x + a * size, y + b * size) for a, b in bolt], fill=_rgb("#ffeb3b"))
        elif kind == UtilityPoint.Kind.FLOOR_SOCKET:
            rr = 0.45 * size
            d.ellipse((x - rr, y - rr, x + rr, y + rr), fill=fill, outline=ink, width=lw)
            d.line((x - rr, y, x + rr, y), fill=ink, width=lw)
            d.line((x, y - rr, x, y + rr), fill=ink, width=lw)
        elif kind == UtilityPoint.Kind.LIGHTBOX_SOCKET:
            pts = [(x, y - 0.55 * size), (x + r, y), (x, y + 0.55 * size), (x - r, y)]
            d.polygon(pts, fill=fill, outline=ink, width=lw)
        elif kind == UtilityPoint.Kind.WATER:
            rr = 0.45 * size
            d.ellipse((x - rr, y - rr, x + rr, y + rr), fill=fill, outline=ink, width=lw)
        elif kind == UtilityPoint.Kind.DRAINAGE:
            pts = [(x - r, y - 0.4 * size), (x + r, y - 0.4 * size), (x, y + r)]
            d.polygon(pts, fill=fill, outline=ink, width=lw)
        elif kind == UtilityPoint.Kind.TOILET:
            rr = 0.45 * size
            d.rounded_rectangle(
                (x - rr, y - rr, x + rr, y + rr),
                radius=0.15 * size,
                fill=fill,
                outline=ink,
                width=lw,
            )
            dot = 0.18 * size
            d.ellipse((x - dot, y - dot, x + dot, y + dot), fill=(255, 255, 255))
        else:  # washbasin: a bowl
            box = (x - r, y - 0.7 * size, x + r, y + 0.3 * size)
            d.chord(box, 0, 180, fill=fill, outline=ink, width=lw)

    def utilities(self, data: PlanData) -> None:
        size = self.px(self.layout.symbol)
        xs = self.layout.tx([p.x for p in data.points]) * self.k
        ys = self.layout.ty([p.y for p in data.points]) * self.k
        for point, x, y in zip(data.points, xs.tolist(), ys.tolist(), strict=True):
            self.symbol(point.kind, x, y, size)

    def text(self, x, y, text, size, *, fill, bold=False, anchor="mm") -> None:
        self.draw.text((x, y), text, font=self.fonts.get(size, bold), fill=fill, anchor=anchor)

    def label(self, label: _Label, *, fill) -> None:
        size = self.px(label.size)
        if not label.vertical:
            for x, y, text, font, stroke in self._label_rows(
                label, self.px(label.x), self.px(label.y)
            ):
                self.draw.text(
                    (x, y),
                    text,
                    font=font,
                    fill=fill,
                    anchor="mm",
                    stroke_width=stroke,
                    stroke_fill=(255, 255, 255),
                )
            return
        # Turned labels are drawn upright on their own tile, then rotated into place.
        block_w = size * (max(_text_em(t) for t in label.lines) + 1)
        block_h = size * (LINE_HEIGHT * (1 + AREA_LINE_RATIO) + 1)
        tile = Image.new("L", (max(1, round(block_w)), max(1, round(block_h))), 0)
        halo = Image.new("L", tile.size, 0)
        tdraw, hdraw = ImageDraw.Draw(tile), ImageDraw.Draw(halo)
        for x, y, text, font, stroke in self._label_rows(label, tile.width / 2, tile.height / 2):
            if stroke:
                hdraw.text(
                    (x, y),
                    text,
                    font=font,
                    fill=255,
                    anchor="mm",
                    stroke_width=stroke,
                    stroke_fill=255,
                )
            tdraw.text((x, y), text, font=font, fill=255, anchor="mm")
        tile, halo = tile.rotate(90, expand=True), halo.rotate(90, expand=True)
        left = round(self.px(label.x) - tile.width / 2)
        top = round(self.px(label.y) - tile.height / 2)
        box = (left, top, left + tile.width, top + tile.height)
        self.image.paste((255, 255, 255), box, halo)
        self.image.paste(fill, box, tile)

    def _label_rows(self, label: _Label, x: float, y: float):
        """(x, y, text, font, halo width) of each line of a label centred on (x, y)."""
        size = self.px(label.size)
        if len(label.lines) == 2:
            block = LINE_HEIGHT * size * (1 + AREA_LINE_RATIO)
            rows = [
                (y - block / 2 + LINE_HEIGHT * size / 2, label.lines[0], size, label.bold),
                (
                    y + block / 2 - LINE_HEIGHT * size * AREA_LINE_RATIO / 2,
                    label.lines[1],
                    size * AREA_LINE_RATIO,
                    False,
                ),
            ]
        else:
            rows = [(y, label.lines[0], size, label.bold)]
        return [
            (
                x,
                row_y,
                text,
                self.fonts.get(row_size, bold),
                max(1, round(row_size * 0.12)) if label.halo else 0,
            )
            for row_y, text, row_size, bold in rows
        ]

    def labels(self, data: PlanData) -> None:
        for zone, label in zip(data.zones, self.layout.zone_labels, strict=True):
            if label is not None:
                self.label(label, fill=_rgb(ZONE_STYLES.get(zone.kind, (INK, ""))[0]))
        for label in self.layout.unit_labels:
            if label is not None:
                self.label(label, fill=(26, 26, 26))

    def furniture(self) -> None:
        """Title, scale bar, north arrow and legend."""
        layout, em = self.layout, self.layout.em
        ink = _rgb(INK)
        self.text(
            self.px(layout.margin),
            self.px(1.9 * em),
            layout.title,
            self.px(layout.title_size),
            fill=ink,
            bold=True,
            anchor="lm",
        )
        self.text(
            self.px(layout.margin),
            self.px(3.5 * em),
            layout.subtitle,
            self.px(0.85 * em),
            fill=_rgb("#546e7a"),
            anchor="lm",
        )

        metres = layout.scale_m
        steps = 5 if str(int(metres)).startswith("5") else 4
        seg = self.px(metres / steps)
        x0, y0 = self.px(layout.scale_x), self.px(layout.scale_y - 0.25 * em)
        h = self.px(0.5 * em)
        lw = max(1, round(self.px(0.06 * em)))
        for i in range(steps):
            fill = ink if i % 2 == 0 else (255, 255, 255)
            self.draw.rectangle(
                (x0 + i * seg, y0, x0 + (i + 1) * seg, y0 + h), fill=fill, outline=ink, width=lw
            )
        for value in (0, metres / 2, metres):
            text = f"{value:g} m" if value == metres else f"{value:g}"
            self.text(
                x0 + self.px(value),
                y0 - self.px(0.8 * em),
                text,
                self.px(0.8 * em),
                fill=ink,
            )

        cx, cy, r = self.px(layout.north_x), self.px(layout.north_y), self.px(layout.north_r)
        self.draw.ellipse(
            (cx - r, cy - r, cx + r, cy + r),
            fill=(255, 255, 255),
            outline=ink,
            width=max(1, round(self.px(0.08 * em))),
        )
        theta = math.radians(-layout.rotation_deg)
        cos, sin = math.cos(theta), math.sin(theta)

        def turn(points):
            return [
                (cx + (x * cos - y * sin) * r, cy + (x * sin + y * cos) * r) for x, y in points
            ]

        dark, light = _north_needle()
        self.draw.polygon(turn(dark), fill=ink, outline=ink)
        self.draw.polygon(turn(light), fill=(255, 255, 255), outline=ink, width=lw)
        dx, dy = _north_direction(layout.rotation_deg)
        reach = r + self.px(0.75 * em)
        self.text(
            cx + dx * reach,
            cy + dy * reach,
            pgettext("compass point", "N"),
            self.px(em),
            fill=ink,
            bold=True,
        )

        sw = self.px(1.3 * em)
        text_size = self.px(LEGEND_TEXT_EM * em)
        for entry in layout.legend:
            x, y = self.px(entry.x), self.px(entry.y)
            if entry.group == "heading":
                self.text(x, y, entry.label, text_size, fill=ink, bold=True, anchor="lm")
                continue
            box = (x, y - sw / 2, x + sw, y + sw / 2)
            if entry.group == "status":
                self.draw.rectangle(
                    box, fill=_rgb(STATUS_COLOURS.get(entry.key, "#ffffff")), outline=ink, width=lw
                )
            elif entry.group == "zone":
                ring = [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])]
                self.hatch([ring], entry.key)
                self.draw.rectangle(box, outline=_rgb(ZONE_STYLES[entry.key][0]), width=lw)
            else:
                self.symbol(entry.key, x + sw / 2, y, self.px(0.95 * em))
            self.text(
                x + sw + self.px(0.5 * em),
                y,
                entry.label,
                text_size,
                fill=ink,
                anchor="lm",
            )


# --- underlay uploads ---------------------------------------------------------------------


def _refuse(message: str):
    raise ValidationError({"underlay": message})


def _upload_size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    upload.seek(0)
    return int(size)


def check_underlay(upload) -> dict:
    """Check an uploaded plan underlay before it is stored; return its format, size and bytes.

    Refused, with a message naming the fault and the limit: more than UNDERLAY_MAX_BYTES
    bytes; more than UNDERLAY_MAX_PIXELS pixels (counted from the header before anything is
    decoded, so the band where Pillow itself would only warn is refused too); a format, as
    Pillow detects it from the content, outside UNDERLAY_FORMATS; and a file that does not
    decode to the end (truncated or corrupt).
    """
    max_bytes = int(settings.UNDERLAY_MAX_BYTES)
    max_pixels = int(settings.UNDERLAY_MAX_PIXELS)
    allowed = tuple(str(f).upper() for f in settings.UNDERLAY_FORMATS)
    allowed_text = ", ".join(allowed)
    size = _upload_size(upload)
    if size == 0:
        _refuse(_("The underlay file is empty."))
    if size > max_bytes:
        _refuse(
            _("The underlay file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)}
        )
    Image.init()
    readable = [f for f in allowed if f in Image.OPEN]
    try:
        # Our own pixel cap is checked below; Pillow's warning for the same band is noise here.
        # (catch_warnings is process-wide state: a concurrent thread may miss a warning
        # meanwhile, which is harmless.)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            fmt, width, height = _identify(upload, readable, allowed_text, max_pixels)
            _decode(upload, fmt)
    finally:
        upload.seek(0)
    return {"format": fmt, "width": width, "height": height, "bytes": size}


def _identify(upload, readable: list[str], allowed_text: str, max_pixels: int):
    too_many = _("The underlay has more pixels than the limit of %(limit)s pixels.")
    try:
        image = Image.open(upload, formats=readable or None)
    except Image.DecompressionBombError:
        _refuse(too_many % {"limit": f"{max_pixels:,}"})
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        _refuse(_not_allowed(upload, allowed_text))
    with image:
        fmt, (width, height) = image.format, image.size
        if fmt not in readable:
            _refuse(_not_allowed(upload, allowed_text))
        if width * height > max_pixels:
            _refuse(
                _(
                    "The underlay is %(width)d × %(height)d = %(pixels)s pixels; "
                    "the limit is %(limit)s pixels."
                )
                % {
                    "width": width,
                    "height": height,
                    "pixels": f"{width * height:,}",
                    "limit": f"{max_pixels:,}",
                }
            )
    return fmt, width, height


def _not_allowed(upload, allowed_text: str) -> str:
    """Name what the file is, when Pillow knows, in the message that refuses it."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            detected = image.format
    except Exception:  # any failure means "not an image Pillow knows"
        detected = None
    if detected:
        return _("The underlay is a %(format)s image; allowed formats are %(allowed)s.") % {
            "format": detected,
            "allowed": allowed_text,
        }
    return _("The underlay is not an image in an allowed format (%(allowed)s).") % {
        "allowed": allowed_text
    }


def _decode(upload, fmt: str) -> None:
    """Verify the file's structure, then decode it to the end; JPEG at an eighth of its size."""
    corrupt = _("The underlay %(format)s file is truncated or corrupt (%(detail)s).")
    try:
        upload.seek(0)
        with Image.open(upload, formats=[fmt]) as image:
            image.verify()
        upload.seek(0)
        with Image.open(upload, formats=[fmt]) as image:
            if fmt == "JPEG":
                image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
    except Exception as exc:  # decoders raise many kinds; all mean "corrupt"
        _refuse(corrupt % {"format": fmt, "detail": str(exc) or exc.__class__.__name__})
