"""Scoring the opened bids and ranking them.

Objective criteria are computed from the data by the formulas the tender book states: price
earns offer ÷ best valid offer × weight; registered capital and track record (stores operated)
earn the share of the weight of the highest tier reached. Subjective criteria are scored by
each member who declared no conflict for the lot, alone: a member's sheet for a lot holds a
score for every valid bid on every subjective criterion, is final once submitted, and is
corrected only by a new version with a reason. Nobody on the committee sees another member's
scores for a lot before submitting their own.

A criterion's points for a bid are the mean of the members' scores, without the highest and
the lowest when 5 or more members scored; points are kept to 4 decimal places. The ranking
orders the valid bids by total points, then the higher offer, then the earlier receipt.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import audit
from tenders.committee import committee_progress, ensure_seat, has_declared, recused_lots
from tenders.models import (
    Criterion,
    Lot,
    OpenedBid,
    Score,
    ScoreSheet,
    TenderRound,
)
from tenders.permissions import CONFIRM_OPENING, RUN_ROUND

PLACES = Decimal("0.0001")
TRIM_FROM = 5  # members: from this many scores the highest and the lowest are dropped
OUTLIER_SHARE = Decimal("0.30")  # of the criterion's maximum, from the median
Kind = Criterion.Kind
Status = TenderRound.Status
# After the sign-off the scores are the committee's record: officers may read them.
SIGNED_STATUSES = frozenset({Status.SCORED, Status.PUBLICITY, Status.AWARDED, Status.FAILED})


def quantize(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


# --- the formulas -------------------------------------------------------------------------


def tier_share(tiers: Iterable, value: Decimal) -> Decimal:
    """The share of the weight earned by ``value``: that of the highest threshold reached."""
    share = Decimal("0")
    for threshold, tier_share_value in tiers:
        if value >= Decimal(str(threshold)):
            share = max(share, Decimal(str(tier_share_value)))
    return share


def price_points(offer: Decimal, best_offer: Decimal, weight: Decimal) -> Decimal:
    """Offer ÷ best valid offer × weight: the highest rent earns the whole weight."""
    return quantize(offer / best_offer * weight)


def mean_in_ten_thousandths(total_cents: int, high_cents: int, low_cents: int, count: int) -> int:
    """The trimmed mean of ``count`` scores given in cents, in ten-thousandths of a point,
    rounded half up: exact integer arithmetic, whatever the database's numeric types."""
    if count >= TRIM_FROM:
        total_cents, count = total_cents - high_cents - low_cents, count - 2
    return (200 * total_cents + count) // (2 * count)


def trimmed_mean(total: Decimal, high: Decimal, low: Decimal, count: int) -> Decimal:
    """The mean of ``count`` scores, without the highest and the lowest from TRIM_FROM on."""
    cents = [int(value * 100) for value in (total, high, low)]
    return Decimal(mean_in_ten_thousandths(*cents, count)).scaleb(-4)


def objective_points(criterion: Criterion, bid: Standing, best_offer: Decimal) -> tuple:
    """(points, the input they come from) of an objective criterion for ``bid``."""
    if criterion.kind == Kind.PRICE:
        return price_points(bid.annual_rent, best_offer, criterion.weight), bid.annual_rent
    value = (
        bid.registered_capital
        if criterion.kind == Kind.REGISTERED_CAPITAL
        else (Decimal(bid.store_count))
    )
    return quantize(tier_share(criterion.tiers, value) * criterion.weight), value


