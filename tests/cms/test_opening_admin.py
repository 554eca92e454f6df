"""The opening in the admin: after the deadline an officer and an inspector each confirm on the
opening page, the page shows who confirmed when and how long it stands, refusals come back as
messages (and are journaled by the service), and once opened the record is shown to those the
service entitles to it. Before the opening no page holds an amount."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import Entry
from tenders import committee
from tenders.models import Bid, OpeningConfirmation, TenderRound
from tests.cms.conftest import speak_english
from tests.cms.round_fixtures import *  # noqa: F403 - the fixtures
from tests.cms.round_fixtures import messages_of, money, url
from tests.factories import pdf
from tests.tenders.bid_factories import BIDDING, DEADLINE, applicant, bid, bidding_round
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def record_language(settings):
    """The opening record is written in the site's language: English here, as the messages."""
    settings.LANGUAGE_CODE = "en"


AFTER = DEADLINE + dt.timedelta(hours=1)  # 2026-03-21 11:00 in Shanghai
OFFERS = ("150000.00", "110000.00", "130000.00")
Status = TenderRound.Status


def in_admin(user):
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return speak_english(type(user).objects.get(pk=user.pk))


@pytest.fixture
def sealed(clock):
    """Lot 1: Alpha offers 150000, Beta 110000 (below the 120000 reserve); lot 2: Delta 130000.
    The clock an hour after the deadline."""
    round_obj = bidding_round(clock)
    lot1, lot2 = round_obj.lots.order_by("number")
    alpha, alpha_user = applicant(round_obj, [lot1], merchant=MerchantFactory(name="Alpha Ltd"))
    _, beta_user = applicant(round_obj, [lot1], merchant=MerchantFactory(name="Beta Ltd"))
    _, delta_user = applicant(round_obj, [lot2], merchant=MerchantFactory(name="Delta Ltd"))
    clock.move_to(BIDDING)
    bid(alpha_user, round_obj, lot1, OFFERS[0])
    bid(beta_user, round_obj, lot1, OFFERS[1])
    bid(delta_user, round_obj, lot2, OFFERS[2], documents=[("plan.pdf", pdf("plan"))])
    clock.move_to(AFTER)
    return {"round": TenderRound.objects.get(pk=round_obj.pk), "alpha_user": alpha_user}


def confirm(client, round_obj):
    """Post a confirmation and follow to the page that shows its messages (consuming them)."""
    return client.post(url("opening", round_obj.pk), follow=True)


def landed_on(response) -> str:
    return response.redirect_chain[-1][0]


def shows_an_offer(html: str) -> bool:
    return any(shown in html for amount in OFFERS for shown in (*money(amount), amount[:6]))


def test_before_the_deadline_nobody_is_offered_the_opening(client, officer, clock, sealed):
    round_obj = sealed["round"]
    clock.move_to(DEADLINE - dt.timedelta(seconds=1))
    client.force_login(officer)
    detail = client.get(url("detail", round_obj.pk)).content.decode()
    assert 'data-cms-action="confirm-opening"' not in detail
    page = client.get(url("opening", round_obj.pk)).content.decode()
    assert "The bid deadline has not passed: the bids stay sealed." in page
    assert 'data-cms-action="confirm-opening"' not in page
    response = confirm(client, round_obj)
    assert landed_on(response) == url("opening", round_obj.pk)
    assert messages_of(response) == [
        "The bids can be opened only after the bid deadline (2026-03-21 10:00)."
    ]
    assert not OpeningConfirmation.objects.exists()
    assert Entry.objects.filter(action="opening.confirm_refused").count() == 1


def test_after_the_deadline_the_officer_and_the_inspector_are_offered_it(
    client, officer, inspector, sealed
):
    round_obj = sealed["round"]
    for user in (officer, inspector):
        client.force_login(user)
        detail = client.get(url("detail", round_obj.pk)).content.decode()
        assert url("opening", round_obj.pk) in detail
        assert 'data-cms-action="confirm-opening"' in detail
        page = client.get(url("opening", round_obj.pk)).content.decode()
        assert "Nobody has confirmed yet." in page
        assert "within 30 minutes of each other" in page


