"""The tender-round admin up to the opening: who sees which round and what of it, the list,
create and edit, the schedule, the status actions, lots, criteria, documents and applications.

Every form goes through the tender services: a refusal shows the service's message (on the
field it names) and saves nothing. The reserve price never reaches the HTML of anyone the
selectors hide it from, and no page holds an amount before the opening.
"""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from audit.models import Entry
from stations.models import Unit
from tenders import committee, rounds
from tenders.models import Application, Criterion, Lot, RoundDocument, TenderRound
from tests.cms.round_fixtures import *  # noqa: F403 - the fixtures
from tests.cms.round_fixtures import (
    RESERVE,
    T0,
    a_lot_unit,
    draft_round,
    messages_of,
    money,
    published,
    shows_reserve,
    url,
)
from tests.factories import UserFactory, pdf
from tests.tenders.bid_factories import BIDDING, applicant, bid, bidding_round
from tests.tenders.factories import MerchantFactory
from tests.tenders.round_factories import available_unit, make_round

pytestmark = pytest.mark.django_db

Status = TenderRound.Status


def local(moment: dt.datetime) -> str:
    """A time as the admin's date-time input takes it (Beijing time, to the minute)."""
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")


def round_post(**overrides) -> dict:
    start = T0
    data = {
        "code": "ZB-2026-0900",
        "title": "长沙南站商业网点公开招租",
        "publication_at": local(start + dt.timedelta(days=1)),
        "application_opens_at": local(start + dt.timedelta(days=2)),
        "application_closes_at": local(start + dt.timedelta(days=10)),
        "bid_deadline": local(start + dt.timedelta(days=20)),
        "opening_at": local(start + dt.timedelta(days=20, hours=2)),
        "publicity_days": "3",
        "min_members_per_lot": "5",
        "min_registered_capital": "1000000",
        "min_years_in_business": "3",
        "min_store_count": "5",
        "company_only": "on",
        "direct_only": "on",
        "no_credit_bar": "on",
        "min_customer_rating": "",
    }
    data.update(overrides)
    return data


def entries(action: str) -> int:
    return Entry.objects.filter(action=action).count()


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def as_inspector(client, inspector):
    client.force_login(inspector)
    return client


# --- who sees what ------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, clock):
    round_obj = draft_round()
    for target in (url("index"), url("detail", round_obj.pk), url("add")):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_a_merchants_portal_user_is_sent_to_the_login_page(client, clock, merchant_portal_user):
    round_obj = published(draft_round())
    client.force_login(merchant_portal_user)
    for target in (url("index"), url("detail", round_obj.pk)):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_the_officer_lists_every_round_with_status_deadline_and_lots(as_officer, clock):
    draft = draft_round(code="ZB-2026-0001", title="Draft round")
    other = published(draft_round(code="ZB-2026-0002", title="Published round"))
    rounds.lot_add(
        actor=None,
        round=make_round(code="ZB-2026-0003", title="Two lots"),
        number=1,
        title="Lot",
        units=[available_unit()],
        business_type=draft.lots.get().business_type,
        term_months=12,
        reserve_annual_rent=Decimal("1000"),
    )
    response = as_officer.get(url("index"))
    assert response.status_code == 200
    listed = {r.code: r for r in response.context["object_list"]}
    assert set(listed) == {"ZB-2026-0001", "ZB-2026-0002", "ZB-2026-0003"}
    assert listed["ZB-2026-0001"].lot_count == 1
    html = response.content.decode()
    assert url("detail", draft.pk) in html
    assert 'cms-round-status--published">Published<' in html
    assert local(other.bid_deadline) in html
    assert url("add") in html


def test_the_list_filters_by_status_and_searches_by_code(as_officer, clock):
    draft_round(code="ZB-2026-0001")
    published(draft_round(code="ZB-2026-0002"))
    found = as_officer.get(url("index"), {"status": "published"}).context["object_list"]
    assert [r.code for r in found] == ["ZB-2026-0002"]
    found = as_officer.get(url("index"), {"q": "0001"}).context["object_list"]
    assert [r.code for r in found] == ["ZB-2026-0001"]


def test_the_inspector_reads_every_round_but_is_offered_no_change(as_inspector, clock):
    round_obj = draft_round()
    listing = as_inspector.get(url("index"))
    assert [r.pk for r in listing.context["object_list"]] == [round_obj.pk]
    assert url("add") not in listing.content.decode()
    detail = as_inspector.get(url("detail", round_obj.pk)).content.decode()
    for name in ("edit", "schedule", "criteria", "lot_add", "document_add"):
        target = url(name, round_obj.pk)
        assert target not in detail, name
    assert url("action", round_obj.pk, "publish") not in detail
    response = as_inspector.get(url("add"))
    assert response.status_code == 302  # Wagtail: "you do not have permission"
    assert response["Location"] == reverse("wagtailadmin_home")


