"""Tender rounds: who runs them, the schedule, lots, criteria, documents and the status table."""

import datetime as dt
import hashlib
import itertools
import threading
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone, translation

from audit import journal
from audit.models import Entry
from stations import roles
from stations.models import Unit
from stations.transitions import InvalidTransition, ensure_transition
from tenders import rounds
from tenders.models import Criterion, Lot, RoundDocument, TenderRound
from tenders.sealing import unwrap_round_key
from tests.factories import UserFactory, pdf
from tests.stations.factories import StationFactory, level
from tests.tenders.factories import MerchantFactory, merchant_user
from tests.tenders.round_factories import (
    STANDARD_CRITERIA,
    add_lot,
    available_unit,
    business_type,
    make_round,
    publish_documents,
    published_round,
    ready_round,
    schedule,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
Status = TenderRound.Status


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer_user():
    return UserFactory(roles=[roles.LEASING_OFFICER])


def _messages(excinfo) -> dict:
    return excinfo.value.message_dict


# --- who runs rounds ----------------------------------------------------------------------


def test_leasing_officer_group_may_create_a_round(officer_user):
    round_obj = make_round(actor=officer_user, code="ZB-1")
    assert round_obj.status == Status.DRAFT and round_obj.created_by == officer_user
    entry = Entry.objects.get(action="round.create")
    assert entry.actor_id == officer_user.pk and entry.after["code"] == "ZB-1"


@pytest.mark.parametrize(
    "role", [roles.MERCHANT, roles.COMMITTEE_MEMBER, roles.DISCIPLINE_INSPECTOR]
)
def test_other_roles_may_not_create_a_round(role):
    user = UserFactory(roles=[role])
    with pytest.raises(PermissionDenied, match="Only a leasing officer who runs tender rounds"):
        make_round(actor=user)
    assert not TenderRound.objects.exists()


def test_round_key_is_stored_wrapped_and_opens_only_with_its_code():
    round_obj = make_round(code="ZB-KEY")
    stored = bytes(TenderRound.objects.get(pk=round_obj.pk).wrapped_key)
    assert len(unwrap_round_key(stored, round_code="ZB-KEY")) == 32


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("application_opens_at", "Applications cannot open before the publication"),
        ("application_closes_at", "Applications must close after they open"),
        ("bid_deadline", "The bid deadline cannot come before applications close"),
        ("opening_at", "The opening cannot come before the bid deadline"),
    ],
)
def test_round_create_refuses_a_schedule_out_of_order(clock, field, message):
    dates = schedule()
    earlier = rounds.SCHEDULE_FIELDS[rounds.SCHEDULE_FIELDS.index(field) - 1]
    dates[field] = dates[earlier] - dt.timedelta(minutes=1)
    with pytest.raises(ValidationError) as excinfo:
        make_round(**dates)
    assert message in _messages(excinfo)[field][0]
    assert not TenderRound.objects.exists()


def test_applications_cannot_close_the_moment_they_open(clock):
    dates = schedule()
    dates["application_closes_at"] = dates["application_opens_at"]
    with pytest.raises(ValidationError) as excinfo:
        make_round(**dates)
    assert "must close after they open" in _messages(excinfo)["application_closes_at"][0]


def test_round_create_refuses_a_date_in_the_past(clock):
    dates = schedule()
    dates["publication_at"] = T0 - dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as excinfo:
        make_round(**dates)
    assert _messages(excinfo)["publication_at"] == [
        "Publication (2026-03-01 09:00) is in the past."
    ]
    assert not TenderRound.objects.exists()


# --- the schedule -------------------------------------------------------------------------


def test_officer_moves_a_future_date_and_the_journal_keeps_old_and_new(clock, officer_user):
    round_obj = make_round()
    old = round_obj.bid_deadline
    new = old - dt.timedelta(days=1)

    rounds.round_change_schedule(actor=officer_user, round=round_obj, bid_deadline=new)

    round_obj.refresh_from_db()
    assert round_obj.bid_deadline == new
    entry = Entry.objects.get(action="round.change_schedule")
    assert entry.actor_id == officer_user.pk
    assert entry.before == {"bid_deadline": old.isoformat()}
    assert entry.after == {"bid_deadline": new.isoformat()}


