"""From the committee's scores to the award: sign-off, publicity, objections, award.

The chair signs the committee's report once every lot with valid bids has been scored by
every member who may score it (at least the round's minimum), and every score far from the
others is justified: the ranking is computed then and frozen in the Result. An officer
publishes it for the publicity period; a bidder may object with grounds until it ends. An
officer proposes the decision on an objection and an inspector — another person — co-signs
it or sends it back; an upheld objection withdraws the result and sends the round back to
scoring, or fails the lot. After the period, with nothing awaiting a decision, an officer
makes the award in one transaction: each lot's first-ranked bid wins and the lot's units
become reserved; a lot without one fails.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from stations import services as space
from stations.models import Unit
from stations.transitions import ensure_transition
from tenders import notifications as tender_notifications
from tenders import pipeline
from tenders.committee import committee_progress
from tenders.models import (
    Application,
    Award,
    Lot,
    Objection,
    OpenedBid,
    RankedBid,
    Result,
    Seat,
    TenderRound,
)
from tenders.permissions import CONFIRM_OPENING, is_member_of
from tenders.rounds import ensure_runs_rounds, move_round, when
from tenders.scoring import lot_standings, outliers, scoring_faults

Status = TenderRound.Status
ObjectionStatus = Objection.Status
OPEN_OBJECTIONS = (ObjectionStatus.PENDING, ObjectionStatus.PROPOSED)


def _locked(round: TenderRound) -> TenderRound:
    return TenderRound.objects.select_for_update().get(pk=round.pk)


def standing_result(round: TenderRound) -> Result | None:
    return Result.objects.filter(round=round, withdrawn_at__isnull=True).first()


# --- sign-off -----------------------------------------------------------------------------


def sign_off_faults(round: TenderRound) -> list[str]:
    """What still stands between the committee and its signed result (empty when ready)."""
    faults = []
    if not Seat.objects.filter(round=round, is_chair=True).exists():
        faults.append(_("The committee has no chair."))
    faults.extend(scoring_faults(round))
    for entry in committee_progress(round):
        if not entry.needs_scores:
            continue
        label = {"lot": entry.lot}
        if entry.waiting:
            faults.append(
                _("%(lot)s: waiting for the scores of %(members)s.")
                % {**label, "members": ", ".join(s.user.get_username() for s in entry.waiting)}
            )
        for outlier in outliers(entry.lot):
            score = outlier.score
            # Named without the points: the chair may not have seen the lot's scores.
            faults.append(
                _(
                    "%(lot)s: the score of %(member)s for bid %(receipt)s on “%(criterion)s” "
                    "is far from the others': a written justification is needed."
                )
                % {
                    **label,
                    "member": score.sheet.seat.user.get_username(),
                    "receipt": score.bid.bid.receipt_number,
                    "criterion": score.criterion.name,
                }
            )
    return faults


def _report(round: TenderRound, standings: dict, actor, now, version: int) -> dict:
    criteria = list(round.criteria.all())
    progress = {entry.lot.pk: entry for entry in committee_progress(round)}
    invalid = {}
    for opened in (
        OpenedBid.objects.filter(bid__round=round, is_valid=False)
        .select_related("bid__merchant")
        .order_by("bid__received_at")
    ):
        invalid.setdefault(opened.bid.lot_id, []).append(
            {
                "receipt_number": opened.bid.receipt_number,
                "merchant": opened.bid.merchant.name,
                "reason": opened.invalid_reason,
            }
        )
    lots = []
    for lot in round.lots.order_by("number"):
        entry = progress[lot.pk]
        lots.append(
            {
                "lot": lot.number,
                "title": lot.title,
                "scored_by": [seat.user.get_username() for seat in entry.submitted],
                "recused": [seat.user.get_username() for seat in entry.recused],
                "ranking": [
                    {
                        "rank": s.rank,
                        "receipt_number": s.receipt_number,
                        "merchant_id": s.merchant_id,
                        "merchant": s.merchant,
                        "annual_rent": str(s.annual_rent),
                        "points": {str(c): str(p) for c, p in s.points.items()},
                        "inputs": {str(c): str(v) for c, v in s.inputs.items()},
                        "total": str(s.total),
                    }
                    for s in standings.get(lot.pk, [])
                ],
                "invalid": invalid.get(lot.pk, []),
            }
        )
    return {
        "round": round.code,
        "version": version,
        "signed_by": actor.get_username(),
        "signed_at": now.isoformat(),
        "criteria": [
            {"id": c.pk, "name": c.name, "kind": c.kind, "weight": str(c.weight)} for c in criteria
        ],
        "committee": [
            {
                "member": seat.user.get_username(),
                "department": seat.department,
                "chair": seat.is_chair,
            }
            for seat in Seat.objects.filter(round=round).select_related("user")
        ],
        "lots": lots,
    }


@transaction.atomic
def result_sign_off(*, actor, round: TenderRound) -> Result:
    """The chair signs the committee's report: the ranking is computed and frozen.

    Refused for anyone but the chair, outside the scoring, and while sign_off_faults lists
    anything. The round becomes scored.
    """
    round = _locked(round)
    chair = Seat.objects.filter(round=round, is_chair=True, user=actor).first()
    if actor is None or chair is None or not actor.is_active:
        raise PermissionDenied(_("Only the chair of the committee signs its report."))
    ensure_transition(round, Status.SCORED)
    faults = sign_off_faults(round)
    if faults:
        raise ValidationError(faults)
    now = timezone.now()
    standings = lot_standings(round, detail=True)
    version = (Result.objects.filter(round=round).aggregate(v=Max("version"))["v"] or 0) + 1
    result = Result.objects.create(
        round=round,
        version=version,
        signed_by=actor,
        signed_at=now,
        report=_report(round, standings, actor, now, version),
    )
    RankedBid.objects.bulk_create(
        RankedBid(
            result=result,
            lot_id=lot_id,
            bid_id=standing.bid_id,
            rank=standing.rank,
            total=standing.total,
            points={str(c): str(p) for c, p in standing.points.items()},
        )
        for lot_id, ranking in standings.items()
        for standing in ranking
    )
    audit.record(actor=actor, action="result.sign_off", target=result, after=result.report)
    move_round(actor, round, Status.SCORED, action="round.scored")
    return result


@transaction.atomic
def result_publish(*, actor, round: TenderRound) -> TenderRound:
    """Scored → publicity: the result is public for the round's publicity period from now."""
    round = _locked(round)
    ensure_runs_rounds(actor)
    ensure_transition(round, Status.PUBLICITY)
    if standing_result(round) is None:
        raise ValidationError(_("There is no signed result to publish."))
    round.publicity_ends_at = timezone.now() + dt.timedelta(days=round.publicity_days)
    round = move_round(
        actor, round, Status.PUBLICITY, action="result.publish", fields=["publicity_ends_at"]
    )
    tender_notifications.result_published_later(round)
    return round


