"""Charts for the report pages: horizontal bar charts written as inline SVG.

Every chart is a bar (or a pair of bars) a row, labelled on the left and annotated at the bar's
end, so it is drawn from the numbers alone: no plotting library, no font measured on the
server (matplotlib took about a second to lay out a page of 50 stations). Text stays text, so
the browser sets Chinese in its own CJK font; widths are estimated from the characters (a
Chinese character takes two columns, as in the XLSX widths).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

BLUE, ORANGE, GREEN, GREY, TRACK = "#2e6da4", "#e07b1f", "#3c8d40", "#9aa5b1", "#e8edf2"
WIDTH = 800  # the viewBox's width; the page scales the SVG to its column
FONT = 12
COLUMN = 7  # the width of a narrow character at FONT, in viewBox units
BAR = 14  # a bar's thickness
GAP = 8  # between rows


@dataclass(frozen=True)
class Series:
    """A bar a row: its name (in the legend when there are several), colour and values."""

    name: str
    color: str | list[str]
    values: list[float]
    notes: list[str]


def _body(frame):
    """The rows without the TOTAL row."""
    from stations.reports import has_total_row

    return frame.iloc[:-1] if has_total_row(frame) else frame


def _text_width(text: str) -> int:
    from stations.reports import _display_width

    return _display_width(text) * COLUMN


def _nice_step(top: float, steps: int = 5) -> float:
    """A round step (1, 2 or 5 × 10ⁿ) that divides 0…``top`` into about ``steps`` parts."""
    rough = top / steps
    power = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def _hbars(
    labels: list[str],
    series: list[Series],
    *,
    scale: float | None = None,
    track: bool = False,
    axis_format=None,
    caption: str = "",
) -> SafeString:
    """The chart: for each label a bar of each series (0…``scale``, the largest value when
    None) with its note at the end; ``track`` draws the whole 0…scale behind each bar;
    ``axis_format`` draws gridlines with their values below; ``caption`` names the axis."""
    largest = max((v for s in series for v in s.values), default=0)
    scale = scale or largest or 1
    step = _nice_step(scale) if axis_format else None
    if step:
        scale = math.ceil(scale / step) * step
    left = min(max((_text_width(label) for label in labels), default=0) + 12, WIDTH // 3)
    # Right of the longest bar, room for its note (set two points smaller than the labels).
    notes = max((_text_width(note) for one in series for note in one.notes), default=0)
    plot = WIDTH - left - min(notes * (FONT - 2) // FONT + 12, WIDTH // 3)
    legend = 22 if len(series) > 1 else 0
    row = BAR * len(series) + GAP
    top = legend + 4
    height = top + row * len(labels) + (20 if step else 0) + (22 if caption else 0) + 4
    parts = []
    if legend:
        x = left
        for one in series:
            parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{one.color}"/>')
            parts.append(f'<text x="{x + 16}" y="14">{escape(one.name)}</text>')
            x += 16 + _text_width(one.name) + 24
    if step:
        tick = 0.0
        while tick <= scale + step / 2:
            x = left + plot * tick / scale
            bottom = top + row * len(labels)
            parts.append(
                f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{TRACK}"/>'
                f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" '
                f'class="cms-chart__tick">{escape(axis_format(tick))}</text>'
            )
            tick += step
    for n, label in enumerate(labels):
        y = top + row * n
        middle = y + GAP / 2 + BAR * len(series) / 2
        parts.append(
            f'<text x="{left - 6}" y="{middle:.1f}" text-anchor="end" '
            f'dominant-baseline="central">{escape(label)}</text>'
        )
        for k, one in enumerate(series):
            value = max(one.values[n], 0)
            color = one.color[n] if isinstance(one.color, list) else one.color
            bar_y = y + BAR * k + GAP / 2
            if track:
                parts.append(
                    f'<rect x="{left}" y="{bar_y:.1f}" width="{plot}" height="{BAR}" '
                    f'fill="{TRACK}"/>'
                )
            length = plot * min(value, scale) / scale
            parts.append(
                f'<rect x="{left}" y="{bar_y:.1f}" width="{length:.1f}" height="{BAR}" '
                f'fill="{color}"/>'
            )
            if one.notes[n]:
                note_x = left + (plot if track else length) + 4
                parts.append(
                    f'<text x="{note_x:.1f}" y="{bar_y + BAR / 2:.1f}" font-size="{FONT - 2}" '
                    f'dominant-baseline="central">{escape(one.notes[n])}</text>'
                )
    if caption:
        parts.append(
            f'<text x="{left + plot / 2:.1f}" y="{height - 8}" text-anchor="middle">'
            f"{escape(caption)}</text>"
        )
    return mark_safe(
        f'<svg class="cms-chart__svg" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" font-size="{FONT}" '
        f'font-family="Noto Sans CJK SC, Microsoft YaHei, sans-serif">{"".join(parts)}</svg>'
    )


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _rent_bars(frame, labels: list[str]) -> SafeString | None:
    body = _body(frame)
    if body.empty:
        return None
    reserve = [float(v) for v in body["reserve_annual_rent"]]
    awarded = [float(v) for v in body["awarded_annual_rent"]]
    premiums = [
        "" if premium is None else f"{float(premium):+.1f}%" for premium in body["premium_pct"]
    ]
    return _hbars(
        labels,
        [
            Series(_("Reserve annual rent (CNY)"), GREY, reserve, [""] * len(reserve)),
            Series(_("Annual rent won (CNY)"), BLUE, awarded, premiums),
        ],
        axis_format=_money,
    )


def _occupancy_bars(frame, labels: list[str]) -> SafeString | None:
    body = _body(frame)
    if body.empty:
        return None
    values = [0.0 if v is None else float(v) for v in body["occupancy_pct"]]
    return _hbars(
        labels,
        [Series("", BLUE, values, [f"{value:.1f}%" for value in values])],
        scale=100,
        track=True,
        caption=_("Let area in per cent of the leasable area"),
    )


def _pipeline_funnel(frame, labels: list[str]) -> SafeString | None:
    from cms.admin_views import COLUMN_LABELS
    from leasing.reports import PIPELINE_STAGES

    if frame.empty:
        return None
    totals = [int(frame[stage].iloc[-1]) for stage in PIPELINE_STAGES]  # the TOTAL row
    if not any(totals):
        return None
    colors = [BLUE, BLUE, BLUE, ORANGE, ORANGE, GREEN]
    return _hbars(
        [str(COLUMN_LABELS[stage]) for stage in PIPELINE_STAGES],
        [Series("", colors, [float(t) for t in totals], [f"{t:,}" for t in totals])],
    )


def _expiries_by_month(frame, labels: list[str]) -> SafeString | None:
    body = _body(frame)
    if body.empty:
        return None
    per_month = body.groupby("month", sort=True).agg(
        leases=("lease", "count"), area=("area_m2", lambda s: float(sum(s)))
    )
    notes = [
        ngettext("%(leases)s lease, %(area)s m²", "%(leases)s leases, %(area)s m²", count)
        % {"leases": count, "area": f"{area:,.2f}"}
        for count, area in zip(per_month["leases"], per_month["area"], strict=True)
    ]
    return _hbars(
        list(per_month.index),
        [Series("", ORANGE, list(per_month["area"]), notes)],
        caption=_("Area expiring (m²)"),
    )


CHARTS = {
    "rent-vs-reserve-by-station": _rent_bars,
    "rent-vs-reserve-by-type": _rent_bars,
    "rent-vs-reserve-by-tier": _rent_bars,
    "occupancy": _occupancy_bars,
    "occupancy-by-tier": _occupancy_bars,
    "pipeline": _pipeline_funnel,
    "expiries": _expiries_by_month,
}


# Charts that draw a bar per row: they draw the rows on the page (a national report has
# thousands of stations).
PER_ROW = {
    "rent-vs-reserve-by-station",
    "rent-vs-reserve-by-type",
    "rent-vs-reserve-by-tier",
    "occupancy",
    "occupancy-by-tier",
}


def chart_for(name: str, frame, labels: list[str], *, page=None) -> SafeString | None:
    """The report's chart as inline SVG, or None (no chart for it, or nothing to draw).
    ``labels`` are the first cells of the rows on the page as shown (names, not codes);
    ``page`` those rows (the frame's, with its TOTAL row, if not given): a per-row chart
    draws them, the others sum the whole ``frame``."""
    draw = CHARTS.get(name)
    if draw is None:
        return None
    if name in PER_ROW and page is not None:
        frame = page
    return draw(frame, labels[: len(_body(frame))])
