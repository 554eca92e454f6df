"""The portal's company pages: the profile, members and invitations, demands with the units
that fit — each page renders, each refusal is shown with nothing saved, another merchant's
object answers 404, and lists run in bounded queries."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import resolve, reverse

from stations import services as space
from stations.models import Unit
from tenders import accounts
from tenders.models import Demand, MemberInvitation, Merchant
from tenders.permissions import is_member_of
from tests.factories import officer
from tests.tenders.factories import DemandFactory, MerchantFactory, credit_code, merchant_user

pytestmark = pytest.mark.django_db

PASSWORD = "Grey-heron-47-lantern"


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def merchant():
    return MerchantFactory(name="Hunan Coffee Co.", credit_code=credit_code(3), contact_name="Li")


@pytest.fixture
def member(merchant, client):
    user = merchant_user(merchant, username="coffee", email="coffee@example.com")
    client.force_login(user)
    return user


@pytest.fixture
def rival():
    other = MerchantFactory(name="Rival Tea Co.")
    return other, merchant_user(other, username="tea", email="tea@example.com")


def html(response) -> str:
    return response.content.decode()


def errors(response, name) -> list[str]:
    return list(response.context["form"].errors.get(name, []))


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["portal:company", "portal:members", "portal:demands", "portal:demand_create"]
)
def test_company_pages_ask_for_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:sign_in"))


def test_a_user_without_a_company_is_sent_home(client):
    client.force_login(officer(username="officer"))
    response = client.get(reverse("portal:demands"), follow=True)
    assert "Your account does not act for a company." in html(response)


# --- the profile ------------------------------------------------------------------------------


def test_the_profile_shows_what_the_railway_keeps_and_edits_the_rest(client, member, merchant):
    response = client.get(reverse("portal:company"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "credit_code" not in form.fields and "customer_rating" not in form.fields
    assert credit_code(3) in html(response)
    data = {
        "name": "Hunan Coffee Co., Ltd.",
        "legal_form": "company",
        "registered_capital": "6000000.00",
        "founded_on": "2010-01-01",
        "operation_mode": "direct",
        "store_count": "25",
        "contact_name": "Li Na",
        "contact_phone": "0731-1234",
        "credit_code": credit_code(4),
        "customer_rating": "5",
    }
    response = client.post(reverse("portal:company"), data, follow=True)
    assert "The company&#x27;s particulars are saved." in html(response)
    merchant.refresh_from_db()
    assert merchant.name == "Hunan Coffee Co., Ltd."
    assert merchant.contact_name == "Li Na" and merchant.store_count == 25
    assert merchant.credit_code == credit_code(3)
    assert merchant.customer_rating == Decimal("4.50")


def test_a_bad_profile_change_is_shown_and_nothing_saved(client, member, merchant):
    data = {
        "name": "Renamed",
        "legal_form": "company",
        "registered_capital": "5000000",
        "founded_on": "2999-01-01",
        "operation_mode": "direct",
        "store_count": "20",
    }
    response = client.post(reverse("portal:company"), data)
    assert errors(response, "founded_on") == ["The founding date cannot be in the future."]
    merchant.refresh_from_db()
    assert merchant.name == "Hunan Coffee Co."


# --- members and invitations ----------------------------------------------------------------


def test_members_are_listed_and_a_colleague_is_invited(client, member, merchant):
    response = client.get(reverse("portal:members"))
    assert response.status_code == 200
    assert "coffee@example.com" in html(response)
    response = client.post(reverse("portal:members"), {"email": "li@example.com"}, follow=True)
    assert "We sent an invitation to li@example.com." in html(response)
    invitation = MemberInvitation.objects.get()
    assert invitation.merchant == merchant and invitation.invited_by == member
    (message,) = mail.outbox
    assert message.to == ["li@example.com"]
    link = re.search(r"http://testserver(/portal/join/\S+/)", message.body).group(1)
    # The token is signed with the second it was made: the link is checked by what it opens.
    match = resolve(link)
    assert match.view_name == "portal:invitation_accept"
    assert accounts.invitation_from_token(*match.args, **match.kwargs) == invitation


def test_a_bad_invitation_is_refused_on_its_field(client, member):
    response = client.post(reverse("portal:members"), {"email": "coffee@example.com"})
    assert errors(response, "email") == ["coffee@example.com already acts for Hunan Coffee Co.."]
    response = client.post(reverse("portal:members"), {"email": "not-an-address"})
    assert errors(response, "email") == ["“not-an-address” is not an e-mail address."]
    assert not MemberInvitation.objects.exists()
    assert not mail.outbox


def test_the_members_page_runs_in_bounded_queries(
    client, member, merchant, django_assert_max_num_queries
):
    for n in range(6):
        merchant_user(merchant, username=f"colleague{n}")
        accounts.member_invite(actor=member, merchant=merchant, email=f"new{n}@example.com")
    with django_assert_max_num_queries(14):
        response = client.get(reverse("portal:members"))
    assert html(response).count("Revoke") == 6


def test_an_invitation_is_revoked_and_another_merchants_answers_404(
    client, member, merchant, rival
):
    mine = accounts.member_invite(actor=member, merchant=merchant, email="li@example.com")
    theirs = accounts.member_invite(actor=rival[1], merchant=rival[0], email="wu@example.com")
    response = client.post(reverse("portal:invitation_revoke", args=(theirs.pk,)))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_pending
    assert client.get(reverse("portal:invitation_revoke", args=(mine.pk,))).status_code == 405
    response = client.post(reverse("portal:invitation_revoke", args=(mine.pk,)), follow=True)
    assert "The invitation of li@example.com is revoked." in html(response)
    mine.refresh_from_db()
    assert not mine.is_pending


def test_a_colleague_accepts_the_invitation(merchant):
    inviter = merchant_user(merchant, username="coffee")
    invitation = accounts.member_invite(actor=inviter, merchant=merchant, email="li@example.com")
    url = reverse("portal:invitation_accept", args=(accounts.invitation_token(invitation),))
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = visitor.get(url)
    assert response.status_code == 200
    assert "Join Hunan Coffee Co." in html(response)
    weak = visitor.post(url, {"username": "li", "password1": "abc", "password2": "abc"})
    assert "This password is too short. It must contain at least 10 characters." in errors(
        weak, "password1"
    )
    assert not User.objects.filter(username="li").exists()
    response = visitor.post(
        url, {"username": "li", "first_name": "Na", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.url == reverse("portal:home")
    user = User.objects.get(username="li")
    assert is_member_of(user, merchant) and accounts.email_is_verified(user)
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    assert again.status_code == 400
    assert "This invitation has been accepted already" in html(again)


def test_a_forged_invitation_link_is_refused():
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("portal:invitation_accept", args=("forged",))
    )
    assert response.status_code == 400
    assert "This invitation link is not valid." in html(response)


# --- demands ----------------------------------------------------------------------------------


DEMAND = {
    "business_type": "coffee",
    "stations": "",
    "tiers": ["provincial"],
    "location_wish": "Near the ticket gates",
    "area_min_m2": "40",
    "area_max_m2": "80",
    "power_kw": "20",
    "floor_sockets": "2",
    "needs_water": "on",
    "intended_rent_m2_month": "300",
    "lease_mode": "fixed",
    "term_months": "36",
}


def test_the_demand_list_shows_only_the_companys_demands_in_bounded_queries(
    client, member, merchant, rival, django_assert_max_num_queries
):
    for _n in range(10):
        DemandFactory(merchant=merchant)
    DemandFactory(merchant=rival[0], location_wish="Rival's wish")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:demands"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 10
    assert "Rival" not in html(response)


def test_a_demand_is_recorded(client, member, merchant):
    response = client.get(reverse("portal:demand_create"))
    assert response.status_code == 200
    response = client.post(reverse("portal:demand_create"), DEMAND)
    demand = Demand.objects.get()
    assert response.url == reverse("portal:demand", args=(demand.pk,))
    assert demand.merchant == merchant
    assert demand.tiers == ["provincial"] and demand.needs_water
    assert demand.area_max_m2 == Decimal("80.00")


def test_a_station_pages_link_fills_in_the_unit(client, member, concourse):
    a01 = Unit.objects.get(code="A01")
    space.unit_change_status(actor=None, unit=a01, status=Unit.Status.AVAILABLE)
    response = client.get(reverse("portal:demand_create"), {"station": "CSS", "unit": "A01"})
    initial = response.context["form"].initial
    assert initial["stations"] == ["CSS"]
    assert initial["location_wish"] == "Unit A01"
    assert initial["area_min_m2"] == initial["area_max_m2"] == a01.area_m2
    assert initial["business_type"] == "fast-food"
    response = client.get(reverse("portal:demand_create"), {"station": "NOPE", "unit": "A01"})
    assert "location_wish" not in response.context["form"].initial


def test_a_bad_demand_is_refused_on_its_field_and_nothing_saved(client, member):
    response = client.post(reverse("portal:demand_create"), {**DEMAND, "area_max_m2": "20"})
    assert errors(response, "area_max_m2") == [
        "The largest area 20.00 m² is smaller than the smallest 40.00 m²."
    ]
    response = client.post(reverse("portal:demand_create"), {**DEMAND, "stations": "CSS; NOPE"})
    assert errors(response, "stations") == ["Unknown station: CSS, NOPE."]
    assert not Demand.objects.exists()


def test_a_demand_shows_the_units_that_fit(client, member, merchant, concourse):
    a01 = Unit.objects.get(code="A01")
    space.unit_change_status(actor=None, unit=a01, status=Unit.Status.AVAILABLE)
    demand = DemandFactory(
        merchant=merchant,
        stations=[concourse.station],
        area_min_m2=Decimal("50"),
        area_max_m2=Decimal("150"),
        business_type=a01.business_types.first(),
    )
    response = client.get(reverse("portal:demand", args=(demand.pk,)))
    assert response.status_code == 200
    page = html(response)
    assert "Units that fit" in page
    assert "A01" in page
    assert response.context["matches"][0]["unit"] == a01


def test_a_demand_is_edited_and_withdrawn(client, member, merchant):
    demand = DemandFactory(merchant=merchant)
    response = client.get(reverse("portal:demand_edit", args=(demand.pk,)))
    assert response.status_code == 200
    response = client.post(
        reverse("portal:demand_edit", args=(demand.pk,)), {**DEMAND, "term_months": "48"}
    )
    assert response.url == reverse("portal:demand", args=(demand.pk,))
    demand.refresh_from_db()
    assert demand.term_months == 48
    bad = client.post(
        reverse("portal:demand_edit", args=(demand.pk,)), {**DEMAND, "term_months": "0"}
    )
    assert errors(bad, "term_months")
    demand.refresh_from_db()
    assert demand.term_months == 48
    assert client.get(reverse("portal:demand_withdraw", args=(demand.pk,))).status_code == 200
    response = client.post(
        reverse("portal:demand_withdraw", args=(demand.pk,)),
        {"reason": "Found a shop"},
        follow=True,
    )
    assert "The demand is withdrawn." in html(response)
    demand.refresh_from_db()
    assert not demand.is_active
    response = client.get(reverse("portal:demand_edit", args=(demand.pk,)), follow=True)
    assert "This demand was withdrawn; record a new one instead." in html(response)


@pytest.mark.parametrize("name", ["portal:demand", "portal:demand_edit", "portal:demand_withdraw"])
def test_another_merchants_demand_answers_404(client, member, rival, name):
    theirs = DemandFactory(merchant=rival[0])
    assert client.get(reverse(name, args=(theirs.pk,))).status_code == 404
    assert client.post(reverse(name, args=(theirs.pk,)), DEMAND).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active and theirs.term_months == 36


def test_a_missing_demand_answers_404(client, member):
    assert client.get(reverse("portal:demand", args=(999999,))).status_code == 404


def test_an_unverified_member_may_record_demands(client):
    user, merchant = accounts.sign_up(
        username="tea",
        email="tea@example.com",
        password=PASSWORD,
        company={
            "name": "Tea Co.",
            "credit_code": credit_code(9),
            "legal_form": "company",
            "registered_capital": "1000000",
            "founded_on": "2015-01-01",
            "operation_mode": "direct",
            "store_count": 3,
        },
    )
    client.force_login(user)
    client.post(reverse("portal:demand_create"), DEMAND)
    assert Merchant.objects.get(pk=merchant.pk).demands.count() == 1
