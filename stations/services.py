"""Every write to the space of a station: atomic, permission-checked, audited.

Plan changes are validated as a whole (stations.geometry): a change that breaks any rule
raises PlanInvalid listing every violation, and nothing of it is saved.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import shapely
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

import audit
from stations import geometry, media
from stations.geometry import PlanInvalid, Violation
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint, Zone
from stations.permissions import ensure_can_manage
from stations.transitions import ensure_transition

STATION_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "line",
    "city",
    "tier",
    "latitude",
    "longitude",
    "plan_rotation_deg",
)
LEVEL_FIELDS = ("name", "short_name", "ordinal", "outline_wkt")
UNIT_FIELDS = (
    "code",
    "name",
    "polygon_wkt",
    "area_m2",
    "kind",
    "power_kw",
    "has_exhaust",
    "in_paid_area",
)


def _snapshot(obj, fields: Iterable[str]) -> dict:
    return {name: getattr(obj, name) for name in fields}


def _full_clean(obj, *, exclude: Sequence[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude), validate_unique=True, validate_constraints=False)


# --- stations -----------------------------------------------------------------------------


@transaction.atomic
def station_create(*, actor, **fields) -> Station:
    """Create a station. Only a network officer (global manage_station) or the system may."""
    if actor is not None and not actor.has_perm("stations.manage_station"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only a network leasing officer may create stations."))
    station = Station(**fields)
    _full_clean(station)
    station.save()
    audit.record(
        actor=actor,
        action="station.create",
        target=station,
        after=_snapshot(station, STATION_FIELDS),
    )
    return station


@transaction.atomic
def station_update(*, actor, station: Station, **changes) -> Station:
    station = Station.objects.select_for_update().get(pk=station.pk)
    ensure_can_manage(actor, station)
    before = _snapshot(station, STATION_FIELDS)
    for name, value in changes.items():
        if name not in STATION_FIELDS:
            raise ValidationError({name: _("This field cannot be changed here.")})
        setattr(station, name, value)
    _full_clean(station)
    station.save()
    audit.record(
        actor=actor,
        action="station.update",
        target=station,
        before=before,
        after=_snapshot(station, STATION_FIELDS),
    )
    return station


# --- levels -------------------------------------------------------------------------------


def _parse_shape(value, *, label: str, field_name: str) -> shapely.Polygon:
    return _parse_shapes([value], labels=[label], field_name=field_name)[0]


def _parse_shapes(values: Sequence, *, labels: Sequence[str], field_name: str) -> list:
    """Parse and check many shapes, refusing the first bad one; polygon_faults runs once over
    all of them (one call per shape costs more than the whole level check of 10,000 units)."""
    parsed = [geometry.parse_geometry(value) for value in values]
    faults = iter(geometry.polygon_faults([p.polygon for p in parsed if p.fault is None]))
    for label, shape in zip(labels, parsed, strict=True):
        fault = shape.fault if shape.fault is not None else next(faults)
        if fault:
            raise ValidationError(
                {field_name: _("%(label)s: polygon %(fault)s.") % {"label": label, "fault": fault}}
            )
    return [shape.polygon for shape in parsed]


@transaction.atomic
def level_create(
    *, actor, station: Station, name: str, ordinal: int, outline, short_name: str = ""
) -> Level:
    """Add a level with its outline (WKT or GeoJSON polygon in plan metres)."""
    station = Station.objects.select_for_update().get(pk=station.pk)
    ensure_can_manage(actor, station)
    polygon = _parse_shape(outline, label=_("Level outline"), field_name="outline_wkt")
    level = Level(
        station=station, name=name, short_name=short_name, ordinal=ordinal, outline_wkt=polygon.wkt
    )
    _full_clean(level, exclude=["underlay"])
    _check_level_unique(level)
    level.save()
    audit.record(
        actor=actor, action="level.create", target=level, after=_snapshot(level, LEVEL_FIELDS)
    )
    return level


def _check_level_unique(level: Level) -> None:
    others = Level.objects.filter(station=level.station).exclude(pk=level.pk)
    if others.filter(ordinal=level.ordinal).exists():
        raise ValidationError(
            {
                "ordinal": _("Station %(code)s already has a level %(n)s.")
                % {"code": level.station.code, "n": level.ordinal}
            }
        )
    if others.filter(name=level.name).exists():
        raise ValidationError(
            {
                "name": _("Station %(code)s already has a level named %(name)s.")
                % {"code": level.station.code, "name": level.name}
            }
        )


@transaction.atomic
def level_update(*, actor, level: Level, **changes) -> Level:
    """Change a level's name, order or outline; a new outline must still hold every unit."""
    level = Level.objects.select_for_update().select_related("station").get(pk=level.pk)
    ensure_can_manage(actor, level.station)
    before = _snapshot(level, LEVEL_FIELDS)
    for name, value in changes.items():
        if name == "outline":
            name, value = (
                "outline_wkt",
                _parse_shape(value, label=_("Level outline"), field_name="outline_wkt").wkt,
            )
        elif name == "outline_wkt":
            value = _parse_shape(value, label=_("Level outline"), field_name="outline_wkt").wkt
        elif name not in LEVEL_FIELDS:
            raise ValidationError({name: _("This field cannot be changed here.")})
        setattr(level, name, value)
    _full_clean(level, exclude=["underlay"])
    _check_level_unique(level)
    if before["outline_wkt"] != level.outline_wkt:
        _validate_level(level, changed={})
        _check_points_inside(level, list(level.utility_points.values_list("code", "x", "y")))
    level.save()
    audit.record(
        actor=actor,
        action="level.update",
        target=level,
        before=before,
        after=_snapshot(level, LEVEL_FIELDS),
    )
    return level


