"""Matching demands and units: for a unit the demands it can satisfy, for a demand the units
that fit, ranked, with the reason for every criterion passed or failed.

A pair fits when the unit is available, in a preferred station (or of a preferred tier, when the
demand names no station), its area within the demand's range, the demand's business type
designated on the unit (or the unit open to any type), and every utility the demand needs
provided (stations.provision). Fits rank first, then the closest area to the range's middle.
Each function runs a fixed number of queries, whatever the number of units or demands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from stations.models import Unit
from stations.provision import Provision, provisions
from tenders.models import Demand


@dataclass(frozen=True)
class Check:
    """One criterion of a pair: its name, whether it passed, and why."""

    criterion: str
    passed: bool
    reason: str

    def __str__(self) -> str:
        return f"{'✓' if self.passed else '✗'} {self.reason}"


@dataclass
class Match:
    """A unit and a demand weighed against each other; ``counterpart`` is the other side."""

    unit: Unit
    demand: Demand
    counterpart: Unit | Demand
    checks: list[Check] = field(default_factory=list)
    closeness: float = 0.0

    @property
    def fits(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def score(self) -> float:
        """Higher is better: 1 for a fit, plus closeness of the area to the range's middle."""
        return (1.0 if self.fits else 0.0) + self.closeness

    @property
    def reasons(self) -> list[str]:
        return [str(check) for check in self.checks]

    @property
    def failed(self) -> list[str]:
        return [check.criterion for check in self.checks if not check.passed]


def units_for_demand(demand: Demand) -> list[Match]:
    """The available units in the demand's preferred stations (else of its preferred tiers,
    else everywhere), each weighed against it, fits first."""
    demand = (
        Demand.objects.select_related("business_type__parent")
        .prefetch_related("stations")
        .get(pk=demand.pk)
    )
    units = Unit.objects.filter(status=Unit.Status.AVAILABLE)
    station_ids = [s.pk for s in demand.stations.all()]
    if station_ids:
        units = units.filter(station_id__in=station_ids)
    elif demand.tiers:
        units = units.filter(station__tier__in=demand.tiers)
    units = list(units.select_related("station").prefetch_related("business_types"))
    by_unit = provisions(units)
    matches = [_weigh(unit, demand, by_unit[unit.pk], counterpart=unit) for unit in units]
    return _ranked(matches, key=lambda m: (m.unit.station.code, m.unit.code))


def demands_for_unit(unit: Unit) -> list[Match]:
    """The active demands whose preferred stations (or tiers) include the unit's station, or
    that name none, each weighed against the unit, fits first."""
    unit = (
        Unit.objects.select_related("station").prefetch_related("business_types").get(pk=unit.pk)
    )
    station = unit.station
    demands = (
        Demand.objects.filter(is_active=True)
        .filter(Q(stations=station) | Q(stations__isnull=True))
        .distinct()
        .select_related("merchant", "brand", "business_type__parent")
        .prefetch_related("stations")
    )
    provision = provisions([unit])[unit.pk]
    matches = [
        _weigh(unit, demand, provision, counterpart=demand)
        for demand in demands
        if _wants_station(demand, station)
    ]
    return _ranked(matches, key=lambda m: (m.demand.merchant.name, m.demand.pk))


def _wants_station(demand: Demand, station) -> bool:
    stations = list(demand.stations.all())
    if stations:
        return any(s.pk == station.pk for s in stations)
    return not demand.tiers or station.tier in demand.tiers


def _ranked(matches: Iterable[Match], *, key) -> list[Match]:
    return sorted(matches, key=lambda m: (not m.fits, -m.closeness, key(m)))


def _weigh(unit: Unit, demand: Demand, provision: Provision, *, counterpart) -> Match:
    match = Match(unit=unit, demand=demand, counterpart=counterpart)
    match.checks = [
        _check_status(unit),
        _check_station(unit, demand),
        _check_area(unit, demand),
        _check_business_type(unit, demand),
        *_check_utilities(provision, demand),
    ]
    middle = (demand.area_min_m2 + demand.area_max_m2) / 2
    match.closeness = float(1 / (1 + abs(unit.area_m2 - middle) / middle))
    return match


def _check_status(unit: Unit) -> Check:
    if unit.status == Unit.Status.AVAILABLE:
        return Check("status", True, _("unit %(unit)s is available") % {"unit": unit})
    return Check(
        "status",
        False,
        _("unit %(unit)s is not available (%(status)s)")
        % {"unit": unit, "status": unit.get_status_display()},
    )


