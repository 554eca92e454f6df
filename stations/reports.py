"""Reports as pandas frames, a registry other apps add to, and rendering to JSON, CSV and XLSX.

``leasing.reports`` registers its own reports (rent against reserve, occupancy, coverage by
open outlets…) with :func:`register`; :func:`get_report` imports it on demand, so stations
never imports a higher app at load time.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import io
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import filterfalse, repeat

import numpy as np
import pandas as pd
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stations.models import BusinessCategory, Station, Unit, UtilityPoint

CENT = Decimal("0.01")
FORMATS = ("json", "csv", "xlsx")
PLUGIN_MODULES = ("leasing.reports", "leasing.summary")
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

    @property
    def windowed(self) -> bool:
        """Whether ``build`` takes ``window`` (a slice of its rows): it then reads only those
        rows, sums its TOTAL row in the database and gives the number of all its rows as
        ``attrs["rows"]``."""
        return "window" in inspect.signature(self.build).parameters

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


def station_rows(stations, window: slice | None = None) -> tuple[list[tuple[int, str, str]], int]:
    """The stations reported on as (pk, code, tier), by code, and how many there are. With a
    ``window`` (a slice of them, as a report's page shows them) only those are read (LIMIT
    and OFFSET) and the stations are counted: two queries, whatever the size of the network."""
    scope = report_stations(stations)
    rows = scope.values_list("pk", "code", "tier")
    if window is None:
        rows = list(rows)
        return rows, len(rows)
    return list(rows[window]), scope.count()


def in_stations(queryset: QuerySet, path: str, stations) -> QuerySet:
    """``queryset`` narrowed to the rows whose ``path`` is one of the stations reported on
    (all when ``stations`` is None: no join, no test on every row)."""
    if stations is None:
        return queryset
    return queryset.filter(**{f"{path}__in": report_stations(stations)})


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


def _unit_provisions(units, points, key: str | None) -> dict:
    """The units (count, leasable area) and utility points (power, count of each kind) of
    the querysets given, grouped by the station path ``key`` ({pk: row}) or summed over all
    of them (``key`` None: {None: row})."""
    unit_sums = {
        "units": Count("pk"),
        "leasable_area_m2": Sum("area_m2", filter=Q(kind__in=LEASABLE_KINDS)),
    }
    point_sums = {
        "power_kw": Sum("capacity_kw", filter=Q(kind=UtilityPoint.Kind.CABINET)),
        **{column: Count("pk", filter=Q(kind=kind)) for column, kind in _POINT_COUNTS.items()},
    }
    if key is None:
        return {None: {**units.aggregate(**unit_sums), **points.aggregate(**point_sums)}}
    found: dict = {}
    for row in units.values(key).annotate(**unit_sums).order_by():
        found.setdefault(row.pop(key), {}).update(row)
    for row in points.values(f"level__{key}").annotate(**point_sums).order_by():
        found.setdefault(row.pop(f"level__{key}"), {}).update(row)
    return found


def _provisions_record(code: str, tier: str, row: dict) -> dict:
    return {
        "station": code,
        "tier": tier,
        "units": row.get("units") or 0,
        "leasable_area_m2": two_places(row.get("leasable_area_m2")),
        "power_kw": two_places(row.get("power_kw")),
        **{column: row.get(column) or 0 for column in _POINT_COUNTS},
    }


def utilities_total(stations=None) -> dict:
    """The ``utilities`` report's TOTAL row, summed by the database: two queries."""
    sums = _unit_provisions(
        in_stations(Unit.objects.all(), "station", stations),
        in_stations(UtilityPoint.objects.all(), "level__station", stations),
        None,
    )
    return _provisions_record(TOTAL, "", sums[None])