@media.atomic_with_files
def level_set_underlay(
    *, actor, level: Level, upload, scale, offset_x=Decimal("0"), offset_y=Decimal("0")
) -> Level:
    """Attach a plan underlay image after checking its size, pixel count and format."""
    from stations.plans import check_underlay

    level = Level.objects.select_for_update().select_related("station").get(pk=level.pk)
    ensure_can_manage(actor, level.station)
    info = check_underlay(upload)
    before = {"underlay": level.underlay.name or None, "scale": level.underlay_scale}
    level.underlay_scale = scale
    level.underlay_offset_x = offset_x
    level.underlay_offset_y = offset_y
    _full_clean(level, exclude=["underlay"])
    upload.seek(0)
    media.store(
        level.underlay,
        f"{level.station.code}-{level.ordinal}.{info['format'].lower()}",
        upload,
        field="underlay",
        shown_as=getattr(upload, "name", None),
    )
    level.save()
    audit.record(
        actor=actor,
        action="level.set_underlay",
        target=level,
        before=before,
        after={"underlay": level.underlay.name, "scale": scale, **info},
    )
    return level


# --- units --------------------------------------------------------------------------------


@dataclass
class UnitSpec:
    """What a new or changed unit is to be; business types by code or object."""

    code: str
    polygon: object
    kind: str = Unit.Kind.SHOP
    business_types: Sequence = ()
    power_kw: Decimal = Decimal("0")
    has_exhaust: bool = False
    name: str = ""
    in_paid_area: bool = False
    errors: list[str] = field(default_factory=list)


