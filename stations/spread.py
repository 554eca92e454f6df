"""The spread of outlets (错位经营): how many outlets of one business type a station takes, per
level and in all, so that merchants of one type do not undercut each other next door.

What counts as an outlet is decided by the apps that make them, which register a source here
(``register_outlets``) because the space does not import the tender or the lease:

- ``tenders`` — an open lot of a round neither failed nor cancelled, and an awarded lot whose
  award has no lease yet: each is one outlet-to-be, of the lot's business type;
- ``leasing`` — a lease holding its units (draft, signed, fitting out, open) whose period
  overlaps the one asked about: one outlet, of its award's lot's type, or for a direct lease
  of the one specific type its units are designated for (none when they have several).

An outlet is one lot or lease, however many units it bundles; it stands on every level where
it has a unit. A limit set on a major class (catering) counts the outlets of all its types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import audit
from stations.models import BusinessCategory, SpreadLimit, Station, Unit
from stations.permissions import ensure_can_manage


@dataclass(frozen=True)
class Outlet:
    """An outlet (or one to be) as the spread rule sees it: a label, its type, its units."""

    label: str
    business_type_id: int
    unit_ids: frozenset[int]


# source(*, station, type_ids, during, excluding) -> outlets of those types in the station.
OutletSource = Callable[..., Iterable[Outlet]]
_SOURCES: list[OutletSource] = []


def register_outlets(source: OutletSource) -> OutletSource:
    """Add a source of outlets (called from an app's ``ready``); registering twice is a no-op."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def excluded_pks(excluding: Iterable, model) -> set:
    """The primary keys of the ``model`` instances among ``excluding`` (for sources)."""
    return {obj.pk for obj in excluding if isinstance(obj, model)}


def _chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def _station_name(station: Station) -> str:
    return station.name_zh if _chinese() else station.name_en


def _type_name(category: BusinessCategory) -> str:
    return category.name_zh if _chinese() else category.name_en.lower()


def _level_name(level) -> str:
    return level.short_name or level.name


def _ordinal(level) -> int:
    return level.ordinal


def _levels(outlet: Outlet, unit_rows: dict) -> set[int]:
    return {unit_rows[pk].level_id for pk in outlet.unit_ids if pk in unit_rows}


def spread_faults(
    *,
    station: Station,
    business_type: BusinessCategory | None,
    units: Sequence[Unit],
    during: tuple[dt.date, dt.date] | None = None,
    excluding: Iterable = (),
) -> list[str]:
    """What a new outlet of ``business_type`` on ``units`` would break, one message a rule.

    ``during`` is the new outlet's period [start, end) (a lease); without it (a lot, whose dates
    are not known yet) every lease not yet over counts. ``excluding`` holds the records the new
    outlet replaces (the lot being changed; the awarded lot a lease is made from). Called in
    the transaction that stores the outlet, it locks the limits it applies, so that two
    outlets checked at once are counted one after the other.
    """
    if business_type is None or not units:
        return []
    covering = [business_type.pk] + ([business_type.parent_id] if business_type.parent_id else [])
    limits = SpreadLimit.objects.filter(
        station=station, business_type__in=covering
    ).select_related("business_type")
    if transaction.get_connection().in_atomic_block:
        limits = limits.select_for_update(of=("self",))
    limits = list(limits.order_by("business_type__parent_id", "pk"))
    if not limits:
        return []
    excluding = list(excluding)
    type_ids = set(
        BusinessCategory.objects.filter(parent__in=covering).values_list("pk", flat=True)
    ) | {business_type.pk}
    outlets = [
        outlet
        for source in _SOURCES
        for outlet in source(
            station=station, type_ids=type_ids, during=during, excluding=excluding
        )
    ]
    new = Outlet(_("the new one"), business_type.pk, frozenset(u.pk for u in units))
    outlets.append(new)
    unit_rows = {
        row.pk: row
        for row in Unit.objects.filter(
            pk__in={pk for outlet in outlets for pk in outlet.unit_ids}
        ).select_related("level")
    }
    faults = []
    for limit in limits:
        covered = (
            {limit.business_type.pk}
            if limit.business_type.parent_id
            else set(limit.business_type.types.values_list("pk", flat=True))
        )
        counted = [o for o in outlets if o.business_type_id in covered]
        values = {
            "station": _station_name(station),
            "type": _type_name(limit.business_type),
        }
        if limit.max_per_level is not None:
            for level in sorted({unit_rows[pk].level for pk in new.unit_ids}, key=_ordinal):
                here = [o for o in counted if level.pk in _levels(o, unit_rows)]
                if len(here) <= limit.max_per_level:
                    continue
                codes = sorted(
                    unit_rows[pk].code
                    for o in here
                    for pk in o.unit_ids
                    if pk in unit_rows and unit_rows[pk].level_id == level.pk
                )
                faults.append(
                    _(
                        "%(station)s takes at most %(limit)s %(type)s outlets per level: "
                        "level %(level)s would have %(count)s (units %(units)s)."
                    )
                    % {
                        **values,
                        "limit": limit.max_per_level,
                        "level": _level_name(level),
                        "count": len(here),
                        "units": ", ".join(codes),
                    }
                )
        if limit.max_per_station is not None and len(counted) > limit.max_per_station:
            faults.append(
                _(
                    "%(station)s takes at most %(limit)s %(type)s outlets in the station: it "
                    "would have %(count)s (%(outlets)s)."
                )
                % {
                    **values,
                    "limit": limit.max_per_station,
                    "count": len(counted),
                    "outlets": "; ".join(o.label for o in counted),
                }
            )
    return faults


def ensure_spread(**kwargs) -> None:
    """Refuse, naming every rule broken, an outlet that :func:`spread_faults` finds fault
    with; the error is on the units."""
    faults = spread_faults(**kwargs)
    if faults:
        raise ValidationError({"units": faults})


# --- where a station stands --------------------------------------------------------------


@dataclass(frozen=True)
class LimitStanding:
    """One of a station's limits against the outlets it counts now: how many on each level
    where there are any (by level order), how many in all, and the rules already broken."""

    limit: SpreadLimit
    per_level: tuple[tuple[str, int], ...]
    in_station: int
    faults: tuple[str, ...]


def spread_standing(*, station: Station) -> list[LimitStanding]:
    """Each limit of ``station`` against the outlets counting today (lots of live rounds,
    awards without their lease, leases not over). A limit set after outlets were let may be
    exceeded already: those outlets stay, and the faults say where (new ones are refused)."""
    limits = list(
        SpreadLimit.objects.filter(station=station)
        .select_related("business_type")
        .order_by("business_type__parent_id", "business_type__code")
    )
    if not limits:
        return []
    classes = [limit.business_type.pk for limit in limits if not limit.business_type.parent_id]
    children: dict[int, set[int]] = {}
    for pk, parent_id in BusinessCategory.objects.filter(parent__in=classes).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, set()).add(pk)
    covered = {
        limit.pk: (
            {limit.business_type.pk}
            if limit.business_type.parent_id
            else children.get(limit.business_type.pk, set())
        )
        for limit in limits
    }
    type_ids = set().union(*covered.values())
    outlets = [
        outlet
        for source in _SOURCES
        for outlet in source(station=station, type_ids=type_ids, during=None, excluding=())
    ]
    unit_rows = {
        row.pk: row
        for row in Unit.objects.filter(
            pk__in={pk for outlet in outlets for pk in outlet.unit_ids}
        ).select_related("level")
    }
    standing = []
    for limit in limits:
        counted = [o for o in outlets if o.business_type_id in covered[limit.pk]]
        levels = sorted(
            {unit_rows[pk].level for o in counted for pk in o.unit_ids if pk in unit_rows},
            key=_ordinal,
        )
        per_level = []
        faults = []
        values = {"station": _station_name(station), "type": _type_name(limit.business_type)}
        for level in levels:
            here = [o for o in counted if level.pk in _levels(o, unit_rows)]
            per_level.append((_level_name(level), len(here)))
            if limit.max_per_level is not None and len(here) > limit.max_per_level:
                codes = sorted(
                    unit_rows[pk].code
                    for o in here
                    for pk in o.unit_ids
                    if pk in unit_rows and unit_rows[pk].level_id == level.pk
                )
                faults.append(
                    _(
                        "%(station)s takes at most %(limit)s %(type)s outlets per level: "
                        "level %(level)s has %(count)s (units %(units)s)."
                    )
                    % {
                        **values,
                        "limit": limit.max_per_level,
                        "level": _level_name(level),
                        "count": len(here),
                        "units": ", ".join(codes),
                    }
                )
        if limit.max_per_station is not None and len(counted) > limit.max_per_station:
            faults.append(
                _(
                    "%(station)s takes at most %(limit)s %(type)s outlets in the station: it "
                    "has %(count)s (%(outlets)s)."
                )
                % {
                    **values,
                    "limit": limit.max_per_station,
                    "count": len(counted),
                    "outlets": "; ".join(sorted(o.label for o in counted)),
                }
            )
        standing.append(
            LimitStanding(
                limit=limit,
                per_level=tuple(per_level),
                in_station=len(counted),
                faults=tuple(faults),
            )
        )
    return standing


