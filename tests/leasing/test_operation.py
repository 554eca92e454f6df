"""Operating outlets: inspections, complaints, the fine schedule and penalties, price checks and
marketing events — each rule, each bad input, who may, and the journal."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Entry
from leasing import operation, services
from leasing.models import (
    Complaint,
    Inspection,
    MarketingEvent,
    Penalty,
    PriceCheck,
    ViolationType,
)
from stations import roles
from stations.models import Level
from tests.factories import inspector, officer, station_officer
from tests.leasing.factories import direct_lease, free_unit
from tests.stations.factories import StationFactory, level
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db
D = Decimal
NOW = dt.datetime(2026, 7, 1, 2, tzinfo=dt.UTC)  # 10:00 in Changsha
TODAY = dt.date(2026, 7, 1)
ALL_PASSED = [
    {"item": "hygiene", "passed": True, "note": ""},
    {"item": "fire_safety", "passed": True, "note": ""},
    {"item": "price_tags", "passed": True, "note": ""},
    {"item": "service", "passed": True, "note": "Friendly."},
]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def station():
    return StationFactory(code="CSN", name_en="Changsha South")


def a_unit(station):
    return free_unit(Level.objects.filter(station=station).first() or level(station))


def open_outlet(station, *, opened_on=dt.date(2026, 6, 15)):
    lease = direct_lease(MerchantFactory(), [a_unit(station)], start=dt.date(2026, 6, 1))
    services.lease_sign(actor=None, lease=lease)
    return services.lease_open(actor=None, lease=lease, opened_on=opened_on)


@pytest.fixture
def outlet(station):
    return open_outlet(station)


@pytest.fixture
def manager(station):
    return station_officer(station, role=roles.STATION_MANAGER)


def failing(item="hygiene", note="Grease behind the counter."):
    return [dict(e, passed=False, note=note) if e["item"] == item else e for e in ALL_PASSED]


def inspect(outlet, actor=None, **overrides):
    fields = {"inspected_on": TODAY, "checklist": ALL_PASSED, "score": "92.5"}
    fields.update(overrides)
    actor = actor or station_officer(outlet.station)
    return operation.inspection_record(actor=actor, lease=outlet, **fields)


def outsiders(station):
    """Who may not keep a station's records: another station's manager, an inspector, a
    merchant's user."""
    return {
        "other station's manager": station_officer(StationFactory(), role=roles.STATION_MANAGER),
        "inspector": inspector(),
        "merchant": merchant_user(MerchantFactory()),
    }


# --- inspections --------------------------------------------------------------------------


def test_the_stations_manager_records_an_inspection_journaled(outlet, manager):
    inspection = inspect(outlet, manager, findings="Clean and tidy.")
    assert (inspection.inspector, inspection.score, inspection.follow_up_due) == (
        manager, D("92.50"), None,
    )  # fmt: skip
    assert [e["item"] for e in inspection.checklist] == [
        "hygiene", "fire_safety", "price_tags", "service",
    ]  # fmt: skip
    entry = Entry.objects.get(action="inspection.record")
    assert (entry.actor_id, entry.after["score"], entry.after["lease"]) == (
        manager.pk, "92.50", outlet.code,
    )  # fmt: skip


def test_a_failed_item_needs_a_follow_up_with_its_due_date(outlet):
    inspection = inspect(
        outlet, checklist=failing(), score=70, follow_up="Deep-clean the kitchen.",
        follow_up_due=dt.date(2026, 7, 8),
    )  # fmt: skip
    assert inspection.checklist[0] == {
        "item": "hygiene", "passed": False, "note": "Grease behind the counter.",
    }  # fmt: skip
    assert inspection.follow_up_due == dt.date(2026, 7, 8)


