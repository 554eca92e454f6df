"""Scoring: the objective formulas, each member's final sheet, corrections, independence,
outliers, and the aggregation and ranking arithmetic."""

from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from audit.models import Entry
from tenders import scoring
from tenders.models import Score, ScoreSheet
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import (
    declare_all,
    member,
    opened_round,
    score_all,
    seat_committee,
    sheet,
)
from tests.tenders.factories import tender_inspector

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def clock():
    with time_machine.travel(BIDDING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def opened(clock):
    return opened_round(clock)


@pytest.fixture
def members(opened):
    seated = seat_committee(opened, size=5)
    declare_all(opened, seated)
    return seated


# --- formulas -----------------------------------------------------------------------------


def test_price_earns_offer_over_best_offer_times_weight():
    assert scoring.price_points(D("150000"), D("150000"), D("60")) == D("60.0000")
    assert scoring.price_points(D("130000"), D("150000"), D("60")) == D("52.0000")
    assert scoring.price_points(D("100000"), D("300000"), D("10")) == D("3.3333")


@pytest.mark.parametrize(
    ("value", "share"),
    [("0", "0"), ("999999.99", "0"), ("1000000", "0.5"), ("9999999", "0.5"), ("10000000", "1")],
)
def test_tiers_earn_the_share_of_the_highest_threshold_reached(value, share):
    tiers = [["1000000", "0.5"], ["10000000", "1"]]
    assert scoring.tier_share(tiers, D(value)) == D(share)


@pytest.mark.parametrize(
    ("scores", "mean"),
    [
        (["10", "20"], "15.0000"),
        (["10", "20", "21"], "17.0000"),
        (["1", "2", "3", "4"], "2.5000"),
        # From five members the highest and the lowest are dropped.
        (["0", "20", "21", "22", "30"], "21.0000"),
        (["10", "10", "10", "10", "10", "10", "11"], "10.0000"),
        (["1", "2", "2", "2", "2", "2", "3"], "2.0000"),
        (["1", "1", "2"], "1.3333"),
        (["2", "2", "1"], "1.6667"),
    ],
)
def test_the_mean_drops_the_extremes_from_five_members(scores, mean):
    values = [D(v) for v in scores]
    assert scoring.trimmed_mean(sum(values), max(values), min(values), len(values)) == D(mean)


@given(st.lists(st.decimals(min_value=0, max_value=30, places=2), min_size=1, max_size=9))
def test_the_mean_always_lies_between_the_extremes(values):
    mean = scoring.trimmed_mean(sum(values), max(values), min(values), len(values))
    assert min(values) - D("0.0001") <= mean <= max(values) + D("0.0001")


# --- sheets -------------------------------------------------------------------------------


def test_a_member_submits_every_score_of_the_lot_at_once(opened, members):
    lot = opened.lots[0]
    submitted = scoring.scoresheet_submit(
        actor=members[1], lot=lot, scores=sheet(lot, {"a": "25.5", "b": 20}, opened)
    )
    assert submitted.version == 1 and submitted.is_current
    assert sorted(submitted.scores.values_list("points", flat=True)) == [D("20"), D("25.5")]
    entry = Entry.objects.get(action="score.submit")
    assert entry.actor_name == members[1].username
    assert sorted(entry.after["scores"].values()) == ["20", "25.5"]


def test_the_invalid_bid_is_not_scored(opened, members):
    lot = opened.lots[0]
    scores = sheet(lot, {"a": 25, "b": 20}, opened)
    invalid = opened.bid_of("c")
    criterion = lot.round.criteria.get(kind="subjective")
    scores[invalid.pk, criterion.pk] = 10
    with pytest.raises(ValidationError) as refused:
        scoring.scoresheet_submit(actor=members[1], lot=lot, scores=scores)
    assert "are not for a valid bid of" in refused.value.message_dict["scores"][0]
    assert not ScoreSheet.objects.exists()


@pytest.mark.parametrize(
    ("a", "message"),
    [
        (None, "Bid {receipt} has no score for “Business plan”."),
        ("", "Bid {receipt} has no score for “Business plan”."),
        ("lots", "Bid {receipt}, “Business plan”: “lots” is not a number."),
        ("-1", "Bid {receipt}, “Business plan”: -1 is outside 0 to 30.00."),
        ("30.01", "Bid {receipt}, “Business plan”: 30.01 is outside 0 to 30.00."),
        ("NaN", "Bid {receipt}, “Business plan”: NaN is outside 0 to 30.00."),
        ("12.345", "Bid {receipt}, “Business plan”: give points to 2 decimal places at most."),
    ],
)
def test_each_bad_score_is_named_and_nothing_is_saved(opened, members, a, message):
    lot = opened.lots[0]
    scores = sheet(lot, {"a": a, "b": 20}, opened)
    with pytest.raises(ValidationError) as refused:
        scoring.scoresheet_submit(actor=members[1], lot=lot, scores=scores)
    receipt = opened.bid_of("a").bid.receipt_number
    assert refused.value.message_dict == {"scores": [message.format(receipt=receipt)]}
    assert not ScoreSheet.objects.exists() and not Score.objects.exists()


def test_a_submitted_sheet_is_final(opened, members):
    lot = opened.lots[0]
    scoring.scoresheet_submit(
        actor=members[1], lot=lot, scores=sheet(lot, {"a": 25, "b": 20}, opened)
    )
    with pytest.raises(ValidationError) as again:
        scoring.scoresheet_submit(
            actor=members[1], lot=lot, scores=sheet(lot, {"a": 29, "b": 20}, opened)
        )
    assert "they are final" in again.value.messages[0]
    assert list(Score.objects.values_list("points", flat=True).order_by("points")) == [
        D("20"),
        D("25"),
    ]


def test_a_correction_is_a_new_version_with_its_reason(opened, members):
    lot = opened.lots[0]
    first = scoring.scoresheet_submit(
        actor=members[1], lot=lot, scores=sheet(lot, {"a": 25, "b": 20}, opened)
    )
    with pytest.raises(ValidationError) as no_reason:
        scoring.scoresheet_correct(
            actor=members[1], lot=lot, scores=sheet(lot, {"a": 24, "b": 20}, opened), reason=""
        )
    assert no_reason.value.message_dict == {"reason": ["Say why the scores are corrected."]}
    second = scoring.scoresheet_correct(
        actor=members[1],
        lot=lot,
        scores=sheet(lot, {"a": 24, "b": 20}, opened),
        reason="I misread A's staffing plan.",
    )
    first.refresh_from_db()
    assert (first.version, first.is_current) == (1, False)
    assert (second.version, second.is_current) == (2, True)
    assert second.correction_reason == "I misread A's staffing plan."
    # The earlier version's scores are kept, and no longer count.
    assert Score.objects.filter(sheet=first, is_current=False).count() == 2
    assert sorted(Score.objects.filter(is_current=True).values_list("points", flat=True)) == [
        D("20"),
        D("24"),
    ]
    entry = Entry.objects.get(action="score.correct")
    receipt = opened.bid_of("a").bid.receipt_number
    assert entry.before["scores"] == {f"{receipt} · Business plan": "25.00"}
    receipt_b = opened.bid_of("b").bid.receipt_number
    assert entry.after["scores"] == {
        f"{receipt} · Business plan": "24",
        f"{receipt_b} · Business plan": "20",
    }
    assert entry.data == {
        "reason": "I misread A's staffing plan.",
        "changed": {f"{receipt} · Business plan": "24"},
    }


def test_nothing_to_correct_before_submitting(opened, members):
    lot = opened.lots[0]
    with pytest.raises(ValidationError) as refused:
        scoring.scoresheet_correct(
            actor=members[1], lot=lot, scores=sheet(lot, {"a": 24, "b": 20}, opened), reason="x"
        )
    assert refused.value.messages == [f"You have no submitted scores for {lot} to correct."]


def test_scoring_needs_a_declaration_first_and_every_member_declared(opened):
    seated = seat_committee(opened, size=5)
    lot = opened.lots[0]
    scores = sheet(lot, {"a": 1, "b": 1}, opened)
    with pytest.raises(ValidationError) as undeclared:
        scoring.scoresheet_submit(actor=seated[0], lot=lot, scores=scores)
    assert undeclared.value.messages == [
        "Declare your interests towards every bidder before scoring."
    ]
    declare_all(opened, seated[:4])
    with pytest.raises(ValidationError) as waiting:
        scoring.scoresheet_submit(actor=seated[0], lot=lot, scores=scores)
    assert waiting.value.messages[0] == (
        f"{seated[4].username} has not declared their interests yet."
    )
    assert not ScoreSheet.objects.exists()


def test_outsiders_do_not_score(opened, members):
    lot = opened.lots[0]
    for outsider in (member(), opened.officer, opened.users["a"]):
        with pytest.raises(PermissionDenied):
            scoring.scoresheet_submit(
                actor=outsider, lot=lot, scores=sheet(lot, {"a": 30, "b": 0}, opened)
            )
    assert not ScoreSheet.objects.exists()


# --- independence -------------------------------------------------------------------------


def test_a_member_sees_no_one_elses_scores_before_submitting_their_own(opened, members):
    lot = opened.lots[0]
    scoring.scoresheet_submit(
        actor=members[1], lot=lot, scores=sheet(lot, {"a": 25, "b": 20}, opened)
    )
    assert not scoring.scores_visible_to(members[2], lot).exists()
    # The officer sees nothing before the sign-off; an inspector reads everything.
    assert not scoring.scores_visible_to(opened.officer, lot).exists()
    assert scoring.scores_visible_to(tender_inspector(), lot).count() == 2
    assert scoring.scores_visible_to(opened.users["a"], lot).count() == 0
    scoring.scoresheet_submit(
        actor=members[2], lot=lot, scores=sheet(lot, {"a": 21, "b": 22}, opened)
    )
    assert scoring.scores_visible_to(members[2], lot).count() == 4
    assert scoring.scores_visible_to(members[1], lot).count() == 4


def test_a_recused_member_sees_nothing_of_the_lot(opened):
    seated = seat_committee(opened, size=6)
    declare_all(opened, seated, conflicts={(4, "b")})
    score_all(opened, seated)
    assert not scoring.scores_visible_to(seated[4], opened.lots[0]).exists()
    assert scoring.scores_visible_to(seated[4], opened.lots[1]).count() == 6


# --- outliers -----------------------------------------------------------------------------


def test_a_score_far_from_the_median_needs_a_justification(opened, members):
    # Business plan weighs 30: more than 9 points from the median is far.
    points = {1: [{"a": "25", "b": "20"}] * 4 + [{"a": "15.99", "b": "11"}]}
    score_all(opened, members, points)
    found = scoring.outliers(opened.lots[0])
    assert [(o.score.sheet.seat.user, o.score.points, o.median) for o in found] == [
        (members[4], D("15.99"), D("25"))
    ]
    # 11 is exactly 9 from the median 20: not far.
    lot = opened.lots[0]
    with pytest.raises(ValidationError) as empty:
        scoring.score_justify(
            actor=members[4], lot=lot, bid=opened.bid_of("a"),
            criterion=found[0].score.criterion, justification=" ",
        )  # fmt: skip
    assert empty.value.message_dict == {"justification": ["Write the justification."]}
    scoring.score_justify(
        actor=members[4], lot=lot, bid=opened.bid_of("a"),
        criterion=found[0].score.criterion, justification="A has no plan for night trains.",
    )  # fmt: skip
    assert scoring.outliers(lot) == []
    assert len(scoring.outliers(lot, unjustified_only=False)) == 1
    assert Score.objects.get(pk=found[0].score.pk).points == D("15.99")


def test_a_justification_can_come_with_the_sheet(opened, members):
    lot = opened.lots[0]
    a_key = next(iter(sheet(lot, {"a": 0}, opened)))
    points = {1: [{"a": "25", "b": "20"}] * 4}
    score_all(opened, members[:4], points)
    scoring.scoresheet_submit(
        actor=members[4], lot=lot, scores=sheet(lot, {"a": "2", "b": "20"}, opened),
        justifications={a_key: "The plan copies another station's."},
    )  # fmt: skip
    assert scoring.outliers(lot) == []


# --- aggregation and ranking --------------------------------------------------------------


def test_the_ranking_adds_price_capital_and_the_committees_mean(clock):
    opened = opened_round(clock, capital={"a": D("500000"), "b": D("20000000")})
    seated = seat_committee(opened, size=5)
    declare_all(opened, seated)
    points = {1: [{"a": "28", "b": "10"}, {"a": "27", "b": "12"}, {"a": "26", "b": "14"},
                  {"a": "25", "b": "16"}, {"a": "5", "b": "30"}]}  # fmt: skip
    score_all(opened, seated, points)
    standings = scoring.lot_standings(opened.round, detail=True)[opened.lots[0].pk]
    price, capital, plan = opened.round.criteria.order_by("sort_order", "pk")
    a, b = standings
    # A: 60 (best offer) + 0 (capital below every tier) + mean(28, 27, 26, 25, 5) without the
    # extremes = 26.
    assert a.bid_id == opened.bid_of("a").pk
    assert a.points == {price.pk: D("60.0000"), capital.pk: D("0.0000"), plan.pk: D("26.0000")}
    assert a.total == D("86.0000") and a.rank == 1
    # B: 130000/150000 × 60 = 52, capital ≥ 10,000,000 = 10, mean(12, 14, 16) = 14.
    assert b.points == {price.pk: D("52.0000"), capital.pk: D("10.0000"), plan.pk: D("14.0000")}
    assert b.total == D("76.0000") and b.rank == 2
    assert a.scored_by == {plan.pk: 5}
    # Merchant C's bid below the reserve is not ranked.
    assert opened.bid_of("c").pk not in [s.bid_id for s in standings]


def test_a_tie_goes_to_the_higher_offer(clock):
    # A offers more; B has the capital that evens the totals: 60 + 0 + x = 55 + 5 + x.
    opened = opened_round(
        clock,
        {1: {"a": "150000.00", "b": "137500.00"}},
        capital={"a": D("0"), "b": D("1000000")},
    )
    seated = seat_committee(opened, size=5)
    declare_all(opened, seated)
    score_all(opened, seated, {1: [{"a": "20", "b": "20"}] * 5})
    a, b = scoring.lot_standings(opened.round)[opened.lots[0].pk]
    assert a.total == b.total == D("80.0000")
    assert (a.bid_id, b.bid_id) == (opened.bid_of("a").pk, opened.bid_of("b").pk)


def test_a_full_tie_goes_to_the_earlier_receipt(clock):
    opened = opened_round(clock, {1: {"b": "150000.00", "a": "150000.00"}})
    seated = seat_committee(opened, size=5)
    declare_all(opened, seated)
    score_all(opened, seated, {1: [{"a": "20", "b": "20"}] * 5})
    first, second = scoring.lot_standings(opened.round)[opened.lots[0].pk]
    assert first.total == second.total
    assert first.received_at < second.received_at
    assert (first.bid_id, second.bid_id) == (opened.bid_of("b").pk, opened.bid_of("a").pk)


def test_the_ranking_takes_one_aggregate_query_whatever_the_committee(opened, members):
    score_all(opened, members)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        scoring.lot_standings(opened.round)
    assert len(queries) == 4  # criteria, valid bids, the aggregate, the lots


def test_the_database_arithmetic_is_the_reference_arithmetic(clock):
    """The trimmed means computed in SQL equal mean_in_ten_thousandths on the same scores,
    for committees of 3 to 7 and awkward points; the quick ranking equals the detailed one."""
    import random

    rng = random.Random(7)
    opened = opened_round(clock, {1: {"a": "150000.00", "b": "140000.00", "e": "130000.00"}})
    seated = seat_committee(opened, size=7)
    declare_all(opened, seated)
    lot = opened.lots[0]
    for n, user in enumerate(seated):
        given = {letter: str(D(rng.randrange(0, 3001)) / 100) for letter in "abe"}
        given["a"] = ["0.01", "29.99", "0.02", "29.98", "14.99", "15.01", "7.77"][n]
        scoring.scoresheet_submit(actor=user, lot=lot, scores=sheet(lot, given, opened))
    plan = opened.round.criteria.get(kind="subjective")
    detailed = scoring.lot_standings(opened.round, detail=True)[lot.pk]
    for standing in detailed:
        points = list(
            Score.objects.filter(bid_id=standing.bid_id).values_list("points", flat=True)
        )
        cents = [int(p * 100) for p in points]
        expected = scoring.mean_in_ten_thousandths(sum(cents), max(cents), min(cents), 7)
        assert standing.points_e4[plan.pk] == expected
        assert standing.points[plan.pk] == scoring.trimmed_mean(
            sum(points), max(points), min(points), 7
        )
    quick = scoring.lot_standings(opened.round)[lot.pk]
    assert [(s.bid_id, s.total, s.rank) for s in quick] == [
        (s.bid_id, s.total, s.rank) for s in detailed
    ]