@transaction.atomic
def round_fail(*, actor, round: TenderRound, reason: str) -> TenderRound:
    """Declare the round failed (e.g. no valid bid at all); the reason is required."""
    round = _locked(round)
    ensure_runs_rounds(actor)
    ensure_transition(round, Status.FAILED)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the round fails.")})
    round.lots.filter(status=Lot.Status.OPEN).update(status=Lot.Status.FAILED)
    return move_round(
        actor, round, Status.FAILED, action="round.fail", data={"reason": reason.strip()}
    )


# --- objections ---------------------------------------------------------------------------


@transaction.atomic
def objection_lodge(*, actor, lot: Lot, merchant, grounds: str) -> Objection:
    """A bidder's user objects to ``lot``'s result during publicity, with grounds.

    Refused outside the publicity period, for a merchant that did not apply for the lot, for
    anyone but the merchant's own users, without grounds, and while the merchant's earlier
    objection to the lot awaits its decision.
    """
    round = _locked(lot.round)
    if not is_member_of(actor, merchant):
        raise PermissionDenied(
            _("Only the users of %(name)s may object in its name.") % {"name": merchant.name}
        )
    now = timezone.now()
    if round.status != Status.PUBLICITY or now >= round.publicity_ends_at:
        raise ValidationError(
            _("Objections are lodged while the result is in publicity.")
            if round.status != Status.PUBLICITY
            else _("The publicity period ended at %(when)s: objections are closed.")
            % {"when": when(round.publicity_ends_at)}
        )
    if not Application.objects.filter(round=round, merchant=merchant, lots=lot).exists():
        raise PermissionDenied(
            _("%(name)s did not apply for %(lot)s.") % {"name": merchant.name, "lot": lot}
        )
    grounds = (grounds or "").strip()
    if not grounds:
        raise ValidationError({"grounds": _("State the grounds of the objection.")})
    if Objection.objects.filter(lot=lot, merchant=merchant, status__in=OPEN_OBJECTIONS).exists():
        raise ValidationError(_("Your objection to %(lot)s awaits its decision.") % {"lot": lot})
    objection = Objection.objects.create(
        round=round, lot=lot, merchant=merchant, grounds=grounds, lodged_at=now, lodged_by=actor
    )
    audit.record(
        actor=actor,
        action="objection.lodge",
        target=objection,
        after={"lot": lot.number, "merchant": merchant.name, "grounds": grounds},
    )
    return objection


