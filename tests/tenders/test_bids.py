"""Sealed bids: receipts, the deadline edges, replacement and withdrawal, who may bid, no
readable amount at rest, and reads refused and journaled before the opening."""

import datetime as dt
import hashlib
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from guardian.shortcuts import assign_perm

from audit.models import Entry
from stations import roles
from tenders.bids import bid_aad, bid_read, bid_submit, bid_withdraw, round_key
from tenders.models import Bid, BidDocument
from tenders.sealing import unseal
from tests.factories import UserFactory, pdf
from tests.tenders.bid_factories import (
    BIDDING,
    DEADLINE,
    applicant,
    bid,
    bidding_round,
)
from tests.tenders.factories import tender_officer

pytestmark = pytest.mark.django_db

MICROSECOND = dt.timedelta(microseconds=1)


@pytest.fixture
def clock():
    with time_machine.travel(BIDDING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def setting(clock):
    """A round with two lots; merchant A admitted for lot 1; the clock in the bidding period."""
    round_obj = bidding_round(clock)
    lot1, lot2 = round_obj.lots.order_by("number")
    merchant, user = applicant(round_obj, [lot1])
    clock.move_to(BIDDING)
    return round_obj, lot1, lot2, merchant, user


def _journal(action):
    return list(Entry.objects.filter(action=action).order_by("seq"))


# --- receipts -----------------------------------------------------------------------------


def test_receipt_gives_server_time_number_and_digest_of_exactly_the_sealed_bytes(setting):
    round_obj, lot1, _lot2, merchant, user = setting
    receipt = bid(user, round_obj, lot1, "150000.00")
    stored = Bid.objects.get(receipt_number=receipt.receipt_number)
    assert receipt.received_at == BIDDING == stored.received_at
    assert receipt.receipt_number.startswith(f"{round_obj.code}-00001-")
    assert receipt.digest == hashlib.sha256(bytes(stored.sealed)).hexdigest() == stored.digest
    assert (stored.merchant, stored.lot, stored.version, stored.status) == (
        merchant,
        lot1,
        1,
        Bid.Status.ACTIVE,
    )
    payload = json.loads(
        unseal(
            round_key(round_obj),
            stored.sealed,
            aad=bid_aad(round_obj.code, lot1.pk, merchant.pk, 1),
        )
    )
    assert payload == {
        "annual_rent": "150000.00",
        "proposal": "A flagship café.",
        "documents": [],
        "merchant": merchant.pk,
        "lot": lot1.pk,
        "version": 1,
    }
    (entry,) = _journal("bid.submit")
    assert entry.after["receipt_number"] == receipt.receipt_number
    assert entry.after["digest"] == receipt.digest


def test_documents_are_sealed_with_the_bid_and_their_digests_inside_it(setting):
    round_obj, lot1, _lot2, merchant, user = setting
    receipt = bid(
        user, round_obj, lot1, documents=[("offer-123456.pdf", pdf("our business plan"))]
    )
    stored = Bid.objects.get(receipt_number=receipt.receipt_number)
    (document,) = stored.documents.all()
    # A file name can tell the amount: it is sealed with the bid, the row holds its position.
    assert document.file_name == "#1"
    assert b"business plan" not in bytes(document.sealed)
    assert document.digest == hashlib.sha256(bytes(document.sealed)).hexdigest()
    payload = json.loads(
        unseal(
            round_key(round_obj),
            stored.sealed,
            aad=bid_aad(round_obj.code, lot1.pk, merchant.pk, 1),
        )
    )
    assert payload["documents"] == [
        {
            "name": "offer-123456.pdf",
            "sha256": hashlib.sha256(pdf("our business plan")).hexdigest(),
        }
    ]


# --- the deadline -------------------------------------------------------------------------


def test_a_bid_one_microsecond_before_the_deadline_is_accepted(setting, clock):
    round_obj, lot1, _lot2, _merchant, user = setting
    clock.move_to(DEADLINE - MICROSECOND)
    receipt = bid(user, round_obj, lot1)
    assert receipt.received_at == DEADLINE - MICROSECOND
    assert Bid.objects.filter(receipt_number=receipt.receipt_number).exists()


def test_a_bid_exactly_at_the_deadline_is_refused_and_nothing_is_saved(setting, clock):
    round_obj, lot1, _lot2, _merchant, user = setting
    clock.move_to(DEADLINE)
    with pytest.raises(ValidationError) as refused:
        bid(user, round_obj, lot1)
    assert refused.value.messages == [
        "The bid deadline (2026-03-21 10:00) has passed; the bid was refused."
    ]
    assert not Bid.objects.exists()
    assert not _journal("bid.submit")


def test_withdrawal_at_the_deadline_is_refused_and_the_bid_stays_active(setting, clock):
    round_obj, lot1, _lot2, _merchant, user = setting
    receipt = bid(user, round_obj, lot1)
    stored = Bid.objects.get(receipt_number=receipt.receipt_number)
    clock.move_to(DEADLINE)
    with pytest.raises(ValidationError) as refused:
        bid_withdraw(actor=user, bid=stored)
    assert refused.value.messages == [
        "The bid deadline (2026-03-21 10:00) has passed; the withdrawal was refused."
    ]
    assert Bid.objects.get(pk=stored.pk).status == Bid.Status.ACTIVE


def test_a_round_past_bidding_takes_no_bids(setting):
    round_obj, lot1, _lot2, _merchant, user = setting
    round_obj.status = round_obj.Status.BIDDING_CLOSED
    round_obj.save(update_fields=["status"])
    with pytest.raises(ValidationError) as refused:
        bid(user, round_obj, lot1)
    assert refused.value.messages == [
        f"Round {round_obj.code} is Bidding closed: it takes no bid."
    ]
    assert not Bid.objects.exists()


# --- replacement and withdrawal -----------------------------------------------------------


def test_a_new_bid_replaces_the_active_one_and_the_earlier_row_is_unchanged(setting, clock):
    round_obj, lot1, _lot2, merchant, user = setting
    first = bid(user, round_obj, lot1, "150000.00")
    before = Bid.objects.get(receipt_number=first.receipt_number)
    clock.shift(dt.timedelta(hours=1))
    second = bid(user, round_obj, lot1, "160000.00")
    old = Bid.objects.get(receipt_number=first.receipt_number)
    new = Bid.objects.get(receipt_number=second.receipt_number)
    assert old.status == Bid.Status.REPLACED
    assert (bytes(old.sealed), old.digest, old.received_at, old.version) == (
        bytes(before.sealed),
        before.digest,
        before.received_at,
        1,
    )
    assert (new.status, new.version) == (Bid.Status.ACTIVE, 2)
    assert Bid.objects.filter(lot=lot1, merchant=merchant, status=Bid.Status.ACTIVE).count() == 1
    assert _journal("bid.submit")[-1].before == {"replaces": first.receipt_number}


def test_withdrawal_marks_the_bid_withdrawn_and_keeps_its_content(setting):
    round_obj, lot1, _lot2, _merchant, user = setting
    receipt = bid(user, round_obj, lot1)
    stored = Bid.objects.get(receipt_number=receipt.receipt_number)
    bid_withdraw(actor=user, bid=stored)
    after = Bid.objects.get(pk=stored.pk)
    assert (after.status, after.withdrawn_at) == (Bid.Status.WITHDRAWN, BIDDING)
    assert (bytes(after.sealed), after.digest) == (bytes(stored.sealed), stored.digest)
    (entry,) = _journal("bid.withdraw")
    assert entry.after["receipt_number"] == receipt.receipt_number
    with pytest.raises(ValidationError) as again:
        bid_withdraw(actor=user, bid=stored)
    assert again.value.messages == [
        f"Bid {receipt.receipt_number} is withdrawn; only the active bid can be withdrawn."
    ]


def test_a_rival_merchants_user_cannot_withdraw_anothers_bid(setting):
    round_obj, lot1, _lot2, _merchant, user = setting
    _rival, rival_user = applicant(round_obj, [lot1])
    stored = Bid.objects.get(receipt_number=bid(user, round_obj, lot1).receipt_number)
    with pytest.raises(PermissionDenied):
        bid_withdraw(actor=rival_user, bid=stored)
    assert Bid.objects.get(pk=stored.pk).status == Bid.Status.ACTIVE


def test_the_database_allows_one_active_bid_per_merchant_and_lot(setting):
    round_obj, lot1, _lot2, _merchant, user = setting
    stored = Bid.objects.get(receipt_number=bid(user, round_obj, lot1).receipt_number)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bid.objects.create(
            round=round_obj,
            lot=lot1,
            merchant=stored.merchant,
            version=2,
            received_at=stored.received_at,
            receipt_number="copy",
            digest=stored.digest,
            sealed=stored.sealed,
        )


# --- who may bid --------------------------------------------------------------------------


def test_a_merchant_not_yet_admitted_is_refused(clock):
    round_obj = bidding_round(clock)
    lot1 = round_obj.lots.get(number=1)
    merchant, user = applicant(round_obj, [lot1], admit=False)
    clock.move_to(BIDDING)
    with pytest.raises(ValidationError) as refused:
        bid(user, round_obj, lot1)
    assert refused.value.messages == [
        f"{merchant} is not admitted to {lot1}; only admitted applicants may bid."
    ]
    assert not Bid.objects.exists()


def test_a_merchant_admitted_for_another_lot_is_refused(setting):
    round_obj, _lot1, lot2, _merchant, user = setting
    with pytest.raises(PermissionDenied) as refused:
        bid(user, round_obj, lot2)
    assert str(refused.value) == f"You do not act for any applicant for {lot2}."
    assert not Bid.objects.exists()


def test_a_rival_merchants_user_cannot_bid_in_anothers_name(setting):
    round_obj, lot1, _lot2, merchant, _user = setting
    _rival, rival_user = applicant(round_obj, [lot1])
    with pytest.raises(PermissionDenied) as refused:
        bid(rival_user, round_obj, lot1, merchant=merchant)
    assert str(refused.value) == f"You may not act for {merchant}."
    assert not Bid.objects.exists()


def test_an_officer_cannot_bid_for_a_merchant(setting):
    round_obj, lot1, _lot2, _merchant, _user = setting
    with pytest.raises(PermissionDenied):
        bid(tender_officer(), round_obj, lot1)
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "The annual rent offered must be more than 0."),
        ("-5.00", "The annual rent offered must be more than 0."),
        ("150000.001", "Give the annual rent in CNY with at most 2 decimals."),
        ("abc", "Enter the annual rent in CNY."),
        ("NaN", "Give the annual rent in CNY with at most 2 decimals."),
        ("1e999999", "Enter an annual rent below 1,000,000,000,000 CNY."),
        ("1000000000000.00", "Enter an annual rent below 1,000,000,000,000 CNY."),
    ],
)
def test_a_bad_amount_is_refused_and_nothing_is_saved(setting, amount, message):
    round_obj, lot1, _lot2, _merchant, user = setting
    with pytest.raises(ValidationError) as refused:
        bid_submit(actor=user, round=round_obj, lot=lot1, annual_rent=amount, proposal="x")
    assert refused.value.message_dict == {"annual_rent": [message]}
    assert not Bid.objects.exists()
    assert not _journal("bid.submit")