def test_a_date_that_has_passed_cannot_change(clock, officer_user):
    round_obj = published_round()
    clock.move_to(round_obj.application_opens_at + dt.timedelta(hours=1))
    with pytest.raises(ValidationError) as excinfo:
        rounds.round_change_schedule(
            actor=officer_user,
            round=round_obj,
            application_opens_at=round_obj.application_opens_at + dt.timedelta(hours=2),
        )
    assert (
        "has already passed; it can no longer change"
        in (_messages(excinfo)["application_opens_at"][0])
    )
    assert TenderRound.objects.get(pk=round_obj.pk).application_opens_at == (
        round_obj.application_opens_at
    )
    assert not Entry.objects.filter(action="round.change_schedule").exists()


def test_a_draft_left_unpublished_past_its_dates_is_rescheduled(clock, officer_user):
    round_obj = ready_round()
    clock.move_to(round_obj.bid_deadline + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        rounds.round_publish(actor=officer_user, round=round_obj)
    later = schedule(timezone.now())
    rounds.round_change_schedule(actor=officer_user, round=round_obj, **later)
    round_obj.refresh_from_db()
    assert {name: getattr(round_obj, name) for name in later} == later
    clock.move_to(later["publication_at"] - dt.timedelta(hours=1))
    rounds.round_publish(actor=officer_user, round=round_obj)
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.PUBLISHED


def test_a_date_cannot_be_moved_into_the_past(clock, officer_user):
    round_obj = make_round()
    with pytest.raises(ValidationError) as excinfo:
        rounds.round_change_schedule(
            actor=officer_user, round=round_obj, publication_at=T0 - dt.timedelta(minutes=1)
        )
    assert _messages(excinfo)["publication_at"] == [
        "Publication cannot be moved into the past (2026-03-01 09:59)."
    ]
    assert TenderRound.objects.get(pk=round_obj.pk).publication_at == round_obj.publication_at


def test_a_date_cannot_be_moved_to_now(clock, officer_user):
    round_obj = make_round()
    with pytest.raises(ValidationError):
        rounds.round_change_schedule(actor=officer_user, round=round_obj, publication_at=T0)


def test_a_schedule_change_must_keep_the_order(clock, officer_user):
    round_obj = make_round()
    with pytest.raises(ValidationError) as excinfo:
        rounds.round_change_schedule(
            actor=officer_user,
            round=round_obj,
            opening_at=round_obj.bid_deadline - dt.timedelta(minutes=1),
        )
    assert (
        "The opening cannot come before the bid deadline" in (_messages(excinfo)["opening_at"][0])
    )
    assert TenderRound.objects.get(pk=round_obj.pk).opening_at == round_obj.opening_at


@pytest.mark.parametrize(
    "role", [roles.MERCHANT, roles.DISCIPLINE_INSPECTOR, roles.COMMITTEE_MEMBER]
)
def test_only_an_officer_changes_the_schedule(clock, role):
    round_obj = make_round()
    with pytest.raises(PermissionDenied):
        rounds.round_change_schedule(
            actor=UserFactory(roles=[role]),
            round=round_obj,
            bid_deadline=round_obj.bid_deadline + dt.timedelta(days=1),
        )
    assert TenderRound.objects.get(pk=round_obj.pk).bid_deadline == round_obj.bid_deadline


@pytest.mark.parametrize(
    "status", [Status.OPENED, Status.SCORED, Status.PUBLICITY, Status.AWARDED, Status.CANCELLED]
)
def test_the_schedule_is_fixed_once_the_bids_are_opened(clock, officer_user, status):
    round_obj = make_round()
    TenderRound.objects.filter(pk=round_obj.pk).update(status=status)
    with pytest.raises(ValidationError, match="its schedule can no longer change"):
        rounds.round_change_schedule(
            actor=officer_user,
            round=round_obj,
            opening_at=round_obj.opening_at + dt.timedelta(days=1),
        )


def test_schedule_change_names_unknown_fields(clock, officer_user):
    round_obj = make_round()
    with pytest.raises(ValidationError) as excinfo:
        rounds.round_change_schedule(actor=officer_user, round=round_obj, title="x")
    assert _messages(excinfo)["title"] == ["This is not a date of the schedule."]


# --- the status table ---------------------------------------------------------------------

ALL_PAIRS = list(itertools.product(Status.values, Status.values))


@pytest.mark.parametrize(("current", "new"), ALL_PAIRS)
def test_the_transition_table_allows_exactly_its_moves(current, new):
    round_obj = TenderRound(code="T", status=current)
    if Status(new) in TenderRound.TRANSITIONS[Status(current)]:
        ensure_transition(round_obj, new)
    else:
        with pytest.raises(InvalidTransition):
            ensure_transition(round_obj, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (Status.DRAFT, Status.APPLICATIONS_CLOSED),
        (Status.DRAFT, Status.OPENED),
        (Status.PUBLISHED, Status.BIDDING_CLOSED),
        (Status.APPLICATIONS_CLOSED, Status.OPENED),
        (Status.BIDDING_CLOSED, Status.SCORED),
        (Status.OPENED, Status.PUBLICITY),
        (Status.SCORED, Status.AWARDED),
        (Status.AWARDED, Status.CANCELLED),
        (Status.FAILED, Status.PUBLISHED),
    ],
)
def test_the_table_refuses_skipping_a_step(current, new):
    with pytest.raises(InvalidTransition):
        ensure_transition(TenderRound(code="T", status=current), new)


