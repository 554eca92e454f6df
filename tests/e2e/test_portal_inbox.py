"""Browser test of the portal inbox on a phone: a merchant whose demand matches a round being
published finds the notice in the inbox (the badge in the menu counts it), opens it, follows
its link to the round, and the badge is gone."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from wagtail.users.models import UserProfile

from notifications.models import Notification
from tenders import rounds
from tenders.applications import application_decide, application_submit
from tests.e2e.test_portal_tendering import PHONE, sign_in
from tests.tenders.factories import DemandFactory, MerchantFactory, merchant_user
from tests.tenders.round_factories import ready_round

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_merchant_reads_the_round_notice_in_the_inbox_on_a_phone(page, screenshot):
    round_obj = ready_round(title="长沙南站高架层咖啡网点公开招租")
    unit = round_obj.lots.get().units.get()
    merchant = MerchantFactory(name="湖南星巴克咖啡有限公司")
    user = merchant_user(merchant, username="starbucks")
    english = merchant_user(merchant, username="starbucks-en")
    UserProfile.objects.create(user=english, preferred_language="en")
    DemandFactory(
        merchant=merchant,
        stations=[unit.station],
        area_min_m2=Decimal("80"),
        area_max_m2=Decimal("120"),
    )
    rounds.round_publish(actor=None, round=round_obj)  # committed: the task runs at once
    notice = Notification.objects.get(recipient=user)
    assert Notification.objects.get(recipient=english).language == "en"
    # A second message: the bid-deadline reminder, from the periodic command.
    clock = time_machine.travel(round_obj.application_opens_at + dt.timedelta(hours=1))
    clock.start()
    try:
        lot = round_obj.lots.get()
        application = application_submit(
            actor=user, round=round_obj, merchant=merchant, lots=[lot]
        )
        application_decide(actor=None, application=application, admit=True)
        clock.stop()
        clock = time_machine.travel(round_obj.bid_deadline - dt.timedelta(hours=10))
        clock.start()
        call_command("send_reminders", stdout=StringIO())
        assert Notification.objects.filter(recipient=user).count() == 2
        browse(page, screenshot, round_obj, notice)
    finally:
        clock.stop()


def browse(page, screenshot, round_obj, notice):

    page.set_viewport_size(PHONE)
    sign_in(page, "starbucks")
    badge = page.locator("#nav-inbox .inbox-count")
    assert badge.inner_text() == "2"
    page.locator("#nav-inbox").click()
    page.wait_for_url("**/portal/inbox/")
    assert page.locator(".inbox-item--unread").count() == 2
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the inbox scrolls sideways on a phone"
    screenshot("inbox-phone")

    page.locator(f'.inbox-item[data-notification="{notice.pk}"] a.inbox-subject').click()
    page.wait_for_url(f"**/portal/inbox/{notice.pk}/")
    assert round_obj.code in page.locator(".inbox-message h1").inner_text()
    screenshot("message-phone")
    assert page.locator("#nav-inbox .inbox-count").inner_text() == "1"
    page.locator("a.inbox-open").click()
    page.wait_for_url(f"**/portal/tenders/{round_obj.pk}/")

    page.goto("/portal/inbox/")
    page.locator("form[action$='/inbox/read-all/'] button").click()
    page.wait_for_url("**/portal/inbox/")
    assert page.locator("#nav-inbox .inbox-count").count() == 0
    assert page.locator(".inbox-item--unread").count() == 0
