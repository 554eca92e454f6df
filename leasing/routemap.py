"""The fit-out and opening route map (施工开业线路图): every outlet's milestones on a time line,
per station or for the network grouped by station, with today's line, the first opening and
the opening pace (outlets opened per month, and in all).

The SVG is written by hand, in the style of the floor plans (stations.plans): the same font
stack with its CJK fallbacks, escaped text, and ``data-*`` attributes that name what each
mark is, so that tests and scripts read the structure, not the pixels. The drawing depends
only on its data and ``today``: the same data gives the same bytes. Rendering reads only.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from leasing.models import Lease, LeaseUnit, Milestone
from leasing.selectors import leases_for
from stations.models import Station
from stations.plans import FONT_FAMILY, HIGHLIGHT, INK
from tenders.models import Brand

Kind = Milestone.Kind
RUNNING = frozenset({Lease.Status.SIGNED, Lease.Status.FITTING_OUT})

KIND_COLOURS = {
    Kind.DESIGN_SUBMITTED: "#1e88e5",
    Kind.DESIGN_APPROVED: "#3949ab",
    Kind.SAFETY_BRIEFING: "#f9a825",
    Kind.FIT_OUT_DONE: "#fb8c00",
    Kind.FIRE_ACCEPTANCE: "#6d4c41",
    Kind.OPENED: "#2e7d32",
}
TODAY_COLOUR = "#1565c0"
GRID = "#e0e4e7"
BAND = "#eef1f3"
FIRST_OPENING_COLOUR = "#c2185b"

WIDTH = 1200
LABEL_WIDTH = 360
RIGHT_MARGIN = 24
ROW_HEIGHT = 22
MARK_RADIUS = 5
FONT_SIZE = 12
PACE_HEIGHT = 110
MIN_TICK_SPACING = 56
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --- data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneMark:
    kind: str
    due_on: dt.date | None
    done_on: dt.date | None


@dataclass(frozen=True)
class OutletRow:
    lease_code: str
    station_code: str
    station_name: str
    label: str  # the brand, or the merchant when it has none or several
    merchant: str
    units: tuple[str, ...]
    status: str
    milestones: tuple[MilestoneMark, ...] = ()
    opened_on: dt.date | None = None


@dataclass
class RouteMap:
    """What the drawing shows: its title, ``today`` and the rows, grouped by station."""

    title: str
    today: dt.date
    rows: list[OutletRow] = field(default_factory=list)


@dataclass(frozen=True)
class PaceMonth:
    month: dt.date  # its first day
    opened: int
    cumulative: int


def _state(row: OutletRow, mark: MilestoneMark, today: dt.date) -> str:
    if mark.done_on is not None:
        return "done"
    if mark.due_on is not None and mark.due_on < today and row.status in RUNNING:
        return "overdue"
    return "planned"


def _mark_date(mark: MilestoneMark) -> dt.date:
    return mark.done_on or mark.due_on


def first_opening(rows: list[OutletRow]) -> OutletRow | None:
    """The outlet that opened first (ties: by station, then contract number)."""
    opened = [row for row in rows if row.opened_on is not None]
    if not opened:
        return None
    return min(opened, key=lambda row: (row.opened_on, row.station_code, row.lease_code))


def opening_pace(rows: list[OutletRow]) -> list[PaceMonth]:
    """Outlets opened in each month from the first opening's to the last's (months without an
    opening included), and the running total."""
    return _pace(Counter(row.opened_on.replace(day=1) for row in rows if row.opened_on))


def _pace(per_month: Counter) -> list[PaceMonth]:
    if not per_month:
        return []
    month, last = min(per_month), max(per_month)
    pace, total = [], 0
    while month <= last:
        total += per_month.get(month, 0)
        pace.append(PaceMonth(month, per_month.get(month, 0), total))
        month = _next_month(month)
    return pace


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _in_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def _station_name(station: Station) -> str:
    return station.name_zh if _in_chinese() or not station.name_en else station.name_en


def on_the_map(user):
    """The leases a route map draws, of those ``user`` may see: from signing on, those signed
    or fitting out, and those that opened."""
    return (
        leases_for(user)
        .exclude(status=Lease.Status.DRAFT)
        .filter(Q(status__in=RUNNING) | Q(opened_on__isnull=False))
    )


def stations_on_the_map(user):
    """The stations with an outlet on ``user``'s route map, by code: the network's map is
    drawn a page of stations at a time (tens of thousands of outlets nationally)."""
    return (
        Station.objects.filter(pk__in=on_the_map(user).values("station_id"))
        .order_by("code")
        .only("pk", "code", "name_zh", "name_en")
    )


@dataclass(frozen=True)
class NetworkFigures:
    outlets: int
    running: int
    pace: list[PaceMonth]
    first: OutletRow | None


def network_figures(user, today: dt.date | None = None) -> NetworkFigures:
    """The figures of the whole network's map, counted by the database (a few queries,
    whatever the number of outlets): outlets, those signed or fitting out, the opening pace
    and the first opening."""
    leases = on_the_map(user)
    totals = leases.aggregate(
        outlets=Count("pk"), running=Count("pk", filter=Q(status__in=RUNNING))
    )
    per_month = Counter(
        dict(
            leases.filter(opened_on__isnull=False)
            .annotate(month=TruncMonth("opened_on"))
            .values_list("month")
            .annotate(n=Count("pk"))
            .values_list("month", "n")
        )
    )
    first = (
        leases.filter(opened_on__isnull=False)
        .order_by("opened_on", "station__code", "code")
        .values_list("pk", flat=True)
        .first()
    )
    first_row = route_map_data(user, lease_ids=[first], today=today).rows if first else []
    return NetworkFigures(
        outlets=totals["outlets"],
        running=totals["running"],
        pace=_pace(per_month),
        first=first_row[0] if first_row else None,
    )


def route_map_data(
    user,
    *,
    station: Station | None = None,
    stations=None,
    lease_ids=None,
    today: dt.date | None = None,
):
    """The outlets ``user`` may see — of ``station``, of the ids ``stations`` (a page of the
    network's), or of the network — from signing on: those signed or fitting out, and those
    that opened. A fixed number of queries."""
    today = today or timezone.localdate()
    leases = (
        on_the_map(user)
        .select_related("station", "merchant")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "pk")),
            Prefetch("lease_units", queryset=LeaseUnit.objects.select_related("unit")),
            Prefetch("merchant__brands", queryset=Brand.objects.order_by("name_zh")),
        )
    )
    if station is not None:
        leases = leases.filter(station=station)
    if stations is not None:
        leases = leases.filter(station__in=list(stations))
    if lease_ids is not None:
        leases = leases.filter(pk__in=list(lease_ids))
    zh = _in_chinese()
    rows = []
    for lease in leases:
        brands = list(lease.merchant.brands.all())
        if len(brands) == 1:
            label = brands[0].name_zh if zh or not brands[0].name_en else brands[0].name_en
        else:
            label = lease.merchant.name
        marks = tuple(
            MilestoneMark(m.kind, m.due_on, m.done_on)
            for m in sorted(lease.milestones.all(), key=lambda m: Milestone.ORDER.index(m.kind))
        )
        if not marks and lease.opened_on:
            # Opened without a plan (before the route map existed): the opening alone.
            marks = (MilestoneMark(Kind.OPENED, None, lease.opened_on),)
        rows.append(
            OutletRow(
                lease_code=lease.code,
                station_code=lease.station.code,
                station_name=_station_name(lease.station),
                label=label,
                merchant=lease.merchant.name,
                units=tuple(sorted(lu.unit.code for lu in lease.lease_units.all())),
                status=lease.status,
                milestones=marks,
                opened_on=lease.opened_on,
            )
        )
    rows.sort(key=lambda row: (row.station_code, _row_date(row) or dt.date.max, row.lease_code))
    scope = _station_name(station) if station is not None else _("the network")
    return RouteMap(
        title=_("Fit-out and opening route map: %(scope)s") % {"scope": scope},
        today=today,
        rows=rows,
    )


def _row_date(row: OutletRow) -> dt.date | None:
    dates = [_mark_date(m) for m in row.milestones if _mark_date(m)]
    return min(dates) if dates else None


def route_map_svg(
    user, *, station: Station | None = None, stations=None, today: dt.date | None = None
) -> str:
    return render_route_map_svg(
        route_map_data(user, station=station, stations=stations, today=today)
    )


# --- drawing ------------------------------------------------------------------------------


def _esc(value) -> str:
    return html.escape(_XML_INVALID.sub("", str(value)), quote=True)


def _f(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def _text_em(text: str) -> float:
    """The width of ``text`` in ems: a CJK character is one em, others about half of one."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.58 for ch in text)


def _fit(text: str, width_px: float) -> str:
    """``text``, cut with an ellipsis where it would run wider than ``width_px``."""
    if _text_em(text) * FONT_SIZE <= width_px:
        return text
    out = ""
    for ch in text:
        if _text_em(out + ch + "…") * FONT_SIZE > width_px:
            break
        out += ch
    return out + "…"


class _Axis:
    """Days to x positions over whole months around every date shown and today."""

    def __init__(self, dates: list[dt.date], x0: float, x1: float):
        self.start = min(dates).replace(day=1)
        self.end = _next_month(max(dates))
        self.x0, self.x1 = x0, x1
        self.per_day = (x1 - x0) / (self.end - self.start).days

    def x(self, day: dt.date) -> float:
        return self.x0 + (day - self.start).days * self.per_day

    def months(self) -> list[dt.date]:
        out, month = [], self.start
        while month < self.end:
            out.append(month)
            month = _next_month(month)
        return out


def _marker(shape: str, x: float, y: float, *, fill: str, stroke: str, width: float) -> str:
    r = MARK_RADIUS
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="{_f(width)}"'
    if shape == "diamond":
        d = f"M{_f(x)} {_f(y - r - 1)}L{_f(x + r + 1)} {_f(y)}L{_f(x)} {_f(y + r + 1)}L{_f(x - r - 1)} {_f(y)}Z"
        return f'<path d="{d}" {paint}/>'
    return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{r}" {paint}/>'


def _star(x: float, y: float, r: float) -> str:
    import math

    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        angle = math.pi / 2 + i * math.pi / 5
        points.append(f"{_f(x + radius * math.cos(angle))},{_f(y - radius * math.sin(angle))}")
    return " ".join(points)


def render_route_map_svg(data: RouteMap) -> str:
    """The route map as a standalone SVG document (pixels; one row per outlet)."""
    kinds = {k.value: str(k.label) for k in Kind}
    statuses = {s.value: str(s.label) for s in Lease.Status}
    states = {"planned": _("planned"), "done": _("done"), "overdue": _("overdue")}
    rows = data.rows
    pace = opening_pace(rows)
    first = first_opening(rows)
    stations = sorted({(row.station_code, row.station_name) for row in rows})

    header_h = 100
    body_h = ROW_HEIGHT * (len(rows) + len(stations)) if rows else ROW_HEIGHT * 2
    pace_top = header_h + body_h + 30
    height = pace_top + (PACE_HEIGHT + 50 if pace else 0) + 10
    plot_x0, plot_x1 = LABEL_WIDTH + 16, WIDTH - RIGHT_MARGIN
    dates = (
        [data.today]
        + [day for row in rows for m in row.milestones for day in (m.due_on, m.done_on) if day]
        + [row.opened_on for row in rows if row.opened_on]
    )
    axis = _Axis(dates, plot_x0, plot_x1)

    out: list[str] = []
    w = out.append
    w('<?xml version="1.0" encoding="UTF-8"?>')
    w(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="routemap-title" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}" fill="{INK}" '
        f'data-today="{data.today.isoformat()}" data-outlets="{len(rows)}">'
    )
    w(f'<title id="routemap-title">{_esc(data.title)}</title>')
    w(f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>')
    w(f'<text x="16" y="26" font-size="17" font-weight="bold">{_esc(data.title)}</text>')

    # Legend: one mark per milestone, then the three states.
    w('<g class="hsr-legend" font-size="11">')
    x = 16.0
    for kind in Milestone.ORDER:
        shape = "diamond" if kind == Kind.OPENED else "circle"
        w(_marker(shape, x + MARK_RADIUS, 48, fill=KIND_COLOURS[kind], stroke=KIND_COLOURS[kind],
                  width=1.5))  # fmt: skip
        w(f'<text x="{_f(x + 14)}" y="52">{_esc(kinds[kind])}</text>')
        x += 22 + _text_em(kinds[kind]) * 11
    x = 16.0
    for state, fill, stroke in (
        ("planned", "#ffffff", INK),
        ("done", INK, INK),
        ("overdue", "#ffffff", HIGHLIGHT),
    ):
        w(_marker("circle", x + MARK_RADIUS, 70, fill=fill, stroke=stroke, width=2))
        w(f'<text x="{_f(x + 14)}" y="74">{_esc(states[state])}</text>')
        x += 30 + _text_em(str(states[state])) * 11
    w("</g>")

    # The time axis: month lines across the rows, labels spaced to stay readable.
    months = axis.months()
    month_px = (plot_x1 - plot_x0) / max(len(months), 1)
    every = max(1, -(-MIN_TICK_SPACING // int(max(month_px, 1))))
    w('<g class="hsr-axis" font-size="11" stroke-width="1">')
    for i, month in enumerate(months):
        mx = axis.x(month)
        w(
            f'<line x1="{_f(mx)}" y1="{header_h - 8}" x2="{_f(mx)}" y2="{header_h + body_h}" '
            f'stroke="{GRID}"/>'
        )
        if i % every == 0:
            w(
                f'<text class="hsr-month" x="{_f(mx + 3)}" y="{header_h - 12}" '
                f'data-month="{month:%Y-%m}">{month:%Y-%m}</text>'
            )
    w("</g>")

    y = float(header_h)
    if not rows:
        empty = _("No outlet has been signed yet.")
        w(
            f'<text class="hsr-empty" x="{_f(WIDTH / 2)}" y="{_f(y + ROW_HEIGHT)}" '
            f'text-anchor="middle">{_esc(empty)}</text>'
        )
    first_xy = None
    station_of = None
    for row in rows:
        if row.station_code != station_of:
            station_of = row.station_code
            w(
                f'<g class="hsr-station" data-station="{_esc(row.station_code)}">'
                f'<rect x="0" y="{_f(y)}" width="{WIDTH}" height="{ROW_HEIGHT}" fill="{BAND}"/>'
                f'<text x="16" y="{_f(y + 15)}" font-weight="bold">'
                f"{_esc(row.station_name)} ({_esc(row.station_code)})</text></g>"
            )
            y += ROW_HEIGHT
        cy = y + ROW_HEIGHT / 2
        tooltip = "\n".join(
            [
                f"{row.lease_code} · {row.merchant}",
                _("Units: %(units)s") % {"units": ", ".join(row.units) or "—"},
                statuses.get(row.status, row.status),
            ]
            + [
                _("%(kind)s: due %(due)s, done %(done)s")
                % {
                    "kind": kinds.get(m.kind, m.kind),
                    "due": m.due_on or "—",
                    "done": m.done_on or "—",
                }
                for m in row.milestones
            ]
        )
        w(
            f'<g class="hsr-outlet" data-lease="{_esc(row.lease_code)}" '
            f'data-station="{_esc(row.station_code)}" data-status="{_esc(row.status)}">'
            f"<title>{_esc(tooltip)}</title>"
        )
        w(
            f'<text x="28" y="{_f(cy + 4)}">{_esc(_fit(row.label, 200))}</text>'
            f'<text x="{LABEL_WIDTH}" y="{_f(cy + 4)}" text-anchor="end" fill="#546e7a">'
            f"{_esc(_fit(' '.join(row.units), 110))}</text>"
        )
        xs = [axis.x(_mark_date(m)) for m in row.milestones if _mark_date(m)]
        if len(xs) > 1:
            w(
                f'<line x1="{_f(min(xs))}" y1="{_f(cy)}" x2="{_f(max(xs))}" y2="{_f(cy)}" '
                f'stroke="#b0bec5" stroke-width="2"/>'
            )
        if not row.milestones:
            unplanned = _("milestones not planned")
            w(
                f'<text class="hsr-unplanned" x="{plot_x0}" y="{_f(cy + 4)}" fill="#90a4ae">'
                f"{_esc(unplanned)}</text>"
            )
        for m in row.milestones:
            day = _mark_date(m)
            if day is None:
                continue
            state = _state(row, m, data.today)
            colour = KIND_COLOURS.get(m.kind, INK)
            fill = colour if state == "done" else "#ffffff"
            stroke = HIGHLIGHT if state == "overdue" else colour
            shape = "diamond" if m.kind == Kind.OPENED else "circle"
            w(
                f'<g class="hsr-milestone" data-kind="{_esc(m.kind)}" data-state="{state}" '
                f'data-date="{day.isoformat()}">'
                + _marker(
                    shape,
                    axis.x(day),
                    cy,
                    fill=fill,
                    stroke=stroke,
                    width=2.5 if state == "overdue" else 1.5,
                )  # fmt: skip
                + "</g>"
            )
        if first is not None and row is first:
            first_xy = (axis.x(row.opened_on), cy)
        w("</g>")
        y += ROW_HEIGHT

    # Today's line over the rows.
    tx = axis.x(data.today)
    today_label = _("today %(day)s") % {"day": data.today.isoformat()}
    w(
        f'<g class="hsr-today" data-date="{data.today.isoformat()}">'
        f'<line x1="{_f(tx)}" y1="{header_h - 6}" x2="{_f(tx)}" y2="{_f(header_h + body_h)}" '
        f'stroke="{TODAY_COLOUR}" stroke-width="1.5" stroke-dasharray="5 3"/>'
        f'<text x="{_f(tx + 4)}" y="{header_h - 26}" font-size="11" fill="{TODAY_COLOUR}">'
        f"{_esc(today_label)}</text></g>"
    )

    if first is not None and first_xy is not None:
        fx, fy = first_xy
        text = _("First opening: %(outlet)s, %(station)s, %(day)s") % {
            "outlet": first.label,
            "station": first.station_name,
            "day": first.opened_on.isoformat(),
        }
        anchor = "end" if fx > (plot_x0 + plot_x1) / 2 else "start"
        dx = -12 if anchor == "end" else 12
        w(
            f'<g class="hsr-first-opening" data-lease="{_esc(first.lease_code)}" '
            f'data-date="{first.opened_on.isoformat()}">'
            f'<polygon points="{_star(fx, fy - 12, 8)}" fill="{FIRST_OPENING_COLOUR}"/>'
            f'<text x="{_f(fx + dx)}" y="{_f(fy - 8)}" text-anchor="{anchor}" font-size="11" '
            f'fill="{FIRST_OPENING_COLOUR}" font-weight="bold" stroke="#ffffff" '
            f'stroke-width="3" paint-order="stroke">{_esc(text)}</text></g>'
        )

    if pace:
        out += _pace_chart(pace, axis, pace_top)
    w("</svg>")
    return "\n".join(out)


def _pace_chart(pace: list[PaceMonth], axis: _Axis, top: float) -> list[str]:
    """Bars of the outlets opened per month, on the route map's own time axis, and the
    running total as a line."""
    out = []
    w = out.append
    total = pace[-1].cumulative
    peak = max(p.opened for p in pace)
    base = top + 24 + PACE_HEIGHT
    caption = _("Opening pace: outlets opened per month (bars) and in all (line)")
    w(
        f'<g class="hsr-pace" data-total="{total}">'
        f'<text x="16" y="{_f(top + 12)}" font-weight="bold">'
        f"{_esc(caption)}</text>"
        f'<line x1="{_f(axis.x0)}" y1="{_f(base)}" x2="{_f(axis.x1)}" y2="{_f(base)}" '
        f'stroke="{INK}"/>'
    )
    points = [(axis.x(pace[0].month), base, 0)]
    for p in pace:
        x0, x1 = axis.x(p.month), axis.x(_next_month(p.month))
        # Bars take the lower half, so the running total's line stays readable above them.
        bar_h = PACE_HEIGHT * 0.5 * p.opened / peak
        gap = min(4.0, (x1 - x0) * 0.15)
        w(
            f'<g class="hsr-pace-month" data-month="{p.month:%Y-%m}" data-opened="{p.opened}" '
            f'data-cumulative="{p.cumulative}">'
            f'<rect x="{_f(x0 + gap)}" y="{_f(base - bar_h)}" width="{_f(x1 - x0 - 2 * gap)}" '
            f'height="{_f(bar_h)}" fill="{KIND_COLOURS[Kind.OPENED]}" fill-opacity="0.55"/>'
        )
        if p.opened:
            w(
                f'<text x="{_f((x0 + x1) / 2)}" y="{_f(base - bar_h - 3)}" font-size="10" '
                f'text-anchor="middle">{p.opened}</text>'
            )
        w("</g>")
        cy = base - PACE_HEIGHT * p.cumulative / total
        points.append((x1, cy, p.cumulative))
    w(
        f'<polyline class="hsr-pace-cumulative" fill="none" stroke="{FIRST_OPENING_COLOUR}" '
        f'stroke-width="2" points="' + " ".join(f"{_f(x)},{_f(y)}" for x, y, _n in points) + '"/>'
    )
    for x, y, _n in points[1:]:
        w(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="2.5" fill="{FIRST_OPENING_COLOUR}"/>')
    x, y, n = points[-1]
    in_all = _("%(n)s opened") % {"n": n}
    w(
        f'<text x="{_f(x - 4)}" y="{_f(y - 6)}" font-size="11" text-anchor="end" '
        f'fill="{FIRST_OPENING_COLOUR}">'
        f"{_esc(in_all)}</text>"
    )
    w("</g>")
    return out
