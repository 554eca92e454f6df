"""Reads of tender rounds that depend on who asks: which rounds, and whether a reserve shows.

A lot's reserve price is seen before the result only by holders of
``tenders.view_reserve_price`` (officers with the right); once the round is awarded the
result is public, the reserve against the rent won included. Merchants and committee members
never see it before: even a stray global grant does not reveal it to them.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from stations import roles
from tenders.models import Application, Lot, Merchant, TenderRound
from tenders.permissions import CONFIRM_OPENING, RUN_ROUND

VIEW_RESERVE = "tenders.view_reserve_price"
Status = TenderRound.Status
# Once published a round is a public notice, whatever becomes of it.
PUBLIC_STATUSES = (
    Status.PUBLISHED,
    Status.APPLICATIONS_CLOSED,
    Status.BIDDING_CLOSED,
    Status.OPENED,
    Status.SCORED,
    Status.PUBLICITY,
    Status.AWARDED,
    Status.FAILED,
)


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _in_group(user, *names: str) -> bool:
    return user.groups.filter(name__in=names).exists()


def _sees_every_round(user) -> bool:
    """Officers who run rounds and inspectors who oversee them."""
    return _active(user) and (
        user.is_superuser or user.has_perm(RUN_ROUND) or user.has_perm(CONFIRM_OPENING)
    )


def _sees_reserve_before_result(user) -> bool:
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    if _in_group(user, roles.MERCHANT, roles.COMMITTEE_MEMBER):
        return False
    return user.has_perm(VIEW_RESERVE)


def reserve_visible_to(user, lot: Lot) -> bool:
    """Whether ``user`` may see ``lot``'s reserve price now."""
    return lot.round.status == Status.AWARDED or _sees_reserve_before_result(user)


def rounds_for(user) -> QuerySet[TenderRound]:
    """The rounds ``user`` may see.

    Officers and inspectors: all. Committee members: the rounds they hold a seat on. Merchants and the public: the published notices (from their
    publication time), plus any round the merchant applied to, even if later cancelled.
    """
    rounds = TenderRound.objects.all()
    if _sees_every_round(user):
        return rounds
    if _active(user) and _in_group(user, roles.COMMITTEE_MEMBER):
        return rounds.filter(seats__user=user)
    public = Q(status__in=PUBLIC_STATUSES, publication_at__lte=timezone.now())
    if _active(user):
        merchants = get_objects_for_user(
            user, "tenders.act_for_merchant", klass=Merchant, accept_global_perms=False
        )
        applied = Application.objects.filter(round=OuterRef("pk"), merchant__in=merchants)
        public |= Q(Exists(applied))
    return rounds.filter(public)


def get_round_for(user, pk) -> TenderRound:
    """The round ``pk`` if ``user`` may see it; Http404 alike for missing and forbidden."""
    round = rounds_for(user).filter(pk=pk).first()
    if round is None:
        raise Http404(_("No such tender round."))
    return round


def lots_for(user, round: TenderRound) -> list[Lot]:
    """The lots of ``round`` as ``user`` may see them: reserve ``None`` where hidden.

    Empty when the round itself is not visible to ``user``. The lots returned are for
    reading; a masked lot must never be saved.
    """
    if not rounds_for(user).filter(pk=round.pk).exists():
        return []
    lots = list(
        round.lots.select_related("round", "station", "business_type").prefetch_related("units")
    )
    if round.status != Status.AWARDED and not _sees_reserve_before_result(user):
        for lot in lots:
            lot.reserve_annual_rent = None
    return lots
