"""The leasing reports, registered with the station reports' registry (``report NAME``).

Rent won against the reserve per awarded lot with the lease made from it (and by station,
business type and tier, the network as TOTAL); occupancy (let against leasable area);
coverage of the basic configuration by open outlets; chain brands across the stations; the
pipeline from demand to opening per station and month; the rent roll; the expiries of the
next twelve months.

Every report takes ``stations=`` (all when None), answers in a fixed number of queries
whatever the number of leases (the database groups and sums), and gives money and area as
Decimal with 2 places. Where a last row sums the others its first cell is ``TOTAL`` and
``frame.attrs["total_row"]`` is True.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import itemgetter
from typing import NamedTuple

import numpy as np
import pandas as pd
from django.db import connections
from django.db.models import BigIntegerField, Count, Exists, F, Func, OuterRef, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy

from leasing.models import Lease, LeaseUnit
from leasing.occupants import trading_brands
from leasing.schedule import add_months
from leasing.schedule import annual_rent as escalated_rent
from stations.models import BusinessCategory, Station, Unit
from stations.reports import (
    CENT,
    LEASABLE_KINDS,
    TOTAL,
    in_stations,
    register,
    report_stations,
    station_rows,
    two_places,
)
from tenders.models import Award, Brand, Lot, PipelineMonth
from tenders.pipeline import STAGES

ZERO = Decimal("0.00")
# The statuses of a lease that is a contract in force or about to be: the rent roll and the
# expiries list them (a draft is not signed; ended and terminated leases hold nothing).
CURRENT = (Lease.Status.SIGNED, Lease.Status.FITTING_OUT, Lease.Status.OPEN)
# A unit in one of these statuses is let: the lease holding it is signed (the services move
# the unit with its lease). A reserved unit is awarded or in a draft lease, not yet let.
LET_STATUSES = (Unit.Status.LET, Unit.Status.FITTING_OUT, Unit.Status.OPEN)


def premium_pct(contract: Decimal, reserve: Decimal) -> Decimal | None:
    """How far the rent lies above the reserve, in percent of the reserve (2 places); None
    without a reserve."""
    if not reserve:
        return None
    return ((contract - reserve) / reserve * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def ratio_pct(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` in percent of ``whole`` (2 places); None when ``whole`` is nothing."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


class Cents(Func):
    """An amount with two places (money, area) as a whole number of hundredths, rounded in
    the database: exact where SQLite keeps the amount as a float, and summed exactly."""

    template = "CAST(ROUND(%(expressions)s * 100) AS BIGINT)"
    output_field = BigIntegerField()


def _sum_cents(path: str) -> Cast:
    # PostgreSQL sums bigints as numeric; back to bigint, so that the driver gives an int.
    return Cast(Sum(Cents(path)), BigIntegerField())


def _amounts(cents) -> list:
    """Whole hundredths as Decimal with 2 places, None kept: one pass over a column."""
    if None in cents:
        return [None if c is None else CENT * Decimal(c) for c in cents]
    return list(map(CENT.__mul__, map(Decimal, cents)))


def _premium_hundredths(awarded: list[int], reserve: list[int]) -> list[int | None]:
    """:func:`premium_pct` in hundredths of a percent over whole columns of cents, vectorised:
    (awarded − reserve) × 10,000 / reserve rounded half away from zero; None without a
    reserve. Exact in int64 for amounts up to 10¹⁴ cents (MONEY's 14 digits)."""
    reserve_ = np.asarray(reserve, dtype=np.int64)
    part = (np.asarray(awarded, dtype=np.int64) - reserve_) * 10_000
    whole = np.where(reserve_ == 0, 1, reserve_)
    rounded = (2 * np.abs(part) + np.abs(whole)) // (2 * np.abs(whole))
    signed = (rounded * np.sign(part) * np.sign(whole)).tolist()
    if (reserve_ == 0).any():
        return [None if r == 0 else p for p, r in zip(signed, reserve, strict=True)]
    return signed


def _raw_rows(queryset) -> list[tuple]:
    """The queryset's rows as the driver gives them. The per-row field converters of the
    ORM cost more than the query on a large report; the columns are converted whole."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _frame(records: list, columns: list[str], *, ints=(), total_row=True) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=columns) if records else None
    if frame is None:
        frame = pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    for column in ints:
        frame[column] = frame[column].astype("Int64")
    frame.attrs["total_row"] = total_row
    return frame


def _sum(values) -> Decimal:
    return sum(values, ZERO)


def _tier_order(tier: str) -> int:
    values = list(Station.Tier.values)
    return values.index(tier) if tier in values else len(values)


# --- rent against reserve -----------------------------------------------------------------

RENT_COLUMNS = [
    "round",
    "lot",
    "lease",
    "station",
    "tier",
    "business_type",
    "area_m2",
    "reserve_annual_rent",
    "awarded_annual_rent",
    "contract_annual_rent",
    "premium_pct",
]


RENT_SUMS = {
    "awards": Count("pk"),
    "leases": Count("lease"),
    "reserve": _sum_cents("lot__reserve_annual_rent"),
    "awarded": _sum_cents("annual_rent"),
    "contract": _sum_cents("lease__annual_rent"),
}


def _awards(stations):
    return in_stations(Award.objects.all(), "lot__station", stations)


def _awarded_units(stations):
    """The links of the awarded lots to their units, of the stations reported on."""
    links = Lot.units.through.objects.filter(lot__award__isnull=False)
    return in_stations(links, "lot__station", stations)


def _lot_areas(stations, lots=None) -> dict[int, int]:
    """The area of each awarded lot's units in cents, by lot: one query grouping the lot–unit
    links, which their index on the lot keeps in order; ``lots`` narrows it to those."""
    links = _awarded_units(stations)
    if lots is not None:
        links = links.filter(lot__in=lots)
    return dict(
        _raw_rows(
            links.values_list("lot_id").annotate(area=_sum_cents("unit__area_m2")).order_by()
        )
    )


def _awarded_area(stations) -> int:
    """The area of every awarded lot's units in cents, summed by the database."""
    return _awarded_units(stations).aggregate(area=_sum_cents("unit__area_m2"))["area"] or 0


def _rent_totals(stations) -> tuple[int, int, int, int]:
    """rent-vs-reserve's TOTAL in cents (area, reserve, awarded, contract), summed by the
    database: two queries, whatever the number of awards."""
    sums = _awards(stations).aggregate(
        **{column: RENT_SUMS[column] for column in ("reserve", "awarded", "contract")}
    )
    return (
        _awarded_area(stations),
        sums["reserve"] or 0,
        sums["awarded"] or 0,
        sums["contract"] or 0,
    )


def rent_total(stations) -> tuple[Decimal, Decimal, Decimal, Decimal | None]:
    """rent-vs-reserve's TOTAL as the network summary gives it: the area of the awarded lots,
    their reserves, the rent won and its premium over the reserves. Two queries."""
    area, reserve, awarded, _contract = _rent_totals(stations)
    premium = _premium_hundredths([awarded], [reserve])
    return (*_amounts([area, reserve, awarded]), *_amounts(premium))


@register("rent-vs-reserve", gettext_lazy("Rent won against the reserve price, by lot"))
def rent_vs_reserve(*, stations=None, window: slice | None = None) -> pd.DataFrame:
    """One row per awarded lot, by round and lot, with the lease made from its award, and a
    last TOTAL row (the network).

    ``round`` and ``lot`` are the tender's; ``lease`` the contract number of the lease made
    from the award (empty until it is made); ``station`` its code and ``tier`` its grade;
    ``business_type`` the lot's type (code); ``area_m2`` the lot's units (the lease's, which
    are the same); ``reserve_annual_rent`` the lot's reserve (底价); ``awarded_annual_rent``
    the winning offer; ``contract_annual_rent`` the lease's fixed rent for its first year
    (empty until the lease is made); ``premium_pct`` how far the rent won lies above the
    reserve, in percent of it — the TOTAL's is that of the sums. A lease from an award takes
    the winning offer as its first-year rent, so the premium is the contract's too; an award
    is counted from the day it is made, not only once its lease is signed. Two queries (the
    lots' areas apart: grouping every row by its ten columns cost more than the rest); the
    amounts come from the database in cents and become Decimal a column at a time.

    ``window`` (a slice of the rows, as a page shows them) reads only those rows (LIMIT and
    OFFSET) and their lots' areas, and the TOTAL row is summed by the database, and
    the rows are counted (five queries); ``attrs["rows"]`` is the number of all its rows.
    """
    awards = _awards(stations)
    query = (
        awards.annotate(
            reserve=Cents("lot__reserve_annual_rent"),
            awarded=Cents("annual_rent"),
            contract=Cents("lease__annual_rent"),
        )
        .values_list(
            "lot__round__code",
            "lot__number",
            "lease__code",
            "lot__station__code",
            "lot__station__tier",
            "lot__business_type__code",
            "reserve",
            "awarded",
            "contract",
            "lot_id",
        )
        .order_by("lot__round__code", "lot__number", "pk")
    )
    rows = _raw_rows(query if window is None else query[window])
    # Column by column: zip(*rows) makes 100,000 iterators, and the collector walks them.
    columns = [list(map(itemgetter(n), rows)) for n in range(10)]
    rounds, lots, leases, codes, tiers, types, reserve, awarded, contract, lot_ids = columns
    if window is None:
        areas = _lot_areas(stations)
    else:  # the window's lots only (none past the end: no query to make)
        areas = _lot_areas(stations, lot_ids) if lot_ids else {}
    area = [areas.get(lot) or 0 for lot in lot_ids]
    premium = _premium_hundredths(awarded, reserve)
    if window is None:
        total_area, total_reserve, total_awarded = sum(area), sum(reserve), sum(awarded)
        total_contract = sum(c for c in contract if c is not None)
    else:
        total_area, total_reserve, total_awarded, total_contract = _rent_totals(stations)
    premium.append(_premium_hundredths([total_awarded], [total_reserve])[0])
    frame = pd.DataFrame(
        {
            "round": [*rounds, TOTAL],
            "lot": pd.array([*lots, None], dtype="Int64"),
            "lease": [*(lease or "" for lease in leases), ""],
            "station": [*codes, ""],
            "tier": [*tiers, ""],
            "business_type": [*types, ""],
            "area_m2": _amounts([*area, total_area]),
            "reserve_annual_rent": _amounts([*reserve, total_reserve]),
            "awarded_annual_rent": _amounts([*awarded, total_awarded]),
            "contract_annual_rent": _amounts([*contract, total_contract]),
            "premium_pct": _amounts(premium),
        },
        columns=RENT_COLUMNS,
    )
    frame.attrs["total_row"] = True
    frame.attrs["rows"] = len(rows) if window is None else awards.count()
    return frame


GROUPED_MONEY = [
    "area_m2",
    "reserve_annual_rent",
    "awarded_annual_rent",
    "contract_annual_rent",
]
GROUPED_RENT_COLUMNS = ["awards", "leases", *GROUPED_MONEY, "premium_pct"]


def _rent_record(key, rents: dict, area) -> tuple:
    return (
        key,
        rents.get("awards") or 0,
        rents.get("leases") or 0,
        area or 0,
        *(rents.get(column) or 0 for column in ("reserve", "awarded", "contract")),
    )


def _rent_grouped(
    key_column: str, key_path: str, stations, *, order=None, keys=None, count=None
) -> pd.DataFrame:
    """Awards grouped by ``key_path`` (from the lot), the leases joined: two queries (the
    lots' units summed apart, so that a lot's several units do not count its rent twice; a
    correlated subquery for the area took minutes on PostgreSQL at 100,000 awards). The
    database sums whole cents, exactly (SQLite would sum its floats). ``keys`` (a page of the
    keys, in order) groups those keys' awards only, and the TOTAL row is summed over all of
    them by the database (two more queries); ``count`` is then the number of all keys."""
    awards = _awards(stations)
    grouped = awards if keys is None else awards.filter(**{f"lot__{key_path}__in": keys})
    rents = {
        row.pop("key"): row
        for row in grouped.values(key=F(f"lot__{key_path}")).annotate(**RENT_SUMS).order_by()
    }
    links = _awarded_units(stations)
    if keys is not None:
        links = links.filter(**{f"lot__{key_path}__in": keys})
    areas = dict(
        links.values_list(f"lot__{key_path}").annotate(area=_sum_cents("unit__area_m2")).order_by()
    )
    if keys is None:
        keys = sorted(rents, key=order or (lambda k: (k is None, k or "")))
    records = [_rent_record(key or "", rents.get(key, {}), areas.get(key)) for key in keys]
    if count is None:
        records.append((TOTAL, *[sum(r[n] for r in records) for n in range(1, 7)]))
        count = len(keys)
    else:
        total = awards.aggregate(**RENT_SUMS)
        records.append(_rent_record(TOTAL, total, _awarded_area(stations)))
    columns = list(zip(*records, strict=True))
    premium = _premium_hundredths(columns[5], columns[4])
    frame = pd.DataFrame(
        {
            key_column: columns[0],
            "awards": pd.array(columns[1], dtype="Int64"),
            "leases": pd.array(columns[2], dtype="Int64"),
            **{name: _amounts(list(columns[n])) for n, name in enumerate(GROUPED_MONEY, start=3)},
            "premium_pct": _amounts(premium),
        },
        columns=[key_column, *GROUPED_RENT_COLUMNS],
    )
    frame.attrs["total_row"] = True
    frame.attrs["rows"] = count
    return frame


@register(
    "rent-vs-reserve-by-station", gettext_lazy("Rent won against the reserve price, by station")
)
def rent_vs_reserve_by_station(*, stations=None, window: slice | None = None) -> pd.DataFrame:
    """One row per station (by code) with awarded lots, and a last TOTAL row (the network):
    ``awards`` (lots awarded), ``leases`` (made from them so far), their ``area_m2``, the
    sums of the lots' ``reserve_annual_rent``, of the ``awarded_annual_rent`` and of the
    leases' first-year ``contract_annual_rent``, and ``premium_pct`` (awarded against
    reserve, of the sums). Two queries. ``window`` (a slice of those stations) groups the
    awards of the window's stations only; the TOTAL row is summed over all by the database
    (six queries); ``attrs["rows"]`` is the number of stations with awarded lots."""
    if window is None:
        return _rent_grouped("station", "station__code", stations)
    with_awards = report_stations(stations).filter(
        Exists(Award.objects.filter(lot__station=OuterRef("pk")))
    )
    codes = list(with_awards.values_list("code", flat=True)[window])
    return _rent_grouped(
        "station", "station__code", stations, keys=codes, count=with_awards.count()
    )


@register("rent-vs-reserve-by-type", gettext_lazy("Rent won against the reserve price, by type"))
def rent_vs_reserve_by_type(*, stations=None) -> pd.DataFrame:
    """As by station, one row per business type (code) of the awarded lots."""
    return _rent_grouped("business_type", "business_type__code", stations)


@register("rent-vs-reserve-by-tier", gettext_lazy("Rent won against the reserve price, by tier"))
def rent_vs_reserve_by_tier(*, stations=None) -> pd.DataFrame:
    """As by station, one row per station tier (provincial capital, prefecture, county)."""
    return _rent_grouped("tier", "station__tier", stations, order=_tier_order)


# --- occupancy ----------------------------------------------------------------------------

OCCUPANCY_COLUMNS = [
    "units",
    "let_units",
    "leasable_area_m2",
    "let_area_m2",
    "vacant_area_m2",
    "occupancy_pct",
]


def _occupancy_record(key: tuple, row: dict) -> tuple:
    leasable, let = two_places(row.get("leasable")), two_places(row.get("let"))
    return (
        *key,
        row.get("units", 0),
        row.get("let_units", 0),
        leasable,
        let,
        leasable - let,
        ratio_pct(let, leasable),
    )


def _occupancy_total(records: list, blanks: int) -> tuple:
    start = blanks + 1
    leasable = _sum(r[start + 2] for r in records)
    let = _sum(r[start + 3] for r in records)
    return (
        TOTAL,
        *[""] * blanks,
        sum(r[start] for r in records),
        sum(r[start + 1] for r in records),
        leasable,
        let,
        leasable - let,
        ratio_pct(let, leasable),
    )


def _occupancy_rows(station_ids, key: str | None) -> dict:
    """The leasable units of the stations given, counted and summed by ``key`` ({key: row}),
    or over all of them (``key`` None: {None: row})."""
    units = Unit.objects.filter(kind__in=LEASABLE_KINDS)
    if station_ids is not None:
        units = units.filter(station__in=station_ids)
    sums = {
        "units": Count("pk"),
        "let_units": Count("pk", filter=Q(status__in=LET_STATUSES)),
        "leasable": Sum("area_m2"),
        "let": Sum("area_m2", filter=Q(status__in=LET_STATUSES)),
    }
    if key is None:
        return {None: {k: v or 0 for k, v in units.aggregate(**sums).items()}}
    return {row[key]: row for row in units.values(key).annotate(**sums).order_by()}


@register("occupancy", gettext_lazy("Occupancy by station"))
def occupancy(*, stations=None, window: slice | None = None) -> pd.DataFrame:
    """One row per station (by code) and a last TOTAL row: let area against leasable area.

    ``units`` and ``leasable_area_m2`` count the units merchants can let (shops, kiosks,
    counters, vending machines, ATMs — as in the utilities report); ``let_units`` and
    ``let_area_m2`` those let now (signed, fitting out or open: the unit follows its lease);
    ``vacant_area_m2`` the rest; ``occupancy_pct`` the let area in percent of the leasable
    (empty without leasable area). Two queries. ``window`` (a slice of the stations) reads
    those stations' units only and sums the TOTAL row in the database (four queries);
    ``attrs["rows"]`` is the number of stations."""
    rows, count = station_rows(stations, window)
    units = _occupancy_rows([pk for pk, _c, _t in rows], "station")
    records = [_occupancy_record((code, tier), units.get(pk, {})) for pk, code, tier in rows]
    if window is None:
        records.append(_occupancy_total(records, blanks=1))
    else:
        scope = None if stations is None else report_stations(stations)
        records.append(_occupancy_record((TOTAL, ""), _occupancy_rows(scope, None)[None]))
    frame = _frame(records, ["station", "tier", *OCCUPANCY_COLUMNS], ints=("units", "let_units"))
    frame.attrs["rows"] = count
    return frame


@register("occupancy-by-tier", gettext_lazy("Occupancy by station tier"))
def occupancy_by_tier(*, stations=None) -> pd.DataFrame:
    """As ``occupancy``, one row per station tier having stations, with ``stations`` (how
    many), and the TOTAL row (the network). Two queries."""
    tiers = dict(
        report_stations(stations)
        .values_list("tier")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("tier", "n")
    )
    units = _occupancy_rows(report_stations(stations), "station__tier")
    records = [
        _occupancy_record((tier, tiers[tier]), units.get(tier, {}))
        for tier in sorted(tiers, key=_tier_order)
    ]
    total = _occupancy_total([(r[0], *r[2:]) for r in records], blanks=0)
    records.append((total[0], sum(r[1] for r in records), *total[1:]))
    return _frame(
        records, ["tier", "stations", *OCCUPANCY_COLUMNS], ints=("stations", "units", "let_units")
    )


# --- coverage by open outlets ------------------------------------------------------------


def _basic_categories() -> tuple[list[tuple[int, str]], dict[int, int]]:
    """The basic-configuration categories (pk, code) in catalogue order, and for every
    category the basic one it counts for (itself, or its class when the class is basic)."""
    categories = list(BusinessCategory.objects.values_list("pk", "code", "parent", "is_basic"))
    basic = [(pk, code) for pk, code, _parent, is_basic in categories if is_basic]
    basic_ids = {pk for pk, _code in basic}
    counts_for = {}
    for pk, _code, parent, _is_basic in categories:
        if pk in basic_ids:
            counts_for[pk] = pk
        elif parent in basic_ids:
            counts_for[pk] = parent
    return basic, counts_for


@register("coverage", gettext_lazy("Basic configuration coverage by open outlets"))
def coverage(*, stations=None, window: slice | None = None) -> pd.DataFrame:
    """For each station (by code) and each basic-configuration category, its open outlets.

    An outlet is an open lease; it counts for the basic category of its business type, or
    of the type's class (a fast-food outlet counts for catering). Columns: ``station``,
    ``tier``, one column per basic category code (in catalogue order) holding the number of
    open outlets, and ``complete`` (every basic category has one). Planned coverage, from
    the units' designations, is ``planned-coverage``. Three queries. ``window`` (a slice of
    the stations) reads those stations' outlets only; ``attrs["rows"]`` is their number."""
    rows, count = station_rows(stations, window)
    basic, counts_for = _basic_categories()
    outlets: dict[tuple[int, int], int] = defaultdict(int)
    for station, business_type, n in (
        Lease.objects.filter(
            status=Lease.Status.OPEN,
            station__in=[pk for pk, _c, _t in rows],
            business_type__in=list(counts_for),
        )
        .values_list("station", "business_type")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        outlets[station, counts_for[business_type]] += n
    records = []
    for pk, code, tier in rows:
        counts = [outlets.get((pk, category), 0) for category, _code in basic]
        records.append((code, tier, *counts, all(counts) and bool(counts)))
    columns = ["station", "tier", *[code for _pk, code in basic], "complete"]
    frame = _frame(records, columns, ints=columns[2:-1], total_row=False)
    frame["complete"] = frame["complete"].astype(bool)
    frame.attrs["rows"] = count
    return frame


# --- chains ------------------------------------------------------------------------------


def _brand_names(groups, merchant_names: dict[int, str]) -> dict[tuple[int, int | None], str]:
    """The name an outlet trades under, for each (merchant, business type): its brand (see
    :func:`leasing.occupants.trading_brands`), else the merchant's name. Three queries."""
    brands = trading_brands(groups)
    return {
        (merchant, business_type): str(brand) if brand else merchant_names[merchant]
        for (merchant, business_type), brand in brands.items()
    }


class BrandPresence(NamedTuple):
    """A brand's open outlets: in how many ``stations``, how many ``outlets``, and the
    (merchant, business type) pairs trading under it (``traders``)."""

    stations: int
    outlets: int
    traders: frozenset


def brand_presence(stations) -> tuple[list[tuple[int, str]], dict[str, BrandPresence]]:
    """The stations reported on (pk, code) and each brand with open outlets there, named as
    :func:`_brand_names` names it. The outlets are counted per (merchant, business type) and
    the stations per merchant by the database; a brand's stations are read one by one only
    where neither count is its own: a merchant with several brands (their stations may
    overlap) or a name several merchants trade under. Seven queries, whatever the data; no
    row per outlet but those of such merchants."""
    station_codes = list(report_stations(stations).values_list("pk", "code"))
    outlets = open_leases(stations)
    groups = list(
        outlets.values_list("merchant", "merchant__name", "business_type")
        .annotate(outlets=Count("pk"), at=Count("station", distinct=True))
        .order_by()
    )
    names = _brand_names({(m, t) for m, _n, t, *_c in groups}, {m: n for m, n, *_r in groups})
    pairs: dict[str, list[tuple]] = defaultdict(list)
    names_of: dict[int, set[str]] = defaultdict(set)
    for merchant, _name, business_type, count, at in groups:
        name = names[merchant, business_type]
        pairs[name].append((merchant, business_type, count, at))
        names_of[merchant].add(name)
    merchant_stations = dict(
        outlets.values_list("merchant").annotate(at=Count("station", distinct=True)).order_by()
    )
    stations_of: dict[str, int] = {}
    one_by_one: dict[tuple, str] = {}
    for name, traded in pairs.items():
        merchants = {merchant for merchant, *_rest in traded}
        if len(traded) == 1:
            stations_of[name] = traded[0][3]
        elif len(merchants) == 1 and names_of[traded[0][0]] == {name}:
            stations_of[name] = merchant_stations[traded[0][0]]  # all its merchant's outlets
        else:
            one_by_one.update(
                {(merchant, business_type): name for merchant, business_type, *_r in traded}
            )
    several_brands = (
        Brand.objects.values("merchant").annotate(n=Count("pk")).filter(n__gt=1).values("merchant")
    )
    seen: dict[str, set[int]] = defaultdict(set)
    for merchant, business_type, station in (
        outlets.filter(
            Q(merchant__in=several_brands) | Q(merchant__in={m for m, _t in one_by_one})
        )
        .values_list("merchant", "business_type", "station")
        .distinct()
        .order_by()
    ):
        name = one_by_one.get((merchant, business_type))
        if name is not None:
            seen[name].add(station)
    stations_of.update({name: len(found) for name, found in seen.items()})
    return station_codes, {
        name: BrandPresence(
            stations_of[name],
            sum(count for _m, _t, count, _a in traded),
            frozenset((m, t) for m, t, _c, _a in traded),
        )
        for name, traded in pairs.items()
    }


def open_leases(stations):
    """The outlets operating (leases open) in the stations reported on."""
    return in_stations(Lease.objects.filter(status=Lease.Status.OPEN), "station", stations)


@register("chains", gettext_lazy("Chain brands across the stations"))
def chains(*, stations=None, window: slice | None = None) -> pd.DataFrame:
    """One row per brand with open outlets: ``brand``, the number of ``stations`` it is open
    in, its ``outlets`` (open leases), ``every_station`` (open in every station reported on)
    and one column per station code with the brand's outlets there. The brands present in
    every station come first, then by stations, outlets and name. An outlet's brand is its
    merchant's (see :func:`_brand_names`). No TOTAL row (the outlets per station are the
    occupancy's business). Eight queries. ``window`` (a slice of the brands, in that
    order) gives only those rows, and reads the outlets per station of those brands only (a
    column per station is 6,000 columns on the national network); ``attrs["rows"]`` is the
    number of all the brands."""
    station_codes, brands = brand_presence(stations)
    everywhere = len(station_codes)
    summaries = sorted(
        (
            (name, brand.stations, brand.outlets, brand.stations == everywhere)
            for name, brand in brands.items()
        ),
        key=lambda r: (not r[3], -r[1], -r[2], r[0]),
    )
    shown = summaries if window is None else summaries[window]
    frame = _frame(
        shown,
        ["brand", "stations", "outlets", "every_station"],
        ints=["stations", "outlets"],
        total_row=False,
    )
    frame["every_station"] = frame["every_station"].astype(bool)
    # The shown brands' outlets per station, as one block of integers (a column at a time,
    # 6,000 columns took seconds: pandas split its blocks for every column added); an
    # outlet count fits 32 bits.
    row_of = {pair: n for n, summary in enumerate(shown) for pair in brands[summary[0]].traders}
    column_of = {pk: n for n, (pk, _code) in enumerate(station_codes)}
    counts = np.zeros((len(shown), len(station_codes)), dtype=np.int32)
    if row_of:
        outlets = open_leases(stations)
        if window is not None:
            outlets = outlets.filter(merchant__in={m for m, _t in row_of})
        for merchant, business_type, station, n in (
            outlets.values_list("merchant", "business_type", "station")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            row = row_of.get((merchant, business_type))
            if row is not None:
                counts[row, column_of[station]] += n
    # The brand's columns put in front of that block (concatenating copied it: the national
    # download's 9,617 brands × 6,000 stations are 230 MB as 32-bit counts).
    whole = pd.DataFrame(counts, columns=[code for _pk, code in station_codes], copy=False)
    for position, column in enumerate(frame.columns):
        whole.insert(position, column, frame[column].array)
    whole.attrs["total_row"] = False
    whole.attrs["rows"] = len(summaries)
    return whole


# --- pipeline -----------------------------------------------------------------------------

PIPELINE_STAGES = list(STAGES)


def _pipeline_months(stations):
    """The kept counts (tenders.pipeline) of the stations reported on, without the months in
    which nothing is left to count."""
    return in_stations(PipelineMonth.objects.all(), "station", stations).filter(
        reduce(operator.or_, (Q(**{f"{stage}__gt": 0}) for stage in STAGES))
    )


@register("pipeline", gettext_lazy("Pipeline from demand to opening"))
def pipeline(*, stations=None, window: slice | None = None) -> pd.DataFrame:
    """One row per station (code) and month (``YYYY-MM``, in the site's time zone) in which
    anything happened, and a last TOTAL row summing them.

    ``demands``: demands recorded that month naming the station among their preferred ones
    (a demand naming several counts in each); ``applications``: applications submitted for
    lots of the station (one per application and station); ``bids``: bids received for its
    lots (a replaced bid is not counted, its later version is); ``awards``: lots awarded;
    ``leases``: leases signed; ``openings``: outlets opened. The counts are the ones the
    services keep as these happen (tenders.pipeline; leasing.pipeline counts them afresh
    from the rows): three queries, whatever the size of the network. ``window`` (a slice of
    the rows, as a page shows them) reads only those rows; ``attrs["rows"]`` is the number
    of all of them."""
    months = _pipeline_months(stations)
    rows = months.order_by("station__code", "month").values_list("station__code", "month", *STAGES)
    shown = list(rows if window is None else rows[window])
    records = [(code, f"{month:%Y-%m}", *counts) for code, month, *counts in shown]
    totals = months.aggregate(**{stage: Sum(stage) for stage in STAGES})
    records.append((TOTAL, "", *[totals[stage] or 0 for stage in STAGES]))
    frame = _frame(records, ["station", "month", *PIPELINE_STAGES], ints=PIPELINE_STAGES)
    frame.attrs["rows"] = len(shown) if window is None else months.count()
    return frame


# --- rent roll and expiries --------------------------------------------------------------

ROLL_COLUMNS = [
    "lease",
    "tenant",
    "station",
    "units",
    "business_type",
    "status",
    "start_date",
    "end_date",
    "area_m2",
    "annual_rent",
    "monthly_rent",
    "deposit",
]


def lease_year_on(start: dt.date, on: dt.date) -> int:
    """The lease year ``on`` falls in (1 before the start)."""
    months = (on.year - start.year) * 12 + on.month - start.month
    year = max(1, months // 12 + 1)
    while year > 1 and add_months(start, 12 * (year - 1)) > on:
        year -= 1
    return year


def _in_force(stations):
    return in_stations(Lease.objects.filter(status__in=CURRENT), "station", stations)


def _current_leases(stations):
    return (
        _in_force(stations)
        .values_list(
            "pk",
            "code",
            "merchant__name",
            "station__code",
            "business_type__code",
            "status",
            "start_date",
            "end_date",
            "annual_rent",
            "escalation_pct",
            "deposit",
        )
        .annotate(area=Sum("lease_units__unit__area_m2"))
    )


def _unit_codes(leases) -> dict[int, str]:
    codes = defaultdict(list)
    for lease, code in (
        LeaseUnit.objects.filter(lease__in=leases)
        .order_by("lease", "unit__code")
        .values_list("lease", "unit__code")
    ):
        codes[lease].append(code)
    return {lease: ", ".join(units) for lease, units in codes.items()}


def _roll_records(rows, units: dict[int, str], on: dt.date) -> list[list]:
    records = []
    for (pk, code, tenant, station, business_type, status, start, end, first_year,
         escalation, deposit, area) in rows:  # fmt: skip
        rent = escalated_rent(first_year, escalation, lease_year_on(start, on))
        records.append(
            [
                code,
                tenant,
                station,
                units.get(pk, ""),
                business_type or "",
                status,
                start,
                end,
                two_places(area),
                rent,
                two_places(rent / 12),
                two_places(deposit),
            ]
        )
    return records


def _roll_total(records: list, width: int, money_from: int) -> list:
    total = [TOTAL, *[""] * (money_from - 1)]
    for column in range(money_from, width):
        total.append(_sum(r[column] for r in records))
    return total


@register("rent-roll", gettext_lazy("Rent roll"))
def rent_roll(
    *, stations=None, on: dt.date | None = None, window: slice | None = None
) -> pd.DataFrame:
    """One row per lease in force or about to be (signed, fitting out or open), by station
    and contract number, and a last TOTAL row.

    ``tenant`` is the merchant; ``units`` the unit codes; ``status`` the lease's; the period
    is [``start_date``, ``end_date``) (the end is the first day no longer let); ``area_m2``
    the units' area; ``annual_rent`` the fixed rent of the lease year ``on`` (today) falls
    in, escalation applied (the first year's before the start); ``monthly_rent`` a twelfth of
    it; ``deposit`` the deposit held. Two queries. ``window`` (a slice of the rows) reads
    only those leases and their units; the TOTAL row then comes from every lease's amounts
    (see :func:`_roll_total_of_all`), and ``attrs["rows"]`` is the number of all the rows.
    Six queries."""
    on = on or timezone.localdate()
    leases = _current_leases(stations).order_by("station__code", "code", "pk")
    money_from = ROLL_COLUMNS.index("area_m2")
    if window is None:
        rows = list(leases)
        records = _roll_records(rows, _unit_codes([r[0] for r in rows]), on)
        records.append(_roll_total(records, len(ROLL_COLUMNS), money_from))
        frame = _frame(records, ROLL_COLUMNS)
        frame.attrs["rows"] = len(rows)
        return frame
    # The page's leases cut first, then only they are joined to their units and summed.
    page = _in_force(stations).order_by("station__code", "code", "pk")[window]
    page = page.values_list("pk", flat=True)
    rows = list(leases.filter(pk__in=list(page)))
    records = _roll_records(rows, _unit_codes([r[0] for r in rows]), on)
    records.append(_roll_total_of_all(stations, on))
    frame = _frame(records, ROLL_COLUMNS)
    frame.attrs["rows"] = _in_force(stations).count()
    return frame


def _roll_total_of_all(stations, on: dt.date) -> list:
    """The rent roll's TOTAL row over every lease in force: the area and the deposits summed
    by the database; the year's rent and its twelfths a lease at a time (each lease's own
    escalation compounded and rounded each year: not a sum SQL can make exactly), over a
    server-side cursor 2,000 leases at a time, so that memory stays flat. Three queries."""
    leases = _in_force(stations)
    area = LeaseUnit.objects.filter(lease__in=leases).aggregate(area=Sum("unit__area_m2"))["area"]
    deposit = leases.aggregate(deposit=Sum("deposit"))["deposit"]
    rent = monthly = ZERO
    years: dict[dt.date, int] = {}  # a national network's 55,000 leases start on 1,000 days
    for start, first_year, escalation in (
        leases.values_list("start_date", "annual_rent", "escalation_pct")
        .order_by()
        .iterator(chunk_size=2000)
    ):
        if start not in years:
            years[start] = lease_year_on(start, on)
        year_rent = escalated_rent(first_year, escalation, years[start])
        rent += year_rent
        monthly += two_places(year_rent / 12)
    money_from = ROLL_COLUMNS.index("area_m2")
    return [TOTAL, *[""] * (money_from - 1), two_places(area), rent, monthly, two_places(deposit)]


EXPIRY_COLUMNS = [
    "month",
    "lease",
    "tenant",
    "station",
    "units",
    "business_type",
    "status",
    "last_day",
    "days_left",
    "renewed",
    "area_m2",
    "annual_rent",
]


@register("expiries", gettext_lazy("Leases expiring in the next 12 months"))
def expiries(*, stations=None, on: dt.date | None = None) -> pd.DataFrame:
    """One row per lease in force (signed, fitting out or open) whose last day let falls in
    the twelve months from ``on`` (today), by that day, and a last TOTAL row.

    ``month`` is the month of the ``last_day`` let (the day before the lease's end date);
    ``days_left`` the days from ``on`` to it; ``renewed`` whether a renewal lease is made;
    ``area_m2`` the units' area; ``annual_rent`` the current lease year's fixed rent
    (escalation applied) — the rent at stake. Two queries."""
    on = on or timezone.localdate()
    leases = (
        _current_leases(stations)
        .filter(end_date__gt=on, end_date__lte=add_months(on, 12))
        .annotate(renewed=Exists(Lease.objects.filter(renewal_of=OuterRef("pk"))))
        .order_by("end_date", "station__code", "code")
    )
    rows = list(leases)
    units = _unit_codes([r[0] for r in rows])
    records = []
    for row, roll in zip(rows, _roll_records([r[:-1] for r in rows], units, on), strict=True):
        (code, tenant, station, unit_codes, business_type, status, _start, end, area, rent) = roll[
            :10
        ]
        last_day = end - dt.timedelta(days=1)
        records.append(
            [
                f"{last_day:%Y-%m}",
                code,
                tenant,
                station,
                unit_codes,
                business_type,
                status,
                last_day,
                (last_day - on).days,
                bool(row[-1]),
                area,
                rent,
            ]
        )
    total = [TOTAL, *[""] * 7, None, None]
    total += [_sum(r[10] for r in records), _sum(r[11] for r in records)]
    records.append(total)
    frame = _frame(records, EXPIRY_COLUMNS, ints=("days_left",))
    return frame
