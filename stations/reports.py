"""Reports as pandas frames, a registry other apps add to, and rendering to JSON, CSV and XLSX.

``leasing.reports`` registers its own reports (rent against reserve, occupancy, coverage by
open outlets…) with :func:`register`; :func:`get_report` imports it on demand, so stations
never imports a higher app at load time.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import math
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stations.models import BusinessCategory, Station, Unit, UtilityPoint

CENT = Decimal("0.01")
FORMATS = ("json", "csv", "xlsx")
PLUGIN_MODULES = ("leasing.reports",)
TOTAL = "TOTAL"

# Floor area a merchant can let. A lightbox's area is advertising face, not floor; storage
# and offices serve the station or the outlets and are not offered to passengers.
LEASABLE_KINDS = (
    Unit.Kind.SHOP,
    Unit.Kind.KIOSK,
    Unit.Kind.COUNTER,
    Unit.Kind.VENDING,
    Unit.Kind.ATM,
)


@dataclass(frozen=True)
class Report:
    """A named report: ``build(**filters)`` returns its frame."""

    name: str
    title: str
    build: Callable[..., pd.DataFrame]

    def __call__(self, **filters) -> pd.DataFrame:
        frame = self.build(**filters)
        frame.attrs.setdefault("title", str(self.title))
        return frame


REPORTS: dict[str, Report] = {}


def register(name: str, title) -> Callable:
    """Decorator: add a ``(**filters) -> DataFrame`` function to :data:`REPORTS` as ``name``."""

    def decorator(build: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        REPORTS[name] = Report(name=name, title=title, build=build)
        return build

    return decorator


class UnknownReport(LookupError):
    """No report of that name; ``available`` lists the names there are."""

    def __init__(self, name: str, available: Iterable[str]):
        self.name = name
        self.available = sorted(available)
        super().__init__(
            _("Unknown report “%(name)s”; the reports are: %(names)s.")
            % {"name": name, "names": ", ".join(self.available)}
        )


def _load_plugins() -> None:
    for module in PLUGIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            # Only "that app has no reports (yet)"; a missing import inside it is a real error.
            if exc.name not in (module, module.rpartition(".")[0]):
                raise


def all_reports() -> dict[str, Report]:
    """Every registered report, those of tenders and leasing included, by name."""
    _load_plugins()
    return dict(sorted(REPORTS.items()))


def get_report(name: str) -> Report:
    """The report called ``name``; raises UnknownReport (listing the names) if there is none."""
    reports = all_reports()
    if name not in reports:
        raise UnknownReport(name, reports)
    return reports[name]


# --- the station reports ------------------------------------------------------------------


def report_stations(stations) -> QuerySet:
    """The stations to report on: all, or those given (a queryset or an iterable of stations)."""
    queryset = Station.objects.all()
    if stations is not None:
        if not isinstance(stations, QuerySet):
            stations = [getattr(s, "pk", s) for s in stations]
        queryset = queryset.filter(pk__in=stations)
    return queryset.order_by("code")


def two_places(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


UTILITY_COLUMNS = [
    "station",
    "tier",
    "units",
    "leasable_area_m2",
    "power_kw",
    "distribution_cabinets",
    "floor_sockets",
    "lightbox_sockets",
    "toilet_interfaces",
    "washbasin_interfaces",
]
_POINT_COUNTS = {
    "distribution_cabinets": UtilityPoint.Kind.CABINET,
    "floor_sockets": UtilityPoint.Kind.FLOOR_SOCKET,
    "lightbox_sockets": UtilityPoint.Kind.LIGHTBOX_SOCKET,
    "toilet_interfaces": UtilityPoint.Kind.TOILET,
    "washbasin_interfaces": UtilityPoint.Kind.WASHBASIN,
}


@register("utilities", gettext_lazy("Utility provisions by station"))
def utilities(*, stations=None) -> pd.DataFrame:
    """One row per station (by code) and a last TOTAL row: units, leasable area, provisions.

    ``units`` counts every unit; ``leasable_area_m2`` sums the areas of shops, kiosks,
    counters, vending machines and ATMs (lightboxes, storage and offices are not floor let
    to merchants); ``power_kw`` is the capacity of the station's distribution cabinets (the
    new commercial power capacity). Area and power are Decimal with 2 places. Three queries,
    whatever the number of stations; ``stations`` narrows the report to those given.
    """
    station_rows = list(report_stations(stations).values_list("pk", "code", "tier"))
    ids = [pk for pk, _code, _tier in station_rows]
    units = {
        row["station"]: row
        for row in Unit.objects.filter(station__in=ids)
        .values("station")
        .annotate(
            units=Count("pk"),
            leasable_area_m2=Sum("area_m2", filter=Q(kind__in=LEASABLE_KINDS)),
        )
    }
    points = {
        row["level__station"]: row
        for row in UtilityPoint.objects.filter(level__station__in=ids)
        .values("level__station")
        .annotate(
            power_kw=Sum("capacity_kw", filter=Q(kind=UtilityPoint.Kind.CABINET)),
            **{column: Count("pk", filter=Q(kind=kind)) for column, kind in _POINT_COUNTS.items()},
        )
    }
    records = []
    for pk, code, tier in station_rows:
        unit_row, point_row = units.get(pk, {}), points.get(pk, {})
        records.append(
            {
                "station": code,
                "tier": tier,
                "units": unit_row.get("units", 0),
                "leasable_area_m2": two_places(unit_row.get("leasable_area_m2")),
                "power_kw": two_places(point_row.get("power_kw")),
                **{column: point_row.get(column, 0) for column in _POINT_COUNTS},
            }
        )
    total = {"station": TOTAL, "tier": ""}
    for column in UTILITY_COLUMNS[2:]:
        values = [record[column] for record in records]
        total[column] = sum(values, Decimal("0.00") if column.endswith(("_m2", "_kw")) else 0)
    frame = pd.DataFrame([*records, total], columns=UTILITY_COLUMNS)
    for column in UTILITY_COLUMNS[2:]:
        if not column.endswith(("_m2", "_kw")):
            frame[column] = frame[column].astype("int64")
    frame.attrs["total_row"] = True
    return frame


@register("planned-coverage", gettext_lazy("Basic configuration planned by station"))
def planned_coverage(*, stations=None) -> pd.DataFrame:
    """For each station (by code) and each basic-configuration category, whether it is covered.

    A category is covered when at least one unit of the station is designated for it; for a
    class (catering) a unit designated for the class itself or for any type in it counts.
    Columns: ``station``, ``tier``, one boolean column per basic category code (in catalogue
    order) and ``complete`` (all of them). Three queries, whatever the number of stations.
    This is the plan; ``coverage`` (leasing) counts the outlets actually open.
    """
    station_rows = list(report_stations(stations).values_list("pk", "code", "tier"))
    categories = list(BusinessCategory.objects.values_list("pk", "code", "parent", "is_basic"))
    basic = [(pk, code) for pk, code, _parent, is_basic in categories if is_basic]
    counts_for: dict[int, set[int]] = {pk: {pk} for pk, _code in basic}
    for pk, _code, parent, _basic in categories:
        if parent in counts_for:
            counts_for[parent].add(pk)
    designated = set(
        Unit.business_types.through.objects.filter(
            unit__station__in=[pk for pk, _c, _t in station_rows]
        )
        .values_list("unit__station", "businesscategory")
        .distinct()
    )
    records = []
    for pk, code, tier in station_rows:
        record = {"station": code, "tier": tier}
        for category, category_code in basic:
            record[category_code] = any((pk, c) in designated for c in counts_for[category])
        record["complete"] = all(record[c] for _pk, c in basic)
        records.append(record)
    columns = ["station", "tier", *[c for _pk, c in basic], "complete"]
    frame = pd.DataFrame(records, columns=columns)
    for column in columns[2:]:
        frame[column] = frame[column].astype(bool)
    return frame


# --- rendering ----------------------------------------------------------------------------


def _plain(value):
    """A cell as a plain JSON value: Decimal and numpy numbers become numbers, NaN null."""
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def render_report(df: pd.DataFrame, fmt: str, *, title: str | None = None) -> bytes:
    """The frame as a file: ``json`` (a list of records, UTF-8; Decimals as numbers),
    ``csv`` (UTF-8 with a BOM so that Excel reads Chinese), or ``xlsx`` (a title row, a bold
    frozen header, fitted widths, Decimal cells numeric with the format ``#,##0.00``).
    """
    if fmt == "json":
        records = [
            {str(k): _plain(v) for k, v in record.items()}
            for record in df.to_dict(orient="records")
        ]
        return json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "csv":
        return df.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    if fmt == "xlsx":
        return _render_xlsx(df, title=title or df.attrs.get("title") or "")
    raise ValueError(
        _("Unknown format “%(fmt)s”; use one of: %(formats)s.")
        % {"fmt": fmt, "formats": ", ".join(FORMATS)}
    )


def _display_width(text: str) -> int:
    # Chinese characters take two columns in Excel's default font.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _render_xlsx(df: pd.DataFrame, *, title: str) -> bytes:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    buffer = io.BytesIO()
    header_row = 3 if title else 1  # title, a blank row, then the table
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        df.to_excel(writer, index=False, sheet_name="report", startrow=header_row - 1)
        sheet = writer.sheets["report"]
        workbook = writer.book
        if title:
            workbook.properties.title = title
            sheet["A1"] = title
            sheet["A1"].font = Font(bold=True, size=14)
        bold = Font(bold=True)
        for cell in sheet[header_row]:
            cell.font = bold
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
        last_row = header_row + len(df)
        if df.attrs.get("total_row") and len(df):
            for cell in sheet[last_row]:
                cell.font = bold
        for position, column in enumerate(df.columns, start=1):
            values = df[column].tolist()
            decimal = any(isinstance(v, (Decimal, float, np.floating)) for v in values)
            if decimal:
                for row in range(header_row + 1, last_row + 1):
                    sheet.cell(row=row, column=position).number_format = "#,##0.00"
            shown = [
                f"{v:,.2f}" if decimal and isinstance(v, (Decimal, float)) else str(v)
                for v in values
            ]
            width = max(_display_width(str(text)) for text in [str(column), *shown])
            sheet.column_dimensions[get_column_letter(position)].width = min(width + 2, 60)
    return buffer.getvalue()
