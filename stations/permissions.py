"""Who may see and change a station's space.

``stations.manage_station`` held globally covers every station (a network officer); held on a
Station object (django-guardian) covers that station only (a station officer or manager).
``stations.oversee_stations`` reads every station and changes nothing (discipline inspector).
``actor=None`` is the system itself: management commands run by an operator on the server.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from stations.models import Station

MANAGE = "stations.manage_station"
OVERSEE = "stations.oversee_stations"


def can_manage_station(user, station: Station) -> bool:
    if user is None:
        return True
    if not user.is_active:
        return False
    return user.has_perm(MANAGE) or user.has_perm(MANAGE, station)


def can_manage_any_station(user) -> bool:
    """True when the user manages at least one station (decides whether edit screens show)."""
    if user is None or user.is_superuser:
        return True
    from guardian.shortcuts import get_objects_for_user

    return user.has_perm(MANAGE) or get_objects_for_user(user, MANAGE, klass=Station).exists()


def can_view_station(user, station: Station) -> bool:
    return can_manage_station(user, station) or (user.is_active and user.has_perm(OVERSEE))


def ensure_can_manage(user, station: Station) -> None:
    if not can_manage_station(user, station):
        raise PermissionDenied(
            _("You may not change the space of station %(code)s.") % {"code": station.code}
        )