SERVICE_MOVES = {
    Status.PUBLISHED: lambda r: rounds.round_publish(actor=None, round=r),
    Status.APPLICATIONS_CLOSED: lambda r: rounds.round_close_applications(actor=None, round=r),
    Status.BIDDING_CLOSED: lambda r: rounds.round_close_bidding(actor=None, round=r),
    Status.CANCELLED: lambda r: rounds.round_cancel(actor=None, round=r, reason="budget"),
}


@pytest.mark.parametrize(
    ("current", "new"), list(itertools.product(Status.values, list(SERVICE_MOVES)))
)
def test_each_round_service_moves_only_along_the_table(clock, current, new):
    round_obj = ready_round()
    TenderRound.objects.filter(pk=round_obj.pk).update(status=current)
    # Past every date-gate of the closing services; publication needs its time still ahead.
    clock.move_to(round_obj.publication_at if new == Status.PUBLISHED else round_obj.opening_at)
    round_obj.refresh_from_db()
    if Status(new) in TenderRound.TRANSITIONS[Status(current)]:
        SERVICE_MOVES[new](round_obj)
        assert TenderRound.objects.get(pk=round_obj.pk).status == new
        assert Entry.objects.filter(target_id=str(round_obj.pk), after={"status": new}).exists()
    else:
        with pytest.raises(InvalidTransition):
            SERVICE_MOVES[new](round_obj)
        assert TenderRound.objects.get(pk=round_obj.pk).status == current


def test_applications_cannot_close_before_their_time(clock):
    round_obj = published_round()
    clock.move_to(round_obj.application_closes_at - dt.timedelta(microseconds=1))
    with pytest.raises(ValidationError, match="they cannot be closed before"):
        rounds.round_close_applications(actor=None, round=round_obj)
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.PUBLISHED
    clock.move_to(round_obj.application_closes_at)
    rounds.round_close_applications(actor=None, round=round_obj)
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.APPLICATIONS_CLOSED


