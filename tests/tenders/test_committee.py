"""The committee: seats by department, one chair, declarations of interest and recusal."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Entry
from tenders import committee
from tenders.models import Declaration, Score, ScoreSheet, Seat
from tenders.result import result_sign_off
from tenders.round_selectors import rounds_for
from tenders.scoring import scoresheet_submit
from tests.tenders.bid_factories import BIDDING, bidding_round
from tests.tenders.committee_factories import (
    declare_all,
    member,
    opened_round,
    score_all,
    seat_committee,
    sheet,
)
from tests.tenders.factories import MerchantFactory, merchant_user, tender_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(BIDDING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def opened(clock):
    return opened_round(clock)


def test_an_officer_seats_members_and_a_chair(opened):
    members = seat_committee(opened, size=5)
    seats = list(Seat.objects.filter(round=opened.round))
    assert [seat.user for seat in seats] == members
    assert [seat.is_chair for seat in seats] == [True, False, False, False, False]
    assert len({seat.department for seat in seats}) == 5
    assert Entry.objects.filter(action="committee.appoint").count() == 5
    # The members now see the round they sit on, and no other.
    assert list(rounds_for(members[1])) == [opened.round]
    assert not rounds_for(member()).exists()


def test_only_a_tender_officer_appoints(opened):
    with pytest.raises(PermissionDenied):
        committee.seat_appoint(
            actor=member(), round=opened.round, user=member(), department="legal"
        )
    assert not Seat.objects.exists()


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("merchant", "is not an evaluation committee member."),
        ("officer", "is not an evaluation committee member."),
        ("inactive", "is not an evaluation committee member."),
    ],
)
def test_only_committee_members_take_seats(opened, who, message):
    user = {
        "merchant": lambda: merchant_user(MerchantFactory()),
        "officer": tender_officer,
        "inactive": lambda: member(is_active=False),
    }[who]()
    with pytest.raises(ValidationError) as refused:
        committee.seat_appoint(
            actor=opened.officer, round=opened.round, user=user, department="legal"
        )
    assert refused.value.message_dict["user"] == [f"{user.username} {message}"]
    assert not Seat.objects.exists()


def test_a_member_sits_once_and_there_is_one_chair(opened):
    chair, other = member(), member()
    committee.seat_appoint(
        actor=opened.officer, round=opened.round, user=chair, department="legal", is_chair=True
    )
    with pytest.raises(ValidationError) as twice:
        committee.seat_appoint(
            actor=opened.officer, round=opened.round, user=chair, department="finance"
        )
    assert twice.value.message_dict["user"] == [
        f"{chair.username} already sits on this committee."
    ]
    with pytest.raises(ValidationError) as second_chair:
        committee.seat_appoint(
            actor=opened.officer, round=opened.round, user=other, department="x", is_chair=True
        )
    assert second_chair.value.message_dict == {
        "department": ["Choose the department the member represents."],
        "is_chair": [f"{chair.username} already chairs this committee."],
    }
    assert Seat.objects.count() == 1


def test_the_chair_can_be_handed_over(opened):
    members = seat_committee(opened, size=3)
    seat = Seat.objects.get(user=members[2])
    committee.seat_make_chair(actor=opened.officer, seat=seat)
    assert list(Seat.objects.filter(is_chair=True).values_list("user", flat=True)) == [
        members[2].pk
    ]
    entry = Entry.objects.get(action="committee.make_chair")
    assert entry.before == {"chair": members[0].username}


def test_a_member_who_scored_cannot_be_removed(opened):
    members = seat_committee(opened, size=5)
    seat = Seat.objects.get(user=members[4])
    with pytest.raises(ValidationError) as no_reason:
        committee.seat_remove(actor=opened.officer, seat=seat, reason=" ")
    assert no_reason.value.message_dict == {"reason": ["Say why the member leaves the committee."]}
    declare_all(opened, members)
    score_all(opened, members)
    with pytest.raises(ValidationError) as scored:
        committee.seat_remove(actor=opened.officer, seat=seat, reason="Ill.")
    assert scored.value.messages == [
        f"{members[4].username} has already submitted scores and cannot leave the committee."
    ]
    assert Seat.objects.filter(pk=seat.pk).exists()


def test_a_member_who_has_not_scored_leaves_with_a_reason(opened):
    members = seat_committee(opened, size=5)
    seat = Seat.objects.get(user=members[4])
    committee.seat_remove(actor=opened.officer, seat=seat, reason="Called away.")
    assert not Seat.objects.filter(pk=seat.pk).exists()
    assert Entry.objects.get(action="committee.remove").data == {"reason": "Called away."}


def test_declarations_wait_for_the_opening(clock):
    round_obj = bidding_round(clock)
    user = member()
    committee.seat_appoint(actor=None, round=round_obj, user=user, department="legal")
    with pytest.raises(ValidationError) as refused:
        committee.declarations_submit(actor=user, round=round_obj, conflicts={})
    assert refused.value.messages == [
        "Declarations are made once the bids are opened and before the result is signed."
    ]
    assert not Declaration.objects.exists()


def test_only_seated_members_declare(opened):
    with pytest.raises(PermissionDenied):
        committee.declarations_submit(actor=member(), round=opened.round, conflicts={})
    assert not Declaration.objects.exists()


def test_a_member_declares_towards_every_bidder_at_once(opened):
    members = seat_committee(opened, size=5)
    seat = Seat.objects.get(user=members[1])
    assert committee.bidders_of(opened.round) == sorted(
        opened.merchants.values(), key=lambda m: m.name
    )
    assert not committee.has_declared(seat)
    committee.declarations_submit(actor=members[1], round=opened.round, conflicts={})
    assert committee.has_declared(seat)
    assert Declaration.objects.filter(seat=seat, has_conflict=False).count() == 4
    assert committee.recused_lots(seat) == set()
    entry = Entry.objects.get(action="committee.declare")
    assert entry.after["conflicts"] == {} and entry.after["recused_lots"] == []
    with pytest.raises(ValidationError) as again:
        committee.declarations_submit(actor=members[1], round=opened.round, conflicts={})
    assert again.value.messages == ["You have already declared your interests in this round."]


def test_a_conflict_with_a_bidder_needs_a_statement_and_recuses_from_its_lots(opened):
    members = seat_committee(opened, size=5)
    b = opened.merchants["b"]
    with pytest.raises(ValidationError) as bare:
        committee.declarations_submit(
            actor=members[1], round=opened.round, conflicts={b.pk: " ", 999999: "x"}
        )
    assert bare.value.message_dict == {
        "conflicts": [
            "These are not bidders of this round: 999999.",
            f"Describe your conflict of interest with {b.name}.",
        ]
    }
    assert not Declaration.objects.exists()
    committee.declarations_submit(
        actor=members[1], round=opened.round, conflicts={b.pk: "I worked for Merchant B."}
    )
    seat = Seat.objects.get(user=members[1])
    lot1, lot2 = opened.lots
    assert committee.recused_lots(seat) == {lot1.pk}
    progress = committee.committee_progress(opened.round)
    assert [s.user for s in progress[0].recused] == [members[1]]
    assert members[1] in [s.user for s in progress[1].undeclared + progress[1].scoring]
    entry = Entry.objects.get(action="committee.declare")
    assert entry.after["conflicts"] == {b.name: "I worked for Merchant B."}
    assert entry.after["recused_lots"] == [1]
    # A conflict stands: it is not declared away.
    with pytest.raises(ValidationError) as stands:
        committee.declaration_add_conflict(
            actor=members[1], round=opened.round, merchant=b, statement="again"
        )
    assert stands.value.messages == [f"You declared a conflict with {b.name}; the recusal stands."]


def test_a_late_conflict_withdraws_the_members_scores_for_that_bidders_lots(opened):
    members = seat_committee(opened, size=6)
    declare_all(opened, members)
    score_all(opened, members)
    lot1, lot2 = opened.lots
    with pytest.raises(ValidationError) as bare:
        committee.declaration_add_conflict(
            actor=members[3], round=opened.round, merchant=opened.merchants["a"], statement=""
        )
    assert bare.value.message_dict == {"statement": ["Describe the conflict of interest."]}
    committee.declaration_add_conflict(
        actor=members[3],
        round=opened.round,
        merchant=opened.merchants["a"],
        statement="I now see bidder A is my client.",
    )
    withdrawn = ScoreSheet.objects.get(seat__user=members[3], lot=lot1)
    assert not withdrawn.is_current
    assert not Score.objects.filter(sheet=withdrawn, is_current=True).exists()
    assert ScoreSheet.objects.get(seat__user=members[3], lot=lot2).is_current
    entry = Entry.objects.get(action="committee.add_conflict")
    assert entry.data == {"withdrawn_sheets": [withdrawn.pk]}
    lot = lot1
    with pytest.raises(PermissionDenied):
        scoresheet_submit(actor=members[3], lot=lot, scores=sheet(lot, {"a": 1, "b": 1}, opened))


def test_the_committee_is_fixed_once_the_result_is_signed(opened):
    members = seat_committee(opened, size=5)
    declare_all(opened, members)
    score_all(opened, members)
    result_sign_off(actor=members[0], round=opened.round)
    with pytest.raises(ValidationError) as refused:
        committee.seat_appoint(
            actor=opened.officer, round=opened.round, user=member(), department="legal"
        )
    assert refused.value.messages == [
        f"Round {opened.round.code} is Scored: its committee can no longer change."
    ]
    assert Seat.objects.count() == 5