@register("utilities", gettext_lazy("Utility provisions by station"))
def utilities(*, stations=None, window: slice | None = None) -> pd.DataFrame:
    """One row per station (by code) and a last TOTAL row: units, leasable area, provisions.

    ``units`` counts every unit; ``leasable_area_m2`` sums the areas of shops, kiosks,
    counters, vending machines and ATMs (lightboxes, storage and offices are not floor let
    to merchants); ``power_kw`` is the capacity of the station's distribution cabinets (the
    new commercial power capacity). Area and power are Decimal with 2 places. Three queries,
    whatever the number of stations; ``stations`` narrows the report to those given.
    ``window`` (a slice of the stations) reads those stations' rows only and sums the TOTAL
    row in the database (six queries); ``attrs["rows"]`` is the number of stations.
    """
    rows, count = station_rows(stations, window)
    ids = [pk for pk, _code, _tier in rows]
    found = _unit_provisions(
        Unit.objects.filter(station__in=ids),
        UtilityPoint.objects.filter(level__station__in=ids),
        "station",
    )
    records = [_provisions_record(code, tier, found.get(pk, {})) for pk, code, tier in rows]
    if window is None:
        total = {"station": TOTAL, "tier": ""}
        for column in UTILITY_COLUMNS[2:]:
            values = [record[column] for record in records]
            total[column] = sum(values, Decimal("0.00") if column.endswith(("_m2", "_kw")) else 0)
    else:
        total = utilities_total(stations)
    frame = pd.DataFrame([*records, total], columns=UTILITY_COLUMNS)
    for column in UTILITY_COLUMNS[2:]:
        if not column.endswith(("_m2", "_kw")):
            frame[column] = frame[column].astype("int64")
    frame.attrs["total_row"] = True
    frame.attrs["rows"] = count
    return frame


@register("planned-coverage", gettext_lazy("Basic configuration planned by station"))
def planned_coverage(*, stations=None, window: slice | None = None) -> pd.DataFrame:
    """For each station (by code) and each basic-configuration category, whether it is covered.

    A category is covered when at least one unit of the station is designated for it; for a
    class (catering) a unit designated for the class itself or for any type in it counts.
    Columns: ``station``, ``tier``, one boolean column per basic category code (in catalogue
    order) and ``complete`` (all of them). Three queries, whatever the number of stations.
    This is the plan; ``coverage`` (leasing) counts the outlets actually open. ``window`` (a
    slice of the stations) reads those stations only; ``attrs["rows"]`` is their number.
    """
    rows, count = station_rows(stations, window)
    categories = list(BusinessCategory.objects.values_list("pk", "code", "parent", "is_basic"))
    basic = [(pk, code) for pk, code, _parent, is_basic in categories if is_basic]
    counts_for: dict[int, set[int]] = {pk: {pk} for pk, _code in basic}
    for pk, _code, parent, _basic in categories:
        if parent in counts_for:
            counts_for[parent].add(pk)
    designated = set(
        Unit.business_types.through.objects.filter(unit__station__in=[pk for pk, _c, _t in rows])
        .values_list("unit__station", "businesscategory")
        .distinct()
    )
    records = []
    for pk, code, tier in rows:
        record = {"station": code, "tier": tier}
        for category, category_code in basic:
            record[category_code] = any((pk, c) in designated for c in counts_for[category])
        record["complete"] = all(record[c] for _pk, c in basic)
        records.append(record)
    columns = ["station", "tier", *[c for _pk, c in basic], "complete"]
    frame = pd.DataFrame(records, columns=columns)
    for column in columns[2:]:
        frame[column] = frame[column].astype(bool)
    frame.attrs["rows"] = count
    return frame


def has_total_row(frame: pd.DataFrame) -> bool:
    """Whether the frame's last row is its TOTAL row."""
    return bool(frame.attrs.get("total_row")) and len(frame) > 0 and frame.iloc[-1, 0] == TOTAL


def rows_with_total(frame: pd.DataFrame, rows: Iterable[int]) -> pd.DataFrame:
    """The frame's rows at the positions ``rows`` (of those before its TOTAL row), then its
    TOTAL row if it has one; the frame's attrs kept."""
    total = [len(frame) - 1] if has_total_row(frame) else []
    shown = frame.iloc[[*rows, *total]]
    shown.attrs = dict(frame.attrs)
    return shown