def test_bidding_cannot_close_before_the_deadline(clock):
    round_obj = published_round()
    clock.move_to(round_obj.application_closes_at)
    rounds.round_close_applications(actor=None, round=round_obj)
    clock.move_to(round_obj.bid_deadline - dt.timedelta(microseconds=1))
    with pytest.raises(ValidationError, match="bidding cannot be closed before it"):
        rounds.round_close_bidding(actor=None, round=round_obj)
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.APPLICATIONS_CLOSED
    clock.move_to(round_obj.bid_deadline)
    rounds.round_close_bidding(actor=None, round=round_obj)
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.BIDDING_CLOSED


def test_cancelling_needs_a_reason_and_journals_it(clock, officer_user):
    round_obj = make_round()
    with pytest.raises(ValidationError) as excinfo:
        rounds.round_cancel(actor=officer_user, round=round_obj, reason="  ")
    assert _messages(excinfo)["reason"] == ["Say why the round is cancelled."]
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.DRAFT
    rounds.round_cancel(actor=officer_user, round=round_obj, reason="station works")
    assert Entry.objects.get(action="round.cancel").data == {"reason": "station works"}


def test_merchant_may_not_publish(clock):
    round_obj = ready_round()
    user = merchant_user(MerchantFactory())
    with pytest.raises(PermissionDenied):
        rounds.round_publish(actor=user, round=round_obj)
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.DRAFT


# --- publication preconditions ------------------------------------------------------------


def _refused_publication(round_obj) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        rounds.round_publish(actor=None, round=round_obj)
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.DRAFT
    assert not Entry.objects.filter(action="round.publish").exists()
    return excinfo.value.messages


def test_publication_needs_a_lot(clock):
    round_obj = make_round()
    rounds.criterion_set(actor=None, round=round_obj, criteria=STANDARD_CRITERIA)
    publish_documents(round_obj)
    assert _refused_publication(round_obj) == [
        "A round needs at least one lot before it is published."
    ]


def test_publication_needs_criteria_weighing_100(clock):
    round_obj = make_round()
    add_lot(round_obj)
    publish_documents(round_obj)
    assert _refused_publication(round_obj) == [
        "The criteria weights add up to 0.00; they must add up to exactly 100."
    ]


@pytest.mark.parametrize("missing", RoundDocument.Kind.values)
def test_publication_needs_every_document(clock, missing):
    round_obj = make_round()
    add_lot(round_obj)
    rounds.criterion_set(actor=None, round=round_obj, criteria=STANDARD_CRITERIA)
    for kind in RoundDocument.Kind.values:
        if kind != missing:
            rounds.document_publish(
                actor=None, round=round_obj, kind=kind, file=ContentFile(pdf("x"), name="x.pdf")
            )
    assert _refused_publication(round_obj) == [
        f"The {RoundDocument.Kind(missing).label} has not been uploaded."
    ]


def test_publication_time_must_not_have_passed(clock):
    round_obj = ready_round()
    clock.move_to(round_obj.publication_at + dt.timedelta(seconds=1))
    assert _refused_publication(round_obj) == [
        "The publication time 2026-03-02 10:00 has passed; a round is published ahead of it."
    ]


def test_publication_at_its_very_time_is_allowed(clock):
    round_obj = ready_round()
    clock.move_to(round_obj.publication_at)
    assert rounds.round_publish(actor=None, round=round_obj).status == Status.PUBLISHED


# --- lots ---------------------------------------------------------------------------------


def test_lot_takes_its_station_from_its_units(clock):
    station = StationFactory()
    lvl = level(station)
    round_obj = make_round()
    lot = add_lot(round_obj, units=[available_unit(lvl), available_unit(lvl)])
    assert lot.station == station and lot.units.count() == 2
    assert Entry.objects.get(action="lot.add").after["reserve_annual_rent"] == "120000.00"


def test_lot_of_units_in_two_stations_is_refused(clock):
    round_obj = make_round()
    first, second = available_unit(), available_unit()
    with pytest.raises(ValidationError) as excinfo:
        add_lot(round_obj, units=[first, second])
    assert _messages(excinfo)["units"] == [
        "The units of a lot must all be in one station, not "
        f"{first.station.code}, {second.station.code}."
    ]
    assert not Lot.objects.exists()


