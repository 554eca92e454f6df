"""An opened round with its committee, for the committee and result admin tests: built through
the services by tests.tenders.committee_factories on a frozen clock, every user's admin in
English (so that messages can be asserted).

Lot 1: A offers 150000, B 130000, C 110000 (below the 120000 reserve: invalid); lot 2: D
125000. Five members, the first the chair.
"""

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from tenders import result as outcome
from tests.cms.conftest import speak_english
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import (
    declare_all,
    opened_round,
    score_all,
    seat_committee,
    sheet,
)
from tests.tenders.factories import MerchantFactory, merchant_user

# The reserve of every lot, as it could be written on a page.
RESERVE_SHOWN = ("120000", "120,000")


@pytest.fixture
def clock():
    with time_machine.travel(BIDDING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def opened(clock):
    opened = opened_round(clock)
    speak_english(opened.officer)
    speak_english(opened.inspector)
    return opened


@pytest.fixture
def members(opened):
    """Five members seated (the first chairs), none declared yet."""
    return [speak_english(user) for user in seat_committee(opened, size=5)]


@pytest.fixture
def declared(opened, members):
    declare_all(opened, members)
    return opened


@pytest.fixture
def scored(declared, members):
    score_all(opened=declared, members=members)
    return declared


@pytest.fixture
def signed(scored, members):
    outcome.result_sign_off(actor=members[0], round=scored.round)
    scored.refresh()
    return scored


@pytest.fixture
def publicity(signed):
    outcome.result_publish(actor=signed.officer, round=signed.round)
    signed.refresh()
    return signed


def objection(opened, letter="b", grounds="Our business plan was scored unfairly."):
    """An objection lodged by bidder ``letter``'s user to lot 1 during publicity."""
    return outcome.objection_lodge(
        actor=opened.users[letter],
        lot=opened.lots[0],
        merchant=opened.merchants[letter],
        grounds=grounds,
    )


def url(name: str, *args) -> str:
    return reverse(f"tender-rounds:{name}", args=args)


def lot_url(opened, lot=None) -> str:
    lot = lot or opened.lots[0]
    return reverse("evaluations:lot", args=(opened.round.pk, lot.pk))


def messages_of(response) -> list[str]:
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def shows_reserve(html: str) -> bool:
    return any(text in html for text in RESERVE_SHOWN)


def in_admin(user):
    """A merchant's user given access to the admin by mistake."""
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return speak_english(type(user).objects.get(pk=user.pk))


def grid_post(opened, points_by_letter: dict, lot=None, *, action="submit", **extra) -> dict:
    """The scoring grid's POST: ``points_by_letter`` {letter: points for every criterion}."""
    lot = lot or opened.lots[0]
    data = {"action": action}
    for (bid_id, criterion_id), points in sheet(lot, points_by_letter, opened).items():
        data[f"s-{bid_id}-{criterion_id}"] = str(points)
    data.update(extra)
    return data


__all__ = [
    "MerchantFactory",
    "clock",
    "declared",
    "members",
    "merchant_user",
    "opened",
    "publicity",
    "scored",
    "signed",
]
