"""Who sees which rounds, and the reserve price: officers before the result, everyone after."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser, Permission

from stations import roles
from tenders import rounds
from tenders.applications import application_submit
from tenders.models import TenderRound
from tenders.round_selectors import lots_for, reserve_visible_to, rounds_for
from tests.factories import UserFactory
from tests.tenders.factories import MerchantFactory, merchant_user
from tests.tenders.round_factories import make_round, published_round

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
Status = TenderRound.Status


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _users() -> dict:
    return {
        "officer": UserFactory(roles=[roles.LEASING_OFFICER]),
        "inspector": UserFactory(roles=[roles.DISCIPLINE_INSPECTOR]),
        "committee": UserFactory(roles=[roles.COMMITTEE_MEMBER]),
        "merchant": merchant_user(MerchantFactory()),
        "anonymous": AnonymousUser(),
    }


BEFORE_AWARD = {
    "officer": True,
    "inspector": False,
    "committee": False,
    "merchant": False,
    "anonymous": False,
}


@pytest.mark.parametrize("status", [s for s in Status.values if s not in (Status.AWARDED,)])
def test_before_the_award_only_officers_see_the_reserve(clock, status):
    round_obj = published_round()
    TenderRound.objects.filter(pk=round_obj.pk).update(status=status)
    lot = round_obj.lots.select_related("round").get()
    seen = {name: reserve_visible_to(user, lot) for name, user in _users().items()}
    assert seen == BEFORE_AWARD


def test_after_the_award_everyone_sees_the_reserve(clock):
    round_obj = published_round()
    TenderRound.objects.filter(pk=round_obj.pk).update(status=Status.AWARDED)
    lot = round_obj.lots.select_related("round").get()
    assert all(reserve_visible_to(user, lot) for user in _users().values())


def test_a_merchant_granted_the_right_by_mistake_still_does_not_see_it(clock):
    round_obj = published_round()
    user = merchant_user(MerchantFactory())
    user.user_permissions.add(Permission.objects.get(codename="view_reserve_price"))
    lot = round_obj.lots.select_related("round").get()
    assert not reserve_visible_to(user, lot)


def test_lots_for_masks_the_reserve_where_hidden(clock):
    round_obj = published_round()
    clock.move_to(round_obj.publication_at)
    users = _users()
    assert [lot.reserve_annual_rent for lot in lots_for(users["officer"], round_obj)] == [
        Decimal("120000.00")
    ]
    assert [lot.reserve_annual_rent for lot in lots_for(users["merchant"], round_obj)] == [None]
    assert lots_for(users["committee"], round_obj) == []


def test_officers_and_inspectors_see_every_round(clock):
    draft, published = make_round(), published_round()
    for name in ("officer", "inspector"):
        assert set(rounds_for(_users()[name])) == {draft, published}


def test_committee_members_see_no_round_until_seats_exist(clock):
    published_round()
    assert not rounds_for(UserFactory(roles=[roles.COMMITTEE_MEMBER])).exists()


def test_merchants_and_the_public_see_published_notices_from_their_time(clock):
    make_round()
    published = published_round()
    merchant = merchant_user(MerchantFactory())
    assert not rounds_for(merchant).exists()
    clock.move_to(published.publication_at)
    assert list(rounds_for(merchant)) == [published]
    assert list(rounds_for(AnonymousUser())) == [published]


def test_a_cancelled_round_stays_visible_to_the_merchants_who_applied(clock):
    round_obj = published_round()
    clock.move_to(round_obj.application_opens_at)
    applicant = MerchantFactory()
    applicant_user = merchant_user(applicant)
    application_submit(
        actor=applicant_user, round=round_obj, merchant=applicant, lots=list(round_obj.lots.all())
    )
    rounds.round_cancel(actor=None, round=round_obj, reason="station works")
    assert list(rounds_for(applicant_user)) == [round_obj]
    assert not rounds_for(merchant_user(MerchantFactory())).exists()


def test_a_hidden_round_is_not_found_like_a_missing_one(clock):
    from django.http import Http404

    from tenders.round_selectors import get_round_for

    draft = make_round()
    merchant = merchant_user(MerchantFactory())
    officer = UserFactory(roles=[roles.LEASING_OFFICER])
    assert get_round_for(officer, draft.pk) == draft
    for pk in (draft.pk, draft.pk + 1000):
        with pytest.raises(Http404, match="No such tender round."):
            get_round_for(merchant, pk)
