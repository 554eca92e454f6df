"""Who may make and change leases, and who acts for a tenant.

A leasing officer holding ``leasing.manage_lease`` makes and changes the leases of the
stations they manage (``stations.manage_station`` on the station, or globally). A tenant's
own users (``tenders.act_for_merchant`` on the merchant) report its turnover, or the station's
leasing officer records it from the tenant's monthly statement. ``actor=None``
is the system (management commands run by an operator on the server).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from stations.permissions import can_manage_station
from tenders.permissions import is_member_of

MANAGE_LEASE = "leasing.manage_lease"


def can_manage_leases(user, station) -> bool:
    if user is None:
        return True
    return user.is_active and user.has_perm(MANAGE_LEASE) and can_manage_station(user, station)


def ensure_can_manage_leases(user, station) -> None:
    if not can_manage_leases(user, station):
        raise PermissionDenied(
            _("You may not make or change the leases of station %(code)s.")
            % {"code": station.code}
        )


def may_report_turnover(user, lease) -> bool:
    return (
        user is None
        or is_member_of(user, lease.merchant)
        or can_manage_leases(user, lease.station)
    )


def ensure_may_report_turnover(user, lease) -> None:
    if may_report_turnover(user, lease):
        return
    raise PermissionDenied(
        _(
            "Only the users of %(merchant)s, or a leasing officer of station %(code)s from its "
            "statement, report its turnover."
        )
        % {"merchant": lease.merchant, "code": lease.station.code}
    )
