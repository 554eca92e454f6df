"""Provision checks: what a unit provides against what each business type needs.

A unit provides the power allocated to it, the floor and lightbox sockets, water supply and
drainage points that lie inside it, and an exhaust if one is installed. A business type needs
a minimum power, a number of floor sockets, and possibly water, drainage and exhaust. These
functions answer which types a unit can host, and which units can host a type, with the
reason for every misfit. Counts come from one grouped query, whatever the number of units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from stations.models import BusinessCategory, Unit, UtilityPoint


@dataclass(frozen=True)
class Provision:
    """What one unit provides."""

    power_kw: Decimal
    floor_sockets: int
    lightbox_sockets: int
    water_points: int
    drainage_points: int
    has_exhaust: bool

    def shortfalls(self, category: BusinessCategory) -> list[str]:
        """Why this unit cannot host ``category`` (empty when it can)."""
        reasons = []
        if self.power_kw < category.min_power_kw:
            reasons.append(
                _("power %(have)s kW < %(need)s kW needed")
                % {"have": self.power_kw, "need": category.min_power_kw}
            )
        if self.floor_sockets < category.min_floor_sockets:
            reasons.append(
                _("%(have)d floor sockets < %(need)d needed")
                % {"have": self.floor_sockets, "need": category.min_floor_sockets}
            )
        if category.needs_water and not self.water_points:
            reasons.append(_("no water supply point"))
        if category.needs_drainage and not self.drainage_points:
            reasons.append(_("no drainage point"))
        if category.needs_exhaust and not self.has_exhaust:
            reasons.append(_("no exhaust"))
        return reasons


@dataclass(frozen=True)
class Fit:
    unit: Unit
    category: BusinessCategory
    reasons: list[str]

    @property
    def ok(self) -> bool:
        return not self.reasons


_KIND_FIELD = {
    UtilityPoint.Kind.FLOOR_SOCKET: "floor_sockets",
    UtilityPoint.Kind.LIGHTBOX_SOCKET: "lightbox_sockets",
    UtilityPoint.Kind.WATER: "water_points",
    UtilityPoint.Kind.DRAINAGE: "drainage_points",
}


def provisions(units: Iterable[Unit]) -> dict[int, Provision]:
    """The provision of each unit, keyed by unit id (one query for all the points)."""
    units = list(units)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        UtilityPoint.objects.filter(unit__in=[u.pk for u in units], kind__in=list(_KIND_FIELD))
        .values("unit_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["unit_id"]][_KIND_FIELD[row["kind"]]] = row["n"]
    return {
        unit.pk: Provision(
            power_kw=unit.power_kw,
            floor_sockets=counts[unit.pk].get("floor_sockets", 0),
            lightbox_sockets=counts[unit.pk].get("lightbox_sockets", 0),
            water_points=counts[unit.pk].get("water_points", 0),
            drainage_points=counts[unit.pk].get("drainage_points", 0),
            has_exhaust=unit.has_exhaust,
        )
        for unit in units
    }


def business_types() -> QuerySet[BusinessCategory]:
    """The specific types (not the four classes), in catalogue order."""
    return BusinessCategory.objects.filter(parent__isnull=False).select_related("parent")


def types_for_unit(unit: Unit) -> list[Fit]:
    """Every business type with whether ``unit`` can host it, fits first."""
    provision = provisions([unit])[unit.pk]
    fits = [Fit(unit, category, provision.shortfalls(category)) for category in business_types()]
    return sorted(fits, key=lambda f: (not f.ok, f.category.sort_order))


def units_for_type(category: BusinessCategory, units: QuerySet[Unit] | None = None) -> list[Fit]:
    """Every unit (of ``units``, default all) with whether it can host ``category``, fits first."""
    units = list((units if units is not None else Unit.objects.all()).select_related("station"))
    by_unit = provisions(units)
    fits = [Fit(unit, category, by_unit[unit.pk].shortfalls(category)) for unit in units]
    return sorted(fits, key=lambda f: (not f.ok, f.unit.station.code, f.unit.code))


def designation_shortfalls(unit: Unit) -> dict[str, list[str]]:
    """For each business type the unit is designated for, what it still lacks (if anything)."""
    provision = provisions([unit])[unit.pk]
    result = {}
    for category in unit.business_types.filter(parent__isnull=False):
        reasons = provision.shortfalls(category)
        if reasons:
            result[category.code] = reasons
    return result