def _locked_objection(objection: Objection) -> Objection:
    _locked(objection.round)
    return (
        Objection.objects.select_for_update().select_related("round", "lot").get(pk=objection.pk)
    )


def _objection_move(actor, objection: Objection, status: str, *, action: str, data=None):
    ensure_transition(objection, status)
    before = objection.status
    objection.status = status
    objection.save()
    audit.record(
        actor=actor,
        action=action,
        target=objection,
        before={"status": before},
        after={
            "status": status,
            "upheld": objection.upheld,
            "outcome": objection.outcome,
            "reason": objection.reason,
        },
        data=data,
    )
    return objection


@transaction.atomic
def objection_propose(
    *, actor, objection: Objection, upheld: bool, reason: str, outcome: str = ""
) -> Objection:
    """An officer proposes the decision: rejected, or upheld with its outcome (re-scoring or
    a failed lot), and the reasons. The inspector's co-signature makes it take effect."""
    objection = _locked_objection(objection)
    ensure_runs_rounds(actor)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = _("Give the reasons for the decision.")
    if upheld and outcome not in Objection.Outcome.values:
        errors["outcome"] = _("An upheld objection needs its outcome: re-scoring or a failed lot.")
    if errors:
        raise ValidationError(errors)
    objection.upheld = bool(upheld)
    objection.outcome = outcome if upheld else ""
    objection.reason = reason.strip()
    objection.proposed_by = actor
    objection.proposed_at = timezone.now()
    return _objection_move(actor, objection, ObjectionStatus.PROPOSED, action="objection.propose")


def _ensure_inspector(actor, objection: Objection) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(CONFIRM_OPENING):
        raise PermissionDenied(_("A discipline inspector co-signs the decision on an objection."))
    if actor.pk == objection.proposed_by_id:
        raise PermissionDenied(
            _("The decision was proposed by you: another person must co-sign it.")
        )


@transaction.atomic
def objection_return(*, actor, objection: Objection, reason: str) -> Objection:
    """The inspector does not co-sign: the objection awaits a new proposal."""
    objection = _locked_objection(objection)
    _ensure_inspector(actor, objection)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the proposal is sent back.")})
    proposal = {
        "upheld": objection.upheld,
        "outcome": objection.outcome,
        "reason": objection.reason,
        "proposed_by": objection.proposed_by.get_username(),
    }
    objection.upheld = None
    objection.outcome = ""
    objection.reason = ""
    objection.proposed_by = None
    objection.proposed_at = None
    return _objection_move(
        actor,
        objection,
        ObjectionStatus.PENDING,
        action="objection.return",
        data={"returned_proposal": proposal, "reason": reason.strip()},
    )