def test_a_bid_without_a_proposal_is_refused(setting):
    round_obj, lot1, _lot2, _merchant, user = setting
    with pytest.raises(ValidationError) as refused:
        bid(user, round_obj, lot1, proposal="  ")
    assert refused.value.message_dict == {
        "proposal": ["Write the proposal that goes with the offer."]
    }
    assert not Bid.objects.exists()


def test_a_below_reserve_offer_is_accepted_sealed_until_the_opening(setting):
    round_obj, lot1, _lot2, _merchant, user = setting
    receipt = bid(user, round_obj, lot1, "1000.00")
    assert Bid.objects.get(receipt_number=receipt.receipt_number).status == Bid.Status.ACTIVE


# --- nothing readable at rest -------------------------------------------------------------


def _every_value():
    """(table, column, value) for every column of every table of the database."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    yield table, column, value


def test_bid_documents_are_judged_by_their_content_and_nothing_is_stored(setting):
    round_obj, lot1, _lot2, _merchant, user = setting
    with pytest.raises(ValidationError) as excinfo:
        bid(
            user,
            round_obj,
            lot1,
            documents=[
                ("plan.pdf", b"<html><script>alert(1)</script>"),
                ("plan-copy.pdf", pdf("plan")),
                ("again.pdf", pdf("plan")),
            ],
        )
    assert excinfo.value.message_dict["documents"] == [
        "“plan.pdf” is not a PDF, PNG, JPEG, DWG, DXF file (judged by its content).",
        "“again.pdf” is the same file as “plan-copy.pdf”.",
    ]
    assert not Bid.objects.exists()
    assert not _journal("bid.submit")


def test_the_database_holds_no_readable_amount_before_the_opening(setting, clock):
    round_obj, lot1, _lot2, _merchant, user = setting
    bid(
        user,
        round_obj,
        lot1,
        "123456.78",
        proposal="We offer 123456.78 a year.",
        documents=[("offer.pdf", pdf("annual rent 123456.78 CNY"))],
    )
    clock.shift(dt.timedelta(hours=1))
    bid(user, round_obj, lot1, "123456.79", proposal="Revised: 123456.79.")
    found = []
    values = list(_every_value())
    # The search does find amounts stored as text: the lot's reserve price is one.
    assert any("120000" in str(value) for table, _c, value in values if table == "tenders_lot")
    for table, column, value in values:
        if isinstance(value, (bytes, bytearray, memoryview)):
            if b"123456" in bytes(value):
                found.append((table, column))
        elif value is not None and "123456" in str(value):
            found.append((table, column))
    assert found == []
    assert BidDocument.objects.count() == 1


# --- reading before the opening -----------------------------------------------------------


def test_reading_a_sealed_bid_is_refused_for_everyone_and_journaled(setting):
    round_obj, lot1, _lot2, _merchant, user = setting
    _rival, rival_user = applicant(round_obj, [lot1])
    stored = Bid.objects.get(receipt_number=bid(user, round_obj, lot1).receipt_number)
    committee = UserFactory(roles=[roles.COMMITTEE_MEMBER])
    readers = [rival_user, committee, tender_officer(), user]
    for reader in readers:
        with pytest.raises(PermissionDenied) as refused:
            bid_read(actor=reader, bid=stored)
        assert str(refused.value) == (
            f"Bid {stored.receipt_number} is sealed until the opening; nobody may read it before."
        )
    entries = _journal("bid.read_refused")
    assert [e.actor_id for e in entries] == [r.pk for r in readers]
    assert {e.target_id for e in entries} == {str(stored.pk)}


def test_a_user_acting_for_two_applicants_must_say_which_bids(setting):
    round_obj, lot1, _lot2, merchant, user = setting
    other, _other_user = applicant(round_obj, [lot1])
    assign_perm("tenders.act_for_merchant", user, other)
    user = type(user).objects.get(pk=user.pk)
    with pytest.raises(ValidationError) as refused:
        bid(user, round_obj, lot1)
    assert refused.value.message_dict == {
        "merchant": ["You act for several applicants: say which merchant bids."]
    }
    receipt = bid(user, round_obj, lot1, merchant=other)
    assert Bid.objects.get(receipt_number=receipt.receipt_number).merchant == other


def test_a_lot_of_another_round_is_refused(setting, clock):
    round_obj, _lot1, _lot2, _merchant, user = setting
    elsewhere = bidding_round(clock).lots.get(number=1)
    clock.move_to(BIDDING)
    with pytest.raises(ValidationError) as refused:
        bid(user, round_obj, elsewhere)
    assert refused.value.message_dict == {"lot": [f"{elsewhere} is not a lot of this round."]}
    assert not Bid.objects.exists()