def report_page(report: Report, *, start: int, size: int, **options) -> tuple[pd.DataFrame, int]:
    """Rows ``start``…``start + size`` of the report with its TOTAL row (the whole report's),
    and how many rows the report has besides its TOTAL: a windowed report reads only those
    rows; another (a few rows: by tier, by type, the figures) is built whole and cut."""
    if report.windowed:
        frame = report(window=slice(start, start + size), **options)
        return frame, frame.attrs["rows"]
    frame = report(**options)
    body = len(frame) - has_total_row(frame)
    return rows_with_total(frame, range(body)[start : start + size]), body


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

    The file is :func:`stream_report`'s chunks joined: one way of writing each format.
    """
    return b"".join(stream_report(df, fmt, title=title))


def stream_report(df: pd.DataFrame, fmt: str, *, title: str | None = None) -> Iterator[bytes]:
    """:func:`render_report`'s file in chunks of a few thousand rows, for a response to send
    as they are made; an unknown format is refused here, before the first chunk."""
    if fmt == "json":
        return stream_json(df)
    if fmt == "csv":
        return stream_csv(df)
    if fmt == "xlsx":
        return stream_xlsx(df, title=title)
    raise ValueError(
        _("Unknown format “%(fmt)s”; use one of: %(formats)s.")
        % {"fmt": fmt, "formats": ", ".join(FORMATS)}
    )


CSV_CHUNK_ROWS = 5000
# At most this many cells a chunk: a wide frame (chains: a column per station, 6,000 on the
# national network) is cut into fewer rows, so a chunk's text stays a few megabytes.
CHUNK_CELLS = 100_000


def chunk_rows(df: pd.DataFrame) -> int:
    """How many rows of ``df`` a chunk of a download holds: ``CSV_CHUNK_ROWS``, or fewer so
    that a chunk has at most ``CHUNK_CELLS`` cells."""
    return max(1, min(CSV_CHUNK_ROWS, CHUNK_CELLS // max(len(df.columns), 1)))


def stream_csv(df: pd.DataFrame) -> Iterator[bytes]:
    """The ``csv`` rendering of :func:`render_report`, byte for byte, a few thousand rows at
    a time: a response streams it without holding the whole text beside the frame."""
    yield "\ufeff".encode()
    rows = chunk_rows(df)
    for start in range(0, max(len(df), 1), rows):
        chunk = df.iloc[start : start + rows]
        yield chunk.to_csv(index=False, header=start == 0, lineterminator="\r\n").encode()


def _records(df: pd.DataFrame) -> list[dict]:
    return [
        {str(k): _plain(v) for k, v in record.items()} for record in df.to_dict(orient="records")
    ]


def stream_json(df: pd.DataFrame) -> Iterator[bytes]:
    """The frame as a JSON list of records (indented, UTF-8), :func:`chunk_rows` records at a
    time: each chunk is dumped as a list whose brackets give way to the commas between chunks,
    so the whole is what one ``json.dumps`` of every record writes."""
    if not len(df):
        yield b"[]"
        return
    rows = chunk_rows(df)
    for start in range(0, len(df), rows):
        stop = start + rows
        text = json.dumps(_records(df.iloc[start:stop]), ensure_ascii=False, indent=2)
        opening = "[\n" if start == 0 else ",\n"
        closing = "\n]" if stop >= len(df) else ""
        yield f"{opening}{text[2:-2]}{closing}".encode()


def _display_width(text: str) -> int:
    # Chinese characters take two columns in Excel's default font.
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


MONEY_FORMAT = "#,##0.00"
# The formats pandas gave dates, times and durations; a money column's format wins over them.
DATE_FORMAT = "YYYY-MM-DD"
DATETIME_FORMAT = "YYYY-MM-DD HH:MM:SS"
DURATION_FORMAT = "0"
# An empty cell, marked as text as openpyxl marks the '' that pandas writes for a gap.
EMPTY = ' t="inlineStr"/>'
# Characters XML 1.0 cannot carry (openpyxl refuses them; a report drops them).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Text that needs neither escaping nor xml:space (no markup or control character, no space at
# either end): most cells, written as they are.
_PLAIN_TEXT = re.compile(r"(?!\s)[^&<>\x00-\x1f]*(?<!\s)\Z")
_AMOUNT_TYPES = (Decimal, float, np.floating)
_NONE = type(None)
# A report's sheet XML compresses well at any level; the lowest is several times the fastest.
XLSX_COMPRESSION = 1


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, Decimal):
        return value.is_nan()
    return False


def _shown_width(values: list, kinds: set[type], money: bool) -> int:
    """The widest of the column's cells as text: money with thousands separators and two
    places, anything else as ``str`` (the width follows what the frame holds)."""
    if money and kinds <= {Decimal, _NONE}:
        amounts = [v for v in values if v is not None]
        if all(map(Decimal.is_finite, amounts)):
            # The text of an amount grows with its size and its sign: the extremes are widest.
            texts = {f"{v:,.2f}" for v in (max(amounts), min(amounts))} if amounts else set()
            if len(amounts) < len(values):
                texts.add("None")
            return _widest(texts)
    if kinds <= {str}:
        return _widest(set(values))
    texts = set()
    for value in _distinct(values):
        if money and isinstance(value, (Decimal, float)):
            texts.add(f"{value:,.2f}")
        else:
            texts.add(str(value))
    return _widest(texts)


def _widest(texts: set[str]) -> int:
    """The widest of ``texts`` in Excel's columns (ASCII text by its length, quickly)."""
    ascii_width = max(map(len, filter(str.isascii, texts)), default=0)
    return max(ascii_width, max(map(_display_width, filterfalse(str.isascii, texts)), default=0))


