"""Portal accounts: signing up with a company, verifying the address, the sign-in throttle,
a new password, inviting a colleague — each refusal with its field and nothing saved."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Entry
from tenders import accounts
from tenders.applications import application_submit
from tenders.models import MemberInvitation, Merchant, PortalAccount, SignInFailure
from tenders.permissions import is_member_of
from tests.tenders.bid_factories import T0, applicant, bid, bidding_round
from tests.tenders.factories import MerchantFactory, credit_code, merchant_user

pytestmark = pytest.mark.django_db

PASSWORD = "Grey-heron-47-lantern"
NOW = dt.datetime(2026, 5, 4, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def company(**overrides) -> dict:
    fields = {
        "name": "湖南星巴克咖啡有限公司",
        "credit_code": credit_code(7),
        "legal_form": Merchant.LegalForm.COMPANY,
        "registered_capital": Decimal("8000000"),
        "founded_on": dt.date(2008, 6, 1),
        "operation_mode": Merchant.OperationMode.DIRECT,
        "store_count": 120,
        "contact_name": "王芳",
        "contact_phone": "0731-88880000",
    }
    return {**fields, **overrides}


def sign_up(**overrides):
    fields = {
        "username": "starbucks-hn",
        "email": "wang.fang@example.com",
        "password": PASSWORD,
        "company": company(),
    }
    return accounts.sign_up(**{**fields, **overrides})


def nothing_saved():
    assert not User.objects.exists()
    assert not Merchant.objects.exists()
    assert not PortalAccount.objects.exists()


# --- signing up -------------------------------------------------------------------------------


def test_sign_up_creates_the_user_and_registers_the_company():
    user, merchant = sign_up()
    assert user.check_password(PASSWORD)
    assert merchant.credit_code == credit_code(7)
    assert is_member_of(user, merchant)
    assert user.groups.filter(name="merchant").exists()
    assert not accounts.email_is_verified(user)
    actions = list(Entry.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["account.create", "merchant.register", "merchant.add_member"]


def test_a_bad_credit_code_saves_no_user():
    with pytest.raises(ValidationError) as info:
        sign_up(company=company(credit_code="91430100MA4L0000X1"))
    assert "credit_code" in info.value.message_dict
    assert "check character" in info.value.message_dict["credit_code"][0]
    nothing_saved()


def test_a_taken_credit_code_is_refused_on_its_field():
    MerchantFactory(credit_code=credit_code(7))
    with pytest.raises(ValidationError) as info:
        sign_up()
    assert info.value.message_dict["credit_code"] == [
        f"A merchant with credit code {credit_code(7)} is already registered."
    ]
    assert not User.objects.exists()


def test_a_founding_date_in_the_future_is_refused():
    with pytest.raises(ValidationError) as info:
        sign_up(company=company(founded_on=dt.date(2999, 1, 1)))
    assert info.value.message_dict["founded_on"] == ["The founding date cannot be in the future."]
    nothing_saved()


def test_a_weak_password_is_refused_by_the_settings_validators():
    with pytest.raises(ValidationError) as info:
        sign_up(password="12345678")
    messages = info.value.message_dict["password"]
    assert "This password is too common." in messages
    assert "This password is entirely numeric." in messages
    nothing_saved()


def test_a_password_like_the_username_is_refused():
    with pytest.raises(ValidationError) as info:
        sign_up(username="lanternheron", password="lanternheron1")
    assert "The password is too similar to the username." in info.value.message_dict["password"]
    nothing_saved()


def test_a_taken_username_or_email_is_refused_whatever_the_case():
    sign_up()
    with pytest.raises(ValidationError) as info:
        sign_up(
            username="STARBUCKS-HN",
            email="other@example.com",
            company=company(credit_code=credit_code(8)),
        )
    assert info.value.message_dict["username"] == ["The username STARBUCKS-HN is taken."]
    with pytest.raises(ValidationError) as info:
        sign_up(
            username="other",
            email="Wang.Fang@EXAMPLE.com",
            company=company(credit_code=credit_code(8)),
        )
    assert "exists already" in info.value.message_dict["email"][0]
    assert User.objects.count() == 1


def test_every_fault_of_the_account_and_the_company_is_named_at_once():
    with pytest.raises(ValidationError) as info:
        sign_up(password="123", company=company(credit_code="91430100MA4L0000X1"))
    faults = info.value.message_dict
    assert "password" in faults
    assert "check character" in faults["credit_code"][0]
    nothing_saved()


def test_a_bad_email_is_refused():
    with pytest.raises(ValidationError) as info:
        sign_up(email="not-an-address")
    assert info.value.message_dict["email"] == ["“not-an-address” is not an e-mail address."]
    nothing_saved()


def test_an_individual_business_registers_but_a_company_only_round_refuses_it(clock):
    """Registration takes any legal form (merchant_register does); the round's threshold is
    what refuses an individual business, at its application."""
    user, merchant = sign_up(company=company(legal_form=Merchant.LegalForm.INDIVIDUAL))
    assert merchant.legal_form == Merchant.LegalForm.INDIVIDUAL


# --- e-mail verification -------------------------------------------------------------------


def test_the_verification_link_verifies_the_address_once(clock):
    user, _merchant = sign_up()
    token = accounts.email_verification_token(user)
    assert accounts.email_verify(token=token) == user
    assert accounts.email_is_verified(user)
    accounts.email_verify(token=token)
    assert Entry.objects.filter(action="account.verify_email").count() == 1


def test_a_verification_link_expires(clock):
    user, _merchant = sign_up()
    token = accounts.email_verification_token(user)
    clock.shift(dt.timedelta(days=3, seconds=1))
    with pytest.raises(ValidationError, match="expired"):
        accounts.email_verify(token=token)
    assert not accounts.email_is_verified(user)


def test_a_tampered_verification_link_is_refused():
    user, _merchant = sign_up()
    forged = signing.dumps({"u": user.pk, "e": user.email}, salt="another-salt")
    with pytest.raises(ValidationError, match="not valid"):
        accounts.email_verify(token=forged)
    with pytest.raises(ValidationError, match="not valid"):
        accounts.email_verify(token=accounts.email_verification_token(user) + "x")
    assert not accounts.email_is_verified(user)


def test_a_link_for_a_former_address_is_refused():
    user, _merchant = sign_up()
    token = accounts.email_verification_token(user)
    user.email = "new@example.com"
    user.save()
    with pytest.raises(ValidationError, match="not valid"):
        accounts.email_verify(token=token)


def test_users_not_made_by_signing_up_have_nothing_to_verify():
    user = merchant_user(MerchantFactory())
    assert accounts.email_is_verified(user)
    accounts.ensure_email_verified(user)


def test_an_unverified_user_may_not_apply_nor_bid(clock):
    clock.move_to(T0)
    round_obj = bidding_round(clock)
    lot = round_obj.lots.first()
    user, merchant = sign_up(company=company(registered_capital=Decimal("50000000")))
    with pytest.raises(PermissionDenied, match="Verify your e-mail address first"):
        application_submit(actor=user, round=round_obj, merchant=merchant, lots=[lot])
    assert not merchant.applications.exists()
    accounts.email_verify(token=accounts.email_verification_token(user))
    application = application_submit(actor=user, round=round_obj, merchant=merchant, lots=[lot])
    assert application.merchant == merchant


def test_an_unverified_member_of_an_admitted_merchant_may_not_bid(clock):
    clock.move_to(T0)
    round_obj = bidding_round(clock)
    lot = round_obj.lots.first()
    merchant, _member = applicant(round_obj, [lot])
    newcomer = accounts.portal_user_create(
        username="newcomer", email="newcomer@example.com", password=PASSWORD
    )
    from tenders.services import merchant_add_member

    merchant_add_member(actor=None, merchant=merchant, user=newcomer)
    from tests.tenders.bid_factories import BIDDING

    clock.move_to(BIDDING)
    with pytest.raises(PermissionDenied, match="Verify your e-mail address first"):
        bid(newcomer, round_obj, lot)
    assert not merchant.bids.exists()


# --- the sign-in throttle --------------------------------------------------------------------


def fail(username: str, times: int) -> None:
    for _n in range(times):
        assert authenticate(username=username, password="wrong-password") is None


def test_the_101st_sign_in_is_refused_even_with_the_right_password(clock):
    user, _merchant = sign_up()
    fail("starbucks-hn", 99)
    assert authenticate(username="starbucks-hn", password=PASSWORD) == user
    fail("starbucks-hn", 1)
    assert SignInFailure.objects.filter(username="starbucks-hn").count() == 100
    assert authenticate(username="starbucks-hn", password=PASSWORD) is None
    message = accounts.sign_in_refusal("starbucks-hn")
    assert message == (
        "Too many failed sign-ins for this account: sign-in is refused until 2026-05-04 11:00. "
        "You may reset your password to sign in at once."
    )
    # Another account is not held back.
    other = merchant_user(MerchantFactory(), username="other")
    assert authenticate(username="other", password="pass-1234-word") == other


def test_the_window_slides_and_the_owner_may_sign_in_an_hour_later(clock):
    user, _merchant = sign_up()
    fail("starbucks-hn", 50)
    clock.shift(dt.timedelta(minutes=30))
    fail("starbucks-hn", 50)
    assert authenticate(username="starbucks-hn", password=PASSWORD) is None
    retry_at = accounts.sign_in_retry_at("starbucks-hn")
    assert retry_at == NOW + dt.timedelta(hours=1)
    clock.shift(dt.timedelta(minutes=29, seconds=59))
    assert authenticate(username="starbucks-hn", password=PASSWORD) is None
    clock.shift(dt.timedelta(seconds=2))
    # The first 50 left the window; the later 50 still count.
    assert authenticate(username="starbucks-hn", password=PASSWORD) == user
    clock.shift(dt.timedelta(hours=1))
    assert accounts.sign_in_retry_at("starbucks-hn") is None


def test_refused_attempts_are_not_counted_as_failures(clock):
    sign_up()
    fail("starbucks-hn", 100)
    fail("starbucks-hn", 20)
    assert SignInFailure.objects.count() == 100


def test_old_failures_are_dropped(clock):
    fail("someone", 3)
    clock.shift(dt.timedelta(hours=2))
    fail("another", 1)
    assert list(SignInFailure.objects.values_list("username", flat=True)) == ["another"]


def test_a_new_password_clears_the_failures(clock):
    user, _merchant = sign_up()
    fail("starbucks-hn", 100)
    accounts.password_set(actor=user, user=user, password="Another-long-phrase-93")
    assert authenticate(username="starbucks-hn", password="Another-long-phrase-93") == user
    assert Entry.objects.filter(action="account.sign_in_failures_clear").exists()


def test_a_weak_new_password_is_refused_and_the_failures_stay(clock):
    user, _merchant = sign_up()
    fail("starbucks-hn", 100)
    with pytest.raises(ValidationError) as info:
        accounts.password_set(actor=user, user=user, password="password")
    assert "This password is too common." in info.value.message_dict["password"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert SignInFailure.objects.count() == 100


# --- inviting a colleague ---------------------------------------------------------------------


@pytest.fixture
def team():
    merchant = MerchantFactory(name="湖南星巴克咖啡有限公司")
    return merchant, merchant_user(merchant, username="boss")


def test_a_colleague_accepts_an_invitation_and_joins(team, clock):
    merchant, boss = team
    invitation = accounts.member_invite(actor=boss, merchant=merchant, email="li@example.com")
    token = accounts.invitation_token(invitation)
    user = accounts.invitation_accept(token=token, username="li", password=PASSWORD)
    assert user.email == "li@example.com"
    assert is_member_of(user, merchant)
    assert accounts.email_is_verified(user)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and not invitation.is_pending
    assert Entry.objects.filter(action="merchant.add_member", actor_id=boss.pk).exists()
    with pytest.raises(ValidationError, match="accepted already"):
        accounts.invitation_accept(token=token, username="li2", password=PASSWORD)


def test_an_invitation_expires(team, clock):
    merchant, boss = team
    invitation = accounts.member_invite(actor=boss, merchant=merchant, email="li@example.com")
    token = accounts.invitation_token(invitation)
    clock.shift(dt.timedelta(days=14, seconds=1))
    with pytest.raises(ValidationError, match="expired"):
        accounts.invitation_accept(token=token, username="li", password=PASSWORD)
    assert not User.objects.filter(username="li").exists()


def test_a_revoked_invitation_cannot_be_accepted(team):
    merchant, boss = team
    invitation = accounts.member_invite(actor=boss, merchant=merchant, email="li@example.com")
    accounts.invitation_revoke(actor=boss, invitation=invitation)
    with pytest.raises(ValidationError, match="revoked"):
        accounts.invitation_accept(
            token=accounts.invitation_token(invitation), username="li", password=PASSWORD
        )
    assert not User.objects.filter(username="li").exists()


def test_a_weak_password_on_acceptance_saves_nothing(team):
    merchant, boss = team
    invitation = accounts.member_invite(actor=boss, merchant=merchant, email="li@example.com")
    with pytest.raises(ValidationError) as info:
        accounts.invitation_accept(
            token=accounts.invitation_token(invitation), username="li", password="abc"
        )
    assert "password" in info.value.message_dict
    invitation.refresh_from_db()
    assert invitation.is_pending
    assert not User.objects.filter(username="li").exists()


def test_an_invitation_from_someone_who_left_is_void(team):
    merchant, boss = team
    invitation = accounts.member_invite(actor=boss, merchant=merchant, email="li@example.com")
    from guardian.shortcuts import remove_perm

    remove_perm("tenders.act_for_merchant", boss, merchant)
    with pytest.raises(ValidationError, match="no longer acts for"):
        accounts.invitation_accept(
            token=accounts.invitation_token(invitation), username="li", password=PASSWORD
        )
    assert not User.objects.filter(username="li").exists()


def test_only_the_merchants_users_may_invite(team):
    merchant, _boss = team
    stranger = merchant_user(MerchantFactory(), username="stranger")
    with pytest.raises(PermissionDenied):
        accounts.member_invite(actor=stranger, merchant=merchant, email="li@example.com")
    assert not MemberInvitation.objects.exists()


def test_a_member_or_a_pending_invitee_is_not_invited_again(team):
    merchant, boss = team
    with pytest.raises(ValidationError) as info:
        accounts.member_invite(actor=boss, merchant=merchant, email=boss.email.upper())
    assert "already acts for" in info.value.message_dict["email"][0]
    accounts.member_invite(actor=boss, merchant=merchant, email="li@example.com")
    with pytest.raises(ValidationError) as info:
        accounts.member_invite(actor=boss, merchant=merchant, email="LI@example.com")
    assert "invited already" in info.value.message_dict["email"][0]
    with pytest.raises(ValidationError) as info:
        accounts.member_invite(actor=boss, merchant=merchant, email="nope")
    assert info.value.message_dict["email"] == ["“nope” is not an e-mail address."]
    assert MemberInvitation.objects.count() == 1


def test_a_forged_invitation_token_is_refused(team):
    merchant, boss = team
    invitation = accounts.member_invite(actor=boss, merchant=merchant, email="li@example.com")
    forged = signing.dumps({"i": invitation.pk, "e": "eve@example.com"}, salt=accounts.INVITE_SALT)
    with pytest.raises(ValidationError, match="not valid"):
        accounts.invitation_from_token(forged)