@dataclass
class Standing:
    """A valid bid (``bid_id`` is the OpenedBid's) with its points by criterion, its total
    and its place in the lot. Points are held as whole ten-thousandths (exact integers)."""

    bid_id: int
    lot_id: int
    annual_rent: Decimal
    received_at: dt.datetime
    receipt_number: str
    merchant_id: int
    merchant: str
    registered_capital: Decimal
    store_count: int
    points_e4: dict[int, int] = field(default_factory=dict)
    inputs: dict[int, Decimal] = field(default_factory=dict)
    scored_by: dict[int, int] = field(default_factory=dict)
    total_e4: int = 0
    rank: int = 0

    @property
    def points(self) -> dict[int, Decimal]:
        return {c: Decimal(value).scaleb(-4) for c, value in self.points_e4.items()}

    @property
    def total(self) -> Decimal:
        return Decimal(self.total_e4).scaleb(-4)

    def sort_key(self):
        return (-self.total_e4, -self.annual_rent, self.received_at, self.bid_id)


def _per_criterion_sql() -> str:
    """Per bid and subjective criterion of a round: the number of current scores and their
    trimmed mean in whole ten-thousandths of a point — mean_in_ten_thousandths in SQL.

    Scores are stored to the cent, so the sums are taken as whole cents (exact on SQLite's
    floating sums too) and the rounding half up is integer division, the same on every
    database.
    """
    score, lot = Score._meta.db_table, Lot._meta.db_table
    total = "CAST(ROUND(SUM(points) * 100) AS INTEGER)"
    high = "CAST(ROUND(MAX(points) * 100) AS INTEGER)"
    low = "CAST(ROUND(MIN(points) * 100) AS INTEGER)"
    return f"""
        SELECT bid_id, criterion_id, COUNT(*) AS n,
               CASE WHEN COUNT(*) >= {TRIM_FROM}
                    THEN (200 * ({total} - {high} - {low}) + COUNT(*) - 2) / (2 * (COUNT(*) - 2))
                    ELSE (200 * {total} + COUNT(*)) / (2 * COUNT(*)) END AS points_e4
        FROM {score}
        WHERE is_current AND lot_id IN (SELECT id FROM {lot} WHERE round_id = %s)
        GROUP BY bid_id, criterion_id
    """


def _subjective_totals_sql() -> str:
    """Per bid of a round: the sum of its subjective criteria's trimmed means."""
    return f"SELECT bid_id, SUM(points_e4) FROM ({_per_criterion_sql()}) per GROUP BY bid_id"


def lot_standings(round: TenderRound, *, detail: bool = False) -> dict[int, list[Standing]]:
    """The ranking of every lot of ``round`` from the current scores: {lot id: [Standing]}.

    One statement sums, per bid, the trimmed means of its subjective criteria (computed in
    the database, in exact integers); the objective criteria are added here in Decimal and
    the bids sorted. With ``detail`` the points of each subjective criterion and how many
    members scored it are read too (for the committee's report).
    """
    criteria = list(round.criteria.all())
    computed = [c for c in criteria if c.kind != Kind.SUBJECTIVE]
    scored = [c.pk for c in criteria if c.kind == Kind.SUBJECTIVE]
    bids = [
        Standing(*row)
        for row in OpenedBid.objects.filter(bid__round=round, is_valid=True).values_list(
            "pk",
            "bid__lot_id",
            "annual_rent",
            "bid__received_at",
            "bid__receipt_number",
            "bid__merchant_id",
            "bid__merchant__name",
            "bid__merchant__registered_capital",
            "bid__merchant__store_count",
        )
    ]
    per_criterion, totals = {}, {}
    if scored:
        with connection.cursor() as cursor:
            if detail:
                cursor.execute(_per_criterion_sql(), [round.pk])
                per_criterion = {(b, c): (int(p), n) for b, c, n, p in cursor.fetchall()}
            else:
                cursor.execute(_subjective_totals_sql(), [round.pk])
                totals = {bid_id: int(points) for bid_id, points in cursor.fetchall()}
    best: dict[int, Decimal] = {}
    for bid in bids:
        best[bid.lot_id] = max(best.get(bid.lot_id, bid.annual_rent), bid.annual_rent)
    standings: dict[int, list[Standing]] = {
        lot_id: [] for lot_id in round.lots.values_list("pk", flat=True)
    }
    for bid in bids:
        if detail:
            for criterion_id in scored:
                bid.points_e4[criterion_id], bid.scored_by[criterion_id] = per_criterion.get(
                    (bid.bid_id, criterion_id), (0, 0)
                )
            bid.total_e4 = sum(bid.points_e4.values())
        else:
            bid.total_e4 = totals.get(bid.bid_id, 0)
        for criterion in computed:
            points, bid.inputs[criterion.pk] = objective_points(criterion, bid, best[bid.lot_id])
            bid.points_e4[criterion.pk] = int(points.scaleb(4))
            bid.total_e4 += bid.points_e4[criterion.pk]
        standings[bid.lot_id].append(bid)
    for ranking in standings.values():
        ranking.sort(key=Standing.sort_key)
        for place, standing in enumerate(ranking, start=1):
            standing.rank = place
    return standings