@pytest.mark.parametrize(
    "overrides, errors",
    [
        ({"checklist": failing()},
         {"follow_up": ["Hygiene failed: say what the outlet must put right."]}),
        ({"checklist": failing(), "follow_up": "Clean it."},
         {"follow_up_due": ["Give the date by which the follow-up is due."]}),
        ({"checklist": failing(), "follow_up": "Clean it.", "follow_up_due": TODAY},
         {"follow_up_due": ["The follow-up is due after the inspection (2026-07-01)."]}),
        ({"follow_up_due": dt.date(2026, 7, 8)},
         {"follow_up": ["Say what is due by 2026-07-08."]}),
        ({"checklist": ALL_PASSED[:3]}, {"checklist": ["Service is not checked."]}),
        ({"checklist": [*ALL_PASSED, {"item": "music", "passed": True}]},
         {"checklist": ["Item 5: “music” is not on the checklist."]}),
        ({"checklist": [*ALL_PASSED, ALL_PASSED[0]]},
         {"checklist": ["Hygiene is checked twice."]}),
        ({"checklist": failing(note="")}, {"checklist": ["Hygiene failed: say what was wrong."]}),
        ({"checklist": [dict(ALL_PASSED[0], passed="yes"), *ALL_PASSED[1:]]},
         {"checklist": ["Hygiene: say whether it passed."]}),
        ({"checklist": "all good"}, {"checklist": ["Give the checklist as a list of items."]}),
        ({"score": "101"}, {"score": ["Give a score from 0 to 100, to 2 decimals at most."]}),
        ({"score": "90.555"}, {"score": ["Give a score from 0 to 100, to 2 decimals at most."]}),
        ({"score": "good"}, {"score": ["Give a score from 0 to 100."]}),
        ({"inspected_on": dt.date(2026, 7, 2)}, {"inspected_on": ["2026-07-02 is in the future."]}),
        ({"inspected_on": dt.date(2026, 6, 14)},
         {"inspected_on": ["Outlet {code} opened on 2026-06-15."]}),
    ],
)  # fmt: skip
def test_a_bad_inspection_is_refused_and_nothing_saved(outlet, overrides, errors):
    with pytest.raises(ValidationError) as refused:
        inspect(outlet, **overrides)
    assert refused.value.message_dict == {
        field: [m.format(code=outlet.code) for m in messages] for field, messages in errors.items()
    }
    assert not Inspection.objects.exists()
    assert not Entry.objects.filter(action="inspection.record").exists()


def test_an_outlet_not_open_is_not_inspected(station):
    draft = direct_lease(MerchantFactory(), [a_unit(station)])
    with pytest.raises(ValidationError) as refused:
        inspect(draft)
    assert refused.value.message_dict == {
        "lease": [f"Outlet {draft.code} is not open (it is draft)."]
    }
    assert not Inspection.objects.exists()


def test_only_the_stations_officers_and_manager_inspect(station, outlet):
    assert inspect(outlet, station_officer(station)).pk
    with pytest.raises(PermissionDenied, match="in a person's name"):
        operation.inspection_record(
            actor=None, lease=outlet, inspected_on=TODAY, checklist=ALL_PASSED, score=90
        )
    for who, actor in outsiders(station).items():
        with pytest.raises(PermissionDenied, match="station CSN"):
            inspect(outlet, actor)
        assert Inspection.objects.count() == 1, who


def test_the_follow_up_is_marked_done_once(outlet, manager):
    inspection = inspect(
        outlet, checklist=failing(), follow_up="Clean it.", follow_up_due=dt.date(2026, 7, 8)
    )
    done = operation.inspection_follow_up_done(actor=manager, inspection=inspection)
    assert done.follow_up_done_on == TODAY
    assert Entry.objects.get(action="inspection.follow_up_done").after == {
        "follow_up_done_on": "2026-07-01", "due": "2026-07-08",
    }  # fmt: skip
    with pytest.raises(ValidationError, match="was done on 2026-07-01"):
        operation.inspection_follow_up_done(actor=manager, inspection=inspection)


def test_a_follow_up_not_asked_for_or_dated_wrongly_is_refused(outlet, station):
    clean = inspect(outlet)
    with pytest.raises(ValidationError, match="asked for no follow-up"):
        operation.inspection_follow_up_done(actor=None, inspection=clean)
    pending = inspect(
        outlet, checklist=failing(), follow_up="Clean it.", follow_up_due=dt.date(2026, 7, 8)
    )
    with pytest.raises(ValidationError) as refused:
        operation.inspection_follow_up_done(
            actor=None, inspection=pending, done_on=dt.date(2026, 6, 30)
        )
    assert refused.value.message_dict == {
        "done_on": ["The inspection was on 2026-07-01; the follow-up comes after it."]
    }
    with pytest.raises(PermissionDenied):
        operation.inspection_follow_up_done(actor=inspector(), inspection=pending)
    assert Inspection.objects.filter(follow_up_done_on__isnull=False).count() == 0


