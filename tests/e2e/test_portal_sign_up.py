"""A merchant signs up in a real browser: a wrong credit code is named on its field, the
company is registered, the e-mailed link verifies the address, and the merchant signs out and
in again — on a phone. Screens are saved to test-artifacts/ to be looked at."""

import re

import pytest
from django.core import mail

from tenders.models import Merchant
from tests.tenders.factories import credit_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Grey-heron-47-lantern"


def test_a_merchant_signs_up_verifies_and_signs_in_again(page, screenshot, live_server):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/portal/sign-up/")
    page.fill("#id_username", "starbucks-hn")
    page.fill("#id_email", "wang.fang@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.fill("#id_name", "湖南星巴克咖啡有限公司")
    page.fill("#id_credit_code", "91430100MA4L0000X1")
    page.fill("#id_registered_capital", "8000000")
    page.fill("#id_founded_on", "2008-06-01")
    page.fill("#id_store_count", "120")
    page.locator("form.acc-signup button[type=submit]").click()
    error = page.locator("#id_credit_code_errors")
    assert "91430100MA4L0000X1" in error.inner_text()
    screenshot("credit-code-refused")
    assert not Merchant.objects.exists()

    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.fill("#id_credit_code", credit_code(7))
    page.locator("form.acc-signup button[type=submit]").click()
    page.wait_for_url("**/portal/")
    assert page.locator("h1").inner_text() == "湖南星巴克咖啡有限公司"
    assert page.locator(".acc-verify").is_visible()
    screenshot("signed-up")

    (message,) = mail.outbox
    link = re.search(r"https?://[^/]+(/portal/verify/\S+/)", message.body).group(1)
    page.goto(link)
    page.wait_for_url("**/portal/")
    assert page.locator(".acc-verify").count() == 0
    screenshot("verified")

    page.locator(".acc-signout button").click()
    page.wait_for_url("**/portal/sign-in/")
    page.fill("#id_username", "starbucks-hn")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/portal/")
    assert page.locator("h1").inner_text() == "湖南星巴克咖啡有限公司"