def test_lot_of_a_unit_not_available_is_refused(clock):
    planned = available_unit(status=Unit.Status.PLANNED)
    with pytest.raises(ValidationError) as excinfo:
        add_lot(make_round(), units=[planned])
    assert _messages(excinfo)["units"] == [
        f"Unit {planned} is planned, not available for letting."
    ]
    assert not Lot.objects.exists()


def test_unit_already_in_another_live_lot_is_refused(clock):
    shared = available_unit()
    first = add_lot(make_round(), units=[shared])
    with pytest.raises(ValidationError) as excinfo:
        add_lot(make_round(), units=[shared])
    assert _messages(excinfo)["units"] == [f"Unit {shared} is already in {first}."]
    assert Lot.objects.count() == 1


def test_unit_of_a_cancelled_round_is_free_again(clock):
    shared = available_unit()
    first_round = make_round()
    add_lot(first_round, units=[shared])
    rounds.round_cancel(actor=None, round=first_round, reason="withdrawn")
    assert add_lot(make_round(), units=[shared]).units.get() == shared


def test_lot_for_a_type_its_unit_is_not_designated_for_is_refused(clock):
    coffee_only = available_unit(types=("coffee",))
    with pytest.raises(ValidationError) as excinfo:
        add_lot(make_round(), units=[coffee_only], type_code="fast-food")
    assert _messages(excinfo)["units"] == [
        f"Unit {coffee_only} is not designated for {business_type('fast-food')}."
    ]
    assert not Lot.objects.exists()


def test_designation_for_a_class_admits_its_types(clock):
    catering = available_unit(types=("catering",))
    assert add_lot(make_round(), units=[catering], type_code="fast-food").pk


def test_lot_for_a_major_class_is_refused(clock):
    with pytest.raises(ValidationError) as excinfo:
        add_lot(make_round(), units=[available_unit(types=("catering",))], type_code="catering")
    assert (
        "Choose a specific business type, not a major class"
        in (_messages(excinfo)["business_type"][0])
    )
    assert not Lot.objects.exists()


def test_lot_reserve_with_three_decimals_is_refused(clock):
    with pytest.raises(ValidationError) as excinfo:
        add_lot(make_round(), reserve="1000.005")
    assert _messages(excinfo)["reserve_annual_rent"] == [
        "Give the amount in CNY with at most 2 decimals."
    ]
    assert not Lot.objects.exists()


def test_lots_change_only_in_a_draft(clock):
    round_obj = published_round()
    lot = round_obj.lots.get()
    with pytest.raises(ValidationError, match="Lots can change only while the round is a draft"):
        add_lot(round_obj, number=2)
    with pytest.raises(ValidationError, match="Lots can change only while the round is a draft"):
        rounds.lot_update(actor=None, lot=lot, reserve_annual_rent=Decimal("1.00"))
    with pytest.raises(ValidationError, match="Lots can change only while the round is a draft"):
        rounds.lot_remove(actor=None, lot=lot)
    assert Lot.objects.get(pk=lot.pk).reserve_annual_rent == Decimal("120000.00")


def test_lot_update_and_remove_are_journaled(clock):
    round_obj = make_round()
    lot = add_lot(round_obj)
    rounds.lot_update(actor=None, lot=lot, reserve_annual_rent=Decimal("150000.00"))
    entry = Entry.objects.get(action="lot.update")
    assert (entry.before["reserve_annual_rent"], entry.after["reserve_annual_rent"]) == (
        "120000.00",
        "150000.00",
    )
    rounds.lot_remove(actor=None, lot=lot)
    assert not Lot.objects.exists()
    assert Entry.objects.filter(action="lot.remove", target_id=str(lot.pk)).exists()


# --- criteria -----------------------------------------------------------------------------