# --- the members' sheets ------------------------------------------------------------------


def _locked(round: TenderRound) -> TenderRound:
    return TenderRound.objects.select_for_update().get(pk=round.pk)


def _ensure_scoring(round: TenderRound) -> None:
    if round.status != Status.OPENED:
        raise ValidationError(
            _(
                "Round %(code)s is %(status)s: scores are given only between the opening and "
                "the chair's sign-off."
            )
            % {"code": round.code, "status": round.get_status_display()}
        )


def scoring_faults(round: TenderRound, progress=None) -> list[str]:
    """Why the round cannot be scored yet: a member has not declared, or a lot with valid
    bids has fewer members free to score it than the round needs. ``progress``: the round's
    committee_progress when the caller has it already (for many rounds at once)."""
    faults = []
    if progress is None:
        progress = committee_progress(round)
    undeclared = {seat.user.get_username() for entry in progress for seat in entry.undeclared}
    if undeclared:
        faults.append(
            ngettext(
                "%(members)s has not declared their interests yet.",
                "%(members)s have not declared their interests yet.",
                len(undeclared),
            )
            % {"members": ", ".join(sorted(undeclared))}
        )
    for entry in progress:
        if entry.needs_scores and len(entry.scoring) < round.min_members_per_lot:
            faults.append(
                _(
                    "%(lot)s: only %(count)s members may score it after recusals; the round "
                    "needs %(minimum)s. Appoint more members."
                )
                % {
                    "lot": entry.lot,
                    "count": len(entry.scoring),
                    "minimum": round.min_members_per_lot,
                }
            )
    return faults


def _ensure_may_score(seat, lot: Lot) -> None:
    if not has_declared(seat):
        raise ValidationError(_("Declare your interests towards every bidder before scoring."))
    if lot.pk in recused_lots(seat):
        raise PermissionDenied(
            _("You declared a conflict with a bidder of %(lot)s: you do not score it.")
            % {"lot": lot}
        )
    faults = scoring_faults(lot.round)
    if faults:
        raise ValidationError(faults)