def _business_types(values: Sequence) -> list[BusinessCategory]:
    objs = [v for v in values if isinstance(v, BusinessCategory)]
    codes = [v for v in values if not isinstance(v, BusinessCategory)]
    if codes:
        found = {c.code: c for c in BusinessCategory.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValidationError(
                {
                    "business_types": _("Unknown business type: %(codes)s.")
                    % {"codes": ", ".join(missing)}
                }
            )
        objs += [found[c] for c in codes]
    return objs


def _level_polygons(level: Level, *, exclude_ids: Iterable[int] = ()):
    rows = list(level.units.exclude(pk__in=list(exclude_ids)).values_list("code", "polygon_wkt"))
    codes = [code for code, _wkt in rows]
    polygons = list(shapely.from_wkt([wkt for _code, wkt in rows])) if rows else []
    return codes, polygons


def _no_build_zones(level: Level) -> list[tuple[str, shapely.Polygon]]:
    rows = level.zones.filter(kind__in=Zone.NO_BUILD_KINDS).values_list(
        "name", "kind", "polygon_wkt"
    )
    return [
        (name or str(Zone.Kind(kind).label), shapely.from_wkt(wkt)) for name, kind, wkt in rows
    ]


def _validate_level(
    level: Level, *, changed: dict[str, shapely.Polygon], exclude_ids: Iterable[int] = ()
) -> None:
    """Check the level as it would be with ``changed`` units (code → polygon) in place."""
    codes, polygons = _level_polygons(level, exclude_ids=exclude_ids)
    codes += list(changed)
    polygons += list(changed.values())
    violations = geometry.check_units(
        outline=shapely.from_wkt(level.outline_wkt),
        codes=codes,
        polygons=polygons,
        no_build_zones=_no_build_zones(level),
    )
    if changed:
        violations = [v for v in violations if set(v.codes) & set(changed)]
    if violations:
        raise PlanInvalid(violations)


def _check_points_inside(level: Level, points: Sequence[tuple[str, Decimal, Decimal]]) -> None:
    if not points:
        return
    outside = geometry.points_outside(
        shapely.from_wkt(level.outline_wkt),
        [float(p[1]) for p in points],
        [float(p[2]) for p in points],
    )
    violations = [
        Violation(
            "point_outside",
            (),
            _("Utility point %(code)s at (%(x)s, %(y)s) lies outside the level outline.")
            % {"code": code or "—", "x": x, "y": y},
        )
        for (code, x, y), out in zip(points, outside, strict=True)
        if out
    ]
    if violations:
        raise PlanInvalid(violations)


def _reassign_points(level: Level) -> None:
    """Give every utility point of the level the unit that now contains it (or none)."""
    # Not the related manager: it would read each point's deferred level_id, one query each.
    points = list(UtilityPoint.objects.filter(level=level).only("id", "x", "y", "unit"))
    if not points:
        return
    units = list(level.units.values_list("id", "polygon_wkt"))
    polygons = list(shapely.from_wkt([wkt for _id, wkt in units])) if units else []
    owner = geometry.assign_points(
        polygons, [float(p.x) for p in points], [float(p.y) for p in points]
    )
    changed = []
    for point, idx in zip(points, owner, strict=True):
        unit_id = units[idx][0] if idx >= 0 else None
        if point.unit_id != unit_id:
            point.unit_id = unit_id
            changed.append(point)
    if changed:
        UtilityPoint.objects.bulk_update(changed, ["unit"], batch_size=1000)


def station_power(station: Station) -> tuple[Decimal, Decimal]:
    """(allocated to units, capacity of the cabinets) in kW for a station, to 2 places."""
    allocated = Unit.objects.filter(station=station).aggregate(s=Sum("power_kw"))["s"] or Decimal(
        "0"
    )
    capacity = UtilityPoint.objects.filter(
        level__station=station, kind=UtilityPoint.Kind.CABINET
    ).aggregate(s=Sum("capacity_kw"))["s"] or Decimal("0")
    # SQLite sums decimals as floats (100.010000000000, 100); PostgreSQL keeps the places.
    cent = Decimal("0.01")
    return allocated.quantize(cent), capacity.quantize(cent)


def _check_power(station: Station) -> None:
    # The station row's lock serialises every power change of the station: a second
    # transaction waits here, then its sums (read after the wait) include the first's rows.
    Station.objects.select_for_update().filter(pk=station.pk).exists()
    allocated, capacity = station_power(station)
    if allocated > capacity:
        raise ValidationError(
            {
                "power_kw": _(
                    "Station %(code)s would allocate %(allocated)s kW to its units but its "
                    "distribution cabinets provide only %(capacity)s kW."
                )
                % {"code": station.code, "allocated": allocated, "capacity": capacity}
            }
        )


def _decimal(value, *, field_name: str, places: int = 2) -> Decimal:
    try:
        number = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field_name: _("“%(value)s” is not a number.") % {"value": value}}
        ) from None
    if not number.is_finite() or number < 0:
        raise ValidationError(
            {field_name: _("must be a finite number ≥ 0, not %(value)s.") % {"value": value}}
        )
    return _quantize(number, Decimal(1).scaleb(-places), field_name=field_name)


