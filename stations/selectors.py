"""Reads of a station's space that depend on who asks.

A network officer (global ``manage_station``) and a superuser see every station; a discipline
inspector (``oversee_stations``) reads every station; a station officer or manager sees only the
stations on which they hold ``manage_station`` through django-guardian. With ``manage=True``
only the stations the user may change are returned. The ``get_..._for`` helpers raise Http404
alike for a missing and a forbidden object.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from stations.models import Level, Station, Unit, UtilityPoint, Zone
from stations.permissions import MANAGE, OVERSEE


def _sees_all(user, *, manage: bool) -> bool:
    if user is None:  # the system itself
        return True
    if not user.is_active or not user.is_authenticated:
        return False
    if user.is_superuser or user.has_perm(MANAGE):
        return True
    return not manage and user.has_perm(OVERSEE)


def stations_for(user, *, manage: bool = False) -> QuerySet[Station]:
    """The stations ``user`` may read (or, with ``manage=True``, change)."""
    if _sees_all(user, manage=manage):
        return Station.objects.all()
    if not user.is_active or not user.is_authenticated:
        return Station.objects.none()
    return get_objects_for_user(user, MANAGE, klass=Station, accept_global_perms=False)


def report_scope(user) -> QuerySet[Station] | None:
    """The stations a report for ``user`` covers, as the reports take them: None for the
    whole network when the user may read every station (so that no query tests each row's
    station against 6,000), else :func:`stations_for`."""
    return None if _sees_all(user, manage=False) else stations_for(user)


def _scoped(queryset: QuerySet, user, *, manage: bool, station_path: str) -> QuerySet:
    if _sees_all(user, manage=manage):
        return queryset
    if not user.is_active or not user.is_authenticated:
        return queryset.none()
    ids = stations_for(user, manage=manage).values("pk")
    return queryset.filter(**{f"{station_path}__in": ids})


def levels_for(user, *, manage: bool = False, station: Station | None = None) -> QuerySet[Level]:
    queryset = Level.objects.select_related("station")
    if station is not None:
        queryset = queryset.filter(station=station)
    return _scoped(queryset, user, manage=manage, station_path="station_id")


def units_for(
    user, *, manage: bool = False, station: Station | None = None, level: Level | None = None
) -> QuerySet[Unit]:
    queryset = Unit.objects.select_related("station", "level")
    if station is not None:
        queryset = queryset.filter(station=station)
    if level is not None:
        queryset = queryset.filter(level=level)
    return _scoped(queryset, user, manage=manage, station_path="station_id")


def zones_for(user, *, manage: bool = False, level: Level | None = None) -> QuerySet[Zone]:
    queryset = Zone.objects.select_related("level__station")
    if level is not None:
        queryset = queryset.filter(level=level)
    return _scoped(queryset, user, manage=manage, station_path="level__station_id")


def utility_points_for(
    user, *, manage: bool = False, level: Level | None = None
) -> QuerySet[UtilityPoint]:
    queryset = UtilityPoint.objects.select_related("level__station", "unit")
    if level is not None:
        queryset = queryset.filter(level=level)
    return _scoped(queryset, user, manage=manage, station_path="level__station_id")


def _get(queryset: QuerySet, what: str, **lookup):
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such %(what)s.") % {"what": what}) from None


def get_station_for(user, code: str, *, manage: bool = False) -> Station:
    return _get(stations_for(user, manage=manage), _("station"), code=code)


def get_level_for(user, pk, *, manage: bool = False, station: Station | None = None) -> Level:
    return _get(levels_for(user, manage=manage, station=station), _("level"), pk=pk)


def get_unit_for(user, pk, *, manage: bool = False) -> Unit:
    return _get(units_for(user, manage=manage), _("unit"), pk=pk)


def get_zone_for(user, pk, *, manage: bool = False) -> Zone:
    return _get(zones_for(user, manage=manage), _("zone"), pk=pk)


def get_utility_point_for(user, pk, *, manage: bool = False) -> UtilityPoint:
    return _get(utility_points_for(user, manage=manage), _("utility point"), pk=pk)


def managed_station_ids(user) -> frozenset[int] | None:
    """Ids of the stations ``user`` may change, or None when they may change every station.

    Cached on the user object (one request) so that a listing asks once, not once a row.
    """
    cached = getattr(user, "_managed_station_ids", False)
    if cached is not False:
        return cached
    if _sees_all(user, manage=True):
        result = None
    else:
        result = frozenset(stations_for(user, manage=True).values_list("pk", flat=True))
    if user is not None:
        user._managed_station_ids = result
    return result


def network_overview() -> QuerySet[Station]:
    """Public facts of every station for the portal: tier, levels, units offered for letting.

    What is available for letting is public (招租); nothing here depends on who asks.
    """
    available = Q(units__status=Unit.Status.AVAILABLE)
    return (
        Station.objects.annotate(
            unit_count=Count("units"),
            available_count=Count("units", filter=available),
            available_area_m2=Sum("units__area_m2", filter=available),
        )
        .prefetch_related("levels")
        .order_by("tier", "code")
    )
