"""Synthetic station space at national proportions, for ``generate_network`` (leasing).

Writes stations, levels, an evacuation corridor per level, units laid out on a grid on both
sides of it, their business types and the utilities reserved for them, in bulk and straight
into the tables: this bypasses the services and their journal on purpose (scale tests and
benchmarks only, never a production database). Deterministic for a given random generator.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, models
from shapely.geometry import box

from stations.geometry import area_m2
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint, Zone

Tier = Station.Tier

# Shares of the network by tier: ~34 provincial capitals, ~300 prefecture-level cities and
# the county-level towns in between them on 45,000 km of line.
TIER_SHARES = {Tier.PROVINCIAL_CAPITAL: 0.05, Tier.PREFECTURE: 0.35, Tier.COUNTY: 0.60}
# Units per station by tier: 0.05 × 64 + 0.35 × 22 + 0.60 × 10 ≈ 17, i.e. ~100,000 units
# for 6,000 stations.
UNITS_PER_STATION = {Tier.PROVINCIAL_CAPITAL: 64, Tier.PREFECTURE: 22, Tier.COUNTY: 10}
LEVEL_ORDINALS = {Tier.PROVINCIAL_CAPITAL: [1, 0, -1], Tier.PREFECTURE: [1, 0], Tier.COUNTY: [0]}
LEVEL_NAMES = {
    1: ("高架候车层 Elevated concourse", "2F"),
    0: ("地面层 Ground level", "1F"),
    -1: ("出站层 Exit level", "B1"),
}
TOILETS = {Tier.PROVINCIAL_CAPITAL: 4, Tier.PREFECTURE: 2, Tier.COUNTY: 1}
# Every station's basic configuration, and the chains in every station (DOMAIN.md).
FIRST_TYPES = [
    "fast-food",
    "convenience-store",
    "bookstore",
    "local-specialty",
    "luggage-storage",
]
CLASS_WEIGHTS = {"catering": 35, "retail": 40, "leisure": 10, "services": 15}
# Base rent (CNY per m² per month) by tier: the reserve prices follow it.
RENT_M2_MONTH = {Tier.PROVINCIAL_CAPITAL: 600, Tier.PREFECTURE: 350, Tier.COUNTY: 200}

CELL_M = 11  # a unit's slot along the level: up to 10 m wide, 1 m apart
ROW_M = 9  # a row's depth: units up to 8 m deep
CORRIDOR_M = 6  # the evacuation corridor between the two rows


def _next_ids(model, count: int) -> list[int]:
    """``count`` fresh primary keys: from the table's sequence on PostgreSQL, after the
    largest one on SQLite (one writer: the generation runs in one transaction)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + count + 1))


def insert_rows(model, columns: list[str], rows, *, with_ids: bool = False) -> list[int]:
    """Insert tuples of column values (``columns`` by attname: ``station_id``) into the
    model's table, in one COPY on PostgreSQL (the fast path, no model instances, no SQL to
    build) or executemany elsewhere; returns the primary keys given when ``with_ids``."""
    rows = list(rows)
    if not rows:
        return []
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    ids = []
    if with_ids:
        ids = _next_ids(model, len(rows))
        columns = ["id", *columns]
        rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
    fields = [by_attname[column] for column in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg.types.json import Jsonb

            json_at = [n for n, f in enumerate(fields) if isinstance(f, models.JSONField)]
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for n in json_at:
                            row[n] = Jsonb(row[n]) if row[n] is not None else None
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            prepared = [
                [
                    f.get_db_prep_save(value, connection)
                    for f, value in zip(fields, row, strict=True)
                ]
                for row in rows
            ]
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)
    return ids


def insert_models(model, objects: list) -> list:
    """Insert model instances through :func:`insert_rows`, giving them their primary keys.

    Foreign keys to instances saved meanwhile are resolved as bulk_create does; fields with
    auto_now(_add) get the time now; nothing else of ``save()`` runs.
    """
    if not objects:
        return objects
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    files = [n for n, f in enumerate(fields) if isinstance(f, models.FileField)]
    rows = []
    for obj in objects:
        obj._prepare_related_fields_for_save(operation_name="insert_models")
        for f in stamped:
            f.pre_save(obj, add=True)
        row = [getattr(obj, f.attname) for f in fields]
        for n in files:
            row[n] = row[n].name or ""
        rows.append(row)
    ids = insert_rows(model, [f.attname for f in fields], rows, with_ids=True)
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = "default"
    return objects


def journal(*, action: str, changes: list[dict]) -> None:
    """Append one journal entry per change, by the system, exactly as ``audit.record_many``
    writes them (audit.journal.chained_entries: the same fields, hashes and chain, which
    verify_audit checks), inserted by :func:`insert_rows`: record_many's bulk insert of the
    JSON columns took most of the generation's time. Runs inside the generation's
    transaction, under the chain's lock."""
    from audit.journal import chained_entries
    from audit.models import Entry

    columns = ["seq", "recorded_at", "actor_id", "actor_name", "action", "target_type",
               "target_id", "target_repr", "before", "after", "data", "prev_hash", "hash"]  # fmt: skip
    entries = chained_entries(actor=None, action=action, changes=changes)
    if entries:
        rows = [tuple(getattr(entry, column) for column in columns) for entry in entries]
        insert_rows(Entry, columns, rows)