# --- complaints ---------------------------------------------------------------------------


def receive(station, actor=None, **overrides):
    fields = {
        "category": "price",
        "received_at": NOW - dt.timedelta(hours=2),
        "description": "A bottle of water cost 5 yuan.",
    }
    fields.update(overrides)
    return operation.complaint_receive(actor=actor, station=station, **fields)


def test_a_complaint_is_received_and_answered_within_its_service_time(station, outlet, clock):
    manager = station_officer(station, role=roles.STATION_MANAGER)
    complaint = receive(station, manager, lease=outlet, service_hours=4)
    assert complaint.answer_due_at == NOW + dt.timedelta(hours=2)
    assert complaint.answered_in_time is None
    clock.shift(dt.timedelta(hours=1))
    answered = operation.complaint_answer(
        actor=manager, complaint=complaint, resolution="Price corrected; refund given."
    )
    assert answered.answered_at == NOW + dt.timedelta(hours=1)
    assert answered.answered_in_time is True
    assert [e.action for e in Entry.objects.filter(action__startswith="complaint.")] == [
        "complaint.receive", "complaint.answer",
    ]  # fmt: skip
    assert Entry.objects.get(action="complaint.answer").after["in_time"] is True
    with pytest.raises(ValidationError, match="was answered on 2026-07-01 11:00"):
        operation.complaint_answer(actor=manager, complaint=complaint, resolution="Again.")


def test_a_complaint_answered_late_says_so(station, clock):
    complaint = receive(station, service_hours=24)
    clock.shift(dt.timedelta(hours=23))
    answer = operation.complaint_answer(actor=None, complaint=complaint, resolution="Sorry.")
    assert answer.answered_in_time is False


@pytest.mark.parametrize(
    "overrides, errors",
    [
        ({"received_at": NOW + dt.timedelta(minutes=1)},
         {"received_at": ["2026-07-01 10:01 is in the future."]}),
        ({"category": "noise"}, {"category": ["“noise” is not a complaint category."]}),
        ({"description": "  "}, {"description": ["Say what the passenger complains about."]}),
        ({"service_hours": 0}, {"service_hours": ["Give the hours to answer in, from 1 to 720."]}),
        ({"received_at": TODAY},
         {"received_at": ["Give the date and time the complaint was received."]}),
    ],
)  # fmt: skip
def test_a_bad_complaint_is_refused_and_nothing_saved(station, overrides, errors):
    with pytest.raises(ValidationError) as refused:
        receive(station, **overrides)
    assert refused.value.message_dict == errors
    assert not Complaint.objects.exists()
    assert not Entry.objects.filter(action="complaint.receive").exists()


def test_a_complaint_names_an_outlet_of_its_own_station_only(station):
    elsewhere = open_outlet(StationFactory(code="ZZW"))
    with pytest.raises(ValidationError) as refused:
        receive(station, lease=elsewhere)
    assert refused.value.message_dict == {
        "lease": [f"Outlet {elsewhere.code} is not in station CSN."]
    }
    assert not Complaint.objects.exists()


def test_an_answer_needs_its_resolution_and_the_right_person(station):
    complaint = receive(station)
    with pytest.raises(ValidationError) as refused:
        operation.complaint_answer(actor=None, complaint=complaint, resolution=" ")
    assert refused.value.message_dict == {"resolution": ["Say how the complaint was resolved."]}
    for actor in outsiders(station).values():
        with pytest.raises(PermissionDenied):
            operation.complaint_answer(actor=actor, complaint=complaint, resolution="Done.")
        with pytest.raises(PermissionDenied):
            receive(station, actor)
    assert Complaint.objects.get().answered_at is None
    assert Complaint.objects.count() == 1


def test_overdue_complaints_with_a_frozen_clock(station, clock):
    manager = station_officer(station, role=roles.STATION_MANAGER)
    late = receive(station, received_at=NOW, service_hours=24)
    soon = receive(station, received_at=NOW, service_hours=48)
    answered = receive(station, received_at=NOW, service_hours=1)
    operation.complaint_answer(actor=None, complaint=answered, resolution="Done.")
    other = receive(StationFactory(code="ZZW"), received_at=NOW, service_hours=1)
    assert list(operation.complaints_overdue(manager)) == []
    clock.move_to(NOW + dt.timedelta(hours=24))
    assert list(operation.complaints_overdue(manager)) == []  # due at this very moment
    clock.move_to(NOW + dt.timedelta(hours=24, seconds=1))
    assert list(operation.complaints_overdue(manager)) == [late]
    assert list(operation.complaints_overdue(inspector())) == [other, late]
    assert list(operation.complaints_overdue(merchant_user(MerchantFactory()))) == []
    later = NOW + dt.timedelta(hours=49)
    assert set(operation.complaints_overdue(manager, now=later)) == {late, soon}
    due = operation.with_answer_due(Complaint.objects.filter(pk=soon.pk)).get().answer_due
    assert due == soon.answer_due_at == NOW + dt.timedelta(hours=48)


