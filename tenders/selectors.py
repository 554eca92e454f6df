"""Reads of merchants and demands that depend on who asks.

Tender officers (global ``run_round``), inspectors (global ``view_merchant``), superusers and the
system see every merchant; a merchant's users see only the merchants on which they hold
``act_for_merchant`` (django-guardian); anyone else sees none. The ``get_..._for`` helpers
raise Http404 alike for a missing and a forbidden object.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user, get_users_with_perms

from tenders.models import Demand, Merchant
from tenders.permissions import ACT_FOR_MERCHANT, can_view_all_merchants


def merchants_for(user) -> QuerySet[Merchant]:
    """The merchants ``user`` may read."""
    if can_view_all_merchants(user):
        return Merchant.objects.all()
    if not user.is_active or not user.is_authenticated:
        return Merchant.objects.none()
    return get_objects_for_user(user, ACT_FOR_MERCHANT, klass=Merchant, accept_global_perms=False)


def get_merchant_for(user, pk) -> Merchant:
    merchant = merchants_for(user).filter(pk=pk).first()
    if merchant is None:
        raise Http404(_("No such merchant."))
    return merchant


def demands_for(
    user, *, merchant: Merchant | None = None, active: bool | None = None
) -> QuerySet[Demand]:
    """The demands ``user`` may read, optionally of one merchant, active or withdrawn only."""
    queryset = Demand.objects.select_related("merchant", "brand", "business_type")
    if merchant is not None:
        queryset = queryset.filter(merchant=merchant)
    if active is not None:
        queryset = queryset.filter(is_active=active)
    if can_view_all_merchants(user):
        return queryset
    return queryset.filter(merchant__in=merchants_for(user).values("pk"))


def get_demand_for(user, pk) -> Demand:
    demand = demands_for(user).filter(pk=pk).first()
    if demand is None:
        raise Http404(_("No such demand."))
    return demand


def merchant_members(merchant: Merchant) -> list:
    """The merchant's own users (act_for_merchant on it), by username; officers acting for
    every merchant through their global right are not members."""
    users = get_users_with_perms(
        merchant,
        only_with_perms_in=["act_for_merchant"],
        with_group_users=False,
        with_superusers=False,
    )
    return sorted(users, key=lambda user: user.get_username())