def _distinct(values: list) -> Iterable:
    try:
        return dict.fromkeys(values)
    except TypeError:  # an unhashable cell (a list): look at every one
        return values


class _SheetRows:
    """The rows of a sheet as SpreadsheetML text, written a column at a time.

    openpyxl's writer makes an object and an XML element for each cell, which takes a minute
    for a hundred thousand rows; here a cell is one string. The cells are what pandas'
    ``to_excel`` wrote: numbers as numbers (Decimal exactly), booleans, dates as serial days
    with a date format, missing values empty, anything else as inline text (never as a
    formula). Cell styles are registered with the workbook once per style.
    """

    def __init__(self, workbook, sheet):
        self.workbook = workbook
        self.sheet = sheet
        self.style_ids: dict[tuple[bool, str | None], str] = {}

    def style(self, *, bold: bool, number_format: str | None) -> str:
        """The `` s="n"`` attribute of a cell with that style ('' for the default style)."""
        key = (bold, number_format)
        if key not in self.style_ids:
            from openpyxl.cell.cell import Cell
            from openpyxl.styles import Font

            cell = Cell(self.sheet)  # never placed in the sheet: it only registers the style
            if bold:
                cell.font = Font(bold=True)
            if number_format:
                cell.number_format = number_format
            style_id = cell.style_id
            self.style_ids[key] = f' s="{style_id}"' if style_id else ""
        return self.style_ids[key]

    @staticmethod
    def text(value: str) -> str:
        """The end of a text cell: type, inline string (escaped) and closing tag."""
        if _PLAIN_TEXT.match(value):
            return f' t="inlineStr"><is><t>{value}</t></is></c>'
        clean = _ILLEGAL_XML.sub("", value)
        escaped = clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        stripped = clean.strip()
        space = ' xml:space="preserve"' if stripped and stripped != clean else ""
        return f' t="inlineStr"><is><t{space}>{escaped}</t></is></c>'

    def cell(self, ref: str, value, *, bold: bool, money: bool) -> str:
        """One ``<c>`` element; ``ref`` is its opening up to the coordinate (``<c r="B7``)."""
        money_format = MONEY_FORMAT if money else None
        if _is_missing(value) or (isinstance(value, str) and not value):
            return f'{ref}"{self.style(bold=bold, number_format=money_format)}{EMPTY}'
        number_format = money_format
        if isinstance(value, (bool, np.bool_)):
            body = f' t="b"><v>{int(bool(value))}</v></c>'
        elif isinstance(value, (int, np.integer)):
            body = f' t="n"><v>{int(value)}</v></c>'
        elif isinstance(value, Decimal):
            body = f' t="n"><v>{value}</v></c>' if value.is_finite() else self.text("inf")
        elif isinstance(value, (float, np.floating)):
            number = float(value)
            if math.isfinite(number):
                body = f' t="n"><v>{number!r}</v></c>'
            else:
                body = self.text("inf" if number > 0 else "-inf")
        elif isinstance(value, (dt.datetime, dt.date, dt.timedelta)):
            body, number_format = self._temporal(value, number_format)
        else:
            body = self.text(str(value))
        return f'{ref}"{self.style(bold=bold, number_format=number_format)}{body}'

    def _temporal(self, value, money_format: str | None) -> tuple[str, str]:
        from openpyxl.utils.datetime import to_excel

        if isinstance(value, dt.timedelta):
            serial, own_format = value.total_seconds() / 86400, DURATION_FORMAT
        else:
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                raise ValueError(_("Excel does not support datetimes with time zones."))
            own_format = DATETIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
            serial = to_excel(value, self.workbook.epoch)
        return f' t="n"><v>{serial!r}</v></c>', money_format or own_format

    def column(self, values: list, letter: str, numbers: list[str], *, money: bool) -> list:
        """The cells of column ``letter`` in rows ``numbers``, not bold. A column of text,
        of Decimal amounts or of integers (with gaps) is joined from parts a row at a time;
        anything else is written cell by cell."""
        kinds = set(map(type, values))
        opening = f'<c r="{letter}'
        empty = '"' + self.style(bold=False, number_format=MONEY_FORMAT if money else None)
        empty += EMPTY
        if kinds <= {str, _NONE}:
            plain = '"' + self.style(bold=False, number_format=None)
            ends = {v: plain + self.text(v) if v else empty for v in set(values)}
            return list(map("".join, zip(repeat(opening), numbers, map(ends.__getitem__, values))))
        present = [v for v in values if v is not None and v is not pd.NA]
        if (kinds <= {Decimal, _NONE} and all(map(Decimal.is_finite, present))) or kinds <= {
            int,
            _NONE,
            type(pd.NA),
        }:
            style = self.style(bold=False, number_format=MONEY_FORMAT if money else None)
            parts = (repeat(opening), numbers, repeat(f'"{style} t="n"><v>'), map(str, values))
            cells = list(map("".join, zip(*parts, repeat("</v></c>"))))
            if len(present) < len(values):
                for n, value in enumerate(values):
                    if value is None or value is pd.NA:
                        cells[n] = opening + numbers[n] + empty
            return cells
        return [
            self.cell(opening + number, value, bold=False, money=money)
            for number, value in zip(numbers, values, strict=True)
        ]


