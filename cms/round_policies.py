"""Who is offered which tender-round pages and buttons in the back office.

tenders.round_selectors decides which rounds a user sees (a forbidden round answers 404 like a
missing one) and the tender services decide every change; this module only chooses what to
offer: officers (``tenders.run_round``) run rounds, inspectors (``tenders.confirm_opening``)
read them and co-sign the opening and the decisions on objections, committee members see the
rounds of their seats and evaluate them.
"""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy

from tenders.committee import SIT_ON_COMMITTEE
from tenders.models import TenderRound
from tenders.permissions import CONFIRM_OPENING, RUN_ROUND, is_tender_officer
from tenders.round_selectors import rounds_for

VIEW_ROUND = "tenders.view_tenderround"


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def runs_rounds(user) -> bool:
    """An officer who runs tender rounds (the services refuse anyone else)."""
    return _active(user) and is_tender_officer(user)


def sees_internals(user) -> bool:
    """Officers and inspectors: applications, sealed-bid receipts and opening confirmations."""
    return _active(user) and (
        user.is_superuser or user.has_perm(RUN_ROUND) or user.has_perm(CONFIRM_OPENING)
    )


def may_confirm_opening(user) -> bool:
    """Whether to offer the "confirm the opening" button (the service has the last word)."""
    return sees_internals(user)


def cosigns_objections(user) -> bool:
    """Whether to offer co-signing a decision on an objection (the service has the last word)."""
    return _active(user) and user.has_perm(CONFIRM_OPENING)


def sits_on_committees(user) -> bool:
    """An evaluation committee member: offered "My evaluations" (their seats decide the rest)."""
    return _active(user) and user.has_perm(SIT_ON_COMMITTEE)


def sees_rounds(user) -> bool:
    """Whether the tender-round menu and list are offered at all."""
    return sees_internals(user) or (_active(user) and user.has_perm(VIEW_ROUND))


class TenderRoundPolicy(ModelPermissionPolicy):
    """Viewing for the roles that read rounds, adding and changing for officers, deleting
    never: a round is cancelled, with its reason, not deleted."""

    def user_has_permission(self, user, action):
        if action == "view":
            return sees_rounds(user)
        if action in ("add", "change"):
            return runs_rounds(user)
        return False

    def user_has_permission_for_instance(self, user, action, instance):
        return (
            self.user_has_permission(user, action)
            and rounds_for(user).filter(pk=instance.pk).exists()
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not any(self.user_has_permission(user, action) for action in actions):
            return TenderRound.objects.none()
        return rounds_for(user)

    def scoped_queryset(self, user, *, manage: bool):
        if manage and not runs_rounds(user):
            return TenderRound.objects.none()
        return rounds_for(user)


def register() -> None:
    """Register the policy with Wagtail before any admin code asks for TenderRound's."""
    from wagtail.permissions import policy_registry, register_permission_policy

    # Registering after Wagtail made its fallback policy raises, which is what we want to know.
    if not isinstance(policy_registry.get_by_type(TenderRound, fallback=False), TenderRoundPolicy):
        register_permission_policy(TenderRound, TenderRoundPolicy(TenderRound), exact_class=True)