def _quantize(number: Decimal, exponent: Decimal, *, field_name: str) -> Decimal:
    try:
        return number.quantize(exponent)
    except InvalidOperation:  # more digits than a Decimal holds: far beyond any field's limit
        raise ValidationError(
            {field_name: _("%(value)s is too large.") % {"value": number}}
        ) from None


def _build_unit(
    level: Level, spec: UnitSpec, polygon: shapely.Polygon, unit: Unit | None = None
) -> Unit:
    unit = unit or Unit(station=level.station, level=level)
    unit.code = spec.code
    unit.name = spec.name
    unit.polygon_wkt = polygon.wkt
    unit.area_m2 = geometry.area_m2(polygon)
    unit.kind = spec.kind
    unit.power_kw = _decimal(spec.power_kw, field_name="power_kw")
    unit.has_exhaust = bool(spec.has_exhaust)
    unit.in_paid_area = bool(spec.in_paid_area)
    _full_clean(unit, exclude=["station", "level", "business_types"])
    return unit


@transaction.atomic
def units_create(*, actor, level: Level, specs: Sequence[UnitSpec]) -> list[Unit]:
    """Add units to a level, validated together with the level's existing units and zones."""
    level = Level.objects.select_for_update().select_related("station").get(pk=level.pk)
    ensure_can_manage(actor, level.station)
    return _create_units(actor=actor, level=level, specs=specs, action="unit.create")


def _create_units(*, actor, level: Level, specs: Sequence[UnitSpec], action: str) -> list[Unit]:
    station = level.station
    codes = [s.code for s in specs]
    shapes = _parse_shapes(
        [spec.polygon for spec in specs],
        labels=[_("Unit %(code)s") % {"code": code} for code in codes],
        field_name="polygon_wkt",
    )
    polygons = dict(zip(codes, shapes, strict=True))
    duplicates = sorted(code for code, n in Counter(codes).items() if n > 1)
    taken = sorted(
        Unit.objects.filter(station=station, code__in=codes).values_list("code", flat=True)
    )
    if duplicates or taken:
        raise ValidationError(
            {
                "code": _("Unit code already used in station %(station)s: %(codes)s.")
                % {"station": station.code, "codes": ", ".join(duplicates + taken)}
            }
        )
    _validate_level(level, changed=polygons)
    units = [_build_unit(level, spec, polygons[spec.code]) for spec in specs]
    Unit.objects.bulk_create(units, batch_size=500)
    through = Unit.business_types.through
    # One look-up for the whole batch; unknown codes are named before anything is written.
    categories = {
        getattr(b, "code", b): b
        for b in _business_types([b for spec in specs for b in spec.business_types])
    }
    links = [
        through(unit_id=unit.pk, businesscategory_id=categories[getattr(b, "code", b)].pk)
        for unit, spec in zip(units, specs, strict=True)
        for b in dict.fromkeys(spec.business_types)
    ]
    through.objects.bulk_create(links, batch_size=1000)
    if any(u.power_kw for u in units):
        _check_power(station)
    _reassign_points(level)
    audit.record_many(
        actor=actor,
        action=action,
        changes=[
            {
                "target": unit,
                "after": {
                    **_snapshot(unit, UNIT_FIELDS),
                    "business_types": [getattr(b, "code", b) for b in spec.business_types],
                },
            }
            for unit, spec in zip(units, specs, strict=True)
        ],
    )
    return units


def unit_create(*, actor, level: Level, **fields) -> Unit:
    """Add one unit; see :func:`units_create`."""
    return units_create(actor=actor, level=level, specs=[UnitSpec(**fields)])[0]