# --- the fine schedule and penalties ------------------------------------------------------


def test_officers_keep_the_fine_schedule_journaled():
    actor = officer()
    made = operation.violation_type_set(
        actor=actor, code="smoking", name_zh="吸烟", name_en="Smoking", fine="200"
    )
    assert made.fine == D("200.00")
    operation.violation_type_set(actor=actor, code="smoking", name_zh="吸烟", fine="300.50")
    assert ViolationType.objects.get().fine == D("300.50")
    update = Entry.objects.get(action="violation_type.update")
    assert (update.before["fine"], update.after["fine"]) == ("200.00", "300.50")


@pytest.mark.parametrize(
    "fields, errors",
    [
        ({"fine": "-1"}, {"fine": ["Give an amount of 0 or more."]}),
        ({"fine": "1.001"}, {"fine": ["Give the amount in CNY with at most 2 decimals."]}),
        ({"fine": "lots"}, {"fine": ["Enter an amount in CNY."]}),
        ({"name_zh": ""}, {"name_zh": ["This field is required."]}),
        ({"code": "no spaces"}, {"code": [
            "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."]}),
    ],
)  # fmt: skip
def test_a_bad_violation_type_is_refused_and_nothing_saved(fields, errors):
    values = {"code": "smoking", "name_zh": "吸烟", "fine": "200"} | fields
    with pytest.raises(ValidationError) as refused:
        operation.violation_type_set(actor=None, **values)
    assert refused.value.message_dict == errors
    assert not ViolationType.objects.exists()


def test_station_managers_inspectors_and_merchants_do_not_keep_the_fine_schedule(station):
    for actor in [
        station_officer(station, role=roles.STATION_MANAGER),
        *outsiders(station).values(),
    ]:
        with pytest.raises(PermissionDenied, match="Only a leasing officer keeps"):
            operation.violation_type_set(actor=actor, code="x", name_zh="某", fine="1")
    assert not ViolationType.objects.exists()


def test_the_default_schedule_loads_once_and_keeps_what_exists():
    operation.violation_type_set(actor=None, code="hygiene", name_zh="卫生", fine="800")
    added = operation.violation_types_load_defaults(actor=None)
    assert len(added) == len(operation.DEFAULT_VIOLATION_TYPES) - 1
    assert ViolationType.objects.get(code="hygiene").fine == D("800.00")
    assert operation.violation_types_load_defaults(actor=None) == []
    assert ViolationType.objects.get(code="fire-safety").fine == D("2000.00")


@pytest.fixture
def violation():
    return operation.violation_type_set(actor=None, code="hygiene", name_zh="卫生", fine="500")


def test_a_penalty_takes_the_fine_of_its_day_and_cites_its_inspection(station, outlet, violation):
    actor = station_officer(station)
    inspection = inspect(
        outlet, checklist=failing(), follow_up="Clean it.", follow_up_due=dt.date(2026, 7, 8)
    )
    penalty = operation.penalty_issue(
        actor=actor, lease=outlet, violation=violation, inspection=inspection
    )
    operation.violation_type_set(actor=None, code="hygiene", name_zh="卫生", fine="900")
    penalty.refresh_from_db()
    assert (penalty.amount, penalty.issued_on, penalty.issued_by) == (D("500.00"), TODAY, actor)
    assert Entry.objects.get(action="penalty.issue").after == {
        "lease": outlet.code, "violation": "hygiene", "amount": "500.00",
        "inspection": inspection.pk, "complaint": None,
    }  # fmt: skip
    with pytest.raises(ValidationError, match="has its penalty for 卫生"):
        operation.penalty_issue(
            actor=actor, lease=outlet, violation=violation, inspection=inspection
        )


