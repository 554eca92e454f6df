"""The opening: two different people (an officer and an inspector) within 30 minutes, only
after the deadline; decryption, digest checks, the reserve floor, and the opening record."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from audit.models import Entry
from stations import roles
from tenders import rounds
from tenders.bids import bid_read, bid_withdraw
from tenders.committee import declarations_submit, seat_appoint
from tenders.models import Bid, OpenedBid, Opening, OpeningConfirmation, TenderRound
from tenders.opening import opening_confirm, opening_record_for
from tests.factories import UserFactory, pdf
from tests.tenders.bid_factories import BIDDING, DEADLINE, applicant, bid, bidding_round
from tests.tenders.factories import (
    MerchantFactory,
    merchant_user,
    tender_inspector,
    tender_officer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def record_language(settings):
    """The opening record is written in the site's language: English here, as the messages."""
    settings.LANGUAGE_CODE = "en"


AFTER = DEADLINE + dt.timedelta(hours=1)


@pytest.fixture
def clock():
    with time_machine.travel(BIDDING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer():
    return tender_officer()


@pytest.fixture
def inspector():
    return tender_inspector()


@pytest.fixture
def sealed(clock):
    """Lot 1: A offers 150000 (after replacing 140000), B 110000 (below the reserve), C
    withdrew; lot 2: D offers 130000 with a document. The clock an hour after the deadline."""
    round_obj = bidding_round(clock)
    lot1, lot2 = round_obj.lots.order_by("number")
    a, a_user = applicant(round_obj, [lot1])
    b, b_user = applicant(round_obj, [lot1])
    c, c_user = applicant(round_obj, [lot1])
    d, d_user = applicant(round_obj, [lot2])
    clock.move_to(BIDDING)
    bid(a_user, round_obj, lot1, "140000.00")
    bid(a_user, round_obj, lot1, "150000.00", proposal="Revised plan.")
    bid(b_user, round_obj, lot1, "110000.00")
    withdrawn = bid(c_user, round_obj, lot1, "200000.00")
    bid_withdraw(actor=c_user, bid=Bid.objects.get(receipt_number=withdrawn.receipt_number))
    bid(d_user, round_obj, lot2, "130000.00", documents=[("plan.pdf", pdf("plan"))])
    clock.move_to(AFTER)
    return {
        "round": TenderRound.objects.get(pk=round_obj.pk),
        "merchants": {"a": a, "b": b, "c": c, "d": d},
        "users": {"a": a_user, "b": b_user, "c": c_user, "d": d_user},
    }


def _status(round_obj):
    return TenderRound.objects.get(pk=round_obj.pk).status


def _not_opened(round_obj):
    assert _status(round_obj) == TenderRound.Status.PUBLISHED
    assert not Opening.objects.exists()
    assert not OpenedBid.objects.exists()


# --- refusals -----------------------------------------------------------------------------


def test_no_confirmation_before_the_deadline(sealed, clock, officer):
    clock.move_to(DEADLINE - dt.timedelta(microseconds=1))
    with pytest.raises(ValidationError) as refused:
        opening_confirm(actor=officer, round=sealed["round"])
    assert refused.value.messages == [
        "The bids can be opened only after the bid deadline (2026-03-21 10:00)."
    ]
    assert not OpeningConfirmation.objects.exists()


def test_one_confirmation_does_not_open(sealed, officer):
    result = opening_confirm(actor=officer, round=sealed["round"])
    assert result.opening is None
    assert result.confirmation.role == OpeningConfirmation.Role.OFFICER
    _not_opened(sealed["round"])
    assert Entry.objects.filter(action="opening.confirm").count() == 1


def test_the_same_person_twice_is_refused(sealed, clock, officer):
    opening_confirm(actor=officer, round=sealed["round"])
    clock.shift(dt.timedelta(minutes=5))
    with pytest.raises(ValidationError) as refused:
        opening_confirm(actor=officer, round=sealed["round"])
    assert refused.value.messages == [
        "You confirmed this opening at 2026-03-21 11:00; a second confirmation must come "
        "from another person."
    ]
    assert OpeningConfirmation.objects.count() == 1
    _not_opened(sealed["round"])
    (attempt,) = Entry.objects.filter(action="opening.confirm_refused")
    assert (attempt.actor_id, attempt.data["reasons"]) == (officer.pk, refused.value.messages)


def test_two_officers_do_not_open(sealed, officer):
    opening_confirm(actor=officer, round=sealed["round"])
    other = tender_officer()
    with pytest.raises(ValidationError) as refused:
        opening_confirm(actor=other, round=sealed["round"])
    assert refused.value.messages == [
        f"Leasing officer {officer.username} has already confirmed; the opening needs the "
        "confirmation of a Discipline inspector."
    ]
    assert OpeningConfirmation.objects.count() == 1
    _not_opened(sealed["round"])


def test_two_inspectors_do_not_open(sealed, inspector):
    opening_confirm(actor=inspector, round=sealed["round"])
    with pytest.raises(ValidationError):
        opening_confirm(actor=tender_inspector(), round=sealed["round"])
    _not_opened(sealed["round"])


@pytest.mark.parametrize(
    "user",
    [
        lambda: UserFactory(roles=[roles.COMMITTEE_MEMBER]),
        lambda: merchant_user(MerchantFactory()),
        lambda: None,
    ],
    ids=["committee member", "merchant", "system"],
)
def test_only_an_officer_or_an_inspector_confirms(sealed, user):
    with pytest.raises(PermissionDenied):
        opening_confirm(actor=user(), round=sealed["round"])
    assert not OpeningConfirmation.objects.exists()
    assert Entry.objects.filter(action="opening.confirm_refused").count() == 1


def test_confirmations_31_minutes_apart_do_not_open_the_older_one_has_expired(
    sealed, clock, officer, inspector
):
    opening_confirm(actor=officer, round=sealed["round"])
    clock.shift(dt.timedelta(minutes=31))
    result = opening_confirm(actor=inspector, round=sealed["round"])
    assert result.opening is None
    _not_opened(sealed["round"])
    # A fresh officer's confirmation pairs with the inspector's standing one.
    clock.shift(dt.timedelta(minutes=1))
    assert opening_confirm(actor=officer, round=sealed["round"]).opening is not None
    assert _status(sealed["round"]) == TenderRound.Status.OPENED


def test_confirmations_exactly_30_minutes_apart_open(sealed, clock, officer, inspector):
    opening_confirm(actor=inspector, round=sealed["round"])
    clock.shift(dt.timedelta(minutes=30))
    assert opening_confirm(actor=officer, round=sealed["round"]).opening is not None


def test_an_opened_round_takes_no_more_confirmations(sealed, officer, inspector):
    opening_confirm(actor=officer, round=sealed["round"])
    opening_confirm(actor=inspector, round=sealed["round"])
    with pytest.raises(ValidationError) as refused:
        opening_confirm(actor=tender_officer(), round=sealed["round"])
    code = sealed["round"].code
    assert refused.value.messages == [
        f"Round {code} is Bids opened: there is no opening to confirm."
    ]


# --- the opening --------------------------------------------------------------------------


def _open(sealed, first, second):
    opening_confirm(actor=first, round=sealed["round"])
    return opening_confirm(actor=second, round=sealed["round"]).opening


def test_an_officer_and_an_inspector_open_decrypt_and_check_the_reserve(
    sealed, officer, inspector
):
    opening = _open(sealed, officer, inspector)
    m = sealed["merchants"]
    assert _status(sealed["round"]) == TenderRound.Status.OPENED
    opened = {o.bid.merchant_id: o for o in OpenedBid.objects.select_related("bid")}
    # Only active bids are opened: A's replaced bid and C's withdrawn one are not.
    assert set(opened) == {m["a"].pk, m["b"].pk, m["d"].pk}
    assert (opened[m["a"].pk].annual_rent, opened[m["a"].pk].is_valid) == (
        Decimal("150000.00"),
        True,
    )
    assert opened[m["a"].pk].proposal == "Revised plan."
    assert (opened[m["b"].pk].is_valid, opened[m["b"].pk].invalid_reason) == (
        False,
        "The offer is below the reserve price.",
    )
    assert (opened[m["d"].pk].annual_rent, opened[m["d"].pk].is_valid) == (
        Decimal("130000.00"),
        True,
    )
    lot1, lot2 = opening.record["lots"]
    assert [(b["merchant_id"], b["annual_rent"], b["valid"]) for b in lot1["bids"]] == [
        (m["a"].pk, "150000.00", True),
        (m["b"].pk, "110000.00", False),
    ]
    assert all(b["digest_verified"] for b in lot1["bids"] + lot2["bids"])
    assert {c["role"] for c in opening.record["confirmed_by"]} == {"officer", "inspector"}
    assert not Entry.objects.filter(action="opening.breach").exists()


def test_the_record_is_in_the_sites_language_whoever_confirms(
    sealed, officer, inspector, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("en"):
        _open(sealed, officer, inspector)
    below = OpenedBid.objects.get(bid__merchant=sealed["merchants"]["b"])
    assert below.invalid_reason == "报价低于底价。"
    reasons = [b["reason"] for lot in Opening.objects.get().record["lots"] for b in lot["bids"]]
    assert "报价低于底价。" in reasons


def test_the_opening_journals_every_step(sealed, officer, inspector):
    start = Entry.objects.order_by("-seq").values_list("seq", flat=True).first()
    _open(sealed, officer, inspector)
    actions = list(
        Entry.objects.filter(seq__gt=start).order_by("seq").values_list("action", flat=True)
    )
    assert actions == [
        "opening.confirm",
        "opening.confirm",
        "round.close_applications",
        "round.close_bidding",
        "round.open",
        "opening.open",
    ]


def test_a_bid_altered_in_sql_is_invalid_at_the_opening_and_journaled_as_a_breach(
    sealed, officer, inspector
):
    target = Bid.objects.get(merchant=sealed["merchants"]["a"], status=Bid.Status.ACTIVE)
    altered = bytearray(bytes(target.sealed))
    altered[20] ^= 0x01
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tenders_bid SET sealed = %s WHERE id = %s", [bytes(altered), target.pk]
        )
    _open(sealed, officer, inspector)
    opened = OpenedBid.objects.get(bid=target)
    assert (opened.is_valid, opened.annual_rent, opened.invalid_reason) == (
        False,
        None,
        "The sealed bid does not match the digest on its receipt.",
    )
    (breach,) = Entry.objects.filter(action="opening.breach")
    assert breach.target_id == str(target.pk)
    # The other bids open as before.
    assert OpenedBid.objects.get(bid__merchant=sealed["merchants"]["d"]).is_valid


def test_a_bid_whose_digest_was_altered_with_it_still_does_not_open(sealed, officer, inspector):
    target = Bid.objects.get(merchant=sealed["merchants"]["d"], status=Bid.Status.ACTIVE)
    altered = bytearray(bytes(target.sealed))
    altered[-1] ^= 0x01
    Bid.objects.filter(pk=target.pk).update(
        sealed=bytes(altered), digest=hashlib.sha256(bytes(altered)).hexdigest()
    )
    _open(sealed, officer, inspector)
    opened = OpenedBid.objects.get(bid=target)
    assert (opened.is_valid, opened.invalid_reason) == (
        False,
        "The sealed bid does not open: it was altered or damaged.",
    )


# --- the record and reading after the opening ---------------------------------------------


def test_the_record_is_refused_before_the_opening(sealed, officer):
    with pytest.raises(PermissionDenied):
        opening_record_for(officer, sealed["round"])


def test_the_record_goes_to_officers_inspectors_committee_and_bidders(sealed, officer, inspector):
    opening = _open(sealed, officer, inspector)
    committee = UserFactory(roles=[roles.COMMITTEE_MEMBER])
    seat_appoint(actor=officer, round=sealed["round"], user=committee, department="finance")
    # A member sees the offers only once declared towards every bidder.
    with pytest.raises(PermissionDenied):
        opening_record_for(committee, sealed["round"])
    declarations_submit(actor=committee, round=sealed["round"], conflicts={})
    users = sealed["users"]
    for reader in (officer, inspector, committee, users["a"], users["b"], users["c"]):
        assert opening_record_for(reader, sealed["round"]) == opening.record
    # Another company's user, and a committee member not seated on this round.
    for outsider in (
        merchant_user(MerchantFactory()),
        UserFactory(roles=[roles.COMMITTEE_MEMBER]),
    ):
        with pytest.raises(PermissionDenied):
            opening_record_for(outsider, sealed["round"])


def test_after_the_opening_a_bidder_reads_an_opened_bid_and_it_is_journaled(
    sealed, officer, inspector
):
    _open(sealed, officer, inspector)
    target = Bid.objects.get(merchant=sealed["merchants"]["a"], status=Bid.Status.ACTIVE)
    assert bid_read(actor=sealed["users"]["b"], bid=target).annual_rent == Decimal("150000.00")
    assert Entry.objects.filter(action="bid.read", target_id=str(target.pk)).count() == 1
    with pytest.raises(PermissionDenied):
        bid_read(actor=merchant_user(MerchantFactory()), bid=target)
    assert Entry.objects.filter(action="bid.read_refused").count() == 1


def test_a_document_altered_in_sql_makes_its_bid_invalid(sealed, officer, inspector):
    target = Bid.objects.get(merchant=sealed["merchants"]["d"], status=Bid.Status.ACTIVE)
    document = target.documents.get()
    altered = bytearray(bytes(document.sealed))
    altered[-3] ^= 0x80
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tenders_biddocument SET sealed = %s WHERE id = %s",
            [bytes(altered), document.pk],
        )
    _open(sealed, officer, inspector)
    opened = OpenedBid.objects.get(bid=target)
    assert (opened.is_valid, opened.invalid_reason) == (
        False,
        "Document plan.pdf does not match its digest.",
    )
    assert Entry.objects.filter(action="opening.breach", target_id=str(target.pk)).exists()


def test_a_round_whose_bidding_an_officer_closed_opens_from_there(sealed, officer, inspector):
    rounds.round_close_applications(actor=officer, round=sealed["round"])
    rounds.round_close_bidding(actor=officer, round=sealed["round"])
    start = Entry.objects.order_by("-seq").values_list("seq", flat=True).first()
    _open(sealed, inspector, officer)
    actions = list(
        Entry.objects.filter(seq__gt=start).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["opening.confirm", "opening.confirm", "round.open", "opening.open"]
    assert _status(sealed["round"]) == TenderRound.Status.OPENED


def test_after_the_opening_an_officer_reads_a_bid_with_its_validity(sealed, officer, inspector):
    _open(sealed, officer, inspector)
    target = Bid.objects.get(merchant=sealed["merchants"]["b"], status=Bid.Status.ACTIVE)
    opened = bid_read(actor=officer, bid=target)
    assert (opened.annual_rent, opened.is_valid) == (Decimal("110000.00"), False)