@transaction.atomic
def objection_cosign(*, actor, objection: Objection) -> Objection:
    """The inspector co-signs the proposed decision, which takes effect now.

    Upheld with re-scoring: the result is withdrawn and the round goes back to scoring (the
    members correct their sheets, the chair signs again). Upheld with a failed lot: the lot
    fails, and the round with it when no lot is left.
    """
    objection = _locked_objection(objection)
    _ensure_inspector(actor, objection)
    round = objection.round
    now = timezone.now()
    objection.decided_by = actor
    objection.decided_at = now
    status = ObjectionStatus.UPHELD if objection.upheld else ObjectionStatus.REJECTED
    _objection_move(actor, objection, status, action="objection.decide")
    if not objection.upheld:
        return objection
    if objection.outcome == Objection.Outcome.RESCORE and round.status == Status.PUBLICITY:
        result = standing_result(round)
        result.withdrawn_at = now
        result.withdrawn_reason = objection.reason
        result.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        audit.record(
            actor=actor,
            action="result.withdraw",
            target=result,
            data={"objection": objection.pk, "reason": objection.reason},
        )
        round.publicity_ends_at = None
        move_round(
            actor,
            round,
            Status.OPENED,
            action="round.rescore",
            fields=["publicity_ends_at"],
            data={"objection": objection.pk},
        )
    elif objection.outcome == Objection.Outcome.FAIL_LOT:
        lot = objection.lot
        lot.status = Lot.Status.FAILED
        lot.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="lot.fail",
            target=lot,
            before={"status": Lot.Status.OPEN},
            after={"status": Lot.Status.FAILED},
            data={"objection": objection.pk, "reason": objection.reason},
        )
        if not round.lots.exclude(status=Lot.Status.FAILED).exists():
            move_round(
                actor, round, Status.FAILED, action="round.fail", data={"objection": objection.pk}
            )
    return objection


# --- the award ----------------------------------------------------------------------------


@transaction.atomic
def round_award(*, actor, round: TenderRound) -> list[Award]:
    """Award every open lot of ``round`` to its first-ranked bid, in one transaction.

    After the publicity period, with no objection awaiting its decision. The lot's units
    become reserved (citing the award); a lot with no ranked bid fails; the round is awarded,
    or failed when no lot could be awarded. Any failure leaves nothing changed.
    """
    round = _locked(round)
    ensure_runs_rounds(actor)
    ensure_transition(round, Status.AWARDED)
    now = timezone.now()
    if now < round.publicity_ends_at:
        raise ValidationError(
            _("The publicity period runs until %(when)s: the award comes after it.")
            % {"when": when(round.publicity_ends_at)}
        )
    waiting = Objection.objects.filter(round=round, status__in=OPEN_OBJECTIONS).count()
    if waiting:
        raise ValidationError(
            _("%(count)s objection(s) await their decision: the award waits for them.")
            % {"count": waiting}
        )
    result = standing_result(round)
    winners = {
        ranked.lot_id: ranked
        for ranked in RankedBid.objects.filter(result=result, rank=1).select_related(
            "bid__bid__merchant"
        )
    }
    awards = []
    for lot in round.lots.filter(status=Lot.Status.OPEN).prefetch_related("units"):
        ranked = winners.get(lot.pk)
        if ranked is None:
            lot.status = Lot.Status.FAILED
            lot.save(update_fields=["status"])
            audit.record(
                actor=actor,
                action="lot.fail",
                target=lot,
                after={"status": lot.status},
                data={"reason": "no valid bid"},
            )
            continue
        award = Award.objects.create(
            lot=lot,
            bid=ranked.bid,
            merchant=ranked.bid.bid.merchant,
            annual_rent=ranked.bid.annual_rent,
            result=result,
            awarded_at=now,
            awarded_by=actor,
        )
        for unit in lot.units.all():
            space.unit_change_status(
                actor=actor, unit=unit, status=Unit.Status.RESERVED, source=award
            )
        lot.status = Lot.Status.AWARDED
        lot.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="award.make",
            target=award,
            after={
                "lot": lot.number,
                "merchant_id": award.merchant_id,
                "merchant": award.merchant.name,
                "receipt_number": ranked.bid.bid.receipt_number,
                "annual_rent": award.annual_rent,
                "total": ranked.total,
                "units": [unit.code for unit in lot.units.all()],
            },
        )
        awards.append(award)
    pipeline.count("awards", [(award.lot.station_id, now) for award in awards])
    final = Status.AWARDED if awards else Status.FAILED
    move_round(actor, round, final, action="round.award" if awards else "round.fail")
    tender_notifications.round_awarded_later(round)
    return awards