def test_a_penalty_cites_a_complaint_about_its_outlet_or_its_station(station, outlet, violation):
    keeper = station_officer(station)
    about_station = receive(station)
    about_outlet = receive(station, lease=outlet)
    for complaint in (about_station, about_outlet):
        operation.penalty_issue(
            actor=keeper, lease=outlet, violation=violation, complaint=complaint
        )
    assert Penalty.objects.count() == 2


def test_a_penalty_citing_another_outlet_or_station_or_nothing_is_refused(
    station, outlet, violation
):
    neighbour = open_outlet(station)
    elsewhere = open_outlet(StationFactory(code="ZZW"))
    their_inspection = inspect(neighbour)
    their_complaint = receive(station, lease=neighbour)
    other_station = receive(elsewhere.station, lease=elsewhere)
    keeper = station_officer(station)
    cases = [
        ({}, {"inspection": ["Cite the inspection or the complaint the penalty comes from."]}),
        ({"inspection": their_inspection}, {"inspection": [
            f"The inspection of 2026-07-01 is of outlet {neighbour.code}, not {outlet.code}."]}),
        ({"complaint": their_complaint}, {"complaint": [
            f"The complaint is about outlet {neighbour.code}, not {outlet.code}."]}),
        ({"complaint": other_station}, {"complaint": [
            "The complaint is about station ZZW, not CSN."]}),
    ]  # fmt: skip
    for source, errors in cases:
        with pytest.raises(ValidationError) as refused:
            operation.penalty_issue(actor=keeper, lease=outlet, violation=violation, **source)
        assert refused.value.message_dict == errors
    assert not Penalty.objects.exists()
    assert not Entry.objects.filter(action="penalty.issue").exists()


def test_only_leasing_officers_of_the_station_issue_penalties(station, outlet, violation):
    complaint = receive(station, lease=outlet)
    for actor in [
        station_officer(station, role=roles.STATION_MANAGER),
        *outsiders(station).values(),
    ]:
        with pytest.raises(PermissionDenied):
            operation.penalty_issue(
                actor=actor, lease=outlet, violation=violation, complaint=complaint
            )
    assert not Penalty.objects.exists()


# --- same price ---------------------------------------------------------------------------


def check(outlet, actor=None, **overrides):
    fields = {
        "item": "农夫山泉 550 ml",
        "station_price": "2.00",
        "street_price": "2.00",
        "checked_on": TODAY,
    }
    fields.update(overrides)
    actor = actor or station_officer(outlet.station)
    return operation.price_check_record(actor=actor, lease=outlet, **fields)


def test_a_price_above_the_street_is_flagged_and_its_outlet_listed(station, outlet, manager):
    fair = check(outlet, manager)
    dear = check(outlet, manager, item="Coffee latte", station_price="32", street_price="28")
    assert (fair.above_street, dear.above_street) == (False, True)
    assert Entry.objects.filter(action="price_check.record").count() == 2
    assert Entry.objects.filter(action="price_check.record").last().after["above_street"] is True
    flagged = list(operation.outlets_above_street(manager))
    assert flagged == [outlet] and flagged[0].items_above_street == 1
    # The latest check of an item decides: the price was put right.
    check(outlet, item="Coffee latte", station_price="28", street_price="28",
          checked_on=TODAY)  # fmt: skip
    assert list(operation.outlets_above_street(manager)) == []


def test_outlets_above_street_are_listed_to_those_who_may_see_them(station, outlet):
    check(outlet, station_price="3", street_price="2")
    assert list(operation.outlets_above_street(inspector())) == [outlet]
    other_manager = station_officer(StationFactory(), role=roles.STATION_MANAGER)
    assert list(operation.outlets_above_street(other_manager)) == []
    assert list(operation.outlets_above_street(merchant_user(outlet.merchant))) == []


@pytest.mark.parametrize(
    "overrides, errors",
    [
        ({"item": ""}, {"item": ["This field is required."]}),
        ({"station_price": "0"}, {"station_price": ["The amount must be more than 0."]}),
        ({"street_price": "abc"}, {"street_price": ["Enter an amount in CNY."]}),
        ({"checked_on": dt.date(2026, 7, 2)}, {"checked_on": ["2026-07-02 is in the future."]}),
    ],
)  # fmt: skip
def test_a_bad_price_check_is_refused_and_nothing_saved(outlet, overrides, errors):
    with pytest.raises(ValidationError) as refused:
        check(outlet, **overrides)
    assert refused.value.message_dict == errors
    assert not PriceCheck.objects.exists()