def _criteria_faults(round_obj, criteria) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        rounds.criterion_set(actor=None, round=round_obj, criteria=criteria)
    assert not Criterion.objects.filter(round=round_obj).exists()
    return _messages(excinfo)["criteria"]


def test_weights_of_99_99_are_refused(clock):
    criteria = [
        {"name": "Price", "kind": "price", "weight": "69.99"},
        {"name": "Plan", "kind": "subjective", "weight": "30"},
    ]
    assert _criteria_faults(make_round(), criteria) == [
        "The weights add up to 99.99; they must add up to exactly 100."
    ]


def test_weights_of_exactly_100_are_stored(clock):
    round_obj = make_round()
    created = rounds.criterion_set(
        actor=None,
        round=round_obj,
        criteria=[
            {"name": "Price", "kind": "price", "weight": "69.99"},
            {"name": "Plan", "kind": "subjective", "weight": "30.01"},
        ],
    )
    assert [c.weight for c in created] == [Decimal("69.99"), Decimal("30.01")]
    assert Entry.objects.get(action="round.set_criteria").after[0]["weight"] == "69.99"


def test_criteria_names_must_be_unique(clock):
    criteria = [
        {"name": "Price", "kind": "price", "weight": "50"},
        {"name": "Price", "kind": "subjective", "weight": "50"},
    ]
    assert _criteria_faults(make_round(), criteria) == [
        "Criterion names must be unique: Price appears twice."
    ]


def test_criteria_need_a_price_criterion(clock):
    criteria = [{"name": "Plan", "kind": "subjective", "weight": "100"}]
    assert _criteria_faults(make_round(), criteria) == [
        "At least one criterion must be the price."
    ]


@pytest.mark.parametrize(
    ("tiers", "fault"),
    [
        ([], "Capital: a tiered criterion needs at least one tier."),
        (
            [["10000000", "0.5"], ["1000000", "1"]],
            "Capital, tier 2: tiers must rise: a higher threshold than the tier before, "
            "and a share at least as large.",
        ),
        (
            [["1000000", "1"], ["10000000", "0.5"]],
            "Capital, tier 2: tiers must rise: a higher threshold than the tier before, "
            "and a share at least as large.",
        ),
        (
            [["1000000", "1.5"]],
            "Capital, tier 1: give a threshold of at least 0 and a share of the weight "
            "above 0 and at most 1.",
        ),
    ],
)
def test_tiers_must_be_well_formed_and_ascending(clock, tiers, fault):
    criteria = [
        {"name": "Price", "kind": "price", "weight": "90"},
        {"name": "Capital", "kind": "registered_capital", "weight": "10", "tiers": tiers},
    ]
    assert _criteria_faults(make_round(), criteria) == [fault]


def test_only_tiered_criteria_have_tiers(clock):
    criteria = [{"name": "Price", "kind": "price", "weight": "100", "tiers": [["1", "1"]]}]
    assert _criteria_faults(make_round(), criteria) == ["Price: only tiered criteria have tiers."]


def test_criteria_replace_the_earlier_set(clock):
    round_obj = make_round()
    rounds.criterion_set(actor=None, round=round_obj, criteria=STANDARD_CRITERIA)
    rounds.criterion_set(
        actor=None, round=round_obj, criteria=[{"name": "Rent", "kind": "price", "weight": "100"}]
    )
    assert list(round_obj.criteria.values_list("name", flat=True)) == ["Rent"]


# --- documents ----------------------------------------------------------------------------