@dataclass
class Catalogue:
    """The business types (not the classes), with what each needs, and the draw weights."""

    types: list[BusinessCategory]
    by_code: dict[str, BusinessCategory]
    weights: list[float]

    @classmethod
    def load(cls) -> Catalogue:
        types = list(
            BusinessCategory.objects.filter(parent__isnull=False)
            .select_related("parent")
            .order_by("sort_order", "code")
        )
        per_class: dict[str, int] = {}
        for category in types:
            per_class[category.parent.code] = per_class.get(category.parent.code, 0) + 1
        weights = [CLASS_WEIGHTS.get(t.parent.code, 5) / per_class[t.parent.code] for t in types]
        return cls(types=types, by_code={t.code: t for t in types}, weights=weights)


@dataclass
class StationSpace:
    station: Station
    units: list[Unit] = field(default_factory=list)
    unit_type: dict[int, BusinessCategory] = field(default_factory=dict)  # by unit pk
    corner: dict[str, tuple[float, float]] = field(default_factory=dict)  # by unit code


def tiers_for(count: int) -> list[str]:
    """``count`` tiers in the network's shares (at least one capital and one prefecture-level
    station from 3 stations up), in a fixed order that the caller shuffles."""
    provincial = max(1, round(count * TIER_SHARES[Tier.PROVINCIAL_CAPITAL]))
    prefecture = max(1, round(count * TIER_SHARES[Tier.PREFECTURE]))
    if count < 3:
        return [Tier.PROVINCIAL_CAPITAL, Tier.PREFECTURE][:count]
    county = max(0, count - provincial - prefecture)
    return (
        [Tier.PROVINCIAL_CAPITAL] * provincial
        + [Tier.PREFECTURE] * prefecture
        + [Tier.COUNTY] * county
    )


def _kind_for(rng: random.Random, category: BusinessCategory) -> str:
    if category.code == "bank-atm":
        return Unit.Kind.ATM
    if category.code in {"vending", "charging-station"}:
        return Unit.Kind.VENDING
    return rng.choices([Unit.Kind.SHOP, Unit.Kind.KIOSK, Unit.Kind.COUNTER], weights=[75, 15, 10])[
        0
    ]


def _size_for(rng: random.Random, kind: str) -> tuple[float, float]:
    if kind in {Unit.Kind.ATM, Unit.Kind.VENDING}:
        return 2.0, 1.5
    if kind == Unit.Kind.COUNTER:
        return rng.choice([3.0, 3.5, 4.0]), rng.choice([2.0, 2.5, 3.0])
    if kind == Unit.Kind.KIOSK:
        return rng.choice([3.0, 4.0, 5.0]), rng.choice([3.0, 3.5, 4.0])
    return rng.randrange(8, 21) / 2, rng.randrange(8, 17) / 2


def _level_plan(count: int) -> tuple[int, float, float]:
    columns = max(1, math.ceil(count / 2))
    return columns, columns * CELL_M + 1, 2 * ROW_M + CORRIDOR_M + 2


def _point(level, kind, code, x, y, *, unit=None, capacity_kw=None) -> UtilityPoint:
    return UtilityPoint(
        level=level,
        kind=kind,
        code=code,
        x=Decimal(f"{x:.2f}"),
        y=Decimal(f"{y:.2f}"),
        unit=unit,
        capacity_kw=capacity_kw,
    )


