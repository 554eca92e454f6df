"""The tender process's notifications: who is told when a round is published (the matching),
the opening, the result and the award to the bidders — each once, in each one's language."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from wagtail.users.models import UserProfile

from notifications.models import Notification
from tenders import notifications as tender_notifications
from tenders import result as outcome
from tenders import rounds
from tests.stations.factories import StationFactory
from tests.tenders.bid_factories import T0
from tests.tenders.committee_factories import declare_all, opened_round, score_all, seat_committee
from tests.tenders.factories import DemandFactory, MerchantFactory, merchant_user
from tests.tenders.round_factories import business_type, ready_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def told(key_prefix: str) -> set:
    return set(
        Notification.objects.filter(key__startswith=key_prefix).values_list(
            "recipient__username", flat=True
        )
    )


# --- a round published: the matching -------------------------------------------------------


def demand_for(merchant, unit, **fields):
    """A demand that fits ``unit`` (100 m², coffee) unless ``fields`` say otherwise."""
    values = {"area_min_m2": Decimal("80"), "area_max_m2": Decimal("120")}
    values.update(fields)
    return DemandFactory(merchant=merchant, stations=[unit.station], **values)


@pytest.fixture
def draft():
    round_obj = ready_round()
    unit = round_obj.lots.get().units.get()
    assert unit.area_m2 == Decimal("100.00")
    return round_obj, unit


def test_publishing_tells_the_merchants_whose_demands_match_a_lot(
    draft, django_capture_on_commit_callbacks
):
    round_obj, unit = draft
    fits = MerchantFactory()
    fits_users = [merchant_user(fits), merchant_user(fits)]
    demand_for(fits, unit)
    too_small = MerchantFactory()
    merchant_user(too_small, username="too-small")
    demand_for(too_small, unit, area_min_m2=Decimal("150"), area_max_m2=Decimal("200"))
    other_type = MerchantFactory()
    merchant_user(other_type, username="other-type")
    demand_for(other_type, unit, business_type=business_type("bookstore"))
    withdrawn = MerchantFactory()
    merchant_user(withdrawn, username="withdrawn")
    demand_for(withdrawn, unit, is_active=False)
    elsewhere = MerchantFactory()
    merchant_user(elsewhere, username="elsewhere")
    DemandFactory(merchant=elsewhere, stations=[StationFactory()])

    with django_capture_on_commit_callbacks(execute=True):
        rounds.round_publish(actor=None, round=round_obj)

    assert told("round-published:") == {user.username for user in fits_users}
    notification = Notification.objects.filter(key=f"round-published:{round_obj.pk}").first()
    assert notification.kind == "round_published"
    assert notification.url == reverse("portal:tender", args=(round_obj.pk,))
    assert round_obj.code in notification.subject
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in fits_users)


def test_a_demand_naming_no_station_matches(draft):
    round_obj, unit = draft
    merchant = MerchantFactory()
    user = merchant_user(merchant)
    DemandFactory(
        merchant=merchant, area_min_m2=Decimal("80"), area_max_m2=Decimal("120")
    )  # no station, no tier: anywhere will do
    rounds.round_publish(actor=None, round=round_obj)
    matches = tender_notifications.matching_merchants(round_obj)
    assert list(matches) == [merchant]
    assert [lot.number for lot in matches[merchant]] == [1]
    tender_notifications.round_published.enqueue(round_obj.pk)
    assert told("round-published:") == {user.username}


def test_the_round_published_task_run_twice_tells_each_user_once(draft):
    round_obj, unit = draft
    merchant = MerchantFactory()
    user = merchant_user(merchant)
    demand_for(merchant, unit)
    rounds.round_publish(actor=None, round=round_obj)
    first = tender_notifications.round_published.enqueue(round_obj.pk)
    second = tender_notifications.round_published.enqueue(round_obj.pk)
    assert first.status == second.status == "SUCCESSFUL"
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(mail.outbox) == 1


def test_each_merchant_user_reads_it_in_their_language(draft):
    round_obj, unit = draft
    merchant = MerchantFactory()
    chinese, english = merchant_user(merchant), merchant_user(merchant)
    UserProfile.objects.create(user=english, preferred_language="en")
    demand_for(merchant, unit)
    rounds.round_publish(actor=None, round=round_obj)
    tender_notifications.round_published.enqueue(round_obj.pk)
    to_english = Notification.objects.get(recipient=english)
    to_chinese = Notification.objects.get(recipient=chinese)
    assert to_english.language == "en"
    assert to_english.subject.startswith(f"New tender round {round_obj.code}")
    assert to_chinese.language == "zh-hans"


# --- the opening, the result, the award ----------------------------------------------------


def test_opening_result_and_award_tell_the_bidders_once_each(
    clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        opened = opened_round(clock)  # lot 1: A, B, C (invalid); lot 2: D
    bidders = {letter: user.username for letter, user in opened.users.items()}
    assert told("bids-opened:") == set(bidders.values())
    assert Notification.objects.filter(key__startswith="bids-opened:").count() == 4
    opening_note = Notification.objects.get(recipient=opened.users["a"], kind="bids_opened")
    assert opening_note.url == reverse("portal:tender_opening", args=(opened.round.pk,))

    members = seat_committee(opened, size=5)
    declare_all(opened, members)
    score_all(opened, members)
    outcome.result_sign_off(actor=members[0], round=opened.round)
    with django_capture_on_commit_callbacks(execute=True):
        outcome.result_publish(actor=opened.officer, round=opened.refresh())
    assert told("result:") == set(bidders.values())
    result_a = Notification.objects.get(recipient=opened.users["a"], kind="result_published")
    # The bidders have no language of their own: they are written to in Chinese.
    assert "第 1 标段：贵公司的投标排名第 1。" in result_a.body
    result_c = Notification.objects.get(recipient=opened.users["c"], kind="result_published")
    assert "贵公司的投标均无效" in result_c.body

    clock.move_to(opened.refresh().publicity_ends_at + dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        outcome.round_award(actor=opened.officer, round=opened.round)
    assert told("award:") == set(bidders.values())
    won = Notification.objects.get(recipient=opened.users["a"], kind="round_awarded")
    assert won.subject == f"中标：{opened.round.code}"
    assert "第 1 标段（Lot 1）由贵公司中标，年租金 150,000.00 元。" in won.body
    lost = Notification.objects.get(recipient=opened.users["b"], kind="round_awarded")
    assert lost.subject == f"已定标：{opened.round.code}"
    assert Notification.objects.filter(kind="round_awarded").count() == 4

    # Each task again (a retry): nobody is told twice.
    count, emails = Notification.objects.count(), len(mail.outbox)
    for task in (
        tender_notifications.bids_opened,
        tender_notifications.result_published,
        tender_notifications.round_awarded,
    ):
        task.enqueue(opened.round.pk)
    assert (Notification.objects.count(), len(mail.outbox)) == (count, emails)


def test_the_notice_waits_for_the_commit(draft, django_capture_on_commit_callbacks):
    round_obj, unit = draft
    merchant = MerchantFactory()
    merchant_user(merchant)
    demand_for(merchant, unit)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rounds.round_publish(actor=None, round=round_obj)
    assert callbacks  # queued for after the commit, not sent inside the transaction
    assert not Notification.objects.exists()
