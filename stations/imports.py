"""Bulk import of units from a CSV or XLSX file: every row validated first, then one transaction.

A file with any fault is refused as a whole with every fault listed (row, column, message);
a good file becomes units through :func:`stations.services.units_create`, level by level.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

import audit
from stations import geometry, services
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint, Zone
from stations.permissions import can_manage_station
from stations.uploads import ARCHIVE_MAX_RATIO, archive_fault

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# An XLSX is a ZIP of XML; refuse archives that would inflate far beyond the upload cap.
MAX_XLSX_UNCOMPRESSED_BYTES = 10 * MAX_FILE_BYTES
# A workbook is a dozen parts and a few per sheet; thousands are no spreadsheet.
MAX_XLSX_MEMBERS = 1_000

REQUIRED_COLUMNS = ("station", "level", "code", "geometry", "kind", "business_types")
OPTIONAL_COLUMNS = ("name", "power_kw", "has_exhaust", "in_paid_area")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
BUSINESS_TYPE_SEPARATORS = re.compile(r"[;；]")
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "有"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "否", "无"})
MAX_POWER_KW = Decimal("999999.99")  # Unit.power_kw: 8 digits, 2 decimal places

UNIT_KINDS = tuple(Unit.Kind.values)  # computed once: Kind.values rebuilds its list per call
CODE_MAX = Unit._meta.get_field("code").max_length
NAME_MAX = Unit._meta.get_field("name").max_length


@dataclass(frozen=True, order=True)
class RowError:
    """One fault: the spreadsheet row a user sees (header = 1; 0 = the whole file), column, text."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        if not self.column:
            return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return _("Row %(row)d, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class ImportInvalid(ValidationError):
    """The file was refused; ``errors`` lists every fault found and nothing was saved."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = sorted(errors, key=_error_sort_key)
        super().__init__([str(e) for e in self.errors])


def _error_sort_key(error: RowError):
    order = COLUMNS.index(error.column) if error.column in COLUMNS else len(COLUMNS)
    return (error.row, order, error.column, error.message)


@dataclass
class LevelCount:
    station: str
    level: str
    count: int


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do): units per station and level."""

    filename: str
    sha256: str
    levels: list[LevelCount]
    units: list[Unit] = field(default_factory=list)
    dry_run: bool = False

    @property
    def count(self) -> int:
        return sum(level.count for level in self.levels)


def units_import(*, actor, file, filename: str, dry_run: bool = False) -> ImportResult:
    """Create the units listed in a CSV or XLSX file, all or none.

    ``file`` is bytes, a path, or a binary file object (an upload). Every row is checked
    (station the actor manages, level, code, geometry and the level's plan rules, kind,
    business types, numbers) before anything is written; any fault raises ImportInvalid
    listing them all. Otherwise the units are created in one transaction, level by level
    through ``units_create``, plus one "units.import" journal entry with the file's SHA-256.
    With ``dry_run`` nothing is written and the result says what would be created.
    """
    data = _read_bytes(file)
    digest = hashlib.sha256(data).hexdigest()
    table = _load_table(data)
    plan = _Validation(actor, table).run()
    result = ImportResult(
        filename=filename,
        sha256=digest,
        levels=[
            LevelCount(level.station.code, level.name, len(specs)) for level, specs in plan.items()
        ],
        dry_run=dry_run,
    )
    if dry_run:
        return result
    try:
        with transaction.atomic():
            for level, specs in plan.items():
                result.units += services.units_create(actor=actor, level=level, specs=specs)
            audit.record(
                actor=actor,
                action="units.import",
                data={
                    "filename": filename,
                    "sha256": digest,
                    "count": result.count,
                    "levels": [
                        {"station": c.station, "level": c.level, "count": c.count}
                        for c in result.levels
                    ],
                },
            )
    except ValidationError as exc:
        # The plan changed between the checks and the write (another officer saved meanwhile).
        raise ImportInvalid([RowError(0, "", message) for message in exc.messages]) from exc
    return result


# --- reading the file ---------------------------------------------------------------------


def file_error(message: str) -> ImportInvalid:
    """A fault of the whole file (row 0), not of one row."""
    return ImportInvalid([RowError(0, "", message)])


def read_file_bytes(file, *, empty_message: str) -> bytes:
    """The bytes of an uploaded file, a path or bytes, refusing one over the size cap or empty.

    Shared by every spreadsheet import; ``empty_message`` says what the file should have held.
    """
    size_fault = _("The file is larger than %(mb)d MB; split it into smaller files.") % {
        "mb": MAX_FILE_BYTES // (1024 * 1024)
    }
    if isinstance(file, (bytes, bytearray)):
        data = bytes(file)
    elif isinstance(file, (str, Path)):
        with open(file, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    else:
        if (getattr(file, "size", None) or 0) > MAX_FILE_BYTES:
            raise file_error(size_fault)
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise file_error(size_fault)
    if not data.lstrip(b"\xef\xbb\xbf").strip():
        raise file_error(empty_message)
    return data


def _read_bytes(file) -> bytes:
    return read_file_bytes(
        file, empty_message=_("The file is empty: it has no header row and no units.")
    )


@dataclass
class _Table:
    """The file's cells as text; ``rows`` are (spreadsheet row number, {column: value})."""

    header_row: int
    rows: list[tuple[int, dict[str, str]]]
    errors: list[RowError]


def read_table(data: bytes) -> tuple[pd.DataFrame, int]:
    """The cells of an XLSX workbook or a UTF-8 CSV, and the spreadsheet row of the first line.

    Decided by content, not by name; anything else, or more than MAX_ROWS rows, is refused.
    """
    not_a_table = _(
        "The file is neither an XLSX workbook nor a CSV file in UTF-8 (in Excel, save it as "
        "“Excel Workbook (.xlsx)” or “CSV UTF-8”)."
    )
    if data.startswith(b"PK\x03\x04"):
        frame, first_row = _read_xlsx(data, not_a_table), 1
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise file_error(not_a_table) from None
        if "\x00" in text:
            raise file_error(not_a_table)
        frame, first_row = _read_csv(text)
    if len(frame) > MAX_ROWS + 1:
        raise file_error(
            _("The file has more than %(max)s rows; split it into smaller files.")
            % {"max": f"{MAX_ROWS:,}"}
        )
    return frame, first_row


def _load_table(data: bytes) -> _Table:
    frame, first_row = read_table(data)
    # Object cells, not a fixed-width numpy string array: one long GeoJSON would inflate them all.
    cells = frame.apply(lambda column: column.astype(str).str.strip()).to_numpy(dtype=object)
    present = cells != ""
    filled = present.any(axis=1) if cells.size else np.zeros(len(cells), dtype=bool)
    nonempty = np.flatnonzero(filled)
    if not nonempty.size:
        raise file_error(_("The file is empty: it has no header row and no units."))
    header_idx = nonempty[0]
    header_row = first_row + int(header_idx)
    header = [str(h).strip().lower() for h in cells[header_idx]]
    errors: list[RowError] = []
    keep: dict[str, int] = {}
    for position, name in enumerate(header):
        if not name:
            if present[header_idx + 1 :, position].any():
                errors.append(
                    RowError(
                        header_row,
                        _column_letter(position),
                        _("this column has values but no header"),
                    )
                )
        elif name in keep:
            errors.append(RowError(header_row, name, _("the column appears more than once")))
        elif name not in COLUMNS:
            errors.append(
                RowError(
                    header_row,
                    name,
                    _("unknown column; the columns are: %(columns)s")
                    % {"columns": ", ".join(COLUMNS)},
                )
            )
        else:
            keep[name] = position
    missing = [c for c in REQUIRED_COLUMNS if c not in keep]
    for name in missing:
        errors.append(RowError(header_row, name, _("this required column is missing")))
    rows = []
    if not missing:
        for idx in nonempty[1:]:
            values = cells[idx]
            rows.append((first_row + int(idx), {name: values[pos] for name, pos in keep.items()}))
        if not rows:
            errors.append(RowError(0, "", _("The file has a header row but no units.")))
    return _Table(header_row, rows, errors)


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _read_csv(text: str) -> tuple[pd.DataFrame, int]:
    # Blank lines above the header would make the parser expect one cell per row.
    body = text.lstrip("\r\n")
    first_row = text[: len(text) - len(body)].count("\n") + 1
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            nrows=MAX_ROWS + 2,
        )
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            expected, line, saw = (int(n) for n in found.groups())
            raise ImportInvalid(
                [
                    RowError(
                        first_row + line - 1,
                        "",
                        _("has %(saw)d cells but the header has %(expected)d")
                        % {"saw": saw, "expected": expected},
                    )
                ]
            ) from None
        raise file_error(
            _("The CSV file could not be read: %(detail)s") % {"detail": exc}
        ) from None
    except pd.errors.EmptyDataError:
        raise file_error(_("The file is empty: it has no header row and no units.")) from None
    return frame, first_row


def _read_xlsx(data: bytes, not_a_table: str) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            # openpyxl inflates the parts it reads: a bomb is refused before it does.
            fault = archive_fault(
                archive,
                max_members=MAX_XLSX_MEMBERS,
                max_total_bytes=MAX_XLSX_UNCOMPRESSED_BYTES,
                max_ratio=ARCHIVE_MAX_RATIO,
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise file_error(not_a_table) from None
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise file_error(not_a_table)
    if fault:
        raise file_error(fault)
    try:
        return pd.read_excel(
            io.BytesIO(data),
            sheet_name=0,
            header=None,
            dtype=str,
            na_filter=False,
            engine="openpyxl",
            nrows=MAX_ROWS + 2,
        )
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise file_error(
            _("The workbook could not be read: %(detail)s") % {"detail": exc}
        ) from None


# --- checking the rows --------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    station: Station | None = None
    level: Level | None = None
    code: str = ""
    polygon: shapely.Polygon | None = None
    kind: str = ""
    business_types: list[BusinessCategory] = field(default_factory=list)
    power_kw: Decimal | None = None
    name: str = ""
    has_exhaust: bool = False
    in_paid_area: bool = False
    code_ok: bool = False


class _Validation:
    """Every check of one file; ``run`` returns the specs per level or raises ImportInvalid."""

    def __init__(self, actor, table: _Table):
        self.actor = actor
        self.table = table
        self.errors: list[RowError] = list(table.errors)

    def fault(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def run(self) -> dict[Level, list[services.UnitSpec]]:
        if not self.table.rows:
            raise ImportInvalid(self.errors)
        raw = self.table.rows
        self._load_reference_data(raw)
        polygons = self._parse_geometries([values["geometry"] for _n, values in raw])
        rows = [
            self._check_row(number, values, polygon)
            for (number, values), polygon in zip(raw, polygons, strict=True)
        ]
        self._check_plans(rows)
        self._check_power(rows)
        if self.errors:
            raise ImportInvalid(self.errors)
        plan: dict[Level, list[services.UnitSpec]] = {}
        for row in rows:
            plan.setdefault(row.level, []).append(
                services.UnitSpec(
                    code=row.code,
                    polygon=row.polygon,
                    kind=row.kind,
                    business_types=row.business_types,
                    power_kw=row.power_kw,
                    has_exhaust=row.has_exhaust,
                    name=row.name,
                    in_paid_area=row.in_paid_area,
                )
            )
        return plan

    def _load_reference_data(self, raw) -> None:
        wanted = {values["station"] for _n, values in raw if values["station"]}
        found = Station.objects.filter(code__in=wanted)
        self.stations = {s.code: s for s in found if can_manage_station(self.actor, s)}
        levels = Level.objects.filter(station__in=list(self.stations.values())).select_related(
            "station"
        )
        self.levels_of: dict[int, list[Level]] = defaultdict(list)
        for level in levels:
            self.levels_of[level.station_id].append(level)
        self.existing_codes = set(
            Unit.objects.filter(station__in=list(self.stations.values())).values_list(
                "station_id", "code"
            )
        )
        self.business_types = {c.code: c for c in BusinessCategory.objects.all()}
        self.first_row_of_code: dict[tuple[str, str], int] = {}

    def _parse_geometries(self, texts: list[str]) -> list[shapely.Polygon | str]:
        """Each row's polygon, or the text of its fault; WKT is parsed in one vectorised call."""
        result: list[shapely.Polygon | str | None] = [None] * len(texts)
        wkt_idx = [i for i, t in enumerate(texts) if t and not t.startswith("{")]
        if wkt_idx:
            parsed = shapely.from_wkt(
                np.asarray([texts[i] for i in wkt_idx], dtype=object), on_invalid="ignore"
            )
            for i, geom in zip(wkt_idx, parsed, strict=True):
                if geom is not None and geom.geom_type == "Polygon":
                    result[i] = geom
        for i, text in enumerate(texts):
            if result[i] is None:
                outcome = geometry.parse_geometry(text)
                result[i] = outcome.polygon if outcome.fault is None else outcome.fault
        good = [i for i, r in enumerate(result) if not isinstance(r, str)]
        if good:
            faults = geometry.polygon_faults([result[i] for i in good])
            for i, fault in zip(good, faults, strict=True):
                if fault:
                    result[i] = fault
        return result

    def _check_row(self, number: int, values: dict[str, str], polygon) -> _Row:
        row = _Row(number)
        self._check_place(row, values)
        self._check_code(row, values["code"], values["station"])
        if isinstance(polygon, str):
            self.fault(number, "geometry", _("the shape %(fault)s") % {"fault": polygon})
        else:
            row.polygon = polygon
        kind = values["kind"].lower()
        if kind in UNIT_KINDS:
            row.kind = kind
        else:
            self.fault(
                number,
                "kind",
                _("“%(value)s” is not a unit kind; use one of: %(kinds)s")
                % {"value": values["kind"], "kinds": ", ".join(UNIT_KINDS)},
            )
        self._check_business_types(row, values["business_types"])
        row.name = values.get("name", "")
        if len(row.name) > NAME_MAX:
            self.fault(number, "name", _("is longer than %(max)d characters") % {"max": NAME_MAX})
        row.power_kw = self._number(number, "power_kw", values.get("power_kw", ""))
        row.has_exhaust = self._flag(number, "has_exhaust", values.get("has_exhaust", ""))
        row.in_paid_area = self._flag(number, "in_paid_area", values.get("in_paid_area", ""))
        return row

    def _check_place(self, row: _Row, values: dict[str, str]) -> None:
        code = values["station"]
        if not code:
            self.fault(row.number, "station", _("is empty"))
            return
        station = self.stations.get(code)
        if station is None:
            # One message for both: a station one may not change must not reveal it exists.
            self.fault(
                row.number,
                "station",
                _("unknown station “%(code)s” or not yours") % {"code": code},
            )
            return
        row.station = station
        wanted = values["level"]
        if not wanted:
            self.fault(row.number, "level", _("is empty"))
            return
        levels = self.levels_of[station.pk]
        match = next((lv for lv in levels if lv.name == wanted), None)
        match = match or next((lv for lv in levels if lv.short_name == wanted), None)
        if match is None and re.fullmatch(r"[+-]?\d+", wanted):
            match = next((lv for lv in levels if lv.ordinal == int(wanted)), None)
        if match is None:
            self.fault(
                row.number,
                "level",
                _("station %(station)s has no level “%(level)s” (its levels: %(levels)s)")
                % {
                    "station": station.code,
                    "level": wanted,
                    "levels": ", ".join(f"{lv.ordinal} {lv.name}" for lv in levels) or "—",
                },
            )
            return
        row.level = match

    def _check_code(self, row: _Row, code: str, station_code: str) -> None:
        row.code = code
        if not code:
            self.fault(row.number, "code", _("is empty"))
            return
        if len(code) > CODE_MAX:
            self.fault(
                row.number, "code", _("is longer than %(max)d characters") % {"max": CODE_MAX}
            )
            return
        first = self.first_row_of_code.setdefault((station_code, code), row.number)
        if first != row.number:
            self.fault(
                row.number,
                "code",
                _("unit %(code)s of station %(station)s is already in row %(row)d")
                % {"code": code, "station": station_code, "row": first},
            )
            return
        if row.station is not None and (row.station.pk, code) in self.existing_codes:
            self.fault(
                row.number,
                "code",
                _("station %(station)s already has a unit %(code)s")
                % {"station": station_code, "code": code},
            )
            return
        row.code_ok = True

    def _check_business_types(self, row: _Row, value: str) -> None:
        codes = list(
            dict.fromkeys(c.strip() for c in BUSINESS_TYPE_SEPARATORS.split(value) if c.strip())
        )
        unknown = [c for c in codes if c not in self.business_types]
        if unknown:
            self.fault(
                row.number,
                "business_types",
                _("unknown business type: %(codes)s") % {"codes": ", ".join(unknown)},
            )
        row.business_types = [self.business_types[c] for c in codes if c not in unknown]

    def _number(self, number: int, column: str, value: str) -> Decimal | None:
        if not value:
            return Decimal("0.00")
        try:
            amount = Decimal(value)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            self.fault(number, column, _("“%(value)s” is not a number") % {"value": value})
            return None
        if amount < 0 or amount > MAX_POWER_KW:
            self.fault(
                number,
                column,
                _("%(value)s is out of range (0 to %(max)s)")
                % {"value": value, "max": MAX_POWER_KW},
            )
            return None
        return amount.quantize(geometry.CENT)

    def _flag(self, number: int, column: str, value: str) -> bool:
        word = value.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        self.fault(
            number,
            column,
            _("“%(value)s” is not yes or no (use true/false, yes/no, 1/0)") % {"value": value},
        )
        return False

    def _check_plans(self, rows: list[_Row]) -> None:
        """The level's geometry rules for the rows whose place, code and shape are good."""
        by_level: dict[Level, list[_Row]] = defaultdict(list)
        for row in rows:
            if row.level is not None and row.code_ok and row.polygon is not None:
                by_level[row.level].append(row)
        if not by_level:
            return
        levels = list(by_level)
        existing: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for level_id, code, wkt in Unit.objects.filter(level__in=levels).values_list(
            "level_id", "code", "polygon_wkt"
        ):
            existing[level_id].append((code, wkt))
        zones: dict[int, list[tuple[str, shapely.Polygon]]] = defaultdict(list)
        for level_id, name, kind, wkt in Zone.objects.filter(
            level__in=levels, kind__in=Zone.NO_BUILD_KINDS
        ).values_list("level_id", "name", "kind", "polygon_wkt"):
            zones[level_id].append((name or str(Zone.Kind(kind).label), shapely.from_wkt(wkt)))
        for level, level_rows in by_level.items():
            old = existing[level.pk]
            old_polygons = list(shapely.from_wkt([wkt for _c, wkt in old])) if old else []
            row_of = {row.code: row.number for row in level_rows}
            violations = geometry.check_units(
                outline=shapely.from_wkt(level.outline_wkt),
                codes=[c for c, _w in old] + [row.code for row in level_rows],
                polygons=old_polygons + [row.polygon for row in level_rows],
                no_build_zones=zones[level.pk],
            )
            for violation in violations:
                self._report_violation(violation, row_of)

    def _report_violation(self, violation: geometry.Violation, row_of: dict[str, int]) -> None:
        new = [code for code in violation.codes if code in row_of]
        if not new:
            return  # a fault among the existing units only: not this file's doing
        message = violation.message
        if violation.rule == "overlap":
            if len(new) == 2:
                message += " " + _("(rows %(a)d and %(b)d)") % {
                    "a": row_of[violation.codes[0]],
                    "b": row_of[violation.codes[1]],
                }
            else:
                other = next(code for code in violation.codes if code not in row_of)
                message += " " + _("(%(code)s is already on the plan)") % {"code": other}
        for code in new:
            self.fault(row_of[code], "geometry", message)

    def _check_power(self, rows: list[_Row]) -> None:
        """A station may not allocate more power to units than its cabinets provide."""
        by_station: dict[Station, list[_Row]] = defaultdict(list)
        for row in rows:
            if row.station is not None and row.power_kw:
                by_station[row.station].append(row)
        if not by_station:
            return
        stations = list(by_station)
        allocated = dict(
            Unit.objects.filter(station__in=stations)
            .values("station")
            .annotate(total=Sum("power_kw"))
            .values_list("station", "total")
        )
        capacity = dict(
            UtilityPoint.objects.filter(
                level__station__in=stations, kind=UtilityPoint.Kind.CABINET
            )
            .values("level__station")
            .annotate(total=Sum("capacity_kw"))
            .values_list("level__station", "total")
        )
        for station, station_rows in by_station.items():
            # Sums come back unquantised on SQLite (e.g. Decimal("100")); show them as stored.
            total = Decimal(allocated.get(station.pk) or 0).quantize(geometry.CENT)
            limit = Decimal(capacity.get(station.pk) or 0).quantize(geometry.CENT)
            final = total + sum(row.power_kw for row in station_rows)
            if final <= limit:
                continue
            for row in station_rows:
                total += row.power_kw
                if total > limit:
                    break
            self.fault(
                row.number,
                "power_kw",
                _(
                    "station %(station)s would allocate %(allocated)s kW to its units but its "
                    "distribution cabinets provide only %(capacity)s kW"
                )
                % {"station": station.code, "allocated": final, "capacity": limit},
            )