# --- setting the limits -------------------------------------------------------------------


def _limit_count(value, field_name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(
            {field_name: _("“%(value)s” is not a whole number.") % {"value": value}}
        ) from None
    if number < 1:
        raise ValidationError({field_name: _("A limit is 1 or more (empty for none).")})
    return number


@transaction.atomic
def spread_limit_set(
    *, actor, station: Station, business_type: BusinessCategory, max_per_level, max_per_station
) -> SpreadLimit | None:
    """Set the most outlets of ``business_type`` (a type, or a major class for all its types)
    ``station`` takes per level and in all; both empty removes the limit.

    For a leasing officer of the station (``stations.manage_station`` on it, and the model
    permission the role holds). Outlets already let stay; new lots and leases are held to it.
    """
    station = Station.objects.get(pk=station.pk)
    ensure_can_manage(actor, station)
    existing = (
        SpreadLimit.objects.select_for_update()
        .filter(station=station, business_type=business_type)
        .first()
    )
    needed = "stations.change_spreadlimit" if existing else "stations.add_spreadlimit"
    if actor is not None and not actor.has_perm(needed):
        raise PermissionDenied(_("Only a leasing officer sets the spread of outlets."))
    per_level = _limit_count(max_per_level, "max_per_level")
    per_station = _limit_count(max_per_station, "max_per_station")
    if per_level is not None and per_station is not None and per_level > per_station:
        raise ValidationError(
            {
                "max_per_level": _(
                    "The most per level (%(level)s) cannot exceed the most in the station "
                    "(%(station)s)."
                )
                % {"level": per_level, "station": per_station}
            }
        )
    before = (
        {"max_per_level": existing.max_per_level, "max_per_station": existing.max_per_station}
        if existing
        else None
    )
    after = {"max_per_level": per_level, "max_per_station": per_station}
    data = {"station": station.code, "business_type": business_type.code}
    if per_level is None and per_station is None:
        if existing is None:
            return None
        audit.record(
            actor=actor, action="spread_limit.remove", target=existing, before=before, data=data
        )
        existing.delete()
        return None
    limit = existing or SpreadLimit(station=station, business_type=business_type)
    limit.max_per_level, limit.max_per_station = per_level, per_station
    limit.save()
    audit.record(
        actor=actor,
        action="spread_limit.update" if existing else "spread_limit.create",
        target=limit,
        before=before,
        after=after,
        data=data,
    )
    return limit