def _sheet_rows(lot: Lot, scores: Mapping, justifications: Mapping) -> list[Score]:
    """Unsaved Score rows for exactly every valid bid × subjective criterion of ``lot``.

    ``scores`` maps (opened bid id, criterion id) to points; every fault is listed at once.
    """
    bids = list(
        OpenedBid.objects.filter(bid__lot=lot, is_valid=True)
        .select_related("bid")
        .order_by("bid__received_at", "pk")
    )
    criteria = list(lot.round.criteria.filter(kind=Kind.SUBJECTIVE))
    expected = {(bid.pk, criterion.pk): (bid, criterion) for bid in bids for criterion in criteria}
    errors = []
    unknown = [key for key in scores if key not in expected]
    if unknown:
        errors.append(
            _(
                "These scores are not for a valid bid of %(lot)s on a criterion the committee "
                "scores: %(keys)s."
            )
            % {"lot": lot, "keys": ", ".join(map(str, unknown))}
        )
    rows = []
    for key, (bid, criterion) in expected.items():
        label = {"receipt": bid.bid.receipt_number, "criterion": criterion.name}
        raw = scores.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors.append(_("Bid %(receipt)s has no score for “%(criterion)s”.") % label)
            continue
        try:
            points = Decimal(str(raw).strip())
        except InvalidOperation:
            errors.append(
                _("Bid %(receipt)s, “%(criterion)s”: “%(value)s” is not a number.")
                % {**label, "value": raw}
            )
            continue
        if not points.is_finite() or points < 0 or points > criterion.weight:
            errors.append(
                _("Bid %(receipt)s, “%(criterion)s”: %(value)s is outside 0 to %(max)s.")
                % {**label, "value": raw, "max": criterion.weight}
            )
            continue
        if points != points.quantize(Decimal("0.01")):
            errors.append(
                _("Bid %(receipt)s, “%(criterion)s”: give points to 2 decimal places at most.")
                % label
            )
            continue
        rows.append(
            Score(
                lot=lot,
                bid=bid,
                criterion=criterion,
                points=points,
                justification=(justifications.get(key) or "").strip(),
            )
        )
    if not expected:
        errors.append(_("%(lot)s has no valid bid to score.") % {"lot": lot})
    if errors:
        raise ValidationError({"scores": errors})
    return rows


def _store_sheet(seat, lot: Lot, rows: list[Score], *, version: int, reason: str = ""):
    sheet = ScoreSheet.objects.create(
        seat=seat,
        lot=lot,
        version=version,
        submitted_at=timezone.now(),
        correction_reason=reason,
    )
    for row in rows:
        row.sheet = sheet
    Score.objects.bulk_create(rows)
    return sheet


def _as_record(rows: Iterable[Score]) -> dict:
    return {
        f"{row.bid.bid.receipt_number} · {row.criterion.name}": str(row.points) for row in rows
    }


@transaction.atomic
def scoresheet_submit(
    *, actor, lot: Lot, scores: Mapping, justifications: Mapping | None = None
) -> ScoreSheet:
    """Submit the actor's scores for ``lot``: final once stored.

    Refused before the member has declared no conflict for the lot, for a recused member, for
    a member who has already submitted (a correction is a new version with a reason), outside
    the scoring, and when a score is missing, unknown, not a number or outside 0 to the
    criterion's weight.
    """
    round = _locked(lot.round)
    seat = ensure_seat(actor, round)
    _ensure_scoring(round)
    _ensure_may_score(seat, lot)
    if ScoreSheet.objects.filter(seat=seat, lot=lot, is_current=True).exists():
        raise ValidationError(
            _(
                "You have already submitted your scores for %(lot)s: they are final. A correction "
                "is a new version with its reason."
            )
            % {"lot": lot}
        )
    rows = _sheet_rows(lot, scores, justifications or {})
    previous = ScoreSheet.objects.filter(seat=seat, lot=lot).aggregate(v=Max("version"))["v"]
    sheet = _store_sheet(seat, lot, rows, version=(previous or 0) + 1)
    audit.record(
        actor=actor,
        action="score.submit",
        target=sheet,
        after={"lot": lot.number, "scores": _as_record(rows)},
    )
    return sheet


