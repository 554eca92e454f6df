"""The portal's API tokens page: a merchant user creates a token (its plaintext shown once, on
the answer to the creation only), lists its tokens, and revokes one — journalled, CSRF-checked;
another user's token answers 404 and stays as it was."""

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from wagtail.models import APIToken

from audit.models import Entry
from tests.factories import officer
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db
URL = "/portal/api-tokens/"
TOKEN = re.compile(r"wagtail_[0-9A-Za-z]{20,}")


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def merchant():
    return MerchantFactory(name="Hunan Coffee Co.")


@pytest.fixture
def member(merchant, client):
    user = merchant_user(merchant, username="coffee")
    client.force_login(user)
    return user


def html(response) -> str:
    return response.content.decode()


def test_the_page_is_at_its_url_and_in_the_accounts_menu(client, member):
    assert reverse("portal:api_tokens") == URL
    response = client.get(reverse("portal:home"))
    assert f'href="{URL}"' in html(response)
    page = client.get(URL)
    assert page.status_code == 200
    assert "You have no API token yet." in html(page)


def test_signing_in_is_needed(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("portal:sign_in") in response["Location"]


def test_a_user_without_a_company_is_sent_home(client):
    client.force_login(officer(username="officer"))
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert not APIToken.objects.exists()


def test_a_new_token_is_shown_once_and_works_on_the_api(client, member):
    entries = Entry.objects.count()
    response = client.post(URL, {"name": "ERP system"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    shown = TOKEN.findall(html(response))
    assert len(shown) == 1
    plaintext = shown[0]
    token = APIToken.objects.get(user=member)
    assert token.name == "ERP system" and plaintext.startswith(token.prefix)
    assert token.key_hash == APIToken.hash_token(plaintext)  # only the digest is stored
    entry = Entry.objects.order_by("pk").last()
    assert Entry.objects.count() == entries + 1
    assert entry.action == "api_token.create"
    assert plaintext not in str(entry.after)  # the journal never holds the plaintext
    api = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert api.get("/api/v1/merchant/profile/").json()["name"] == "Hunan Coffee Co."
    again = client.get(URL)
    assert not TOKEN.search(html(again))  # never shown again
    assert "ERP system" in html(again) and f"{token.prefix}…" in html(again)


def test_a_token_needs_a_name(client, member):
    response = client.post(URL, {"name": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not APIToken.objects.exists()


def test_the_list_shows_the_prefix_and_the_last_use(client, member):
    token, plaintext = APIToken.create_token(user=member, name="Sales reports")
    with time_machine.travel("2026-05-01T02:00:00Z", tick=False):
        caller = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        assert caller.get("/api/v1/merchant/profile/").status_code == 200
    page = html(client.get(URL))
    assert f"{token.prefix}…" in page
    assert "2026-05-01 10:00" in page  # the last use, in Shanghai time
    assert f"/portal/api-tokens/{token.pk}/revoke/" in page


def test_a_token_is_revoked_and_refused_by_the_api_after(client, member):
    client.post(URL, {"name": "Reports"})
    token = APIToken.objects.get(user=member)
    response = client.post(reverse("portal:api_token_revoke", args=(token.pk,)), follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert "The token Reports is revoked: it no longer works." in html(response)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Entry.objects.order_by("pk").last().action == "api_token.revoke"
    assert "revoked" in html(response)
    assert f"/portal/api-tokens/{token.pk}/revoke/" not in html(response)
    again = client.post(reverse("portal:api_token_revoke", args=(token.pk,)), follow=True)
    assert "This token is already revoked." in html(again)


def test_revoking_takes_a_post(client, member):
    token, _plaintext = APIToken.create_token(user=member, name="x")
    assert client.get(reverse("portal:api_token_revoke", args=(token.pk,))).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_without_the_csrf_token_is_refused(member):
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    strict.force_login(member)
    token, _plaintext = APIToken.create_token(user=member, name="x")
    response = strict.post(reverse("portal:api_token_revoke", args=(token.pk,)))
    assert response.status_code == 403
    assert strict.post(URL, {"name": "y"}).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    assert APIToken.objects.count() == 1


def test_another_users_token_answers_404_and_stays_valid(client, member, merchant):
    colleague = merchant_user(merchant, username="colleague")
    theirs, _plaintext = APIToken.create_token(user=colleague, name="Theirs")
    entries = Entry.objects.count()
    response = client.post(reverse("portal:api_token_revoke", args=(theirs.pk,)))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert Entry.objects.count() == entries
    assert "Theirs" not in html(client.get(URL))  # a user sees their own tokens only