@transaction.atomic
def unit_update(*, actor, unit: Unit, **changes) -> Unit:
    """Change a unit's shape, code or provisions; the plan rules are checked again."""
    unit = Unit.objects.select_for_update().select_related("level", "station").get(pk=unit.pk)
    ensure_can_manage(actor, unit.station)
    before = {
        **_snapshot(unit, UNIT_FIELDS),
        "business_types": sorted(unit.business_types.values_list("code", flat=True)),
    }
    spec = UnitSpec(
        code=changes.pop("code", unit.code),
        polygon=changes.pop("polygon", changes.pop("polygon_wkt", unit.polygon_wkt)),
        kind=changes.pop("kind", unit.kind),
        business_types=changes.pop("business_types", None),
        power_kw=changes.pop("power_kw", unit.power_kw),
        has_exhaust=changes.pop("has_exhaust", unit.has_exhaust),
        name=changes.pop("name", unit.name),
        in_paid_area=changes.pop("in_paid_area", unit.in_paid_area),
    )
    if changes:
        raise ValidationError({name: _("This field cannot be changed here.") for name in changes})
    polygon = _parse_shape(
        spec.polygon, label=_("Unit %(code)s") % {"code": spec.code}, field_name="polygon_wkt"
    )
    if (
        spec.code != unit.code
        and Unit.objects.filter(station=unit.station, code=spec.code).exists()
    ):
        raise ValidationError(
            {
                "code": _("Unit code already used in station %(station)s: %(codes)s.")
                % {"station": unit.station.code, "codes": spec.code}
            }
        )
    if polygon.wkt != unit.polygon_wkt:
        _validate_level(unit.level, changed={spec.code: polygon}, exclude_ids=[unit.pk])
    _build_unit(unit.level, spec, polygon, unit)
    unit.save()
    if spec.business_types is not None:
        unit.business_types.set(_business_types(spec.business_types))
    _check_power(unit.station)
    if polygon.wkt != shapely.from_wkt(before["polygon_wkt"]).wkt:
        _reassign_points(unit.level)
    after = {
        **_snapshot(unit, UNIT_FIELDS),
        "business_types": sorted(unit.business_types.values_list("code", flat=True)),
    }
    audit.record(actor=actor, action="unit.update", target=unit, before=before, after=after)
    return unit


@transaction.atomic
def unit_delete(*, actor, unit: Unit) -> None:
    """Remove a unit that is still only planned; a let or open unit is never deleted."""
    unit = Unit.objects.select_for_update().select_related("level", "station").get(pk=unit.pk)
    ensure_can_manage(actor, unit.station)
    if unit.status not in (Unit.Status.PLANNED, Unit.Status.AVAILABLE, Unit.Status.CLOSED):
        raise ValidationError(
            _("Unit %(code)s is %(status)s and cannot be deleted.")
            % {"code": unit.code, "status": unit.get_status_display()}
        )
    audit.record(
        actor=actor, action="unit.delete", target=unit, before=_snapshot(unit, UNIT_FIELDS)
    )
    level = unit.level
    unit.delete()
    _reassign_points(level)


@transaction.atomic
def unit_change_status(
    *, actor, unit: Unit, status: str, reason: str = "", source: models.Model | None = None
) -> Unit:
    """Move a unit along its status table (e.g. planned → available when released for letting).

    Reserved, let, fitting out and open (Unit.PROCESS_STATUSES) need the ``source`` that
    causes them — the award or the lease, whose service calls this — and are journalled with
    it; nobody sets them by hand. The service that passes its ``source`` has checked the
    actor's authority for it (an award is made by the officer who runs the round, who need not
    manage the station's space), so the station check applies to changes by hand only.
    """
    unit = Unit.objects.select_for_update().select_related("station").get(pk=unit.pk)
    if source is None:
        ensure_can_manage(actor, unit.station)
    ensure_transition(unit, status)
    if status in Unit.PROCESS_STATUSES and source is None:
        raise ValidationError(
            {
                "status": _(
                    "A unit becomes “%(status)s” only through the award or the lease, not by hand."
                )
                % {"status": Unit.Status(status).label}
            }
        )
    before = unit.status
    unit.status = status
    unit.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="unit.change_status",
        target=unit,
        before={"status": before},
        after={"status": status},
        data={
            "reason": reason,
            "source": f"{source._meta.label_lower}:{source.pk}" if source is not None else None,
        },
    )
    return unit


# --- zones --------------------------------------------------------------------------------