class _Sink:
    """A write-only, unseekable file: zipfile writes to it (with data descriptors, as it
    cannot seek back to a local header) and the stream takes what was written so far."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        """What was written since the last drain."""
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def stream_xlsx(df: pd.DataFrame, *, title: str | None = None) -> Iterator[bytes]:
    """The frame as a workbook, sent as it is written: openpyxl writes the title, the header,
    the panes and the widths; the rows (nearly all of the file) are added to its sheet as text
    (see :class:`_SheetRows`), :func:`chunk_rows` at a time — openpyxl's writer took over a
    minute for 100,000 rows — and the zip is drained after each part, so neither the rows'
    XML nor the file is ever whole. ``title`` defaults to the frame's."""
    sink = _Sink()
    for _part in _write_xlsx(sink, df, title=title or df.attrs.get("title") or ""):
        if data := sink.drain():
            yield data
    if data := sink.drain():
        yield data


def _write_xlsx(sink: _Sink, df: pd.DataFrame, *, title: str) -> Iterator[None]:
    """Write the workbook into ``sink``, pausing after each part of the zip."""
    import zipfile

    from openpyxl.utils import get_column_letter

    workbook, sheet, header_row = _sheet_head(df, title)
    letters = [get_column_letter(n) for n in range(1, len(df.columns) + 1)]
    money = _fit_columns(df, sheet, letters)
    rows = _sheet_rows(df, _SheetRows(workbook, sheet), header_row, letters, money)
    dimension = f"A1:{letters[-1] if letters else 'A'}{header_row + len(df)}"
    written = set()
    with zipfile.ZipFile(
        sink, "w", zipfile.ZIP_DEFLATED, compresslevel=XLSX_COMPRESSION
    ) as archive:
        with _saved(workbook) as before:
            name = sheet.path.lstrip("/")  # numbered when saved
            for info in before.infolist():
                written.add(info.filename)
                if info.filename != name:
                    archive.writestr(info.filename, before.read(info))
                    continue
                head, tail = _sheet_ends(before.read(info), dimension)
                with archive.open(name, "w") as sheet_file:
                    sheet_file.write(head)
                    for rows_xml in rows:
                        sheet_file.write(rows_xml.encode("utf-8"))
                        yield
                    sheet_file.write(tail)
                break
        yield
        # openpyxl writes the styles after the sheet: saved again, they hold the rows' styles.
        with _saved(workbook) as after:
            for info in after.infolist():
                if info.filename not in written:
                    archive.writestr(info.filename, after.read(info))


