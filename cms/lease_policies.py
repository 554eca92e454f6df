"""Who is offered which lease pages and buttons in the back office.

leasing.selectors decides which leases a user sees (a forbidden lease answers 404 like a
missing one) and the leasing services decide every change; this module only chooses what to
offer: leasing officers (``leasing.manage_lease`` and a station they manage) make and change
the leases of their stations; station managers and discipline inspectors (``view_lease``)
read them; a lease's responsible officer keeps its milestones; the tenant's own users report
its turnover and record that they submitted their design.
"""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy

from cms.policies import manages_any_station, may_manage
from leasing.models import Lease
from leasing.permissions import MANAGE_LEASE
from leasing.selectors import leases_for

VIEW_LEASE = "leasing.view_lease"


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def sees_leases(user) -> bool:
    """Whether the leasing menu and the lease list are offered at all."""
    return _active(user) and (user.is_superuser or user.has_perm(VIEW_LEASE))


def manages_leases(user) -> bool:
    """A leasing officer of at least one station (offered new leases, awards to lease)."""
    return _active(user) and user.has_perm(MANAGE_LEASE) and manages_any_station(user)


def may_manage_lease(user, lease: Lease) -> bool:
    """Whether to offer the lease's status actions, payments, settlements and officer (the
    service has the last word). No query once the user's stations are cached."""
    return _active(user) and user.has_perm(MANAGE_LEASE) and may_manage(user, lease.station_id)


def may_keep_milestones(user, lease: Lease) -> bool:
    """A leasing officer of the station, or the outlet's responsible officer
    (leasing.fitout.can_keep_milestones, without its queries)."""
    return may_manage_lease(user, lease) or (
        _active(user) and user.pk == lease.responsible_officer_id
    )


class LeasePolicy(ModelPermissionPolicy):
    """Viewing for the roles that read leases, adding and changing for leasing officers,
    deleting never: a lease ends or is terminated, with its reason."""

    def user_has_permission(self, user, action):
        if action == "view":
            return sees_leases(user)
        if action in ("add", "change"):
            return manages_leases(user)
        return False

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "view":
            return sees_leases(user) and leases_for(user).filter(pk=instance.pk).exists()
        if action == "change":
            return may_manage_lease(user, instance)
        return False

    def instances_user_has_any_permission_for(self, user, actions):
        if not any(self.user_has_permission(user, action) for action in actions):
            return Lease.objects.none()
        return leases_for(user)


def register() -> None:
    """Register the policy with Wagtail before any admin code asks for Lease's."""
    from wagtail.permissions import policy_registry, register_permission_policy

    if not isinstance(policy_registry.get_by_type(Lease, fallback=False), LeasePolicy):
        register_permission_policy(Lease, LeasePolicy(Lease), exact_class=True)