@transaction.atomic
def zone_create(*, actor, level: Level, kind: str, polygon, name: str = "") -> Zone:
    """Add a zone; a no-build zone must not cover any existing unit."""
    level = Level.objects.select_for_update().select_related("station").get(pk=level.pk)
    ensure_can_manage(actor, level.station)
    shape = _parse_shape(
        polygon, label=_("Zone %(name)s") % {"name": name or kind}, field_name="polygon_wkt"
    )
    zone = Zone(level=level, kind=kind, name=name, polygon_wkt=shape.wkt)
    _full_clean(zone, exclude=["level"])
    outside = shapely.area(shapely.difference(shape, shapely.from_wkt(level.outline_wkt)))
    if outside > geometry.OVERLAP_TOLERANCE_M2:
        raise PlanInvalid(
            [
                Violation(
                    "outside_level",
                    (),
                    _("Zone %(name)s lies outside the level outline by %(area)s m².")
                    % {"name": str(zone), "area": geometry.round_m2(outside)},
                )
            ]
        )
    if zone.is_no_build:
        codes, polygons = _level_polygons(level)
        violations = geometry.check_zones_clear(
            zones=[(str(zone), shape)], codes=codes, polygons=polygons
        )
        if violations:
            raise PlanInvalid(violations)
    zone.save()
    audit.record(
        actor=actor,
        action="zone.create",
        target=zone,
        after={"kind": kind, "name": name, "polygon_wkt": zone.polygon_wkt},
    )
    return zone


@transaction.atomic
def zone_delete(*, actor, zone: Zone) -> None:
    zone = Zone.objects.select_related("level__station").get(pk=zone.pk)
    ensure_can_manage(actor, zone.level.station)
    audit.record(
        actor=actor,
        action="zone.delete",
        target=zone,
        before={"kind": zone.kind, "name": zone.name, "polygon_wkt": zone.polygon_wkt},
    )
    zone.delete()


# --- utility points -----------------------------------------------------------------------


@dataclass
class PointSpec:
    kind: str
    x: Decimal
    y: Decimal
    capacity_kw: Decimal | None = None
    code: str = ""


@transaction.atomic
def utility_points_create(
    *, actor, level: Level, specs: Sequence[PointSpec]
) -> list[UtilityPoint]:
    """Place utility points on a level; each is assigned to the unit that contains it."""
    level = Level.objects.select_for_update().select_related("station").get(pk=level.pk)
    ensure_can_manage(actor, level.station)
    points = []
    for spec in specs:
        point = UtilityPoint(
            level=level,
            kind=spec.kind,
            code=spec.code,
            x=_decimal_coordinate(spec.x, "x"),
            y=_decimal_coordinate(spec.y, "y"),
            capacity_kw=None
            if spec.capacity_kw is None
            else _decimal(spec.capacity_kw, field_name="capacity_kw"),
        )
        _full_clean(point, exclude=["level", "unit"])
        if (point.kind == UtilityPoint.Kind.CABINET) != (point.capacity_kw is not None):
            raise ValidationError(
                {
                    "capacity_kw": _(
                        "A distribution cabinet needs its capacity in kW; other points have none (%(code)s)."
                    )
                    % {"code": spec.code or spec.kind}
                }
            )
        points.append(point)
    _check_points_inside(level, [(p.code, p.x, p.y) for p in points])
    UtilityPoint.objects.bulk_create(points, batch_size=1000)
    _reassign_points(level)
    audit.record_many(
        actor=actor,
        action="utility_point.create",
        changes=[
            {
                "target": point,
                "after": {
                    "kind": point.kind,
                    "code": point.code,
                    "x": point.x,
                    "y": point.y,
                    "capacity_kw": point.capacity_kw,
                },
            }
            for point in points
        ],
    )
    return points


def utility_point_create(*, actor, level: Level, **fields) -> UtilityPoint:
    return utility_points_create(actor=actor, level=level, specs=[PointSpec(**fields)])[0]


def _decimal_coordinate(value, field_name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field_name: _("“%(value)s” is not a number.") % {"value": value}}
        ) from None
    if not number.is_finite():
        raise ValidationError(
            {field_name: _("must be a finite number, not %(value)s.") % {"value": value}}
        )
    return _quantize(number, Decimal("0.01"), field_name=field_name)


