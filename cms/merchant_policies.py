"""Wagtail permission policies for merchants and their demands.

They ask tenders.permissions and tenders.selectors, never the role groups' model permissions:
a tender officer (global ``run_round``) acts for every merchant; a discipline inspector (global
``view_merchant``) reads every merchant and is offered nothing to change; a merchant's own user
(``act_for_merchant`` on it) reads and acts only for its company; anyone else sees nothing.
Wagtail still requires ``wagtailadmin.access_admin`` for any admin page, which the merchant role
does not hold: a merchant's user meets the admin's login page until a portal role gives it.
"""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from tenders import selectors
from tenders.models import Demand, Merchant
from tenders.permissions import (
    can_register_for_others,
    can_view_all_merchants,
    is_tender_officer,
)

_CACHE = "_cms_acting_merchant_ids"


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def acting_merchant_ids(user) -> frozenset[int] | None:
    """The merchants ``user`` may act for: None for every one (a tender officer), else the ids
    (a merchant's users; none for an inspector or anyone else). Cached on the user object."""
    if not _active(user):
        return frozenset()
    if is_tender_officer(user):
        return None
    cached = getattr(user, _CACHE, None)
    if cached is None:
        if can_view_all_merchants(user):
            cached = frozenset()  # reads every merchant, acts for none
        else:
            cached = frozenset(selectors.merchants_for(user).values_list("pk", flat=True))
        setattr(user, _CACHE, cached)
    return cached


def may_act_for_any(user) -> bool:
    ids = acting_merchant_ids(user)
    return ids is None or bool(ids)


def may_act_for(user, merchant_id: int) -> bool:
    ids = acting_merchant_ids(user)
    return ids is None or merchant_id in ids


def may_view_merchants(user) -> bool:
    """Whether the merchant and demand screens are open to ``user`` at all."""
    return _active(user) and (can_view_all_merchants(user) or may_act_for_any(user))


def may_view_merchant(user, merchant_id: int) -> bool:
    return _active(user) and (can_view_all_merchants(user) or may_act_for(user, merchant_id))


def may_keep_credit_records(user) -> bool:
    return _active(user) and is_tender_officer(user)


def may_add_demands(user) -> bool:
    return _active(user) and may_act_for_any(user)


class _MerchantScopedPolicy(ModelPermissionPolicy):
    """view: whoever reads the merchant; add/change: whoever acts for it; delete: nobody."""

    merchant_path = "merchant_id"

    def merchant_id_of(self, instance) -> int | None:
        return getattr(instance, self.merchant_path, None)

    def user_has_permission(self, user, action):
        if not _active(user):
            return False
        if action == "view":
            return may_view_merchants(user)
        if action in ("add", "change"):
            return may_act_for_any(user)
        return False

    def user_has_permission_for_instance(self, user, action, instance):
        merchant_id = self.merchant_id_of(instance)
        if merchant_id is None or not self.user_has_permission(user, action):
            return False
        if action == "view":
            return may_view_merchant(user, merchant_id)
        return action in ("add", "change") and may_act_for(user, merchant_id)

    def instances_user_has_any_permission_for(self, user, actions):
        if "view" in actions and self.user_has_permission(user, "view"):
            return self.scoped_queryset(user, manage=False)
        if {"add", "change"} & set(actions) and may_act_for_any(user):
            return self.scoped_queryset(user, manage=True)
        return self.model._default_manager.none()

    def scoped_queryset(self, user, *, manage: bool):
        queryset = self.readable(user)
        ids = acting_merchant_ids(user)
        if manage and ids is not None:
            queryset = queryset.filter(**{f"{self.merchant_path}__in": ids})
        return queryset

    def readable(self, user):  # pragma: no cover - each policy names its selector
        raise NotImplementedError


class MerchantPolicy(_MerchantScopedPolicy):
    """A new merchant is registered here by an officer; a company registers itself on the
    portal (a later issue), so a merchant's own user is offered no "add"."""

    merchant_path = "pk"

    def user_has_permission(self, user, action):
        if action == "add":
            return _active(user) and can_register_for_others(user)
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "add":
            return False
        return super().user_has_permission_for_instance(user, action, instance)

    def readable(self, user):
        return selectors.merchants_for(user)


class DemandPolicy(_MerchantScopedPolicy):
    def readable(self, user):
        return selectors.demands_for(user)


POLICIES = {Merchant: MerchantPolicy(Merchant), Demand: DemandPolicy(Demand)}


def register() -> None:
    """Called from the app's ready(): Wagtail must know these before any admin code runs."""
    for model, policy in POLICIES.items():
        register_permission_policy(model, policy, exact_class=True)
