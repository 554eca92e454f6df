"""Leases and awards as outlets for the spread rule (stations.spread).

A lease holding its units (draft, signed, fitting out, open) is one outlet while its period
overlaps the one asked about (without one: while it is not over), as the business type it
was made for (its award's lot's, or the one given or designated for a direct lease); a lease
made without a type counts as the one specific type its units are designated for, and not
at all when they have several or none. An awarded lot whose lease is not made yet is one outlet too: the award holds its
units.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from leasing.models import Lease
from stations.models import BusinessCategory, Unit
from stations.spread import Outlet, excluded_pks
from tenders.models import Award, Lot


def designated_types(unit_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each unit, the specific types it is designated for (a class counts as none)."""
    found: dict[int, set[int]] = {}
    for unit_id, type_id in Unit.business_types.through.objects.filter(
        unit_id__in=list(unit_ids), businesscategory__parent__isnull=False
    ).values_list("unit_id", "businesscategory_id"):
        found.setdefault(unit_id, set()).add(type_id)
    return found


def single_designated_type(units: Iterable[Unit]) -> BusinessCategory | None:
    """The one specific type ``units`` are designated for between them, if exactly one."""
    units = list(units)
    by_unit = designated_types(u.pk for u in units)
    types = set().union(*by_unit.values()) if by_unit else set()
    classes = Unit.business_types.through.objects.filter(
        unit_id__in=[u.pk for u in units], businesscategory__parent__isnull=True
    ).exists()
    if len(types) != 1 or classes:
        return None
    return BusinessCategory.objects.get(pk=types.pop())


def lease_outlets(*, station, type_ids, during=None, excluding=()) -> list[Outlet]:
    leases = Lease.objects.filter(station=station, status__in=Lease.HOLDING).exclude(
        pk__in=excluded_pks(excluding, Lease)
    )
    if during is None:
        leases = leases.filter(end_date__gt=timezone.localdate())
    else:
        leases = leases.filter(start_date__lt=during[1], end_date__gt=during[0])
    leases = leases.filter(Q(business_type__in=type_ids) | Q(business_type__isnull=True))
    rows = list(leases.values_list("pk", "code", "business_type"))
    units: dict[int, set[int]] = {}
    for lease_id, unit_id in Lease.units.through.objects.filter(
        lease_id__in=[pk for pk, _code, _type in rows]
    ).values_list("lease_id", "unit_id"):
        units.setdefault(lease_id, set()).add(unit_id)
    designated = designated_types({u for ids in units.values() for u in ids})
    classes = set(
        Unit.business_types.through.objects.filter(
            unit_id__in={u for ids in units.values() for u in ids},
            businesscategory__parent__isnull=True,
        ).values_list("unit_id", flat=True)
    )
    outlets = []
    for lease_id, code, type_id in rows:
        unit_ids = units.get(lease_id, set())
        if type_id is None:  # made without a type: its units' one designated type, if one
            types = set().union(*(designated.get(u, set()) for u in unit_ids))
            type_id = types.pop() if len(types) == 1 and not unit_ids & classes else None
        if type_id in type_ids:
            outlets.append(
                Outlet(_("lease %(code)s") % {"code": code}, type_id, frozenset(unit_ids))
            )
    return outlets


def award_outlets(*, station, type_ids, during=None, excluding=()) -> list[Outlet]:
    """Awarded lots whose lease is not made yet."""
    awards = (
        Award.objects.filter(
            lot__station=station, lot__business_type__in=type_ids, lease__isnull=True
        )
        .exclude(pk__in=excluded_pks(excluding, Award))
        .exclude(lot__in=excluded_pks(excluding, Lot))
        .select_related("lot__round")
        .prefetch_related("lot__units")
    )
    return [
        Outlet(str(a.lot), a.lot.business_type_id, frozenset(u.pk for u in a.lot.units.all()))
        for a in awards
    ]


def direct_lease_type(units, business_type: BusinessCategory | None) -> BusinessCategory | None:
    """The business type a direct lease is held to: the one given — a specific type every unit
    is designated for (or for its class) — or else its units' one designated type."""
    if business_type is None:
        return single_designated_type(units)
    if business_type.parent_id is None:
        raise ValidationError(
            {
                "business_type": _(
                    "Choose a specific business type, not a major class (%(name)s)."
                )
                % {"name": business_type}
            }
        )
    allowed: dict[int, set[int]] = {}
    for unit_id, category_id in Unit.business_types.through.objects.filter(
        unit_id__in=[u.pk for u in units]
    ).values_list("unit_id", "businesscategory_id"):
        allowed.setdefault(unit_id, set()).add(category_id)
    wrong = [
        _("Unit %(unit)s is not designated for %(type)s.") % {"unit": u, "type": business_type}
        for u in units
        if not allowed.get(u.pk, set()) & {business_type.pk, business_type.parent_id}
    ]
    if wrong:
        raise ValidationError({"business_type": wrong})
    return business_type
