"""The evaluation committee of a round: seats, the chair, declarations of interest, recusal.

An officer appoints members (holders of ``tenders.sit_on_committee``) to a round, each for the
department they represent, one of them the chair. After the opening names the bidders, and
before seeing any bid, each member declares towards every bidder whether they have a conflict
of interest; a conflict recuses them from every lot that bidder bid for. A lot is scored only
by the members not recused from it, and the round is scored only once every member has
declared and every lot with valid bids has at least ``min_members_per_lot`` of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from tenders.models import (
    Declaration,
    Lot,
    Merchant,
    OpenedBid,
    Score,
    ScoreSheet,
    Seat,
    TenderRound,
)
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


def bidders_of(round: TenderRound) -> list[Merchant]:
    """The merchants whose bids the opening named, by name."""
    return list(
        Merchant.objects.filter(bids__opened__opening__round=round).distinct().order_by("name")
    )


def declaration_standing(seats) -> dict[int, dict]:
    """For each seat: whether the member has declared towards every bidder of the round, when,
    the bidders they declared a conflict with, and the lots that recuses them from.

    Two queries for any number of seats, of any rounds; has_declared, recused_lots and
    committee_progress read it.
    """
    round_ids = {seat.round_id for seat in seats}
    bidders: dict[int, set[int]] = {}
    lots_of: dict[int, dict[int, set[int]]] = {}
    for round_id, lot_id, merchant_id in (
        OpenedBid.objects.filter(bid__round_id__in=round_ids)
        .values_list("bid__round_id", "bid__lot_id", "bid__merchant_id")
        .distinct()
    ):
        bidders.setdefault(round_id, set()).add(merchant_id)
        lots_of.setdefault(round_id, {}).setdefault(lot_id, set()).add(merchant_id)
    declared: dict[int, set[int]] = {}
    conflicts: dict[int, list[Declaration]] = {}
    first: dict[int, object] = {}
    for declaration in Declaration.objects.filter(seat__in=seats).select_related("merchant"):
        declared.setdefault(declaration.seat_id, set()).add(declaration.merchant_id)
        if declaration.has_conflict:
            conflicts.setdefault(declaration.seat_id, []).append(declaration)
        when = first.get(declaration.seat_id)
        if when is None or declaration.declared_at < when:
            first[declaration.seat_id] = declaration.declared_at
    standing = {}
    for seat in seats:
        round_bidders = bidders.get(seat.round_id, set())
        mine = conflicts.get(seat.pk, [])
        conflicted = {d.merchant_id for d in mine}
        standing[seat.pk] = {
            "declared": bool(round_bidders) and round_bidders <= declared.get(seat.pk, set()),
            "declared_at": first.get(seat.pk),
            "conflicts": mine,
            "recused": {
                lot_id
                for lot_id, merchants in lots_of.get(seat.round_id, {}).items()
                if merchants & conflicted
            },
        }
    return standing


def has_declared(seat: Seat) -> bool:
    """Whether the member has declared towards every bidder of the round."""
    return declaration_standing([seat])[seat.pk]["declared"]


def recused_lots(seat: Seat) -> set[int]:
    """The lots the member is recused from: a bidder of each is one they declared a conflict
    with."""
    return declaration_standing([seat])[seat.pk]["recused"]


def _ensure_declaring(actor, round: TenderRound) -> Seat:
    seat = ensure_seat(actor, round)
    if round.status != Status.OPENED:
        raise ValidationError(
            _("Declarations are made once the bids are opened and before the result is signed.")
        )
    return seat


@transaction.atomic
def declarations_submit(*, actor, round: TenderRound, conflicts: Mapping) -> list[Declaration]:
    """The member declares towards every bidder of ``round`` at once, before seeing any bid:
    ``conflicts`` maps each bidder (merchant id) they have a conflict with to its statement;
    every other bidder is declared free of conflict. Final: a conflict found later is added
    with declaration_add_conflict.
    """
    round = _locked(round)
    seat = _ensure_declaring(actor, round)
    if Declaration.objects.filter(seat=seat).exists():
        raise ValidationError(_("You have already declared your interests in this round."))
    bidders = bidders_of(round)
    known = {merchant.pk for merchant in bidders}
    errors = []
    unknown = sorted(str(key) for key in conflicts if int(key) not in known)
    if unknown:
        errors.append(
            _("These are not bidders of this round: %(ids)s.") % {"ids": ", ".join(unknown)}
        )
    statements = {int(key): (text or "").strip() for key, text in conflicts.items()}
    for merchant in bidders:
        if merchant.pk in statements and not statements[merchant.pk]:
            errors.append(
                _("Describe your conflict of interest with %(merchant)s.")
                % {"merchant": merchant.name}
            )
    if errors:
        raise ValidationError({"conflicts": errors})
    now = timezone.now()
    declarations = Declaration.objects.bulk_create(
        Declaration(
            seat=seat,
            merchant=merchant,
            has_conflict=merchant.pk in statements,
            statement=statements.get(merchant.pk, ""),
            declared_at=now,
        )
        for merchant in bidders
    )
    audit.record(
        actor=actor,
        action="committee.declare",
        target=seat,
        after={
            "bidders": [merchant.name for merchant in bidders],
            "conflicts": {m.name: statements[m.pk] for m in bidders if m.pk in statements},
            "recused_lots": sorted(
                Lot.objects.filter(pk__in=recused_lots(seat)).values_list("number", flat=True)
            ),
        },
    )
    return declarations


@transaction.atomic
def declaration_add_conflict(*, actor, round: TenderRound, merchant, statement: str):
    """A conflict the member finds after declaring: it recuses them from the bidder's lots,
    and their scores for those lots stop counting (the sheets stay for the record). A
    conflict is never withdrawn."""
    round = _locked(round)
    seat = _ensure_declaring(actor, round)
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": _("Describe the conflict of interest.")})
    declaration = Declaration.objects.filter(seat=seat, merchant=merchant).first()
    if declaration is None:
        raise ValidationError(
            _("Declare towards every bidder first; %(merchant)s is one of them.")
            % {"merchant": merchant.name}
        )
    if declaration.has_conflict:
        raise ValidationError(
            _("You declared a conflict with %(merchant)s; the recusal stands.")
            % {"merchant": merchant.name}
        )
    declaration.has_conflict = True
    declaration.statement = statement
    declaration.declared_at = timezone.now()
    declaration.save(update_fields=["has_conflict", "statement", "declared_at"])
    lots = recused_lots(seat)
    withdrawn = list(
        ScoreSheet.objects.filter(seat=seat, lot_id__in=lots, is_current=True).values_list(
            "pk", flat=True
        )
    )
    ScoreSheet.objects.filter(pk__in=withdrawn).update(is_current=False)
    Score.objects.filter(sheet_id__in=withdrawn).update(is_current=False)
    audit.record(
        actor=actor,
        action="committee.add_conflict",
        target=declaration,
        before={"conflict": False},
        after={"conflict": True, "merchant": merchant.name, "statement": statement},
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
    """For each lot of ``round``: who has not declared, who is recused (a conflict with one of
    its bidders), who may score it and who has submitted — in six queries."""
    return committees_progress([round])[round.pk]


def committees_progress(rounds) -> dict[int, list[LotCommittee]]:
    """committee_progress of each of ``rounds``, by round id, in the same six queries for all
    of them (a member's list of evaluations shows many rounds at once)."""
    by_id = {r.pk: r for r in rounds}
    if not by_id:
        return {}
    seats = list(Seat.objects.filter(round__in=list(by_id)).select_related("user"))
    standing = declaration_standing(seats)
    sheets = set(
        ScoreSheet.objects.filter(seat__round__in=list(by_id), is_current=True).values_list(
            "seat_id", "lot_id"
        )
    )
    valid = {}
    for lot_id in OpenedBid.objects.filter(bid__round__in=list(by_id), is_valid=True).values_list(
        "bid__lot_id", flat=True
    ):
        valid[lot_id] = valid.get(lot_id, 0) + 1
    seats_of: dict[int, list[Seat]] = {}
    for seat in seats:
        seats_of.setdefault(seat.round_id, []).append(seat)
    progress: dict[int, list[LotCommittee]] = {pk: [] for pk in by_id}
    for lot in Lot.objects.filter(round__in=list(by_id)).order_by("round_id", "number"):
        lot.round = by_id[lot.round_id]
        entry = LotCommittee(lot=lot, valid_bids=valid.get(lot.pk, 0))
        for seat in seats_of.get(lot.round_id, []):
            if not standing[seat.pk]["declared"]:
                entry.undeclared.append(seat)
            elif lot.pk in standing[seat.pk]["recused"]:
                entry.recused.append(seat)
            else:
                entry.scoring.append(seat)
                if (seat.pk, lot.pk) in sheets:
                    entry.submitted.append(seat)
        progress[lot.round_id].append(entry)
    return progress


def seats_for(user) -> QuerySet[Seat]:
    """The seats ``user`` holds, newest round first."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Seat.objects.none()
    return (
        Seat.objects.filter(user=user)
        .select_related("round")
        .order_by("-round__opening_at", "-pk")
    )
