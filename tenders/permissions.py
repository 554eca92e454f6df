"""Who may register, change and read merchants and their demands.

``tenders.run_round`` held globally makes a tender officer: they act for every merchant and
alone keep its credit records and customer rating. ``tenders.view_merchant`` held globally reads
every merchant and changes nothing (discipline inspector). A merchant's own users hold
``tenders.act_for_merchant`` on that Merchant object (django-guardian) and act only for it.
``actor=None`` is the system itself: management commands run by an operator on the server.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from stations import roles
from tenders.models import Merchant

RUN_ROUND = "tenders.run_round"
CONFIRM_OPENING = "tenders.confirm_opening"
ACT_FOR_MERCHANT = "tenders.act_for_merchant"
VIEW_MERCHANT = "tenders.view_merchant"
ADD_MERCHANT = "tenders.add_merchant"

# The railway's own people: they may not register a company for themselves.
STAFF_ROLES = (
    roles.LEASING_OFFICER,
    roles.STATION_MANAGER,
    roles.COMMITTEE_MEMBER,
    roles.DISCIPLINE_INSPECTOR,
)


def _active(user) -> bool:
    return user.is_active and user.is_authenticated


def is_tender_officer(user) -> bool:
    """The system, a superuser, or an active holder of the global ``run_round``."""
    return user is None or (_active(user) and user.has_perm(RUN_ROUND))


def can_register_for_others(user) -> bool:
    """An officer who registers a merchant without becoming one of its users."""
    return is_tender_officer(user) or (_active(user) and user.has_perm(ADD_MERCHANT))


def can_register_own_company(user) -> bool:
    """A portal user who is not one of the railway's staff."""
    if user is None or not _active(user):
        return False
    return not user.groups.filter(name__in=STAFF_ROLES).exists()


def is_member_of(user, merchant: Merchant) -> bool:
    """One of the merchant's own users (guardian), not an officer acting for it."""
    return user is not None and _active(user) and user.has_perm(ACT_FOR_MERCHANT, merchant)


def can_act_for_merchant(user, merchant: Merchant) -> bool:
    if is_tender_officer(user):
        return True
    return _active(user) and user.has_perm(ACT_FOR_MERCHANT, merchant)


def can_view_all_merchants(user) -> bool:
    return is_tender_officer(user) or (_active(user) and user.has_perm(VIEW_MERCHANT))


def ensure_can_act_for(user, merchant: Merchant) -> None:
    if not can_act_for_merchant(user, merchant):
        raise PermissionDenied(
            _("You may not act for merchant %(name)s.") % {"name": merchant.name}
        )


def ensure_tender_officer(user, *, what: str) -> None:
    """Refuse anyone but a tender officer; ``what`` says what they tried to change."""
    if not is_tender_officer(user):
        raise PermissionDenied(_("Only a tender officer may change %(what)s.") % {"what": what})