def _sheet_head(df: pd.DataFrame, title: str):
    """A workbook whose one sheet has the title, a blank row, the bold header and the panes
    frozen below it; returns the workbook, the sheet and the header's row number."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "report"
    header_row = 3 if title else 1
    if title:
        workbook.properties.title = title
        sheet["A1"] = title
        sheet["A1"].font = Font(bold=True, size=14)
    bold = Font(bold=True)
    for position, column in enumerate(df.columns, start=1):
        header = column if isinstance(column, (int, float)) else str(column)
        sheet.cell(row=header_row, column=position, value=header).font = bold
    sheet.freeze_panes = f"A{header_row + 1}"
    return workbook, sheet, header_row


def _fit_columns(df: pd.DataFrame, sheet, letters: list[str]) -> list[bool]:
    """Set each column's width to its widest cell (one pass over its values) and say which
    columns hold amounts, shown with the money format."""
    money_columns = []
    for position, column in enumerate(df.columns):
        values = df.iloc[:, position].tolist()
        kinds = set(map(type, values))
        money = any(issubclass(kind, _AMOUNT_TYPES) for kind in kinds)
        width = max(_display_width(str(column)), _shown_width(values, kinds, money))
        sheet.column_dimensions[letters[position]].width = min(width + 2, 60)
        money_columns.append(money)
    return money_columns


def _sheet_rows(
    df: pd.DataFrame, writer: _SheetRows, header_row: int, letters: list[str], money: list[bool]
) -> Iterator[str]:
    """The sheet's rows as XML, :func:`chunk_rows` rows at a time; a TOTAL row last, bold."""
    if not letters:
        return
    total_row = bool(df.attrs.get("total_row")) and len(df) > 0
    body_rows = len(df) - 1 if total_row else len(df)
    chunk = chunk_rows(df)
    for start in range(0, body_rows, chunk):
        stop = min(start + chunk, body_rows)
        numbers = [str(n) for n in range(header_row + 1 + start, header_row + 1 + stop)]
        columns = [
            writer.column(df.iloc[start:stop, position].tolist(), letter, numbers, money=amounts)
            for position, (letter, amounts) in enumerate(zip(letters, money, strict=True))
        ]
        starts = [f'<row r="{n}">' for n in numbers]
        yield "".join(map("".join, zip(starts, *columns, repeat("</row>"), strict=False)))
    if total_row:
        number = header_row + len(df)
        cells = [
            writer.cell(f'<c r="{letter}{number}', value, bold=True, money=amounts)
            for letter, value, amounts in zip(letters, _last_row(df), money, strict=True)
        ]
        yield f'<row r="{number}">{"".join(cells)}</row>'


def _last_row(df: pd.DataFrame) -> list:
    """The last row's cells as the columns' ``tolist`` gives them (Python values, not numpy)."""
    return [df.iloc[-1:, position].tolist()[0] for position in range(len(df.columns))]


def _saved(workbook):
    """The workbook saved, open as a zip."""
    import zipfile

    saved = io.BytesIO()
    workbook.save(saved)
    return zipfile.ZipFile(saved)


def _sheet_ends(content: bytes, dimension: str) -> tuple[bytes, bytes]:
    """The sheet's XML as openpyxl saved it, before and after its (empty) data, with the
    dimension of the rows that go between."""
    xml = content.decode("utf-8")
    xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}" />', xml, count=1)
    xml = re.sub(r"<sheetData\s*/>", "<sheetData></sheetData>", xml, count=1)
    head, tail = xml.split("</sheetData>", 1)
    return head.encode("utf-8"), f"</sheetData>{tail}".encode()