def test_price_checks_are_kept_by_the_stations_people_only(station, outlet):
    for actor in outsiders(station).values():
        with pytest.raises(PermissionDenied):
            check(outlet, actor)
    assert not PriceCheck.objects.exists()


# --- marketing events ---------------------------------------------------------------------


def event(station=None, actor=None, **overrides):
    fields = {
        "title": "暑运美食节",
        "starts_on": dt.date(2026, 7, 10),
        "ends_on": dt.date(2026, 8, 31),
    }
    fields.update(overrides)
    return operation.marketing_event_create(actor=actor, station=station, **fields)


def test_a_station_event_takes_the_stations_open_outlets(station, outlet):
    actor = station_officer(station)
    campaign = event(station, actor)
    operation.marketing_event_add_outlets(actor=actor, event=campaign, outlets=[outlet])
    assert list(campaign.outlets.all()) == [outlet]
    entry = Entry.objects.get(action="marketing_event.add_outlets")
    assert entry.data == {"added": [outlet.code]}
    assert list(operation.marketing_events_on(TODAY)) == [campaign]


def test_a_station_event_refuses_outlets_elsewhere_not_open_or_already_in(station, outlet):
    campaign = event(station)
    elsewhere = open_outlet(StationFactory(code="ZZW"))
    draft = direct_lease(MerchantFactory(), [a_unit(station)])
    with pytest.raises(ValidationError) as refused:
        operation.marketing_event_add_outlets(
            actor=None, event=campaign, outlets=[elsewhere, draft]
        )
    assert sorted(refused.value.message_dict["outlets"]) == sorted([
        f"Outlet {elsewhere.code} is in station ZZW, not CSN.",
        f"Outlet {draft.code} is not open from 2026-07-10 to 2026-08-31.",
    ])  # fmt: skip
    assert not campaign.outlets.exists()
    operation.marketing_event_add_outlets(actor=None, event=campaign, outlets=[outlet])
    with pytest.raises(ValidationError, match="already takes part"):
        operation.marketing_event_add_outlets(actor=None, event=campaign, outlets=[outlet])


def test_an_outlet_that_ends_before_the_event_does_not_take_part(station):
    short = direct_lease(MerchantFactory(), [a_unit(station)],
                         start=dt.date(2026, 6, 1), end=dt.date(2026, 7, 10))  # fmt: skip
    services.lease_sign(actor=None, lease=short)
    services.lease_open(actor=None, lease=short, opened_on=dt.date(2026, 6, 2))
    with pytest.raises(ValidationError, match="is not open from 2026-07-10"):
        operation.marketing_event_add_outlets(actor=None, event=event(station), outlets=[short])


def test_a_network_event_takes_outlets_of_any_station_and_needs_a_network_officer(station, outlet):
    with pytest.raises(PermissionDenied, match="whole network"):
        event(None, station_officer(station))
    campaign = event(None, officer(), title="全线同质同价月")
    elsewhere = open_outlet(StationFactory(code="ZZW"))
    operation.marketing_event_add_outlets(
        actor=officer(), event=campaign, outlets=[outlet, elsewhere]
    )
    assert campaign.outlets.count() == 2
    assert Entry.objects.get(action="marketing_event.create").after["station"] is None


def test_bad_events_and_outsiders_are_refused(station, outlet):
    with pytest.raises(ValidationError) as refused:
        event(station, title=" ", ends_on=dt.date(2026, 7, 9))
    assert refused.value.message_dict == {
        "title": ["Give the event a title."],
        "ends_on": ["The event ends on or after it starts (2026-07-10)."],
    }
    for actor in [
        station_officer(station, role=roles.STATION_MANAGER),
        *outsiders(station).values(),
    ]:
        with pytest.raises(PermissionDenied):
            event(station, actor)
    assert not MarketingEvent.objects.exists()
    campaign = event(station)
    with pytest.raises(ValidationError, match="at least one outlet"):
        operation.marketing_event_add_outlets(actor=None, event=campaign, outlets=[])
    with pytest.raises(PermissionDenied):
        operation.marketing_event_add_outlets(actor=inspector(), event=campaign, outlets=[outlet])
    assert not campaign.outlets.exists()