def test_each_upload_is_a_new_version_with_its_sha256(clock, officer_user):
    round_obj = make_round()
    first = rounds.document_publish(
        actor=officer_user,
        round=round_obj,
        kind="notice",
        file=ContentFile(pdf("notice v1"), name="n.pdf"),
    )
    second = rounds.document_publish(
        actor=officer_user,
        round=round_obj,
        kind="notice",
        file=ContentFile(pdf("notice v2"), name="n.pdf"),
    )
    assert (first.version, second.version) == (1, 2)
    assert second.sha256 == hashlib.sha256(pdf("notice v2")).hexdigest()
    assert second.uploaded_at == T0 and second.uploaded_by == officer_user
    first.refresh_from_db()
    assert first.sha256 == hashlib.sha256(pdf("notice v1")).hexdigest()
    with first.file.open("rb") as handle:
        assert handle.read() == pdf("notice v1")
    assert Entry.objects.filter(action="round.document_publish").count() == 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notice.pdf", b"<html><script>alert(1)</script></html>"),
        ("notice.pdf.html", b"<!DOCTYPE html><p>notice</p>"),
        ("notice.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        ("notice.exe", b"MZ\x90\x00 not a document"),
    ],
)
def test_a_document_is_judged_by_its_content_and_refused_unless_printable(clock, name, content):
    round_obj = make_round()
    with pytest.raises(ValidationError) as excinfo:
        rounds.document_publish(
            actor=None, round=round_obj, kind="notice", file=ContentFile(content, name=name)
        )
    assert _messages(excinfo)["file"] == [
        f"“{name}” is not a PDF, DOCX, XLSX, ZIP file (judged by its content)."
    ]
    assert not RoundDocument.objects.exists()
    assert not Entry.objects.filter(action="round.document_publish").exists()


def test_a_document_over_the_limit_or_empty_is_refused(clock, settings):
    settings.ROUND_DOCUMENT_MAX_BYTES = 100
    round_obj = make_round()
    big = pdf("x" * 200)
    for content, message in [
        (big, f"“big.pdf” is {len(big)}\xa0bytes; the limit is 100\xa0bytes."),
        (b"", "“big.pdf” is empty."),
    ]:
        with pytest.raises(ValidationError) as excinfo:
            rounds.document_publish(
                actor=None, round=round_obj, kind="notice", file=ContentFile(content, "big.pdf")
            )
        assert _messages(excinfo)["file"] == [message]
    assert not RoundDocument.objects.exists()


def test_a_document_is_stored_under_the_extension_of_what_it_is(clock):
    """A PDF uploaded as .html is kept as .pdf: nothing published can be served as a page."""
    round_obj = make_round()
    document = rounds.document_publish(
        actor=None,
        round=round_obj,
        kind="notice",
        file=ContentFile(pdf("notice"), name="notice.html"),
    )
    assert document.file.name.endswith(f"{round_obj.code}-notice-v1.pdf")


def test_an_amendment_after_publication_needs_a_note(clock):
    round_obj = published_round()
    with pytest.raises(ValidationError) as excinfo:
        rounds.document_publish(
            actor=None,
            round=round_obj,
            kind="tender_book",
            file=ContentFile(pdf("v2"), name="b.pdf"),
        )
    assert _messages(excinfo)["note"] == [
        "The round is published: say what this amendment changes."
    ]
    assert round_obj.documents.filter(kind="tender_book").count() == 1
    amended = rounds.document_publish(
        actor=None,
        round=round_obj,
        kind="tender_book",
        file=ContentFile(pdf("v2"), name="b.pdf"),
        note="Lot 1 area corrected",
    )
    assert amended.version == 2 and amended.note == "Lot 1 area corrected"


def test_documents_are_fixed_once_bidding_has_closed(clock):
    round_obj = make_round()
    TenderRound.objects.filter(pk=round_obj.pk).update(status=Status.BIDDING_CLOSED)
    with pytest.raises(ValidationError, match="its documents can no longer change"):
        rounds.document_publish(
            actor=None,
            round=round_obj,
            kind="notice",
            file=ContentFile(pdf("late"), name="n.pdf"),
            note="late",
        )
    assert not RoundDocument.objects.exists()


