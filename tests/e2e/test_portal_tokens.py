"""Browser test of the portal's API tokens page on a phone: a merchant user creates a token,
reads it once, uses it on the API, and revokes it."""

import re
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from tests.e2e.test_portal_tendering import sign_in
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}


def profile_status(base_url: str, token: str) -> int:
    request = Request(
        f"{base_url}/api/v1/merchant/profile/", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urlopen(request, timeout=10) as response:
            return response.status
    except HTTPError as exc:
        return exc.code


def test_a_merchant_creates_uses_and_revokes_a_token_on_a_phone(page, screenshot, live_server):
    merchant_user(MerchantFactory(name="湖南咖啡有限公司"), username="coffee")
    page.set_viewport_size(PHONE)
    sign_in(page, "coffee")
    page.locator("#nav-api-tokens").click()
    page.wait_for_url("**/portal/api-tokens/")
    page.fill("#id_name", "ERP")
    page.locator("#token-create button[type=submit]").click()
    value = page.locator("#token-plaintext").inner_text().strip()
    assert re.fullmatch(r"wagtail_[0-9A-Za-z]+", value)
    screenshot("created")
    assert profile_status(live_server.url, value) == 200
    page.goto("/portal/api-tokens/")
    assert page.locator("#token-plaintext").count() == 0
    assert page.locator("#api-tokens tbody tr").count() == 1
    screenshot("listed")
    page.locator(".acc-token-revoke button").click()
    page.wait_for_url("**/portal/api-tokens/")
    assert page.locator(".acc-token--revoked").count() == 1
    screenshot("revoked")
    assert profile_status(live_server.url, value) == 401