def test_the_opening_page_is_not_found_for_others(client, committee_member, sealed):
    round_obj = sealed["round"]
    bidder = in_admin(sealed["alpha_user"])
    for user in (committee_member, bidder):
        client.force_login(user)
        assert client.get(url("opening", round_obj.pk)).status_code == 404
        assert client.post(url("opening", round_obj.pk)).status_code == 404
    assert not OpeningConfirmation.objects.exists()
    assert not Entry.objects.filter(action__startswith="opening.").exists()


def test_the_officers_confirmation_shows_who_when_and_until_when(
    client, officer, inspector, sealed
):
    round_obj = sealed["round"]
    client.force_login(officer)
    response = confirm(client, round_obj)
    assert landed_on(response) == url("opening", round_obj.pk)
    assert messages_of(response) == [
        "Your confirmation is recorded at 2026-03-21 11:00. "
        "The bids open when a discipline inspector confirms before 2026-03-21 11:30."
    ]
    confirmation = OpeningConfirmation.objects.get()
    assert (confirmation.user, confirmation.role) == (officer, "officer")
    page = client.get(url("opening", round_obj.pk))
    html = page.content.decode()
    assert 'data-cms-confirmation="officer"' in html
    assert "2026-03-21 11:00:00" in html and "11:30:00" in html
    assert "The bids open when a discipline inspector confirms before 2026-03-21 11:30." in html
    # Not offered again to the officer whose confirmation stands; offered to the inspector.
    assert 'data-cms-action="confirm-opening"' not in html
    client.force_login(inspector)
    assert (
        'data-cms-action="confirm-opening"'
        in client.get(url("opening", round_obj.pk)).content.decode()
    )
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.PUBLISHED


def test_the_same_person_twice_is_refused_and_the_attempt_journaled(client, officer, sealed):
    round_obj = sealed["round"]
    client.force_login(officer)
    confirm(client, round_obj)
    response = confirm(client, round_obj)
    assert messages_of(response) == [
        "You confirmed this opening at 2026-03-21 11:00; a second confirmation must come "
        "from another person."
    ]
    assert OpeningConfirmation.objects.count() == 1
    assert Entry.objects.filter(action="opening.confirm_refused").count() == 1


def test_a_second_officer_is_refused_while_the_first_stands(client, officer, sealed):
    from tests import factories

    round_obj = sealed["round"]
    client.force_login(officer)
    confirm(client, round_obj)
    colleague = speak_english(factories.officer(username="colleague"))
    client.force_login(colleague)
    response = confirm(client, round_obj)
    assert messages_of(response) == [
        "Leasing officer officer has already confirmed; the opening needs the confirmation "
        "of a Discipline inspector."
    ]
    assert OpeningConfirmation.objects.count() == 1


def test_the_inspector_within_the_window_opens_and_the_record_is_shown(
    client, officer, inspector, clock, sealed
):
    round_obj = sealed["round"]
    client.force_login(officer)
    confirm(client, round_obj)
    clock.move_to(AFTER + dt.timedelta(minutes=12))
    client.force_login(inspector)
    response = confirm(client, round_obj)
    assert landed_on(response) == url("detail", round_obj.pk) + "#opening"
    assert messages_of(response) == [f"The bids of {round_obj.code} are opened."]
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.OPENED
    html = client.get(url("detail", round_obj.pk)).content.decode()
    assert "Opened at 2026-03-21 11:12:00" in html
    assert "150,000.00" in html and "130,000.00" in html and "110,000.00" in html
    assert "The offer is below the reserve price." in html
    assert html.count("verified") >= 3
    assert 'data-cms-action="confirm-opening"' not in html
    # The inspector still does not see the reserve itself.
    assert "120,000.00" not in html


def test_a_confirmation_older_than_30_minutes_has_expired(
    client, officer, inspector, clock, sealed
):
    round_obj = sealed["round"]
    client.force_login(officer)
    confirm(client, round_obj)
    clock.move_to(AFTER + dt.timedelta(minutes=31))
    client.force_login(inspector)
    page = client.get(url("opening", round_obj.pk)).content.decode()
    assert "expired" in page
    response = confirm(client, round_obj)
    assert messages_of(response) == [
        "Your confirmation is recorded at 2026-03-21 11:31. "
        "The bids open when a leasing officer confirms before 2026-03-21 12:01."
    ]
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.PUBLISHED


