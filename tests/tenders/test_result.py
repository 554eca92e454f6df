"""The chair's sign-off, publicity, objections (officer proposes, inspector co-signs), the
award in one transaction, and the journal that vouches for every step."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from audit.models import Entry
from stations import services as space
from stations.models import Unit
from stations.transitions import InvalidTransition, ensure_transition
from tenders import integrity, scoring
from tenders import result as outcome
from tenders.committee import declarations_submit, seat_appoint
from tenders.models import (
    Award,
    Lot,
    Merchant,
    Objection,
    RankedBid,
    Result,
    Seat,
    TenderRound,
)
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import (
    declare_all,
    member,
    opened_round,
    score_all,
    seat_committee,
    sheet,
)
from tests.tenders.factories import MerchantFactory, merchant_user, tender_inspector

pytestmark = pytest.mark.django_db
Status = TenderRound.Status


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


@pytest.fixture
def scored(opened, members):
    score_all(opened, members)
    return opened


@pytest.fixture
def signed(scored, members):
    outcome.result_sign_off(actor=members[0], round=scored.round)
    scored.refresh()
    return scored


@pytest.fixture
def publicity(signed, clock):
    outcome.result_publish(actor=signed.officer, round=signed.round)
    signed.refresh()
    return signed


def _status(opened):
    return opened.refresh().status


# --- sign-off -----------------------------------------------------------------------------


def test_the_chair_signs_and_the_ranking_is_frozen(scored, members):
    result = outcome.result_sign_off(actor=members[0], round=scored.round)
    assert _status(scored) == Status.SCORED
    lot1, lot2 = scored.lots
    ranking = list(RankedBid.objects.filter(result=result).order_by("lot__number", "rank"))
    assert [(r.lot_id, r.bid, r.rank) for r in ranking] == [
        (lot1.pk, scored.bid_of("a"), 1),
        (lot1.pk, scored.bid_of("b"), 2),
        (lot2.pk, scored.bid_of("d", lot2), 1),
    ]
    # A: 60 + 5 (capital 5,000,000 reaches the first tier) + 25; B: 52 + 5 + 20.
    assert [r.total for r in ranking[:2]] == [Decimal("90.0000"), Decimal("77.0000")]
    report = result.report
    assert report["signed_by"] == members[0].username
    assert report["lots"][0]["scored_by"] == [m.username for m in members]
    assert report["lots"][0]["invalid"][0]["merchant"] == "Merchant C"
    assert [row["rank"] for row in report["lots"][0]["ranking"]] == [1, 2]
    assert Entry.objects.filter(action="result.sign_off", target_id=str(result.pk)).exists()
    # Later corrections cannot touch a signed result.
    with pytest.raises(ValidationError):
        scoring.scoresheet_correct(
            actor=members[1], lot=lot1, scores=sheet(lot1, {"a": 1, "b": 1}, scored), reason="x"
        )


def test_only_the_chair_signs(scored, members):
    for someone in (members[1], scored.officer, scored.inspector):
        with pytest.raises(PermissionDenied):
            outcome.result_sign_off(actor=someone, round=scored.round)
    assert not Result.objects.exists()
    assert _status(scored) == Status.OPENED


def test_the_sign_off_lists_everything_missing(opened, clock):
    members = seat_committee(opened, size=5)
    Seat.objects.filter(is_chair=True).update(is_chair=False)
    chairless = outcome.sign_off_faults(opened.round)
    assert chairless[0] == "The committee has no chair."
    Seat.objects.filter(user=members[0]).update(is_chair=True)
    lot1, lot2 = opened.lots
    declare_all(opened, members[:4], conflicts={(3, "b")})
    with pytest.raises(ValidationError) as refused:
        outcome.result_sign_off(actor=members[0], round=opened.round)
    names = lambda seats: ", ".join(m.username for m in seats)  # noqa: E731
    assert refused.value.messages == [
        f"{members[4].username} has not declared their interests yet.",
        f"{lot1}: only 3 members may score it after recusals; the round needs 5. "
        "Appoint more members.",
        f"{lot2}: only 4 members may score it after recusals; the round needs 5. "
        "Appoint more members.",
        f"{lot1}: waiting for the scores of {names(members[:3])}.",
        f"{lot2}: waiting for the scores of {names(members[:4])}.",
    ]
    assert not Result.objects.exists()


def test_recusal_is_made_up_by_appointing_another_member(opened):
    members = seat_committee(opened, size=5)
    declare_all(opened, members, conflicts={(2, "b")})
    lot = opened.lots[0]
    # Lot 1 has 4 members free to score it: nobody scores yet.
    with pytest.raises(ValidationError) as short:
        scoring.scoresheet_submit(
            actor=members[0], lot=lot, scores=sheet(lot, {"a": 20, "b": 20}, opened)
        )
    assert short.value.messages == [
        f"{lot}: only 4 members may score it after recusals; the round needs 5. "
        "Appoint more members."
    ]
    extra = member()
    seat_appoint(actor=opened.officer, round=opened.round, user=extra, department="finance")
    declarations_submit(actor=extra, round=opened.round, conflicts={})
    score_all(opened, [*members, extra])
    assert outcome.sign_off_faults(opened.round) == []
    result = outcome.result_sign_off(actor=members[0], round=opened.round)
    assert result.report["lots"][0]["recused"] == [members[2].username]


def test_an_unjustified_outlier_stops_the_sign_off(opened, members):
    score_all(opened, members, {1: [{"a": "25", "b": "20"}] * 4 + [{"a": "5", "b": "20"}]})
    with pytest.raises(ValidationError) as refused:
        outcome.result_sign_off(actor=members[0], round=opened.round)
    receipt = opened.bid_of("a").bid.receipt_number
    assert refused.value.messages == [
        f"{opened.lots[0]}: the score of {members[4].username} for bid {receipt} on "
        "“Business plan” is far from the others': a written justification is needed."
    ]


# --- publicity ----------------------------------------------------------------------------


def test_publication_starts_the_publicity_period(signed, clock):
    with pytest.raises(PermissionDenied):
        outcome.result_publish(actor=member(), round=signed.round)
    outcome.result_publish(actor=signed.officer, round=signed.round)
    round_obj = signed.refresh()
    assert round_obj.status == Status.PUBLICITY
    assert round_obj.publicity_ends_at == timezone.now() + dt.timedelta(days=3)


# --- objections ---------------------------------------------------------------------------


def test_a_bidder_objects_with_grounds_during_publicity(publicity):
    lot = publicity.lots[0]
    b, b_user = publicity.merchants["b"], publicity.users["b"]
    with pytest.raises(ValidationError) as bare:
        outcome.objection_lodge(actor=b_user, lot=lot, merchant=b, grounds=" ")
    assert bare.value.message_dict == {"grounds": ["State the grounds of the objection."]}
    objection = outcome.objection_lodge(
        actor=b_user, lot=lot, merchant=b, grounds="A's plan scores ignored our brand survey."
    )
    assert objection.status == Objection.Status.PENDING
    with pytest.raises(ValidationError) as twice:
        outcome.objection_lodge(actor=b_user, lot=lot, merchant=b, grounds="Again.")
    assert twice.value.messages == [f"Your objection to {lot} awaits its decision."]
    assert Objection.objects.count() == 1


def test_who_may_object(publicity):
    lot1, lot2 = publicity.lots
    b = publicity.merchants["b"]
    # Another company's user, an officer, and a merchant that did not apply for the lot.
    with pytest.raises(PermissionDenied):
        outcome.objection_lodge(
            actor=merchant_user(MerchantFactory()), lot=lot1, merchant=b, grounds="x"
        )
    with pytest.raises(PermissionDenied):
        outcome.objection_lodge(actor=publicity.officer, lot=lot1, merchant=b, grounds="x")
    with pytest.raises(PermissionDenied) as not_applied:
        outcome.objection_lodge(actor=publicity.users["b"], lot=lot2, merchant=b, grounds="x")
    assert str(not_applied.value) == f"{b.name} did not apply for {lot2}."
    assert not Objection.objects.exists()


def test_no_objection_after_the_publicity_period(publicity, clock):
    clock.move_to(publicity.round.publicity_ends_at)
    with pytest.raises(ValidationError) as late:
        outcome.objection_lodge(
            actor=publicity.users["b"], lot=publicity.lots[0], merchant=publicity.merchants["b"],
            grounds="Too late.",
        )  # fmt: skip
    assert "objections are closed" in late.value.messages[0]
    assert not Objection.objects.exists()


def test_no_objection_before_publicity(signed):
    with pytest.raises(ValidationError) as early:
        outcome.objection_lodge(
            actor=signed.users["b"], lot=signed.lots[0], merchant=signed.merchants["b"],
            grounds="Early.",
        )  # fmt: skip
    assert early.value.messages == ["Objections are lodged while the result is in publicity."]


@pytest.fixture
def objection(publicity):
    return outcome.objection_lodge(
        actor=publicity.users["b"], lot=publicity.lots[0], merchant=publicity.merchants["b"],
        grounds="Merchant A's capital was counted in the wrong tier.",
    )  # fmt: skip


def test_a_decision_needs_an_officer_then_another_person_an_inspector(publicity, objection):
    with pytest.raises(PermissionDenied):
        outcome.objection_propose(
            actor=publicity.inspector, objection=objection, upheld=False, reason="No."
        )
    with pytest.raises(ValidationError) as incomplete:
        outcome.objection_propose(
            actor=publicity.officer, objection=objection, upheld=True, reason=""
        )
    assert incomplete.value.message_dict == {
        "reason": ["Give the reasons for the decision."],
        "outcome": ["An upheld objection needs its outcome: re-scoring or a failed lot."],
    }
    outcome.objection_propose(
        actor=publicity.officer, objection=objection, upheld=False, reason="The tiers are right."
    )
    with pytest.raises(PermissionDenied):
        outcome.objection_cosign(actor=publicity.officer, objection=objection)
    with pytest.raises(PermissionDenied):
        outcome.objection_cosign(actor=member(), objection=objection)
    assert Objection.objects.get().status == Objection.Status.PROPOSED
    outcome.objection_cosign(actor=publicity.inspector, objection=objection)
    decided = Objection.objects.get()
    assert (decided.status, decided.upheld, decided.decided_by) == (
        Objection.Status.REJECTED, False, publicity.inspector,
    )  # fmt: skip
    assert _status(publicity) == Status.PUBLICITY


def test_an_inspector_who_disagrees_sends_the_proposal_back(publicity, objection):
    outcome.objection_propose(
        actor=publicity.officer, objection=objection, upheld=False, reason="Fine as it is."
    )
    with pytest.raises(ValidationError):
        outcome.objection_return(actor=publicity.inspector, objection=objection, reason="")
    outcome.objection_return(
        actor=publicity.inspector, objection=objection, reason="Check the capital certificate."
    )
    back = Objection.objects.get()
    assert (back.status, back.upheld, back.reason, back.proposed_by) == (
        Objection.Status.PENDING, None, "", None,
    )  # fmt: skip
    entry = Entry.objects.get(action="objection.return")
    assert entry.data["returned_proposal"]["reason"] == "Fine as it is."


def test_an_upheld_objection_sends_the_round_back_to_scoring(publicity, objection, members):
    outcome.objection_propose(
        actor=publicity.officer, objection=objection, upheld=True, outcome="rescore",
        reason="The business plans must be scored again.",
    )  # fmt: skip
    outcome.objection_cosign(actor=publicity.inspector, objection=objection)
    round_obj = publicity.refresh()
    assert (round_obj.status, round_obj.publicity_ends_at) == (Status.OPENED, None)
    first = Result.objects.get()
    assert first.withdrawn_at is not None
    # A member corrects, the chair signs again: a second version of the result.
    lot = publicity.lots[0]
    scoring.scoresheet_correct(
        actor=members[1], lot=lot, scores=sheet(lot, {"a": "21", "b": "24"}, publicity),
        reason="Re-scored after the objection.",
    )  # fmt: skip
    second = outcome.result_sign_off(actor=members[0], round=round_obj)
    assert second.version == 2
    assert Result.objects.filter(withdrawn_at__isnull=True).get() == second


def test_an_upheld_objection_can_fail_the_lot(publicity, objection, clock):
    outcome.objection_propose(
        actor=publicity.officer, objection=objection, upheld=True, outcome="fail_lot",
        reason="The lot's documents misstated its area.",
    )  # fmt: skip
    outcome.objection_cosign(actor=publicity.inspector, objection=objection)
    lot1, lot2 = (Lot.objects.get(pk=lot.pk) for lot in publicity.lots)
    assert (lot1.status, lot2.status) == (Lot.Status.FAILED, Lot.Status.OPEN)
    assert _status(publicity) == Status.PUBLICITY
    clock.move_to(publicity.round.publicity_ends_at)
    awards = outcome.round_award(actor=publicity.officer, round=publicity.round)
    assert [award.lot for award in awards] == [lot2]


# --- the award ----------------------------------------------------------------------------


def test_the_award_waits_for_the_end_of_publicity_and_every_objection(publicity, objection, clock):
    with pytest.raises(ValidationError) as early:
        outcome.round_award(actor=publicity.officer, round=publicity.round)
    assert "the award comes after it" in early.value.messages[0]
    clock.move_to(publicity.round.publicity_ends_at)
    with pytest.raises(ValidationError) as waiting:
        outcome.round_award(actor=publicity.officer, round=publicity.round)
    assert waiting.value.messages == [
        "1 objection(s) await their decision: the award waits for them."
    ]
    assert not Award.objects.exists()


def test_the_award_reserves_the_units_of_each_winner(publicity, clock):
    clock.move_to(publicity.round.publicity_ends_at)
    with pytest.raises(PermissionDenied):
        outcome.round_award(actor=member(), round=publicity.round)
    awards = outcome.round_award(actor=publicity.officer, round=publicity.round)
    assert _status(publicity) == Status.AWARDED
    lot1, lot2 = publicity.lots
    assert [(a.lot, a.merchant, a.annual_rent) for a in awards] == [
        (lot1, publicity.merchants["a"], Decimal("150000.00")),
        (lot2, publicity.merchants["d"], Decimal("125000.00")),
    ]
    units = Unit.objects.filter(lots__round=publicity.round)
    assert set(units.values_list("status", flat=True)) == {Unit.Status.RESERVED}
    assert set(Lot.objects.values_list("status", flat=True)) == {Lot.Status.AWARDED}
    unit_entry = Entry.objects.filter(action="unit.change_status").last()
    assert unit_entry.data["source"] == f"tenders.award:{awards[-1].pk}"
    assert Entry.objects.filter(action="award.make").count() == 2


def test_a_failure_midway_leaves_nothing_awarded(publicity, clock):
    clock.move_to(publicity.round.publicity_ends_at)
    real = space.unit_change_status
    calls = []

    def fail_on_the_second_lot(**kwargs):
        calls.append(kwargs["unit"])
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return real(**kwargs)

    entries = Entry.objects.count()
    with (
        mock.patch.object(space, "unit_change_status", side_effect=fail_on_the_second_lot),
        pytest.raises(RuntimeError),
    ):
        outcome.round_award(actor=publicity.officer, round=publicity.round)
    assert len(calls) == 2
    assert not Award.objects.exists()
    assert _status(publicity) == Status.PUBLICITY
    assert set(Lot.objects.values_list("status", flat=True)) == {Lot.Status.OPEN}
    assert set(
        Unit.objects.filter(lots__round=publicity.round).values_list("status", flat=True)
    ) == {Unit.Status.AVAILABLE}
    assert Entry.objects.count() == entries


def test_a_lot_without_a_valid_bid_fails_at_the_award(clock):
    opened = opened_round(clock, {1: {"a": "150000.00"}, 2: {"d": "100000.00"}})
    members = seat_committee(opened, size=5)
    declare_all(opened, members)
    score_all(opened, members, {1: [{"a": "20"}] * 5, 2: [{}] * 5})
    outcome.result_sign_off(actor=members[0], round=opened.round)
    outcome.result_publish(actor=opened.officer, round=opened.refresh())
    clock.move_to(opened.refresh().publicity_ends_at)
    awards = outcome.round_award(actor=opened.officer, round=opened.round)
    assert [award.lot for award in awards] == [opened.lots[0]]
    assert Lot.objects.get(pk=opened.lots[1].pk).status == Lot.Status.FAILED


def test_a_round_without_any_valid_bid_is_declared_failed(clock):
    opened = opened_round(clock, {1: {"a": "100000.00"}})
    with pytest.raises(ValidationError):
        outcome.round_fail(actor=opened.officer, round=opened.round, reason="")
    outcome.round_fail(actor=opened.officer, round=opened.round, reason="No valid bid.")
    assert _status(opened) == Status.FAILED
    assert Lot.objects.get().status == Lot.Status.FAILED


# --- the journal vouches for every step ---------------------------------------------------


@pytest.mark.parametrize("chunk", [2000, 1])
def test_every_step_is_journaled_and_verifies(publicity, clock, monkeypatch, chunk):
    monkeypatch.setattr(integrity, "CHUNK", chunk)  # one row a window: none judged alone
    clock.move_to(publicity.round.publicity_ends_at)
    outcome.round_award(actor=publicity.officer, round=publicity.round)
    actions = set(Entry.objects.values_list("action", flat=True))
    assert {
        "committee.appoint", "committee.declare", "score.submit", "result.sign_off",
        "round.scored", "result.publish", "award.make", "round.award",
    } <= actions  # fmt: skip
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "records match" in out.getvalue()


@pytest.mark.parametrize(
    ("table", "column", "value", "fault"),
    [
        ("tenders_bid", "digest", "'" + "0" * 64 + "'", "the digest differs"),
        ("tenders_openedbid", "annual_rent", "999999", "differs from the opening record"),
        ("tenders_score", "points", "29", "its scores differ from those journaled"),
        ("tenders_award", "annual_rent", "1", "the rent or the winner differs"),
    ],
)
@pytest.mark.parametrize(("chunk", "which"), [(2000, "MIN"), (1, "MAX")])
def test_verify_audit_fails_after_a_row_is_altered_in_sql(
    publicity, clock, monkeypatch, table, column, value, fault, chunk, which
):
    """Found whether the altered row is in the first window of rows read or the last (the
    records are checked ``integrity.CHUNK`` rows at a time)."""
    monkeypatch.setattr(integrity, "CHUNK", chunk)
    clock.move_to(publicity.round.publicity_ends_at)
    outcome.round_award(actor=publicity.officer, round=publicity.round)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {value} WHERE id = (SELECT {which}(id) FROM {table})"
        )
    with pytest.raises(CommandError) as broken:
        call_command("verify_audit", stdout=StringIO())
    assert fault in str(broken.value)


def test_a_refused_sign_off_changes_nothing_for_an_inspector(scored):
    with pytest.raises(PermissionDenied):
        outcome.result_sign_off(actor=tender_inspector(), round=scored.round)
    assert not Result.objects.exists()


# --- the transition table, service by service ---------------------------------------------

RESULT_MOVES = {
    Status.SCORED: lambda opened, chair: outcome.result_sign_off(actor=chair, round=opened.round),
    Status.PUBLICITY: lambda opened, chair: outcome.result_publish(
        actor=opened.officer, round=opened.round
    ),
    Status.AWARDED: lambda opened, chair: outcome.round_award(
        actor=opened.officer, round=opened.round
    ),
    Status.FAILED: lambda opened, chair: outcome.round_fail(
        actor=opened.officer, round=opened.round, reason="No valid bid."
    ),
}


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (current, new)
        for current in Status.values
        for new in RESULT_MOVES
        # The allowed moves are tested above, with their preconditions.
        if Status(new) not in TenderRound.TRANSITIONS[Status(current)]
    ],
)
def test_each_result_service_refuses_a_move_off_the_table(scored, members, current, new):
    TenderRound.objects.filter(pk=scored.round.pk).update(status=current)
    scored.refresh()
    with pytest.raises(InvalidTransition):
        RESULT_MOVES[new](scored, members[0])
    assert _status(scored) == current
    assert not Result.objects.exists() and not Award.objects.exists()


@pytest.mark.parametrize("current", Objection.Status.values)
@pytest.mark.parametrize("new", Objection.Status.values)
def test_the_objection_table_allows_exactly_its_moves(current, new):
    lot = Lot(number=1, round=TenderRound(code="T"))
    objection = Objection(status=current, lot=lot, merchant=Merchant(name="M"))
    if Objection.Status(new) in Objection.TRANSITIONS[Objection.Status(current)]:
        ensure_transition(objection, new)
    else:
        with pytest.raises(InvalidTransition):
            ensure_transition(objection, new)


def test_a_decided_objection_is_not_decided_again(publicity, objection):
    outcome.objection_propose(
        actor=publicity.officer, objection=objection, upheld=False, reason="Tiers are right."
    )
    outcome.objection_cosign(actor=publicity.inspector, objection=objection)
    with pytest.raises(InvalidTransition):
        outcome.objection_propose(
            actor=publicity.officer, objection=objection, upheld=True, outcome="fail_lot",
            reason="Second thoughts.",
        )  # fmt: skip
    with pytest.raises(InvalidTransition):
        outcome.objection_cosign(actor=tender_inspector(), objection=objection)
    assert Objection.objects.get().status == Objection.Status.REJECTED
