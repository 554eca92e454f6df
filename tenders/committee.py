"""The evaluation committee of a round: seats, the chair, declarations of interest, recusal.

An officer appoints members (holders of ``tenders.sit_on_committee``) to a round, each for the
department they represent, one of them the chair. After the opening, when the bidders are
known, each member declares for each lot whether they have a conflict of interest; a conflict
recuses them from the lot. A lot is scored only by the members who declared no conflict, and
needs at least the round's ``min_members_per_lot`` of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from tenders.models import Declaration, Lot, OpenedBid, Score, ScoreSheet, Seat, TenderRound
from tenders.rounds import ensure_runs_rounds

SIT_ON_COMMITTEE = "tenders.sit_on_committee"
Status = TenderRound.Status
# Seats are filled until the committee signs its result.
SEATING_STATUSES = frozenset(
    {
        Status.DRAFT,
        Status.PUBLISHED,
        Status.APPLICATIONS_CLOSED,
        Status.BIDDING_CLOSED,
        Status.OPENED,
    }
)


def _locked(round: TenderRound) -> TenderRound:
    return TenderRound.objects.select_for_update().get(pk=round.pk)


def _ensure_seating_open(round: TenderRound) -> None:
    if round.status not in SEATING_STATUSES:
        raise ValidationError(
            _("Round %(code)s is %(status)s: its committee can no longer change.")
            % {"code": round.code, "status": round.get_status_display()}
        )


def seat_of(user, round: TenderRound) -> Seat | None:
    if user is None or not user.is_authenticated:
        return None
    return Seat.objects.filter(round=round, user=user).first()


def ensure_seat(user, round: TenderRound) -> Seat:
    seat = seat_of(user, round)
    if seat is None or not user.is_active:
        raise PermissionDenied(
            _("You do not sit on the committee of round %(code)s.") % {"code": round.code}
        )
    return seat


@transaction.atomic
def seat_appoint(
    *, actor, round: TenderRound, user, department: str, is_chair: bool = False
) -> Seat:
    """Seat ``user`` on the committee of ``round`` for ``department`` (the chair if asked).

    Refused for anyone not entitled to sit on committees, for a member already seated, for a
    second chair, and once the committee has signed its result.
    """
    round = _locked(round)
    ensure_runs_rounds(actor)
    _ensure_seating_open(round)
    errors = {}
    if user is None or not user.is_active or not user.has_perm(SIT_ON_COMMITTEE):
        errors["user"] = _("%(user)s is not an evaluation committee member.") % {
            "user": user.get_username() if user is not None else "—"
        }
    elif Seat.objects.filter(round=round, user=user).exists():
        errors["user"] = _("%(user)s already sits on this committee.") % {
            "user": user.get_username()
        }
    if department not in Seat.Department.values:
        errors["department"] = _("Choose the department the member represents.")
    if is_chair:
        chair = Seat.objects.filter(round=round, is_chair=True).select_related("user").first()
        if chair is not None:
            errors["is_chair"] = _("%(user)s already chairs this committee.") % {
                "user": chair.user.get_username()
            }
    if errors:
        raise ValidationError(errors)
    seat = Seat.objects.create(
        round=round,
        user=user,
        department=department,
        is_chair=is_chair,
        appointed_at=timezone.now(),
        appointed_by=actor,
    )
    audit.record(
        actor=actor,
        action="committee.appoint",
        target=seat,
        after={
            "round": round.code,
            "member": user.get_username(),
            "department": department,
            "chair": is_chair,
        },
    )
    return seat


@transaction.atomic
def seat_make_chair(*, actor, seat: Seat) -> Seat:
    """Make ``seat`` the chair of its committee (the former chair stays a member)."""
    round = _locked(seat.round)
    ensure_runs_rounds(actor)
    _ensure_seating_open(round)
    former = Seat.objects.filter(round=round, is_chair=True).exclude(pk=seat.pk).first()
    if former is not None:
        former.is_chair = False
        former.save(update_fields=["is_chair"])
    seat = Seat.objects.get(pk=seat.pk)
    seat.is_chair = True
    seat.save(update_fields=["is_chair"])
    audit.record(
        actor=actor,
        action="committee.make_chair",
        target=seat,
        before={"chair": former.user.get_username() if former else None},
        after={"chair": seat.user.get_username()},
    )
    return seat


@transaction.atomic
def seat_remove(*, actor, seat: Seat, reason: str) -> None:
    """Remove a member who has not scored yet; the reason is required and journaled.

    A member who has submitted scores stays: removing them would change the result.
    """
    round = _locked(seat.round)
    ensure_runs_rounds(actor)
    _ensure_seating_open(round)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the member leaves the committee.")})
    if ScoreSheet.objects.filter(seat=seat).exists():
        raise ValidationError(
            _("%(user)s has already submitted scores and cannot leave the committee.")
            % {"user": seat.user.get_username()}
        )
    audit.record(
        actor=actor,
        action="committee.remove",
        target=seat,
        before={
            "round": round.code,
            "member": seat.user.get_username(),
            "department": seat.department,
            "chair": seat.is_chair,
        },
        data={"reason": reason.strip()},
    )
    seat.delete()


@transaction.atomic
def declaration_make(*, actor, lot: Lot, has_conflict: bool, statement: str = "") -> Declaration:
    """The actor declares whether they have a conflict of interest for ``lot``.

    Made after the opening, when the bidders are known, and before scoring the lot. A
    conflict needs a statement and recuses the member. A declaration of no conflict may later
    become a conflict (the member's scores for the lot then stop counting); a conflict is
    never withdrawn.
    """
    round = _locked(lot.round)
    seat = ensure_seat(actor, round)
    if round.status != Status.OPENED:
        raise ValidationError(
            _("Declarations are made once the bids are opened and before the result is signed.")
        )
    statement = (statement or "").strip()
    if has_conflict and not statement:
        raise ValidationError({"statement": _("Describe the conflict of interest.")})
    now = timezone.now()
    declaration = Declaration.objects.filter(seat=seat, lot=lot).first()
    if declaration is None:
        declaration = Declaration.objects.create(
            seat=seat, lot=lot, has_conflict=has_conflict, statement=statement, declared_at=now
        )
        before = None
    elif declaration.has_conflict:
        raise ValidationError(
            _("You declared a conflict for %(lot)s; the recusal stands.") % {"lot": lot}
        )
    elif not has_conflict:
        raise ValidationError(
            _("You have already declared no conflict for %(lot)s.") % {"lot": lot}
        )
    else:
        before = {"conflict": False, "statement": declaration.statement}
        declaration.has_conflict = True
        declaration.statement = statement
        declaration.declared_at = now
        declaration.save(update_fields=["has_conflict", "statement", "declared_at"])
    withdrawn = []
    if has_conflict:
        withdrawn = list(
            ScoreSheet.objects.filter(seat=seat, lot=lot, is_current=True).values_list(
                "pk", flat=True
            )
        )
        # The recused member's scores stop counting; the sheets stay for the record.
        ScoreSheet.objects.filter(pk__in=withdrawn).update(is_current=False)
        Score.objects.filter(sheet_id__in=withdrawn).update(is_current=False)
    audit.record(
        actor=actor,
        action="committee.declare",
        target=declaration,
        before=before,
        after={"lot": lot.number, "conflict": has_conflict, "statement": statement},
        data={"withdrawn_sheets": withdrawn} if withdrawn else None,
    )
    return declaration


# --- reads --------------------------------------------------------------------------------


@dataclass
class LotCommittee:
    """Where a lot's committee stands: who may score it, who is recused, who has scored."""

    lot: Lot
    valid_bids: int
    undeclared: list[Seat] = field(default_factory=list)
    recused: list[Seat] = field(default_factory=list)
    scoring: list[Seat] = field(default_factory=list)
    submitted: list[Seat] = field(default_factory=list)

    @property
    def needs_scores(self) -> bool:
        return self.valid_bids > 0

    @property
    def waiting(self) -> list[Seat]:
        done = {seat.pk for seat in self.submitted}
        return [seat for seat in self.scoring if seat.pk not in done]


def committee_progress(round: TenderRound) -> list[LotCommittee]:
    """For each lot of ``round``: declarations, recusals and submitted sheets, in 4 queries."""
    seats = list(Seat.objects.filter(round=round).select_related("user"))
    declared = {
        (d.seat_id, d.lot_id): d.has_conflict
        for d in Declaration.objects.filter(seat__round=round)
    }
    sheets = set(
        ScoreSheet.objects.filter(seat__round=round, is_current=True).values_list(
            "seat_id", "lot_id"
        )
    )
    valid = {}
    for lot_id in OpenedBid.objects.filter(bid__round=round, is_valid=True).values_list(
        "bid__lot_id", flat=True
    ):
        valid[lot_id] = valid.get(lot_id, 0) + 1
    progress = []
    for lot in round.lots.order_by("number"):
        entry = LotCommittee(lot=lot, valid_bids=valid.get(lot.pk, 0))
        for seat in seats:
            conflict = declared.get((seat.pk, lot.pk))
            if conflict is None:
                entry.undeclared.append(seat)
            elif conflict:
                entry.recused.append(seat)
            else:
                entry.scoring.append(seat)
                if (seat.pk, lot.pk) in sheets:
                    entry.submitted.append(seat)
        progress.append(entry)
    return progress


def seats_for(user) -> QuerySet[Seat]:
    """The seats ``user`` holds, newest round first."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Seat.objects.none()
    return Seat.objects.filter(user=user).select_related("round").order_by("-round__opening_at")