def _check_station(unit: Unit, demand: Demand) -> Check:
    station = unit.station
    stations = list(demand.stations.all())
    values = {"station": station.code, "tier": station.get_tier_display()}
    if stations:
        if any(s.pk == station.pk for s in stations):
            return Check("station", True, _("station %(station)s is preferred") % values)
        return Check("station", False, _("station %(station)s is not preferred") % values)
    if demand.tiers:
        if station.tier in demand.tiers:
            return Check(
                "station",
                True,
                _("station %(station)s is of a preferred tier (%(tier)s)") % values,
            )
        return Check(
            "station",
            False,
            _("station %(station)s is not of a preferred tier (%(tier)s)") % values,
        )
    return Check("station", True, _("no station preferred: %(station)s will do") % values)


def _check_area(unit: Unit, demand: Demand) -> Check:
    values = {
        "area": unit.area_m2,
        "min": demand.area_min_m2,
        "max": demand.area_max_m2,
    }
    if unit.area_m2 < demand.area_min_m2:
        values["by"] = demand.area_min_m2 - unit.area_m2
        return Check(
            "area",
            False,
            _("area %(area)s m² is %(by)s m² below the %(min)s–%(max)s m² wanted") % values,
        )
    if unit.area_m2 > demand.area_max_m2:
        values["by"] = unit.area_m2 - demand.area_max_m2
        return Check(
            "area",
            False,
            _("area %(area)s m² is %(by)s m² above the %(min)s–%(max)s m² wanted") % values,
        )
    return Check(
        "area", True, _("area %(area)s m² is within the %(min)s–%(max)s m² wanted") % values
    )


def _check_business_type(unit: Unit, demand: Demand) -> Check:
    wanted = demand.business_type
    designated = list(unit.business_types.all())
    values = {"type": wanted.name_zh, "class": wanted.parent.name_zh if wanted.parent else ""}
    if not designated:
        return Check(
            "business_type",
            True,
            _("the unit has no designated business type: %(type)s is allowed") % values,
        )
    if any(c.pk == wanted.pk for c in designated):
        return Check("business_type", True, _("%(type)s is designated on the unit") % values)
    if any(c.pk == wanted.parent_id for c in designated):
        return Check(
            "business_type",
            True,
            _("the unit is designated for the class %(class)s, which includes %(type)s") % values,
        )
    values["designated"] = ", ".join(c.name_zh for c in designated)
    return Check(
        "business_type",
        False,
        _("%(type)s is not designated on the unit (designated: %(designated)s)") % values,
    )


def _check_utilities(provision: Provision, demand: Demand) -> list[Check]:
    checks = []
    need_kw: Decimal = demand.power_kw
    values = {"have": provision.power_kw, "need": need_kw}
    if provision.power_kw >= need_kw:
        checks.append(Check("power", True, _("power %(have)s kW ≥ %(need)s kW needed") % values))
    else:
        values["short"] = need_kw - provision.power_kw
        checks.append(
            Check(
                "power",
                False,
                _("power %(have)s kW < %(need)s kW needed (short by %(short)s kW)") % values,
            )
        )
    values = {"have": provision.floor_sockets, "need": demand.floor_sockets}
    if provision.floor_sockets >= demand.floor_sockets:
        checks.append(
            Check(
                "floor_sockets",
                True,
                _("%(have)d floor sockets ≥ %(need)d needed") % values,
            )
        )
    else:
        checks.append(
            Check(
                "floor_sockets",
                False,
                _("%(have)d floor sockets < %(need)d needed") % values,
            )
        )
    if demand.needs_water:
        checks.append(
            Check("water", True, _("water supply needed and provided"))
            if provision.water_points
            else Check("water", False, _("water supply needed but the unit has no water point"))
        )
    if demand.needs_drainage:
        checks.append(
            Check("drainage", True, _("drainage needed and provided"))
            if provision.drainage_points
            else Check("drainage", False, _("drainage needed but the unit has no drainage point"))
        )
    if demand.needs_exhaust:
        checks.append(
            Check("exhaust", True, _("exhaust needed and provided"))
            if provision.has_exhaust
            else Check("exhaust", False, _("exhaust needed but the unit has none"))
        )
    return checks