# --- the roles migration ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "codename", "held"),
    [
        (roles.LEASING_OFFICER, "run_round", True),
        (roles.LEASING_OFFICER, "view_reserve_price", True),
        (roles.LEASING_OFFICER, "change_lot", True),
        (roles.LEASING_OFFICER, "confirm_opening", False),
        (roles.DISCIPLINE_INSPECTOR, "confirm_opening", True),
        (roles.DISCIPLINE_INSPECTOR, "view_application", True),
        (roles.DISCIPLINE_INSPECTOR, "run_round", False),
        (roles.DISCIPLINE_INSPECTOR, "view_reserve_price", False),
        (roles.COMMITTEE_MEMBER, "view_tenderround", True),
        (roles.COMMITTEE_MEMBER, "view_lot", False),
        (roles.COMMITTEE_MEMBER, "view_reserve_price", False),
    ],
)
def test_role_groups_hold_the_tender_permissions(role, codename, held):
    group = Group.objects.get(name=role)
    assert (
        group.permissions.filter(content_type__app_label="tenders", codename=codename).exists()
        is held
    )


def test_merchant_group_holds_no_tender_permission():
    group = Group.objects.get(name=roles.MERCHANT)
    assert not group.permissions.filter(content_type__app_label="tenders").exists()


def test_a_lot_number_is_used_once_per_round(clock):
    round_obj = make_round()
    add_lot(round_obj, number=1)
    with pytest.raises(ValidationError) as excinfo:
        add_lot(round_obj, number=1)
    assert "Lot with this Round and Lot number already exists." in excinfo.value.messages
    assert round_obj.lots.count() == 1


def test_a_round_number_is_used_once(clock):
    make_round(code="ZB-SAME")
    with pytest.raises(ValidationError) as excinfo:
        make_round(code="ZB-SAME")
    assert excinfo.value.message_dict["code"] == [
        "Tender round with this Round number already exists."
    ]
    assert TenderRound.objects.count() == 1


def test_thresholds_change_in_a_draft_and_are_journaled(clock, officer_user):
    round_obj = make_round()
    rounds.round_update(
        actor=officer_user, round=round_obj, min_registered_capital=Decimal("2000000.00")
    )
    assert TenderRound.objects.get(pk=round_obj.pk).min_registered_capital == Decimal("2000000.00")
    entry = Entry.objects.get(action="round.update")
    assert (entry.before, entry.after) == (
        {"min_registered_capital": "0.00"},
        {"min_registered_capital": "2000000.00"},
    )


def test_thresholds_are_fixed_once_published(clock, officer_user):
    round_obj = published_round()
    with pytest.raises(ValidationError, match="can change only while it is a draft"):
        rounds.round_update(actor=officer_user, round=round_obj, min_store_count=50)
    assert TenderRound.objects.get(pk=round_obj.pk).min_store_count == 0


def test_round_update_refuses_the_status_and_the_schedule(clock, officer_user):
    round_obj = make_round()
    with pytest.raises(ValidationError) as excinfo:
        rounds.round_update(
            actor=officer_user,
            round=round_obj,
            status="awarded",
            bid_deadline=round_obj.opening_at,
        )
    assert excinfo.value.message_dict == {
        "bid_deadline": ["This field cannot be changed here."],
        "status": ["This field cannot be changed here."],
    }
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.DRAFT


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rounds_racing_for_one_unit_on_postgresql_get_it_once(on_postgres):
    shared = available_unit()
    contenders = [make_round() for _ in range(8)]
    start = threading.Barrier(len(contenders))
    outcomes = []

    def claim(round_obj) -> None:
        # The language is per thread: the suite's English does not reach the workers.
        translation.activate("en")
        try:
            start.wait()
            add_lot(round_obj, units=[shared])
            outcomes.append("added")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["units"][0])
        finally:
            translation.deactivate()
            connection.close()

    workers = [threading.Thread(target=claim, args=(r,)) for r in contenders]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    winner = Lot.objects.get()
    refusal = f"Unit {shared} is already in {winner}."
    assert sorted(outcomes) == sorted(["added"] + [refusal] * (len(contenders) - 1))
    assert journal.verify() is None