@transaction.atomic
def scoresheet_correct(
    *, actor, lot: Lot, scores: Mapping, reason: str, justifications: Mapping | None = None
) -> ScoreSheet:
    """Correct the actor's submitted scores for ``lot``: a new version with the reason.

    The earlier version is kept and stops counting. Only before the chair's sign-off (or
    after an upheld objection sent the round back to scoring).
    """
    round = _locked(lot.round)
    seat = ensure_seat(actor, round)
    _ensure_scoring(round)
    _ensure_may_score(seat, lot)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the scores are corrected.")})
    current = ScoreSheet.objects.filter(seat=seat, lot=lot, is_current=True).first()
    if current is None:
        raise ValidationError(
            _("You have no submitted scores for %(lot)s to correct.") % {"lot": lot}
        )
    rows = _sheet_rows(lot, scores, justifications or {})
    old = list(current.scores.select_related("bid__bid", "criterion"))
    old_points = {(s.bid_id, s.criterion_id): s.points for s in old}
    current.is_current = False
    current.save(update_fields=["is_current"])
    current.scores.update(is_current=False)
    sheet = _store_sheet(seat, lot, rows, version=current.version + 1, reason=reason.strip())
    changed = [row for row in rows if old_points.get((row.bid_id, row.criterion_id)) != row.points]
    changed_keys = {(row.bid_id, row.criterion_id) for row in changed}
    audit.record(
        actor=actor,
        action="score.correct",
        target=sheet,
        before={
            "version": current.version,
            "scores": _as_record(s for s in old if (s.bid_id, s.criterion_id) in changed_keys),
        },
        # The whole new sheet, as on submission: the journal holds every counted score.
        after={"lot": lot.number, "version": sheet.version, "scores": _as_record(rows)},
        data={"reason": reason.strip(), "changed": _as_record(changed)},
    )
    return sheet


@transaction.atomic
def score_justify(*, actor, lot: Lot, bid: OpenedBid, criterion: Criterion, justification: str):
    """Add the written justification a score far from the others' needs (the points stay)."""
    round = _locked(lot.round)
    seat = ensure_seat(actor, round)
    _ensure_scoring(round)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("Write the justification.")})
    score = Score.objects.filter(
        sheet__seat=seat, lot=lot, bid=bid, criterion=criterion, is_current=True
    ).first()
    if score is None:
        raise ValidationError(_("You have no submitted score for this bid and criterion."))
    before = score.justification
    score.justification = justification
    score.save(update_fields=["justification"])
    audit.record(
        actor=actor,
        action="score.justify",
        target=score,
        before={"justification": before},
        after={"justification": justification, "points": score.points},
    )
    return score


# --- reads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outlier:
    score: Score
    median: Decimal
    distance: Decimal


def outliers(lot: Lot, *, unjustified_only: bool = True) -> list[Outlier]:
    """Current scores more than 30% of the criterion's maximum from the median of the lot's
    scores for the same bid and criterion (those without a justification, by default)."""
    scores = list(
        Score.objects.filter(lot=lot, is_current=True).select_related(
            "criterion", "bid__bid", "sheet__seat__user"
        )
    )
    groups = defaultdict(list)
    for score in scores:
        groups[score.bid_id, score.criterion_id].append(score)
    found = []
    for group in groups.values():
        if len(group) < 2:
            continue
        median = statistics.median(score.points for score in group)
        for score in group:
            distance = abs(score.points - median)
            if distance > OUTLIER_SHARE * score.criterion.weight and not (
                unjustified_only and score.justification
            ):
                found.append(Outlier(score=score, median=median, distance=distance))
    return found


def scores_visible_to(user, lot: Lot) -> QuerySet[Score]:
    """The current scores of ``lot`` that ``user`` may read.

    A member sees the others' scores only after submitting their own for the lot, and nothing
    of a lot they are recused from; inspectors read everything; officers read the scores once
    the chair has signed the result.
    """
    scores = Score.objects.filter(lot=lot, is_current=True)
    if user is None or not user.is_authenticated or not user.is_active:
        return scores.none()
    if user.is_superuser or (user.has_perm(CONFIRM_OPENING) and not user.has_perm(RUN_ROUND)):
        return scores
    seat = lot.round.seats.filter(user=user).first()
    if seat is not None:
        if lot.pk in recused_lots(seat):
            return scores.none()
        if ScoreSheet.objects.filter(seat=seat, lot=lot).exists():
            return scores
        return scores.none()
    if user.has_perm(RUN_ROUND) and lot.round.status in SIGNED_STATUSES:
        return scores
    return scores.none()