@transaction.atomic
def utility_point_delete(*, actor, point: UtilityPoint) -> None:
    """Remove a point; removing a cabinet may not leave the station's units short of power."""
    point = UtilityPoint.objects.select_related("level__station").get(pk=point.pk)
    station = point.level.station
    ensure_can_manage(actor, station)
    audit.record(
        actor=actor,
        action="utility_point.delete",
        target=point,
        before={
            "kind": point.kind,
            "code": point.code,
            "x": point.x,
            "y": point.y,
            "capacity_kw": point.capacity_kw,
        },
    )
    point.delete()
    _check_power(station)


# --- business categories (added for the back office: the catalogue is edited in the admin) --

CATEGORY_FIELDS = (
    "code",
    "parent",
    "name_zh",
    "name_en",
    "min_power_kw",
    "min_floor_sockets",
    "needs_water",
    "needs_drainage",
    "needs_exhaust",
    "is_basic",
    "sort_order",
)


def _ensure_network_officer(actor) -> None:
    if actor is not None and not (actor.is_active and actor.has_perm("stations.manage_station")):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only a network leasing officer may change the business types."))


def _clean_category(category: BusinessCategory) -> None:
    """Power to 2 places; a type hangs under a major class, a class with types stays a class."""
    category.min_power_kw = _decimal(category.min_power_kw, field_name="min_power_kw")
    parent = category.parent
    if parent is None:
        return
    if parent.parent_id is not None:
        raise ValidationError(
            {"parent": _("A business type belongs to a major class, not to another type.")}
        )
    if category.pk is not None and parent.pk == category.pk:
        raise ValidationError({"parent": _("A class cannot be its own parent.")})
    if category.pk is not None and category.types.exists():
        raise ValidationError(
            {
                "parent": _("%(name)s has types of its own; a class cannot become a type.")
                % {"name": category}
            }
        )


@transaction.atomic
def business_category_create(*, actor, **fields) -> BusinessCategory:
    """Add a major class (no parent) or a business type with what it needs."""
    _ensure_network_officer(actor)
    category = BusinessCategory(**fields)
    _full_clean(category)
    _clean_category(category)
    category.save()
    audit.record(
        actor=actor,
        action="business_category.create",
        target=category,
        after=_snapshot(category, CATEGORY_FIELDS),
    )
    return category


@transaction.atomic
def business_category_update(*, actor, category: BusinessCategory, **changes) -> BusinessCategory:
    """Change a class or type (names, needs, basic configuration, order)."""
    _ensure_network_officer(actor)
    category = BusinessCategory.objects.select_for_update().get(pk=category.pk)
    before = _snapshot(category, CATEGORY_FIELDS)
    for name, value in changes.items():
        if name not in CATEGORY_FIELDS:
            raise ValidationError({name: _("This field cannot be changed here.")})
        setattr(category, name, value)
    _full_clean(category)
    _clean_category(category)
    category.save()
    audit.record(
        actor=actor,
        action="business_category.update",
        target=category,
        before=before,
        after=_snapshot(category, CATEGORY_FIELDS),
    )
    return category


@transaction.atomic
def level_place_underlay(*, actor, level: Level, scale, offset_x, offset_y) -> Level:
    """Move or rescale a level's existing underlay (to line the drawing up with the plan)."""
    level = Level.objects.select_for_update().select_related("station").get(pk=level.pk)
    ensure_can_manage(actor, level.station)
    if not level.underlay:
        raise ValidationError({"underlay_scale": _("This level has no underlay to place.")})
    before = {
        "scale": level.underlay_scale,
        "offset_x": level.underlay_offset_x,
        "offset_y": level.underlay_offset_y,
    }
    level.underlay_scale = scale
    level.underlay_offset_x = offset_x
    level.underlay_offset_y = offset_y
    _full_clean(level, exclude=["underlay"])
    level.save(update_fields=["underlay_scale", "underlay_offset_x", "underlay_offset_y"])
    audit.record(
        actor=actor,
        action="level.place_underlay",
        target=level,
        before=before,
        after={"scale": scale, "offset_x": offset_x, "offset_y": offset_y},
    )
    return level
