"""Wagtail permission policies for the station space and the audit journal.

The role groups give the model permissions (view/add/change/delete); the station decides the
rest: a change needs ``manage_station`` on the object's station (global or through guardian),
a read needs that or ``oversee_stations``. The inspector therefore reads everything and is
never offered an add, edit or delete button.
"""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy

from stations import selectors
from stations.models import BusinessCategory, Level, Station, Unit, UtilityPoint, Zone
from stations.permissions import MANAGE, OVERSEE

WRITE_ACTIONS = frozenset({"add", "change", "delete"})


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def manages_any_station(user) -> bool:
    ids = selectors.managed_station_ids(user)
    return ids is None or bool(ids)


def may_manage(user, station_id: int) -> bool:
    """Whether ``user`` may change the space of the station with this id (no query once cached)."""
    if not _active(user):
        return False
    ids = selectors.managed_station_ids(user)
    return ids is None or station_id in ids


def oversees(user) -> bool:
    return _active(user) and (user.is_superuser or user.has_perm(OVERSEE))


class StationSpacePolicy(ModelPermissionPolicy):
    """Model permissions from the role, narrowed to the stations the user holds."""

    #: the path from the model to its station's id, for the querysets and the instance checks
    station_path = "station_id"

    def station_id_of(self, instance) -> int | None:
        value = instance
        for part in self.station_path.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    def user_has_permission(self, user, action):
        if not _active(user) or not super().user_has_permission(user, action):
            return False
        if action in WRITE_ACTIONS:
            return manages_any_station(user)
        return manages_any_station(user) or oversees(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        station_id = self.station_id_of(instance)
        if action in WRITE_ACTIONS:
            return station_id is not None and may_manage(user, station_id)
        return oversees(user) or (station_id is not None and may_manage(user, station_id))

    def instances_user_has_any_permission_for(self, user, actions):
        if not any(self.user_has_permission(user, action) for action in actions):
            return self.model._default_manager.none()
        manage = set(actions) <= WRITE_ACTIONS
        return self.scoped_queryset(user, manage=manage)

    def scoped_queryset(self, user, *, manage: bool):
        raise NotImplementedError


class StationPolicy(StationSpacePolicy):
    station_path = "pk"

    def user_has_permission(self, user, action):
        # A new station is a matter for the network: only a global manage_station may add one.
        if action == "add":
            return super().user_has_permission(user, action) and user.has_perm(MANAGE)
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete":
            return False  # a station is never deleted from the back office
        return super().user_has_permission_for_instance(user, action, instance)

    def scoped_queryset(self, user, *, manage):
        return selectors.stations_for(user, manage=manage)


class LevelPolicy(StationSpacePolicy):
    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete":
            return False  # a level goes with its units; no service removes one
        return super().user_has_permission_for_instance(user, action, instance)

    def scoped_queryset(self, user, *, manage):
        return selectors.levels_for(user, manage=manage)


class UnitPolicy(StationSpacePolicy):
    def scoped_queryset(self, user, *, manage):
        return selectors.units_for(user, manage=manage)


class ZonePolicy(StationSpacePolicy):
    station_path = "level__station_id"

    def scoped_queryset(self, user, *, manage):
        return selectors.zones_for(user, manage=manage)


class UtilityPointPolicy(StationSpacePolicy):
    station_path = "level__station_id"

    def scoped_queryset(self, user, *, manage):
        return selectors.utility_points_for(user, manage=manage)


class BusinessCategoryPolicy(ModelPermissionPolicy):
    """The catalogue belongs to the network: read by every space role, changed by a network
    officer (global manage_station) only, never deleted (units point at it)."""

    def user_has_permission(self, user, action):
        if not _active(user) or not super().user_has_permission(user, action):
            return False
        if action == "delete":
            return False
        if action in WRITE_ACTIONS:
            return user.has_perm(MANAGE)
        return True


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Only "view": for records nobody may add, change or delete through the admin."""

    def user_has_permission(self, user, action):
        return action == "view" and _active(user) and super().user_has_permission(user, action)


POLICIES = {
    Station: StationPolicy(Station),
    Level: LevelPolicy(Level),
    Unit: UnitPolicy(Unit),
    Zone: ZonePolicy(Zone),
    UtilityPoint: UtilityPointPolicy(UtilityPoint),
    BusinessCategory: BusinessCategoryPolicy(BusinessCategory),
}