@pytest.fixture
def opened(client, officer, inspector, clock, sealed):
    round_obj = sealed["round"]
    client.force_login(officer)
    confirm(client, round_obj)
    client.force_login(inspector)
    confirm(client, round_obj)
    client.logout()
    assert TenderRound.objects.get(pk=round_obj.pk).status == Status.OPENED
    return sealed


def test_a_bidder_reads_the_record_but_never_the_reserve(client, opened):
    round_obj = opened["round"]
    client.force_login(in_admin(opened["alpha_user"]))
    html = client.get(url("detail", round_obj.pk)).content.decode()
    assert "150,000.00" in html  # the opening record
    assert "120,000.00" not in html and "120000" not in html
    assert 'id="bids"' not in html and 'id="applications"' not in html


def test_a_seated_committee_member_reads_the_record_but_never_the_reserve(
    client, committee_member, opened
):
    round_obj = opened["round"]
    committee.seat_appoint(actor=None, round=round_obj, user=committee_member, department="legal")
    client.force_login(committee_member)
    # Not before declaring towards every bidder: the names come first, then the offers.
    html = client.get(url("detail", round_obj.pk)).content.decode()
    assert not shows_an_offer(html) and "data-cms-record-after-declaring" in html
    committee.declarations_submit(actor=committee_member, round=round_obj, conflicts={})
    html = client.get(url("detail", round_obj.pk)).content.decode()
    assert "150,000.00" in html and "The offer is below the reserve price." in html
    assert "120,000.00" not in html and "120000" not in html
    assert client.get(url("opening", round_obj.pk)).status_code == 404


def test_a_merchant_that_did_not_bid_reads_the_notice_but_not_the_record(client, opened):
    round_obj = opened["round"]
    outsider = in_admin(merchant_user(MerchantFactory(name="Outsider Ltd")))
    client.force_login(outsider)
    response = client.get(url("detail", round_obj.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert not shows_an_offer(html)
    assert "120,000.00" not in html


def test_no_page_holds_an_amount_before_the_opening(client, officer, inspector, sealed):
    round_obj = sealed["round"]
    client.force_login(officer)
    confirm(client, round_obj)  # half confirmed: still sealed
    for user in (officer, inspector):
        client.force_login(user)
        for target in (url("detail", round_obj.pk), url("opening", round_obj.pk)):
            html = client.get(target).content.decode()
            assert not shows_an_offer(html), (user, target)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert not shows_an_offer(html)


def test_a_bid_altered_in_the_database_shows_as_not_matching_its_receipt(
    client, officer, inspector, sealed
):
    round_obj = sealed["round"]
    altered = Bid.objects.get(merchant__name="Delta Ltd")
    Bid.objects.filter(pk=altered.pk).update(sealed=bytes(altered.sealed)[:-1] + b"\x00")
    client.force_login(officer)
    confirm(client, round_obj)
    client.force_login(inspector)
    confirm(client, round_obj)
    html = client.get(url("detail", round_obj.pk)).content.decode()
    assert "does not match the receipt" in html
    assert "The sealed bid does not match the digest on its receipt." in html
    assert "130,000.00" not in html


def test_the_round_page_after_the_opening_asks_a_bounded_number_of_queries(
    client, officer, opened, django_assert_max_num_queries
):
    client.force_login(officer)
    # (One of them counts the officer's unread messages for the admin menu.)
    with django_assert_max_num_queries(29):
        response = client.get(url("detail", opened["round"].pk))
    assert response.context["opening_record"]["lots"][0]["bids"]


def test_the_home_panel_lists_the_openings_waiting_for_the_user(
    client, officer, inspector, sealed
):
    round_obj = sealed["round"]
    client.force_login(officer)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert f"Confirm the opening of {round_obj.code}" in html
    confirm(client, round_obj)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert f"Confirm the opening of {round_obj.code}" not in html
    client.force_login(inspector)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert f"Confirm the opening of {round_obj.code}" in html
