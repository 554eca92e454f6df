"""Who is offered which operation screens and buttons: inspections, complaints, penalties, the
fine schedule, price checks, marketing events and the spread limits.

The role groups hold the model permissions (leasing/migrations/0004, stations/migrations/0003:
officers keep everything, station managers keep inspections, complaints and price checks,
inspectors read); the station decides the rest, as for the station space (cms.policies): a
record is read by whoever reads its station and kept by whoever manages it. The services of
leasing.operation and stations.spread have the last word on every change; these policies only
choose what to list and what to offer.
"""

from __future__ import annotations

from django.db.models import Q
from wagtail.permission_policies import ModelPermissionPolicy

from cms.policies import StationSpacePolicy, manages_any_station, oversees
from leasing.models import (
    Complaint,
    Inspection,
    Lease,
    MarketingEvent,
    Penalty,
    PriceCheck,
    ViolationType,
)
from leasing.operation import complaints_for
from leasing.selectors import leases_for
from stations import selectors
from stations.models import SpreadLimit


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _in_stations(queryset, user, *, manage: bool, station_path: str):
    """``queryset`` narrowed to the stations ``user`` may read (or change)."""
    if not _active(user):
        return queryset.none()
    if selectors.managed_station_ids(user) is None:  # the whole network (or a superuser)
        return queryset
    if not manage and oversees(user):
        return queryset
    return queryset.filter(
        **{f"{station_path}__in": selectors.stations_for(user, manage=manage).values("pk")}
    )


class StationRecordPolicy(StationSpacePolicy):
    """An operation record of one station: model permission from the role, station from
    guardian. Nothing is deleted from the back office: the journal keeps every record."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)

    def scoped_queryset(self, user, *, manage: bool):
        return _in_stations(
            self.model._default_manager.all(),
            user,
            manage=manage,
            station_path=self.station_path.removesuffix("_id"),
        )


class InspectionPolicy(StationRecordPolicy):
    station_path = "lease__station_id"


class ComplaintPolicy(StationRecordPolicy):
    station_path = "station_id"

    def scoped_queryset(self, user, *, manage: bool):
        if not manage:
            return complaints_for(user)
        return super().scoped_queryset(user, manage=True)


class PenaltyPolicy(StationRecordPolicy):
    station_path = "lease__station_id"


class PriceCheckPolicy(StationRecordPolicy):
    station_path = "lease__station_id"


class SpreadLimitPolicy(StationRecordPolicy):
    station_path = "station_id"


class MarketingEventPolicy(StationRecordPolicy):
    """A station's campaign belongs to its station; a network campaign (no station) is read by
    everyone who reads events and kept by officers of the whole network."""

    station_path = "station_id"

    def user_has_permission_for_instance(self, user, action, instance):
        if instance.station_id is not None:
            return super().user_has_permission_for_instance(user, action, instance)
        if not self.user_has_permission(user, action):
            return False
        return action == "view" or selectors.managed_station_ids(user) is None

    def scoped_queryset(self, user, *, manage: bool):
        events = MarketingEvent.objects.all()
        if not _active(user):
            return events.none()
        if selectors.managed_station_ids(user) is None or (not manage and oversees(user)):
            return events
        stations = selectors.stations_for(user, manage=manage).values("pk")
        if manage:
            return events.filter(station__in=stations)
        return events.filter(Q(station__in=stations) | Q(station__isnull=True))


class ViolationTypePolicy(ModelPermissionPolicy):
    """The fine schedule is the network's: read by every operation role, kept by leasing
    officers (the service asks for the model permission only), never deleted (penalties cite
    it)."""

    def user_has_permission(self, user, action):
        if not _active(user) or action == "delete":
            return False
        if not super().user_has_permission(user, action):
            return False
        return action != "view" or manages_any_station(user) or oversees(user)


POLICIES = {
    Inspection: InspectionPolicy(Inspection),
    Complaint: ComplaintPolicy(Complaint),
    Penalty: PenaltyPolicy(Penalty),
    PriceCheck: PriceCheckPolicy(PriceCheck),
    MarketingEvent: MarketingEventPolicy(MarketingEvent),
    ViolationType: ViolationTypePolicy(ViolationType),
    SpreadLimit: SpreadLimitPolicy(SpreadLimit),
}


def policy(model) -> ModelPermissionPolicy:
    return POLICIES[model]


def may(user, model, action: str) -> bool:
    """Whether to offer ``action`` ("view", "add", "change") on ``model`` at all."""
    return POLICIES[model].user_has_permission(user, action)


def sees_operation(user) -> bool:
    """Whether the Operation menu and the home panel are offered: any of its lists."""
    return any(p.user_has_permission(user, "view") for p in POLICIES.values())


def open_outlets_kept_by(user, permission_model) -> object:
    """The open outlets whose ``permission_model`` records ``user`` may keep: those of the
    stations they manage, among the leases they may see (the form's choices; the services
    check again)."""
    if not may(user, permission_model, "add"):
        return Lease.objects.none()
    return _in_stations(
        leases_for(user).filter(status=Lease.Status.OPEN),
        user,
        manage=True,
        station_path="station",
    )


def register() -> None:
    """Register the policies with Wagtail before any admin code asks for these models'."""
    from wagtail.permissions import policy_registry, register_permission_policy

    for model, model_policy in POLICIES.items():
        if policy_registry.get_by_type(model, fallback=False) is not model_policy:
            register_permission_policy(model, model_policy, exact_class=True)
