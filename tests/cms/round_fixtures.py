"""Users, rounds and helpers for the tender-round admin tests (rounds built through the services,
on a frozen clock; every user's admin speaks English so that messages can be asserted)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from stations import roles
from tenders import rounds
from tenders.models import TenderRound
from tests import factories
from tests.cms.conftest import speak_english
from tests.tenders.factories import MerchantFactory, merchant_user
from tests.tenders.round_factories import (
    STANDARD_CRITERIA,
    add_lot,
    available_unit,
    make_round,
    publish_documents,
)

T0 = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
# A reserve whose digits appear nowhere else on the pages.
RESERVE = "123457.89"
RESERVE_SHOWN = ("123457", "123,457")


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer(db):
    """A network leasing officer: runs rounds and sees reserve prices (the group's rights)."""
    return speak_english(factories.officer(username="officer"))


@pytest.fixture
def inspector(db):
    """A discipline inspector: reads every round and confirms openings; no reserve prices."""
    return speak_english(factories.inspector(username="inspector"))


@pytest.fixture
def committee_member(db):
    return speak_english(
        factories.UserFactory(roles=[roles.COMMITTEE_MEMBER], username="committee")
    )


@pytest.fixture
def merchant(db):
    return MerchantFactory(name="Bidder One Ltd")


@pytest.fixture
def merchant_portal_user(merchant):
    """A merchant's portal user: no access to the back office."""
    return speak_english(merchant_user(merchant, username="merchant"))


@pytest.fixture
def merchant_in_admin(merchant_portal_user):
    """The same user, given access to the admin by mistake: round pages must still hold."""
    merchant_portal_user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return type(merchant_portal_user).objects.get(pk=merchant_portal_user.pk)


def url(name: str, *args) -> str:
    return reverse(f"tender-rounds:{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def draft_round(**overrides) -> TenderRound:
    """A draft round (created now) ready to publish: a lot at RESERVE, criteria, documents."""
    round_obj = make_round(**overrides)
    add_lot(round_obj, reserve=RESERVE)
    rounds.criterion_set(actor=None, round=round_obj, criteria=STANDARD_CRITERIA)
    publish_documents(round_obj)
    return TenderRound.objects.get(pk=round_obj.pk)


def published(round_obj: TenderRound) -> TenderRound:
    return rounds.round_publish(actor=None, round=round_obj)


def shows_reserve(html: str) -> bool:
    return any(text in html for text in RESERVE_SHOWN)


def a_lot_unit(round_obj):
    """Another available coffee unit of the round's first lot's station, for a second lot."""
    lot = round_obj.lots.order_by("number").first()
    return available_unit(lot.units.first().level)


def money(amount: str) -> tuple[str, str]:
    """An amount as it could appear on a page: plain or with thousands separators."""
    value = Decimal(amount)
    return (f"{value:.2f}", f"{value:,.2f}")