def generate_stations(
    *, rng: random.Random, numbers: list[int], tiers: list[str], catalogue: Catalogue
) -> list[StationSpace]:
    """Stations numbered ``numbers`` with the given tiers, and all their space, inserted."""
    stations = []
    for number, tier in zip(numbers, tiers, strict=True):
        stations.append(
            Station(
                code=f"G{number:05d}",
                name_zh=f"合成{number}站",
                name_en=f"Synthetic {number}",
                line=f"Synthetic line {(number - 1) // 15 + 1}",
                city=f"City {number}",
                tier=tier,
                latitude=Decimal(rng.randrange(20_000_000, 45_000_000)) / 1_000_000,
                longitude=Decimal(rng.randrange(100_000_000, 122_000_000)) / 1_000_000,
                plan_rotation_deg=Decimal(rng.randrange(0, 36000)) / 100,
            )
        )
    insert_models(Station, stations)

    levels, zones, units, unit_types = [], [], [], []
    per_level: list[tuple[Level, list[Unit]]] = []
    spaces = []
    for station in stations:
        space = StationSpace(station)
        spaces.append(space)
        ordinals = LEVEL_ORDINALS[station.tier]
        total = UNITS_PER_STATION[station.tier]
        shares = [total // len(ordinals) + (1 if i < total % len(ordinals) else 0)
                  for i in range(len(ordinals))]  # fmt: skip
        serial = 0
        for ordinal, count in zip(ordinals, shares, strict=True):
            columns, width, depth = _level_plan(count)
            name, short = LEVEL_NAMES[ordinal]
            level = Level(
                station=station,
                name=name,
                short_name=short,
                ordinal=ordinal,
                outline_wkt=box(0, 0, width, depth).wkt,
            )
            levels.append(level)
            corridor_y = ROW_M + 1
            zones.append(
                Zone(
                    level=level,
                    kind=Zone.Kind.EVACUATION,
                    name=f"{short} evacuation corridor",
                    polygon_wkt=box(0, corridor_y, width, corridor_y + CORRIDOR_M).wkt,
                )
            )
            level_units = []
            for slot in range(count):
                serial += 1
                column, row = slot // 2, slot % 2
                if serial <= len(FIRST_TYPES) and FIRST_TYPES[serial - 1] in catalogue.by_code:
                    category = catalogue.by_code[FIRST_TYPES[serial - 1]]
                else:
                    category = rng.choices(catalogue.types, weights=catalogue.weights)[0]
                kind = _kind_for(rng, category)
                unit_w, unit_d = _size_for(rng, kind)
                x0 = column * CELL_M + 1
                # The lower row stands on the outline's south wall, the upper row against
                # the north side of the corridor.
                y0 = 1 if row == 0 else corridor_y + CORRIDOR_M + 1
                polygon = box(x0, y0, x0 + unit_w, y0 + unit_d)
                unit = Unit(
                    station=station,
                    level=level,
                    code=f"{short}-{serial:03d}",
                    name=category.name_zh,
                    polygon_wkt=polygon.wkt,
                    area_m2=area_m2(polygon),
                    kind=kind,
                    status=Unit.Status.AVAILABLE,
                    power_kw=category.min_power_kw,
                    has_exhaust=category.needs_exhaust,
                    in_paid_area=ordinal == 1 and row == 1,
                )
                units.append(unit)
                space.corner[unit.code] = (x0, y0)
                level_units.append(unit)
                unit_types.append((unit, category))
            per_level.append((level, level_units))
    insert_models(Level, levels)
    insert_models(Zone, zones)
    insert_models(Unit, units)
    insert_rows(
        Unit.business_types.through,
        ["unit_id", "businesscategory_id"],
        [(unit.pk, category.pk) for unit, category in unit_types],
    )
    space_of = {space.station.pk: space for space in spaces}
    for unit, category in unit_types:
        space = space_of[unit.station_id]
        space.units.append(unit)
        space.unit_type[unit.pk] = category

    points = []
    for level, level_units in per_level:
        points.extend(_utilities(rng, level, level_units, space_of[level.station_id]))
    for space in spaces:
        ground = next(lv for lv, _u in per_level if lv.station_id == space.station.pk)
        for n in range(TOILETS[space.station.tier]):
            y = ROW_M + 1.5 + n * 0.5
            points.append(_point(ground, UtilityPoint.Kind.TOILET, f"WC{n + 1}", 0.4, y))
            points.append(_point(ground, UtilityPoint.Kind.WASHBASIN, f"WB{2 * n + 1}", 0.6, y))
            points.append(_point(ground, UtilityPoint.Kind.WASHBASIN, f"WB{2 * n + 2}", 0.8, y))
    insert_models(UtilityPoint, points)
    return spaces


def _utilities(rng, level: Level, units: list[Unit], space: StationSpace) -> list[UtilityPoint]:
    """Cabinets sized for the level's units, sockets and water inside the units that need
    them, a lightbox socket in front of each slot."""
    points = []
    cabinets = max(1, math.ceil(len(units) / 6))
    power = sum((unit.power_kw for unit in units), Decimal("0"))
    capacity = Decimal(math.ceil(float(power) / cabinets / 10) * 10 + 10)
    for n in range(cabinets):
        points.append(
            _point(
                level,
                UtilityPoint.Kind.CABINET,
                f"{level.short_name}-PD{n + 1}",
                0.5,
                ROW_M + 2 + n * 0.1,
                capacity_kw=capacity,
            )
        )
    for n, unit in enumerate(units):
        category = space.unit_type[unit.pk]
        x0, y0 = space.corner[unit.code]
        x, y = x0 + 0.5, y0 + 0.5
        for k in range(category.min_floor_sockets):
            points.append(
                _point(level, UtilityPoint.Kind.FLOOR_SOCKET, "", x + 0.5 * k, y, unit=unit)
            )
        if category.needs_water:
            points.append(_point(level, UtilityPoint.Kind.WATER, "", x, y + 0.5, unit=unit))
        if category.needs_drainage:
            points.append(_point(level, UtilityPoint.Kind.DRAINAGE, "", x, y + 0.9, unit=unit))
        if n % 2 == 0:
            points.append(
                _point(
                    level,
                    UtilityPoint.Kind.LIGHTBOX_SOCKET,
                    "",
                    (n // 2) * CELL_M + 6,
                    ROW_M + 0.5,
                )
            )
    return points