def test_a_committee_member_without_a_seat_sees_no_round(client, clock, committee_member):
    round_obj = published(draft_round())
    client.force_login(committee_member)
    assert list(client.get(url("index")).context["object_list"]) == []
    for name in ("detail", "applications", "opening", "schedule"):
        assert client.get(url(name, round_obj.pk)).status_code == 404, name


def test_a_merchant_in_the_admin_gets_404_for_an_unpublished_round_like_a_missing_one(
    client, clock, merchant_in_admin
):
    round_obj = draft_round()
    client.force_login(merchant_in_admin)
    hidden = client.get(url("detail", round_obj.pk))
    missing = client.get(url("detail", round_obj.pk + 1000))
    assert hidden.status_code == missing.status_code == 404
    document = round_obj.documents.first()
    assert client.get(url("document", round_obj.pk, document.pk)).status_code == 404


def test_a_merchant_in_the_admin_reads_a_published_notice_but_none_of_its_internals(
    client, clock, merchant_in_admin
):
    round_obj = published(draft_round())
    clock.move_to(round_obj.publication_at + dt.timedelta(minutes=1))
    client.force_login(merchant_in_admin)
    response = client.get(url("detail", round_obj.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert round_obj.title in html
    assert 'id="applications"' not in html and 'id="bids"' not in html
    assert not shows_reserve(html)
    assert "data-cms-reserve-hidden" in html
    for name in ("applications", "opening"):
        assert client.get(url(name, round_obj.pk)).status_code == 404, name
    # No page to change anything, and no list of every round.
    assert client.get(url("schedule", round_obj.pk)).status_code == 302
    assert client.get(url("index")).status_code == 302


# --- the reserve price --------------------------------------------------------------------


def test_the_officer_sees_the_reserve_price(as_officer, clock):
    round_obj = draft_round()
    html = as_officer.get(url("detail", round_obj.pk)).content.decode()
    assert "123,457.89" in html


def test_the_inspector_does_not_see_the_reserve_price(as_inspector, clock):
    round_obj = draft_round()
    html = as_inspector.get(url("detail", round_obj.pk)).content.decode()
    assert not shows_reserve(html)
    assert "data-cms-reserve-hidden" in html


def test_a_seated_committee_member_reads_the_round_but_never_its_reserve(
    client, clock, committee_member
):
    round_obj = published(draft_round())
    committee.seat_appoint(actor=None, round=round_obj, user=committee_member, department="legal")
    client.force_login(committee_member)
    assert [r.pk for r in client.get(url("index")).context["object_list"]] == [round_obj.pk]
    response = client.get(url("detail", round_obj.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert round_obj.lots.get().title in html
    assert not shows_reserve(html)
    assert "data-cms-reserve-hidden" in html
    assert 'id="applications"' not in html and 'id="bids"' not in html
    for name in ("applications", "opening"):
        assert client.get(url(name, round_obj.pk)).status_code == 404, name
    document = round_obj.documents.first()
    assert client.get(url("document", round_obj.pk, document.pk)).status_code == 200


def test_an_officer_without_the_reserve_right_edits_a_lot_without_seeing_its_reserve(
    client, clock
):
    junior = UserFactory(username="junior")
    junior.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="run_round"),
    )
    round_obj = draft_round()
    lot = round_obj.lots.get()
    client.force_login(junior)
    page = client.get(url("lot_edit", round_obj.pk, lot.pk))
    assert page.status_code == 200
    assert "reserve_annual_rent" not in page.context["form"].fields
    assert not shows_reserve(page.content.decode())
    assert not shows_reserve(client.get(url("detail", round_obj.pk)).content.decode())
    response = client.post(
        url("lot_edit", round_obj.pk, lot.pk),
        {
            "station": lot.station_id,
            "number": "1",
            "title": "Renamed",
            "units": [u.pk for u in lot.units.all()],
            "business_type": lot.business_type.code,
            "term_months": "24",
        },
    )
    assert response.status_code == 302
    lot.refresh_from_db()
    assert (lot.title, lot.term_months, lot.reserve_annual_rent) == (
        "Renamed",
        24,
        Decimal(RESERVE),
    )


# --- query counts -------------------------------------------------------------------------


def test_the_list_asks_a_fixed_number_of_queries(as_officer, clock, django_assert_max_num_queries):
    for n in range(3):
        draft_round(code=f"ZB-2026-01{n:02d}")
    with django_assert_max_num_queries(14):
        assert as_officer.get(url("index")).status_code == 200
    for n in range(3, 15):
        draft_round(code=f"ZB-2026-01{n:02d}")
    with django_assert_max_num_queries(14):
        response = as_officer.get(url("index"))
    assert len(response.context["object_list"]) == 15


@pytest.fixture
def busy_round(clock):
    """A round taking bids: two lots, six admitted applicants, each with a bid."""
    round_obj = bidding_round(clock)
    lot1, lot2 = round_obj.lots.order_by("number")
    users = [applicant(round_obj, [lot1, lot2])[1] for _ in range(6)]
    clock.move_to(BIDDING)
    for n, user in enumerate(users):
        bid(user, round_obj, lot1 if n % 2 else lot2, f"{150000 + n}.00")
    return TenderRound.objects.get(pk=round_obj.pk)


def test_the_round_page_asks_a_bounded_number_of_queries(
    as_officer, busy_round, django_assert_max_num_queries
):
    # Two lots (lots_for asks about the user's groups once a lot), six applications, six bids,
    # three documents, three criteria: the count does not grow with applications or bids.
    # (Four of them build the admin menu of an officer who also edits the site's pages,
    # images and documents.)
    with django_assert_max_num_queries(30):
        response = as_officer.get(url("detail", busy_round.pk))
    assert response.status_code == 200
    assert len(response.context["bids"]) == 6
    assert len(response.context["applications"]) == 6
    with django_assert_max_num_queries(15):
        assert as_officer.get(url("applications", busy_round.pk)).status_code == 200


# --- create and edit ----------------------------------------------------------------------


def test_creating_a_round_goes_through_the_service(as_officer, officer, clock):
    response = as_officer.post(url("add"), round_post())
    round_obj = TenderRound.objects.get(code="ZB-2026-0900")
    assert response.status_code == 302
    assert response["Location"] == url("detail", round_obj.pk)
    assert round_obj.status == Status.DRAFT
    assert round_obj.created_by == officer
    assert round_obj.min_registered_capital == Decimal("1000000")
    assert round_obj.bid_deadline == T0 + dt.timedelta(days=20)
    assert bytes(round_obj.wrapped_key)  # the sealing key, made by the service
    assert Entry.objects.get(action="round.create").actor_id == officer.pk


def test_a_date_in_the_past_is_refused_on_its_field_and_nothing_is_saved(as_officer, clock):
    before = entries("round.create")
    response = as_officer.post(
        url("add"), round_post(publication_at=local(T0 - dt.timedelta(hours=1)))
    )
    assert response.status_code == 200
    assert response.context["form"].errors["publication_at"] == [
        "Publication (2026-03-01 09:00) is in the past."
    ]
    assert not TenderRound.objects.exists()
    assert entries("round.create") == before


def test_dates_out_of_order_are_refused_on_the_later_field(as_officer, clock):
    response = as_officer.post(
        url("add"), round_post(opening_at=local(T0 + dt.timedelta(days=19)))
    )
    assert response.context["form"].errors["opening_at"] == [
        "The opening cannot come before the bid deadline (2026-03-21 10:00)."
    ]
    assert not TenderRound.objects.exists()


def test_a_round_number_already_used_is_refused(as_officer, clock):
    draft_round(code="ZB-2026-0900")
    response = as_officer.post(url("add"), round_post())
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert TenderRound.objects.count() == 1


def test_status_is_not_a_field_of_the_round_forms(as_officer, clock):
    round_obj = draft_round()
    for target in (url("add"), url("edit", round_obj.pk)):
        form = as_officer.get(target).context["form"]
        assert "status" not in form.fields
        assert "created_by" not in form.fields
    as_officer.post(url("add"), round_post(status="awarded"))
    assert TenderRound.objects.get(code="ZB-2026-0900").status == Status.DRAFT


def test_an_inspector_cannot_create_a_round(as_inspector, clock):
    response = as_inspector.post(url("add"), round_post())
    assert response.status_code == 302
    assert not TenderRound.objects.exists()


def edit_post(round_obj, **overrides) -> dict:
    data = {
        "title": round_obj.title,
        "publicity_days": "3",
        "min_members_per_lot": "5",
        "min_registered_capital": "0",
        "min_years_in_business": "0",
        "min_store_count": "0",
        "company_only": "on",
        "direct_only": "on",
        "no_credit_bar": "on",
        "min_customer_rating": "",
    }
    data.update(overrides)
    return data


def test_editing_a_draft_goes_through_round_update(as_officer, officer, clock):
    round_obj = draft_round()
    response = as_officer.post(
        url("edit", round_obj.pk),
        edit_post(round_obj, title="New title", min_store_count="12"),
    )
    assert response.status_code == 302
    assert response["Location"] == url("detail", round_obj.pk)
    round_obj.refresh_from_db()
    assert (round_obj.title, round_obj.min_store_count) == ("New title", 12)
    entry = Entry.objects.get(action="round.update")
    assert entry.after["title"] == "New title"
    assert entry.actor_id == officer.pk


def test_a_published_round_keeps_its_fields_and_says_why(as_officer, clock):
    round_obj = published(draft_round())
    before = entries("round.update")
    response = as_officer.post(url("edit", round_obj.pk), edit_post(round_obj, title="Changed"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The round's title and thresholds can change only while it is a draft."
    ]
    round_obj.refresh_from_db()
    assert round_obj.title != "Changed"
    assert entries("round.update") == before


def test_a_bad_rating_is_refused_on_its_field(as_officer, clock):
    round_obj = draft_round()
    response = as_officer.post(
        url("edit", round_obj.pk), edit_post(round_obj, min_customer_rating="7")
    )
    assert response.status_code == 200
    assert "min_customer_rating" in response.context["form"].errors
    round_obj.refresh_from_db()
    assert round_obj.min_customer_rating is None


# --- the schedule -------------------------------------------------------------------------


def schedule_post(round_obj, **moved) -> dict:
    data = {name: local(getattr(round_obj, name)) for name in rounds.SCHEDULE_FIELDS}
    data.update({name: local(value) for name, value in moved.items()})
    return data


def test_moving_a_date_goes_through_the_service_and_the_journal_keeps_both(as_officer, clock):
    round_obj = draft_round()
    later = round_obj.opening_at + dt.timedelta(days=2)
    response = as_officer.post(
        url("schedule", round_obj.pk), schedule_post(round_obj, opening_at=later)
    )
    assert response.status_code == 302
    assert messages_of(response) == [f"The schedule of {round_obj.code} is changed: Opening."]
    round_obj.refresh_from_db()
    assert round_obj.opening_at == later.replace(second=0, microsecond=0)
    entry = Entry.objects.get(action="round.change_schedule")
    assert set(entry.before) == set(entry.after) == {"opening_at"}


def test_a_date_moved_into_the_past_is_refused_on_its_field(as_officer, clock):
    round_obj = draft_round()
    before = round_obj.bid_deadline
    response = as_officer.post(
        url("schedule", round_obj.pk),
        schedule_post(round_obj, bid_deadline=T0 - dt.timedelta(days=1)),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["bid_deadline"] == [
        "Bid deadline cannot be moved into the past (2026-02-28 10:00)."
    ]
    round_obj.refresh_from_db()
    assert round_obj.bid_deadline == before
    assert not entries("round.change_schedule")


def test_a_date_that_has_passed_cannot_move(as_officer, clock):
    round_obj = published(draft_round())
    clock.move_to(round_obj.application_opens_at + dt.timedelta(hours=1))
    response = as_officer.post(
        url("schedule", round_obj.pk),
        schedule_post(
            round_obj, application_opens_at=round_obj.application_opens_at + dt.timedelta(hours=2)
        ),
    )
    assert response.context["form"].errors["application_opens_at"] == [
        "Applications open (2026-03-03 10:00) has already passed; it can no longer change."
    ]
    assert not entries("round.change_schedule")
    page = as_officer.get(url("schedule", round_obj.pk)).content.decode()
    assert "Passed: it can no longer change." in page


def test_an_unchanged_schedule_writes_nothing(as_officer, clock):
    round_obj = draft_round()
    response = as_officer.post(url("schedule", round_obj.pk), schedule_post(round_obj))
    assert response.status_code == 302
    assert messages_of(response) == ["No date was moved."]
    assert not entries("round.change_schedule")


# --- status actions -----------------------------------------------------------------------


def offered_actions(client, round_obj) -> set[str]:
    html = client.get(url("detail", round_obj.pk)).content.decode()
    return {slug for slug in ("publish", "close-applications", "close-bidding", "cancel")
            if url("action", round_obj.pk, slug) in html}  # fmt: skip


def test_each_status_offers_the_actions_its_transitions_allow(as_officer, clock):
    draft = draft_round()
    assert offered_actions(as_officer, draft) == {"publish", "cancel"}
    round_obj = published(draft_round())
    assert offered_actions(as_officer, round_obj) == {"close-applications", "cancel"}
    TenderRound.objects.filter(pk=round_obj.pk).update(status=Status.APPLICATIONS_CLOSED)
    assert offered_actions(as_officer, round_obj) == {"close-bidding", "cancel"}
    TenderRound.objects.filter(pk=round_obj.pk).update(status=Status.CANCELLED)
    assert offered_actions(as_officer, round_obj) == set()


def test_publishing_asks_for_confirmation_then_publishes(as_officer, officer, clock):
    round_obj = draft_round()
    page = as_officer.get(url("action", round_obj.pk, "publish"))
    assert page.status_code == 200
    assert f"Publish round {round_obj.code}?" in page.content.decode()
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.DRAFT
    response = as_officer.post(url("action", round_obj.pk, "publish"))
    assert response.status_code == 302
    assert messages_of(response) == [f"Round {round_obj.code} is published."]
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.PUBLISHED
    assert Entry.objects.get(action="round.publish").actor_id == officer.pk


def test_publishing_an_incomplete_round_lists_every_fault_and_changes_nothing(as_officer, clock):
    round_obj = make_round()
    response = as_officer.post(url("action", round_obj.pk, "publish"))
    assert response.status_code == 200
    errors = [str(e) for e in response.context["errors"]]
    assert "A round needs at least one lot before it is published." in errors
    assert "The Tender notice (招租公告) has not been uploaded." in errors
    assert len(errors) == 5  # no lot, weights, three documents
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.DRAFT
    assert not entries("round.publish")


def test_applications_close_only_once_their_window_has_ended(as_officer, clock):
    round_obj = published(draft_round())
    early = as_officer.post(url("action", round_obj.pk, "close-applications"))
    assert early.status_code == 200
    assert [str(e) for e in early.context["errors"]] == [
        "Applications close at 2026-03-11 10:00; they cannot be closed before."
    ]
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.PUBLISHED
    clock.move_to(round_obj.application_closes_at)
    response = as_officer.post(url("action", round_obj.pk, "close-applications"))
    assert response.status_code == 302
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.APPLICATIONS_CLOSED


def test_bidding_closes_after_the_deadline(as_officer, clock):
    round_obj = published(draft_round())
    TenderRound.objects.filter(pk=round_obj.pk).update(status=Status.APPLICATIONS_CLOSED)
    clock.move_to(round_obj.bid_deadline + dt.timedelta(seconds=1))
    response = as_officer.post(url("action", round_obj.pk, "close-bidding"))
    assert response.status_code == 302
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.BIDDING_CLOSED


def test_cancelling_needs_a_reason_on_its_field(as_officer, clock):
    round_obj = draft_round()
    page = as_officer.get(url("action", round_obj.pk, "cancel"))
    assert "reason" in page.context["form"].fields
    response = as_officer.post(url("action", round_obj.pk, "cancel"), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Say why the round is cancelled."]
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.DRAFT
    assert not entries("round.cancel")


def test_cancelling_with_a_reason_cancels_and_journals_it(as_officer, clock):
    round_obj = draft_round()
    response = as_officer.post(
        url("action", round_obj.pk, "cancel"), {"reason": "The station is rebuilt."}
    )
    assert response.status_code == 302
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.CANCELLED
    assert Entry.objects.get(action="round.cancel").data == {"reason": "The station is rebuilt."}


def test_an_action_refused_by_the_transition_table_says_so(as_officer, clock):
    round_obj = draft_round()
    response = as_officer.post(url("action", round_obj.pk, "close-bidding"))
    assert response.status_code == 200
    assert [str(e) for e in response.context["errors"]] == [
        f"Tender round {round_obj} cannot go from “Draft” to “Bidding closed”."
    ]
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.DRAFT


def test_an_inspector_posting_an_action_changes_nothing(as_inspector, clock):
    round_obj = draft_round()
    response = as_inspector.post(url("action", round_obj.pk, "publish"))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.DRAFT


def test_an_unknown_action_is_not_found(as_officer, clock):
    round_obj = draft_round()
    assert as_officer.get(url("action", round_obj.pk, "reopen")).status_code == 404


# --- lots ---------------------------------------------------------------------------------


def lot_post(unit, **overrides) -> dict:
    data = {
        "station": unit.station_id,
        "number": "2",
        "title": "Kiosk by gate 3",
        "units": [unit.pk],
        "business_type": "coffee",
        "term_months": "36",
        "reserve_annual_rent": "98000.00",
    }
    data.update(overrides)
    return data


def test_the_lot_form_offers_the_stations_units_for_letting(as_officer, clock):
    round_obj = draft_round()
    unit = a_lot_unit(round_obj)
    planned = available_unit(unit.level, status=Unit.Status.PLANNED)
    first = round_obj.lots.get().units.get()
    page = as_officer.get(url("lot_add", round_obj.pk))
    assert page.context["form"].station is None
    page = as_officer.get(url("lot_add", round_obj.pk), {"station": unit.station_id})
    offered = dict(page.context["form"].fields["units"].choices)
    assert unit.pk in offered and planned.pk not in offered
    assert offered[first.pk].endswith(f"already in {round_obj.code} · lot 1")
    assert page.context["form"].initial["number"] == 2


def test_adding_a_lot_goes_through_the_service(as_officer, officer, clock):
    round_obj = draft_round()
    unit = a_lot_unit(round_obj)
    response = as_officer.post(url("lot_add", round_obj.pk), lot_post(unit))
    assert response.status_code == 302
    assert response["Location"] == url("detail", round_obj.pk) + "#lots"
    lot = round_obj.lots.get(number=2)
    assert list(lot.units.all()) == [unit]
    assert lot.reserve_annual_rent == Decimal("98000.00")
    assert Entry.objects.get(action="lot.add", target_id=str(lot.pk)).actor_id == officer.pk


def test_a_unit_not_offered_is_refused_and_nothing_is_saved(as_officer, clock):
    round_obj = draft_round()
    planned = available_unit(a_lot_unit(round_obj).level, status=Unit.Status.PLANNED)
    before = entries("lot.add")
    response = as_officer.post(url("lot_add", round_obj.pk), lot_post(planned))
    assert response.status_code == 200
    with translation.override("en"):  # Django's own message, translated when read
        assert response.context["form"].errors["units"] == [
            f"Select a valid choice. {planned.pk} is not one of the available choices."
        ]
    assert round_obj.lots.count() == 1
    assert entries("lot.add") == before


def test_a_lots_unit_no_longer_available_is_refused_by_the_service(as_officer, clock):
    round_obj = draft_round()
    lot = round_obj.lots.get()
    unit = lot.units.get()
    Unit.objects.filter(pk=unit.pk).update(status=Unit.Status.RESERVED)
    response = as_officer.post(
        url("lot_edit", round_obj.pk, lot.pk), lot_post(unit, number="1", title="Changed")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["units"] == [
        f"Unit {unit} is reserved, not available for letting."
    ]
    lot.refresh_from_db()
    assert lot.title == "Lot 1"
    assert not entries("lot.update")


def test_a_unit_already_in_a_lot_and_a_bad_reserve_are_refused(as_officer, clock):
    round_obj = draft_round()
    first = round_obj.lots.get().units.get()
    response = as_officer.post(url("lot_add", round_obj.pk), lot_post(first))
    assert response.context["form"].errors["units"] == [
        f"Unit {first} is already in {round_obj.code} · lot 1."
    ]
    unit = a_lot_unit(round_obj)
    response = as_officer.post(
        url("lot_add", round_obj.pk), lot_post(unit, reserve_annual_rent="0")
    )
    assert response.context["form"].errors["reserve_annual_rent"] == [
        "The reserve price must be more than 0."
    ]
    assert round_obj.lots.count() == 1


def test_editing_and_removing_a_lot(as_officer, clock):
    round_obj = draft_round()
    lot = round_obj.lots.get()
    unit = a_lot_unit(round_obj)
    page = as_officer.get(url("lot_edit", round_obj.pk, lot.pk))
    assert page.context["form"].initial["reserve_annual_rent"] == Decimal(RESERVE)
    response = as_officer.post(
        url("lot_edit", round_obj.pk, lot.pk),
        lot_post(unit, number="1", units=[unit.pk, lot.units.get().pk]),
    )
    assert response.status_code == 302
    assert lot.units.count() == 2
    assert Entry.objects.filter(action="lot.update").count() == 1
    confirm = as_officer.get(url("lot_delete", round_obj.pk, lot.pk))
    assert "Remove lot 1" in confirm.content.decode()
    assert Lot.objects.filter(pk=lot.pk).exists()
    response = as_officer.post(url("lot_delete", round_obj.pk, lot.pk))
    assert response.status_code == 302
    assert messages_of(response) == ["Lot 1 is removed."]
    assert not Lot.objects.filter(pk=lot.pk).exists()


def test_lots_of_a_published_round_do_not_change(as_officer, clock):
    round_obj = published(draft_round())
    lot = round_obj.lots.get()
    response = as_officer.post(url("lot_add", round_obj.pk), lot_post(a_lot_unit(round_obj)))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Lots can change only while the round is a draft."
    ]
    response = as_officer.post(url("lot_delete", round_obj.pk, lot.pk))
    assert messages_of(response) == ["Lots can change only while the round is a draft."]
    assert round_obj.lots.count() == 1


def test_a_lot_of_another_round_is_not_found(as_officer, clock):
    round_obj, other = draft_round(), draft_round()
    lot = other.lots.get()
    assert as_officer.get(url("lot_edit", round_obj.pk, lot.pk)).status_code == 404
    assert as_officer.post(url("lot_delete", round_obj.pk, lot.pk)).status_code == 404
    assert Lot.objects.filter(pk=lot.pk).exists()


# --- criteria -----------------------------------------------------------------------------


def criteria_post(*rows, extra: int = 0) -> dict:
    data = {
        "criteria-TOTAL_FORMS": str(len(rows) + extra),
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"criteria-{n}-{key}"] = value
    for n in range(len(rows), len(rows) + extra):
        data.update({f"criteria-{n}-name": "", f"criteria-{n}-kind": "",
                     f"criteria-{n}-weight": "", f"criteria-{n}-tiers": ""})  # fmt: skip
    return data


PRICE = {"name": "Price", "kind": "price", "weight": "70", "tiers": ""}
CAPITAL = {
    "name": "Capital",
    "kind": "registered_capital",
    "weight": "30",
    "tiers": "1,000,000 0.5\n10000000 1",
}


def test_the_criteria_formset_sets_the_criteria_as_a_whole(as_officer, clock):
    round_obj = draft_round()
    page = as_officer.get(url("criteria", round_obj.pk))
    assert [f.initial["name"] for f in page.context["formset"].forms[:3]] == [
        "Price",
        "Registered capital",
        "Business plan",
    ]
    response = as_officer.post(
        url("criteria", round_obj.pk), criteria_post(PRICE, CAPITAL, extra=2)
    )
    assert response.status_code == 302
    saved = list(round_obj.criteria.values_list("name", "kind", "weight", "tiers"))
    assert saved == [
        ("Price", "price", Decimal("70.00"), []),
        ("Capital", "registered_capital", Decimal("30.00"), [["1000000", "0.5"], ["10000000", "1"]]),
    ]  # fmt: skip
    assert entries("round.set_criteria") == 2  # the fixture's, and this one


def test_weights_not_adding_up_to_100_are_refused_and_nothing_is_saved(as_officer, clock):
    round_obj = draft_round()
    before = list(round_obj.criteria.values_list("name", flat=True))
    response = as_officer.post(
        url("criteria", round_obj.pk), criteria_post(PRICE, {**CAPITAL, "weight": "20"})
    )
    assert response.status_code == 200
    assert response.context["service_errors"] == [
        "The weights add up to 90.00; they must add up to exactly 100."
    ]
    assert "The weights add up to 90.00" in response.content.decode()
    assert list(round_obj.criteria.values_list("name", flat=True)) == before


def test_a_tier_line_that_does_not_read_is_refused_on_its_field(as_officer, clock):
    round_obj = draft_round()
    response = as_officer.post(
        url("criteria", round_obj.pk), criteria_post(PRICE, {**CAPITAL, "tiers": "a lot 1"})
    )
    assert response.status_code == 200
    form = response.context["formset"].forms[1]
    assert form.errors["tiers"] == [
        "Line 1: write the threshold and the share of the weight, separated by a space, "
        "e.g. “1000000 0.5”."
    ]
    assert round_obj.criteria.count() == 3


def test_a_tiered_criterion_without_tiers_and_a_missing_price_are_named(as_officer, clock):
    round_obj = draft_round()
    response = as_officer.post(
        url("criteria", round_obj.pk),
        criteria_post({**CAPITAL, "tiers": "", "weight": "100"}),
    )
    assert response.context["service_errors"] == [
        "Capital: a tiered criterion needs at least one tier.",
        "At least one criterion must be the price.",
    ]
    assert round_obj.criteria.count() == 3


def test_criteria_of_a_published_round_do_not_change(as_officer, clock):
    round_obj = published(draft_round())
    response = as_officer.post(url("criteria", round_obj.pk), criteria_post(PRICE, CAPITAL))
    assert response.context["service_errors"] == [
        "Criteria can change only while the round is a draft."
    ]
    assert not Criterion.objects.filter(round=round_obj, name="Capital").exists()


# --- documents ----------------------------------------------------------------------------


def test_uploading_a_new_version_shows_its_digest_on_the_round(as_officer, officer, clock):
    round_obj = draft_round()
    content = pdf("招租公告 第二版")
    response = as_officer.post(
        url("document_add", round_obj.pk),
        {"kind": "notice", "file": SimpleUploadedFile("notice.pdf", content), "note": ""},
    )
    assert response.status_code == 302
    document = round_obj.documents.get(kind="notice", version=2)
    digest = hashlib.sha256(content).hexdigest()
    assert document.sha256 == digest
    assert document.uploaded_by == officer
    html = as_officer.get(url("detail", round_obj.pk)).content.decode()
    assert digest in html
    assert url("document", round_obj.pk, document.pk) in html
    download = as_officer.get(url("document", round_obj.pk, document.pk))
    assert b"".join(download.streaming_content) == content
    assert f"{round_obj.code}-notice-v2.pdf" in download["Content-Disposition"]


def test_a_page_uploaded_as_a_document_is_refused_on_the_file(as_officer, clock):
    round_obj = draft_round()
    response = as_officer.post(
        url("document_add", round_obj.pk),
        {
            "kind": "notice",
            "file": SimpleUploadedFile("notice.pdf", b"<html><script>alert(1)</script>"),
            "note": "",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "“notice.pdf” is not a PDF, DOCX, XLSX, ZIP file (judged by its content)."
    ]
    assert round_obj.documents.filter(kind="notice").count() == 1


def test_an_amendment_after_publication_must_say_what_changed(as_officer, clock):
    round_obj = published(draft_round())
    response = as_officer.post(
        url("document_add", round_obj.pk),
        {"kind": "tender_book", "file": SimpleUploadedFile("book.pdf", pdf("v2")), "note": " "},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["note"] == [
        "The round is published: say what this amendment changes."
    ]
    assert round_obj.documents.filter(kind="tender_book").count() == 1


def test_an_upload_without_a_file_is_refused_on_the_file(as_officer, clock):
    round_obj = draft_round()
    response = as_officer.post(url("document_add", round_obj.pk), {"kind": "notice"})
    assert response.context["form"].errors["file"] == ["Choose a file to upload."]
    assert RoundDocument.objects.filter(round=round_obj).count() == 3


# --- applications -------------------------------------------------------------------------


@pytest.fixture
def applying(clock):
    """A published round taking applications: one applicant passes, one is a franchisee."""
    round_obj = bidding_round(clock, lots=1)
    lot = round_obj.lots.get()
    good, _ = applicant(round_obj, [lot], admit=False, merchant=MerchantFactory(name="Good Co"))
    bad, _ = applicant(
        round_obj,
        [lot],
        admit=False,
        merchant=MerchantFactory(name="Franchise Co", operation_mode="franchise"),
    )
    return {
        "round": round_obj,
        "good": Application.objects.get(merchant=good),
        "bad": Application.objects.get(merchant=bad),
    }


def decide(client, application, decision, reason=""):
    return client.post(
        url("applications", application.round_id),
        {"application": application.pk, "decision": decision, "reason": reason},
    )


def test_each_threshold_check_is_listed_with_required_actual_and_reason(as_officer, applying):
    page = as_officer.get(url("applications", applying["round"].pk))
    html = page.content.decode()
    assert 'data-cms-check="operation_mode"' in html
    row = next(r for r in page.context["rows"] if r["application"] == applying["bad"])
    check = next(c for c in row["checks"] if c["threshold"] == "operation_mode")
    assert (check["passed"], check["label"]) == (False, "Operation mode")
    assert check["reason"] in html
    assert row["failed"] == 1 and row["may_admit"] and row["may_refuse"]


def test_admitting_an_applicant_that_passed_every_check(as_officer, officer, applying):
    response = decide(as_officer, applying["good"], "admit")
    assert response.status_code == 302
    application = Application.objects.get(pk=applying["good"].pk)
    assert (application.status, application.decided_by, application.overridden) == (
        Application.Status.ADMITTED,
        officer,
        False,
    )
    assert messages_of(response) == ["The application of Good Co is now “Admitted”."]
    assert Entry.objects.get(action="application.decide").actor_id == officer.pk


def test_admitting_against_the_checks_needs_a_written_reason(as_officer, applying):
    response = decide(as_officer, applying["bad"], "admit")
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["application"] == applying["bad"])
    assert row["form"].errors["reason"] == [
        "Admitting an applicant that failed a check needs a written reason."
    ]
    assert Application.objects.get(pk=applying["bad"].pk).status == Application.Status.PENDING
    assert not entries("application.decide")
    response = decide(as_officer, applying["bad"], "admit", "Its own stores in the station.")
    assert response.status_code == 302
    application = Application.objects.get(pk=applying["bad"].pk)
    assert (application.status, application.overridden) == (Application.Status.ADMITTED, True)
    page = as_officer.get(url("applications", applying["round"].pk)).content.decode()
    assert "Its own stores in the station." in page
    assert "against the automatic checks" in page


def test_the_inspector_reads_the_checks_but_decides_nothing(as_inspector, applying):
    page = as_inspector.get(url("applications", applying["round"].pk))
    assert page.status_code == 200
    assert "data-cms-decision" not in page.content.decode()
    response = decide(as_inspector, applying["good"], "admit")
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["application"] == applying["good"])
    assert row["form"].non_field_errors() == [
        "Only a leasing officer who runs tender rounds may do this."
    ]
    assert Application.objects.get(pk=applying["good"].pk).status == Application.Status.PENDING


def test_an_application_of_another_round_is_not_found(as_officer, applying, clock):
    other = published(draft_round())
    response = as_officer.post(
        url("applications", other.pk),
        {"application": applying["good"].pk, "decision": "admit", "reason": ""},
    )
    assert response.status_code == 404
    assert Application.objects.get(pk=applying["good"].pk).status == Application.Status.PENDING


# --- no amount before the opening ---------------------------------------------------------


def test_no_page_holds_an_amount_before_the_opening(as_officer, busy_round, clock):
    clock.move_to(busy_round.bid_deadline + dt.timedelta(minutes=5))
    pages = [
        url("detail", busy_round.pk),
        url("applications", busy_round.pk),
        url("opening", busy_round.pk),
        url("index"),
        reverse("wagtailadmin_home"),
    ]
    for target in pages:
        html = as_officer.get(target).content.decode()
        for n in range(6):
            for shown in money(f"{150000 + n}.00"):
                assert shown not in html, target
            assert f"{150000 + n}" not in html, target
    detail = as_officer.get(url("detail", busy_round.pk)).content.decode()
    for receipt in busy_round.bids.values_list("receipt_number", "digest"):
        assert receipt[0] in detail and receipt[1] in detail


# --- the home panel -----------------------------------------------------------------------


def test_the_home_panel_counts_rounds_and_lists_the_decisions_waiting(as_officer, applying):
    draft_round()
    html = as_officer.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="cms-tender-rounds"' in html or "cms-tender-rounds" in html
    assert f"{url('index')}?status=draft" in html
    assert "2 applications to decide in" in html
    assert url("applications", applying["round"].pk) in html


def test_the_home_panel_is_not_shown_to_a_committee_member(client, committee_member, clock):
    client.force_login(committee_member)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "cms-tender-rounds" not in html


def test_the_new_round_menu_item_is_for_officers(client, officer, inspector, clock):
    client.force_login(officer)
    assert "new-tender-round" in client.get(url("index")).content.decode()
    client.force_login(inspector)
    assert "new-tender-round" not in client.get(url("index")).content.decode()
