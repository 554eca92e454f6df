"""The portal's accounts: sign-up with the company, e-mail verification, sign-in (throttled),
sign-out, the password reset and the home dashboard — in English, every refusal shown on its
field with nothing saved."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from tenders import accounts
from tenders.models import Merchant, SignInFailure
from tests.factories import officer
from tests.tenders.factories import DemandFactory, MerchantFactory, credit_code, merchant_user

pytestmark = pytest.mark.django_db

PASSWORD = "Grey-heron-47-lantern"
NOW = dt.datetime(2026, 5, 4, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def member():
    merchant = MerchantFactory(name="Hunan Coffee Co.", credit_code=credit_code(3))
    return merchant_user(merchant, username="coffee", email="coffee@example.com")


SIGN_UP = {
    "username": "starbucks-hn",
    "email": "wang.fang@example.com",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "name": "湖南星巴克咖啡有限公司",
    "credit_code": credit_code(7).lower(),
    "legal_form": "company",
    "registered_capital": "8000000",
    "founded_on": "2008-06-01",
    "operation_mode": "direct",
    "store_count": "120",
    "contact_name": "王芳",
    "contact_phone": "0731-88880000",
    "brands": "星巴克\n",
}


def html(response) -> str:
    return response.content.decode()


def field_errors(response, name) -> list[str]:
    return list(response.context["form"].errors.get(name, []))


# --- sign-up ----------------------------------------------------------------------------------


def test_the_sign_up_page_asks_for_the_account_and_the_company(client):
    response = client.get(reverse("portal:sign_up"))
    assert response.status_code == 200
    page = html(response)
    for label in (
        "Username",
        "E-mail address",
        "Unified social credit code",
        "Legal form",
        "Registered capital (CNY)",
        "Founded on",
        "Operation mode",
        "Stores operated",
    ):
        assert label in page
    assert "csrfmiddlewaretoken" in page


def test_signing_up_registers_the_company_signs_in_and_mails_the_link(client):
    response = client.post(reverse("portal:sign_up"), SIGN_UP)
    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    user = User.objects.get(username="starbucks-hn")
    merchant = Merchant.objects.get(credit_code=credit_code(7))
    assert merchant.brands.get().name_zh == "星巴克"
    (message,) = mail.outbox
    assert message.to == ["wang.fang@example.com"]
    assert message.subject == "Verify your e-mail address"
    home = client.get(reverse("portal:home"))
    assert home.context["user"] == user
    page = html(home)
    assert "湖南星巴克咖啡有限公司" in page
    assert "is not verified yet" in page
    link = re.search(r"http://testserver(/portal/verify/\S+/)", message.body).group(1)
    response = client.get(link, follow=True)
    assert "Thank you: wang.fang@example.com is verified." in html(response)
    assert "is not verified yet" not in html(response)
    assert accounts.email_is_verified(user)


def test_a_bad_credit_code_is_shown_on_its_field_and_nothing_is_saved(client):
    response = client.post(
        reverse("portal:sign_up"), {**SIGN_UP, "credit_code": "91430100MA4L0000X1"}
    )
    assert response.status_code == 200
    (error,) = field_errors(response, "credit_code")
    assert error.startswith("Unified social credit code 91430100MA4L0000X1 check character is")
    assert error in html(response)
    assert not User.objects.exists() and not Merchant.objects.exists()
    assert not mail.outbox


def test_a_taken_credit_code_is_refused(client):
    MerchantFactory(credit_code=credit_code(7))
    response = client.post(reverse("portal:sign_up"), SIGN_UP)
    assert field_errors(response, "credit_code") == [
        f"A merchant with credit code {credit_code(7)} is already registered."
    ]
    assert not User.objects.exists()


def test_a_weak_password_is_refused_by_the_validators(client):
    response = client.post(
        reverse("portal:sign_up"), {**SIGN_UP, "password1": "12345678", "password2": "12345678"}
    )
    errors = field_errors(response, "password1")
    assert "This password is too common." in errors
    assert "This password is entirely numeric." in errors
    assert not User.objects.exists() and not Merchant.objects.exists()


def test_passwords_that_differ_are_refused(client):
    response = client.post(reverse("portal:sign_up"), {**SIGN_UP, "password2": PASSWORD + "x"})
    assert field_errors(response, "password2") == ["The two passwords differ."]
    assert not User.objects.exists()


def test_a_taken_username_is_refused(client, member):
    response = client.post(reverse("portal:sign_up"), {**SIGN_UP, "username": "COFFEE"})
    assert field_errors(response, "username") == ["The username COFFEE is taken."]
    assert not Merchant.objects.filter(credit_code=credit_code(7)).exists()


def test_a_future_founding_date_is_refused(client):
    response = client.post(reverse("portal:sign_up"), {**SIGN_UP, "founded_on": "2999-01-01"})
    assert field_errors(response, "founded_on") == ["The founding date cannot be in the future."]
    assert not User.objects.exists()


def test_missing_fields_are_named(client):
    response = client.post(reverse("portal:sign_up"), {**SIGN_UP, "name": "", "store_count": "-1"})
    assert field_errors(response, "name") == ["This field is required."]
    assert field_errors(response, "store_count") == [
        "Ensure this value is greater than or equal to 0."
    ]
    assert not User.objects.exists()


# --- e-mail verification ----------------------------------------------------------------------


def test_a_bad_verification_link_says_why(client):
    response = client.get(reverse("portal:verify_email", args=("nonsense",)))
    assert response.status_code == 400
    assert "This verification link is not valid." in html(response)


def test_an_unverified_user_may_ask_for_a_new_link(client):
    user, _merchant = accounts.sign_up(
        username="tea",
        email="tea@example.com",
        password=PASSWORD,
        company={
            "name": "Tea Co.",
            "credit_code": credit_code(9),
            "legal_form": "company",
            "registered_capital": "1000000",
            "founded_on": dt.date(2015, 1, 1),
            "operation_mode": "direct",
            "store_count": 3,
        },
    )
    client.force_login(user)
    response = client.post(reverse("portal:verify_email_resend"), follow=True)
    assert "We sent a new link to tea@example.com." in html(response)
    assert len(mail.outbox) == 1
    assert client.get(reverse("portal:verify_email_resend")).status_code == 405


# --- sign-in and sign-out ------------------------------------------------------------------


def test_the_sign_in_page_renders(client):
    response = client.get(reverse("portal:sign_in"))
    assert response.status_code == 200
    assert "Merchant sign-in" in html(response)
    assert reverse("portal:password_reset") in html(response)
    assert reverse("portal:sign_up") in html(response)


def test_a_merchant_signs_in_and_sees_the_company(client, member):
    response = client.post(
        reverse("portal:sign_in"), {"username": "coffee", "password": "pass-1234-word"}
    )
    assert response.status_code == 302 and response.url == reverse("portal:home")
    page = html(client.get(reverse("portal:home")))
    assert "Hunan Coffee Co." in page
    assert credit_code(3) in page
    assert "is not verified yet" not in page


def test_a_wrong_password_is_refused_clearly(client, member):
    response = client.post(reverse("portal:sign_in"), {"username": "coffee", "password": "nope"})
    assert response.status_code == 200
    assert "The username or the password is wrong." in html(response)
    assert SignInFailure.objects.filter(username="coffee").count() == 1


def test_the_101st_sign_in_is_refused_and_allowed_an_hour_later(client, member, clock):
    url = reverse("portal:sign_in")
    for _n in range(99):
        client.post(url, {"username": "coffee", "password": "wrong"})
    hundredth = client.post(url, {"username": "coffee", "password": "wrong"})
    assert "Too many failed sign-ins for this account" in html(hundredth)
    response = client.post(url, {"username": "coffee", "password": "pass-1234-word"})
    assert response.status_code == 200
    assert "Too many failed sign-ins for this account" in html(response)
    assert "_auth_user_id" not in client.session
    clock.shift(dt.timedelta(hours=1, seconds=1))
    response = client.post(url, {"username": "coffee", "password": "pass-1234-word"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_the_throttle_holds_the_admin_sign_in_too(client, member, clock):
    SignInFailure.objects.bulk_create(
        SignInFailure(username="coffee", failed_at=NOW) for _n in range(100)
    )
    response = client.post(
        reverse("wagtailadmin_login"), {"username": "coffee", "password": "pass-1234-word"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signing_out_takes_a_post(client, member):
    client.force_login(member)
    assert client.get(reverse("portal:sign_out")).status_code == 405
    response = client.post(reverse("portal:sign_out"), follow=True)
    assert "You have signed out." in html(response)
    assert "_auth_user_id" not in client.session


def test_sign_in_needs_the_csrf_token(member):
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = strict.post(
        reverse("portal:sign_in"), {"username": "coffee", "password": "pass-1234-word"}
    )
    assert response.status_code == 403


# --- the password reset ----------------------------------------------------------------------


def test_a_password_reset_sets_a_new_password_and_lifts_the_hold(client, member, clock):
    SignInFailure.objects.bulk_create(
        SignInFailure(username="coffee", failed_at=NOW) for _n in range(100)
    )
    response = client.post(reverse("portal:password_reset"), {"email": "coffee@example.com"})
    assert response.url == reverse("portal:password_reset_done")
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/portal/password/reset/\S+/)", message.body).group(1)
    response = client.get(link)
    assert response.status_code == 302
    form_url = response.url
    weak = client.post(form_url, {"new_password1": "password", "new_password2": "password"})
    assert "This password is too common." in html(weak)
    member.refresh_from_db()
    assert member.check_password("pass-1234-word")
    done = client.post(
        form_url, {"new_password1": "Lantern-97-heron", "new_password2": "Lantern-97-heron"}
    )
    assert done.url == reverse("portal:password_reset_complete")
    assert not SignInFailure.objects.exists()
    response = client.post(
        reverse("portal:sign_in"), {"username": "coffee", "password": "Lantern-97-heron"}
    )
    assert response.status_code == 302


def test_the_reset_pages_render(client):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        response = client.get(reverse(f"portal:{name}"))
        assert response.status_code == 200, name
    response = client.get(reverse("portal:password_reset_confirm", args=("MQ", "bad-token")))
    assert "This link is not valid" in html(response)


# --- home -------------------------------------------------------------------------------------


def test_home_asks_for_sign_in(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:sign_in"))


def test_home_shows_the_company_and_its_demands_in_bounded_queries(
    client, member, django_assert_max_num_queries
):
    merchant = Merchant.objects.get(name="Hunan Coffee Co.")
    for _n in range(8):
        DemandFactory(merchant=merchant)
    client.force_login(member)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("portal:home"))
    page = html(response)
    assert "8 active demands" in page
    assert page.count(reverse("portal:demand", args=(merchant.demands.first().pk,))) == 1
    assert "Record a demand" in page


def test_staff_without_a_company_are_told_so(client):
    staff = officer(username="officer")
    client.force_login(staff)
    response = client.get(reverse("portal:home"))
    assert "Your account does not act for a company." in html(response)


def test_the_portal_is_chinese_by_default(member):
    chinese = Client()
    response = chinese.get(reverse("portal:sign_in"))
    assert '<html lang="zh-hans">' in html(response)
