"""Charts for the report pages: matplotlib (Agg) drawn to SVG and inlined in the page.

matplotlib is imported only when a chart is drawn. Text stays text in the SVG
(``svg.fonttype = none``) so the browser sets Chinese in its own CJK font.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

FONT_FAMILY = ["Noto Sans CJK SC", "Microsoft YaHei", "DejaVu Sans", "sans-serif"]
BLUE, ORANGE, GREY = "#2e6da4", "#e07b1f", "#9aa5b1"


def _body(frame):
    """The rows without the TOTAL row."""
    from stations.reports import TOTAL

    if len(frame) and frame.attrs.get("total_row") and frame.iloc[-1, 0] == TOTAL:
        return frame.iloc[:-1]
    return frame


def _svg(draw: Callable, *, height: float, width: float = 8.0) -> SafeString:
    import matplotlib

    matplotlib.use("Agg")
    import logging

    import matplotlib.pyplot as plt

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "font.family": FONT_FAMILY, "font.size": 10}
    ):
        figure, axes = plt.subplots(figsize=(width, height), layout="constrained")
        try:
            draw(axes)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", metadata={"Date": None})
        finally:
            plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML declaration or DOCTYPE inside HTML
    svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r"<svg \1", svg, count=1)
    return mark_safe(svg.replace("<svg ", '<svg class="cms-chart__svg" role="img" ', 1))


def _rent_bars(frame, labels: list[str]) -> SafeString | None:
    body = _body(frame)
    if body.empty:
        return None

    def draw(axes):
        import numpy as np

        x = np.arange(len(body))
        reserve = [float(v) for v in body["reserve_annual_rent"]]
        awarded = [float(v) for v in body["awarded_annual_rent"]]
        axes.bar(x - 0.2, reserve, 0.4, label=_("Reserve annual rent (CNY)"), color=GREY)
        axes.bar(x + 0.2, awarded, 0.4, label=_("Annual rent won (CNY)"), color=BLUE)
        for n, premium in enumerate(body["premium_pct"]):
            if premium is not None:
                axes.annotate(f"{float(premium):+.1f}%", (x[n] + 0.2, awarded[n]),
                              ha="center", va="bottom", fontsize=8)  # fmt: skip
        axes.set_xticks(x, labels)
        axes.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
        axes.legend(frameon=False, loc="upper left")

    return _svg(draw, height=3.6)


def _occupancy_bars(frame, labels: list[str]) -> SafeString | None:
    body = _body(frame)
    if body.empty:
        return None

    def draw(axes):
        values = [0.0 if v is None else float(v) for v in body["occupancy_pct"]]
        positions = range(len(values))
        axes.barh(positions, [100] * len(values), color="#e8edf2")
        axes.barh(positions, values, color=BLUE)
        for n, value in enumerate(values):
            axes.annotate(f"{value:.1f}%", (min(value, 100), n), xytext=(3, 0),
                          textcoords="offset points", va="center", fontsize=8)  # fmt: skip
        axes.set_yticks(list(positions), labels)
        axes.invert_yaxis()
        axes.set_xlim(0, 110)
        axes.set_xlabel(_("Let area in per cent of the leasable area"))

    return _svg(draw, height=0.8 + 0.32 * len(body))


def _pipeline_funnel(frame, labels: list[str]) -> SafeString | None:
    from cms.admin_views import COLUMN_LABELS
    from leasing.reports import PIPELINE_STAGES

    if frame.empty:
        return None
    totals = [int(frame[stage].iloc[-1]) for stage in PIPELINE_STAGES]  # the TOTAL row
    if not any(totals):
        return None

    def draw(axes):
        positions = range(len(totals))
        axes.barh(positions, totals, color=[BLUE, BLUE, BLUE, ORANGE, ORANGE, "#3c8d40"])
        for n, value in enumerate(totals):
            axes.annotate(f"{value:,}", (value, n), xytext=(3, 0), textcoords="offset points",
                          va="center", fontsize=9)  # fmt: skip
        axes.set_yticks(list(positions), [str(COLUMN_LABELS[s]) for s in PIPELINE_STAGES])
        axes.invert_yaxis()
        axes.set_xlim(0, max(totals) * 1.15)

    return _svg(draw, height=2.8)


def _expiries_by_month(frame, labels: list[str]) -> SafeString | None:
    body = _body(frame)
    if body.empty:
        return None
    per_month = body.groupby("month", sort=True).agg(
        leases=("lease", "count"), area=("area_m2", lambda s: float(sum(s)))
    )

    def draw(axes):
        positions = range(len(per_month))
        axes.bar(positions, per_month["area"], color=ORANGE)
        for n, (count, area) in enumerate(
            zip(per_month["leases"], per_month["area"], strict=True)
        ):
            axes.annotate(str(count), (n, area), ha="center", va="bottom", fontsize=8)
        axes.set_xticks(list(positions), list(per_month.index))
        axes.set_ylabel(_("Area expiring (m²)"))

    return _svg(draw, height=3.2)


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
# thousands of stations; a bar and a label each took minutes and megabytes of SVG).
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
