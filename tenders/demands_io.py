"""Demands in bulk: import from a CSV or XLSX file (every row checked, all or none) and export
to an Excel workbook whose first sheet imports back.

The import reads the file with stations.imports' readers and reports faults with its RowError
and ImportInvalid; the checks run column by column over the whole table (pandas), so that
100,000 rows take seconds, and the demands are written with bulk_create in one transaction.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

import audit
from stations.imports import (
    FALSE_WORDS,
    TRUE_WORDS,
    ImportInvalid,
    RowError,
    _column_letter,
    file_error,
    read_file_bytes,
    read_table,
)
from stations.models import BusinessCategory, Station
from tenders import pipeline
from tenders.credit_code import credit_code_fault
from tenders.models import Brand, Demand, Merchant
from tenders.permissions import ACT_FOR_MERCHANT, is_tender_officer

REQUIRED_COLUMNS = (
    "credit_code",
    "business_type",
    "area_min_m2",
    "area_max_m2",
    "intended_rent_m2_month",
    "lease_mode",
    "term_months",
)
COLUMNS = (
    "credit_code",
    "brand",
    "business_type",
    "stations",
    "tiers",
    "location_wish",
    "area_min_m2",
    "area_max_m2",
    "power_kw",
    "floor_sockets",
    "needs_water",
    "needs_drainage",
    "needs_exhaust",
    "intended_rent_m2_month",
    "lease_mode",
    "term_months",
)
# Written by the export for people to read; ignored when the workbook is imported again.
EXPORT_ONLY_COLUMNS = ("merchant", "active", "recorded_at")
COLUMN_LABELS = {
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "brand": ("品牌", "Brand (Chinese name)"),
    "business_type": ("业态", "Business type (code)"),
    "stations": ("意向车站", "Preferred stations (codes, ; separated)"),
    "tiers": ("意向车站等级", "Preferred tiers (; separated)"),
    "location_wish": ("位置意向", "Location wish"),
    "area_min_m2": ("面积下限 m²", "Area from (m²)"),
    "area_max_m2": ("面积上限 m²", "Area to (m²)"),
    "power_kw": ("用电需求 kW", "Power needed (kW)"),
    "floor_sockets": ("地插数量", "Floor sockets needed"),
    "needs_water": ("需给水", "Needs water supply"),
    "needs_drainage": ("需排水", "Needs drainage"),
    "needs_exhaust": ("需排烟", "Needs exhaust"),
    "intended_rent_m2_month": ("意向租金 元/m²/月", "Intended rent (CNY per m² per month)"),
    "lease_mode": ("租赁方式", "Lease mode (fixed / turnover / both)"),
    "term_months": ("租期 月", "Term (months)"),
    "merchant": ("商家", "Merchant"),
    "active": ("有效", "Active"),
    "recorded_at": ("登记时间", "Recorded at"),
}
SEPARATORS = re.compile(r"[;；]")
CENT = Decimal("0.01")
TIERS = tuple(Station.Tier.values)
LEASE_MODES = tuple(Demand.LeaseMode.values)
# The model's limits: 10 digits with 2 places (8 for power), small integers for counts.
MAX_AREA_OR_RENT = Decimal("99999999.99")
MAX_POWER_KW = Decimal("999999.99")
MAX_SMALL_INT = 32767
LOCATION_MAX = Demand._meta.get_field("location_wish").max_length


@dataclass
class DemandImportResult:
    """What an import created: how many demands, for how many merchants, from which file."""

    filename: str
    sha256: str
    count: int
    merchant_count: int


# --- import -------------------------------------------------------------------------------


def demands_import(*, actor, file, filename: str) -> DemandImportResult:
    """Create the demands listed in a CSV or XLSX file, all or none.

    ``file`` is bytes, a path or a binary file object (an upload). Every row is checked first
    (the merchant by credit code, which the actor must act for; brand; business type; stations;
    tiers; numbers; flags; lease mode; term); any fault raises ImportInvalid listing them all
    and nothing is saved. Otherwise the demands are created in one transaction, journaled one
    entry each plus one "demands.import" entry with the file's SHA-256.
    """
    data = _read_bytes(file)
    digest = hashlib.sha256(data).hexdigest()
    table = _load_table(data)
    check = _Validation(actor, table)
    demands, station_links = check.run()
    with transaction.atomic():
        Demand.objects.bulk_create(demands, batch_size=2000)
        through = Demand.stations.through
        through.objects.bulk_create(
            [
                through(demand_id=demands[position].pk, station_id=station_id)
                for position, station_id in station_links
            ],
            batch_size=5000,
        )
        merchant_count = len({d.merchant_id for d in demands})
        audit.record(
            actor=actor,
            action="demands.import",
            data={
                "filename": filename,
                "sha256": digest,
                "count": len(demands),
                "merchants": merchant_count,
            },
        )
        codes = check.station_codes
        stations_of: dict[int, list[str]] = {}
        for position, station_id in station_links:
            stations_of.setdefault(position, []).append(codes[station_id])
        audit.record_many(
            actor=actor,
            action="demand.create",
            changes=(
                {
                    "target": demand,
                    "after": {
                        "merchant": demand.merchant_id,
                        "business_type": demand.business_type.code,
                        "area_min_m2": demand.area_min_m2,
                        "area_max_m2": demand.area_max_m2,
                        "stations": stations_of.get(position, []),
                        "tiers": demand.tiers,
                    },
                    "data": {"import": digest},
                }
                for position, demand in enumerate(demands)
            ),
        )
        pipeline.count(
            "demands",
            [(station_id, demands[position].created_at) for position, station_id in station_links],
        )
    return DemandImportResult(filename, digest, len(demands), merchant_count)


def _read_bytes(file) -> bytes:
    return read_file_bytes(
        file, empty_message=_("The file is empty: it has no header row and no demands.")
    )


@dataclass
class _Table:
    rows: pd.DataFrame  # text cells, one column per known column, indexed by spreadsheet row
    errors: list[RowError]


def _load_table(data: bytes) -> _Table:
    frame, first_row = read_table(data)
    frame = frame.apply(lambda column: column.astype(str).str.strip())
    filled = (frame != "").to_numpy().any(axis=1)
    nonempty = np.flatnonzero(filled)
    if not nonempty.size:
        raise file_error(_("The file is empty: it has no header row and no demands."))
    header_idx = int(nonempty[0])
    header_row = first_row + header_idx
    header = [str(h).strip().lower() for h in frame.iloc[header_idx]]
    body = frame.iloc[nonempty[1:]]
    errors: list[RowError] = []
    keep: dict[str, int] = {}
    for position, name in enumerate(header):
        if not name:
            if (body.iloc[:, position] != "").any():
                errors.append(
                    RowError(
                        header_row,
                        _column_letter(position),
                        _("this column has values but no header"),
                    )
                )
        elif name in keep:
            errors.append(RowError(header_row, name, _("the column appears more than once")))
        elif name in EXPORT_ONLY_COLUMNS:
            continue
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
    for name in REQUIRED_COLUMNS:
        if name not in keep:
            errors.append(RowError(header_row, name, _("this required column is missing")))
    if errors:
        raise ImportInvalid(errors)
    if body.empty:
        raise file_error(_("The file has a header row but no demands."))
    rows = pd.DataFrame(
        {name: body.iloc[:, keep[name]].to_numpy() if name in keep else "" for name in COLUMNS},
        index=first_row + nonempty[1:],
    )
    return _Table(rows, errors)


class _Validation:
    """Every check of one table, column by column; ``run`` returns unsaved demands and their
    station links (position in the list, station id), or raises ImportInvalid."""

    def __init__(self, actor, table: _Table):
        self.actor = actor
        self.rows = table.rows
        self.numbers = self.rows.index.to_numpy()
        self.errors: list[RowError] = list(table.errors)

    def fault(self, mask, column: str, message) -> None:
        """Record a fault for each row in ``mask``; ``message`` is text or value -> text."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        values = self.rows[column].to_numpy()[mask]
        for number, value in zip(self.numbers[mask], values, strict=True):
            text = message(value) if callable(message) else message
            self.errors.append(RowError(int(number), column, text))

    def fault_at(self, positions, column: str, texts) -> None:
        """Record one fault per row position with its own text."""
        for position, text in zip(positions, texts, strict=True):
            self.errors.append(RowError(int(self.numbers[position]), column, text))

    def run(self) -> tuple[list[Demand], list[tuple[int, int]]]:
        merchant_ids = self._merchants()
        brand_ids = self._brands(merchant_ids)
        type_ids = self._business_types()
        station_links = self._stations()
        tiers = self._tiers()
        location = self.rows["location_wish"]
        self.fault(
            location.str.len() > LOCATION_MAX,
            "location_wish",
            _("is longer than %(max)d characters") % {"max": LOCATION_MAX},
        )
        area_min = self._decimals("area_min_m2", required=True, limit=MAX_AREA_OR_RENT)
        area_max = self._decimals("area_max_m2", required=True, limit=MAX_AREA_OR_RENT)
        power = self._decimals("power_kw", required=False, limit=MAX_POWER_KW)
        rent = self._decimals("intended_rent_m2_month", required=True, limit=MAX_AREA_OR_RENT)
        self._check_area_range(area_min, area_max)
        sockets = self._integers("floor_sockets", required=False, minimum=0)
        term = self._integers("term_months", required=True, minimum=1)
        flags = {
            name: self._flags(name) for name in ("needs_water", "needs_drainage", "needs_exhaust")
        }
        lease_mode = self.rows["lease_mode"].str.lower()
        self.fault(lease_mode == "", "lease_mode", _("is empty"))
        self.fault(
            (lease_mode != "") & ~lease_mode.isin(LEASE_MODES),
            "lease_mode",
            lambda value: (
                _("“%(value)s” is not a lease mode; use one of: %(modes)s")
                % {"value": value, "modes": ", ".join(LEASE_MODES)}
            ),
        )
        if self.errors:
            raise ImportInvalid(self.errors)
        demands = [
            Demand(
                merchant=self.merchants[int(merchant_ids[i])],
                brand_id=None if pd.isna(brand_ids[i]) else int(brand_ids[i]),
                business_type=self.categories[int(type_ids[i])],
                tiers=tiers[i],
                location_wish=location.iat[i],
                area_min_m2=area_min[i],
                area_max_m2=area_max[i],
                power_kw=power[i],
                floor_sockets=int(sockets[i]),
                needs_water=bool(flags["needs_water"][i]),
                needs_drainage=bool(flags["needs_drainage"][i]),
                needs_exhaust=bool(flags["needs_exhaust"][i]),
                intended_rent_m2_month=rent[i],
                lease_mode=lease_mode.iat[i],
                term_months=int(term[i]),
            )
            for i in range(len(self.rows))
        ]
        return demands, station_links

    # --- the columns ----------------------------------------------------------------------

    def _merchants(self) -> np.ndarray:
        codes = self.rows["credit_code"].str.upper()
        self.fault(codes == "", "credit_code", _("is empty"))
        wanted = [c for c in codes.unique() if c]
        # Whole objects, kept for the journal's description of each demand (merchant · type).
        self.merchants = {
            m.pk: m
            for m in Merchant.objects.filter(credit_code__in=wanted).only("credit_code", "name")
        }
        found = {m.credit_code: pk for pk, m in self.merchants.items()}
        if not is_tender_officer(self.actor):
            allowed = set(
                get_objects_for_user(
                    self.actor, ACT_FOR_MERCHANT, klass=Merchant, accept_global_perms=False
                ).values_list("pk", flat=True)
            )
            found = {code: pk for code, pk in found.items() if pk in allowed}
        ids = codes.map(found)
        missing = ids.isna() & (codes != "")

        def unknown(value: str) -> str:
            fault = credit_code_fault(value)
            if fault:
                return _("credit code %(code)s %(fault)s") % {"code": value, "fault": fault}
            # One message for both: a merchant one may not act for must not reveal it exists.
            return _("no merchant with credit code %(code)s, or not yours") % {
                "code": value.upper()
            }

        self.fault(missing, "credit_code", unknown)
        return ids.to_numpy()

    def _brands(self, merchant_ids: np.ndarray) -> np.ndarray:
        names = self.rows["brand"]
        given = (names != "").to_numpy()
        result = np.full(len(names), np.nan)
        if not given.any():
            return result
        known = ~pd.isna(merchant_ids)
        merchants = {int(m) for m in merchant_ids[given & known]}
        brands = {
            (merchant, name): pk
            for merchant, name, pk in Brand.objects.filter(merchant_id__in=merchants).values_list(
                "merchant_id", "name_zh", "pk"
            )
        }
        missing = np.zeros(len(names), dtype=bool)
        for i in np.flatnonzero(given & known):
            pk = brands.get((int(merchant_ids[i]), names.iat[i]))
            if pk is None:
                missing[i] = True
            else:
                result[i] = pk
        self.fault(
            missing,
            "brand",
            lambda value: _("the merchant has no brand “%(brand)s”") % {"brand": value},
        )
        return result

    def _business_types(self) -> np.ndarray:
        codes = self.rows["business_type"]
        self.categories = {c.pk: c for c in BusinessCategory.objects.all()}
        types = {c.code: pk for pk, c in self.categories.items() if c.parent_id is not None}
        classes = {c.code for c in self.categories.values() if c.parent_id is None}
        self.fault(codes == "", "business_type", _("is empty"))
        self.fault(
            codes.isin(classes),
            "business_type",
            lambda value: (
                _("“%(value)s” is a major class; choose a specific business type within it")
                % {"value": value}
            ),
        )
        self.fault(
            (codes != "") & ~codes.isin(classes) & ~codes.isin(list(types)),
            "business_type",
            lambda value: _("“%(value)s” is not a business type") % {"value": value},
        )
        return codes.map(types).to_numpy()

    def _split(self, column: str) -> pd.Series:
        """Each row's ;-separated items, one per line, indexed by the row's position."""
        cells = self.rows[column].reset_index(drop=True)
        items = cells[cells != ""].str.split(SEPARATORS).explode().str.strip()
        return items[items != ""]

    def _stations(self) -> list[tuple[int, int]]:
        items = self._split("stations")
        found = dict(
            Station.objects.filter(code__in=items.unique().tolist()).values_list("code", "pk")
        )
        self.station_codes = {pk: code for code, pk in found.items()}
        ids = items.map(found)
        bad = items[ids.isna()]
        if not bad.empty:
            unknown = bad.groupby(level=0).agg(", ".join)
            self.fault_at(
                unknown.index,
                "stations",
                [_("unknown station: %(codes)s") % {"codes": codes} for codes in unknown],
            )
        links = pd.DataFrame({"position": ids.index, "station": ids.to_numpy()}).dropna()
        links = links.drop_duplicates()
        return [
            (int(p), int(s))
            for p, s in zip(links["position"].to_numpy(), links["station"].to_numpy(), strict=True)
        ]

    def _tiers(self) -> list[list[str]]:
        items = self._split("tiers").str.lower()
        bad = items[~items.isin(TIERS)]
        if not bad.empty:
            unknown = bad.groupby(level=0).agg(", ".join)
            self.fault_at(
                unknown.index,
                "tiers",
                [
                    _("unknown station tier: %(tiers)s (the tiers are: %(known)s)")
                    % {"tiers": tiers, "known": ", ".join(TIERS)}
                    for tiers in unknown
                ],
            )
        result: list[list[str]] = [[] for _ in range(len(self.rows))]
        for position, tier in items[items.isin(TIERS)].items():
            if tier not in result[position]:
                result[position].append(tier)
        return result

    def _decimals(self, column: str, *, required: bool, limit: Decimal) -> list[Decimal | None]:
        cells = self.rows[column]
        empty = (cells == "").to_numpy()
        if required:
            self.fault(empty, column, _("is empty"))
        numbers = pd.to_numeric(cells.where(~empty, "0"), errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(numbers)
        self.fault(bad, column, lambda value: _("“%(value)s” is not a number") % {"value": value})
        out_of_range = ~bad & ((numbers < 0) | (numbers > float(limit)))
        self.fault(
            out_of_range,
            column,
            lambda value: (
                _("%(value)s is out of range (0 to %(max)s)") % {"value": value, "max": limit}
            ),
        )
        result: list[Decimal | None] = []
        for text, skip, is_empty in zip(cells.to_numpy(), bad | out_of_range, empty, strict=True):
            if skip or (is_empty and required):
                result.append(None)
                continue
            try:
                result.append(Decimal(text or "0").quantize(CENT))
            except InvalidOperation:
                result.append(None)
        return result

    def _check_area_range(self, area_min: list, area_max: list) -> None:
        too_small = [a is not None and a <= 0 for a in area_min]
        self.fault(too_small, "area_min_m2", _("the smallest area must be more than 0 m²"))
        reversed_range = [
            i
            for i, (a, b) in enumerate(zip(area_min, area_max, strict=True))
            if a is not None and b is not None and b < a
        ]
        self.fault_at(
            reversed_range,
            "area_max_m2",
            [
                _("%(max)s m² is smaller than the smallest area %(min)s m²")
                % {"min": area_min[i], "max": area_max[i]}
                for i in reversed_range
            ],
        )

    def _integers(self, column: str, *, required: bool, minimum: int) -> np.ndarray:
        cells = self.rows[column]
        empty = cells == ""
        if required:
            self.fault(empty, column, _("is empty"))
        whole = cells.str.fullmatch(r"\d+(\.0*)?")
        self.fault(
            ~empty & ~whole,
            column,
            lambda value: _("“%(value)s” is not a whole number") % {"value": value},
        )
        numbers = np.zeros(len(cells), dtype=np.int64)
        good = (whole & ~empty).to_numpy()
        if good.any():
            numbers[good] = cells[good].str.split(".").str[0].str.slice(0, 9).astype(np.int64)
        self.fault(
            good & ((numbers < minimum) | (numbers > MAX_SMALL_INT)),
            column,
            lambda value: (
                _("%(value)s is out of range (%(min)d to %(max)d)")
                % {"value": value, "min": minimum, "max": MAX_SMALL_INT}
            ),
        )
        return numbers

    def _flags(self, column: str) -> np.ndarray:
        words = self.rows[column].str.lower()
        true = words.isin(TRUE_WORDS)
        self.fault(
            ~true & ~words.isin(FALSE_WORDS),
            column,
            lambda value: (
                _("“%(value)s” is not yes or no (use true/false, yes/no, 1/0)") % {"value": value}
            ),
        )
        return true.to_numpy()


# --- export -------------------------------------------------------------------------------


def demands_export(queryset: QuerySet[Demand]) -> bytes:
    """An XLSX workbook: one row per demand in the import's columns (so it imports back),
    the merchant's name, whether active and when recorded; a second sheet explains the columns
    in Chinese and English."""
    queryset = queryset.select_related("merchant", "brand", "business_type").prefetch_related(
        "stations"
    )
    records = []
    for demand in queryset.iterator(chunk_size=2000):
        records.append(
            {
                "credit_code": demand.merchant.credit_code,
                "brand": demand.brand.name_zh if demand.brand else "",
                "business_type": demand.business_type.code,
                "stations": ";".join(sorted(s.code for s in demand.stations.all())),
                "tiers": ";".join(demand.tiers or []),
                "location_wish": demand.location_wish,
                "area_min_m2": demand.area_min_m2,
                "area_max_m2": demand.area_max_m2,
                "power_kw": demand.power_kw,
                "floor_sockets": demand.floor_sockets,
                "needs_water": demand.needs_water,
                "needs_drainage": demand.needs_drainage,
                "needs_exhaust": demand.needs_exhaust,
                "intended_rent_m2_month": demand.intended_rent_m2_month,
                "lease_mode": demand.lease_mode,
                "term_months": demand.term_months,
                "merchant": demand.merchant.name,
                "active": demand.is_active,
                "recorded_at": timezone.localtime(demand.created_at).replace(tzinfo=None),
            }
        )
    columns = list(COLUMNS + EXPORT_ONLY_COLUMNS)
    frame = pd.DataFrame.from_records(records, columns=columns)
    legend = pd.DataFrame(
        [(name, *COLUMN_LABELS[name]) for name in columns],
        columns=["column", "中文", "English"],
    )
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="demands", index=False)
        legend.to_excel(writer, sheet_name="columns", index=False)
    return buffer.getvalue()
