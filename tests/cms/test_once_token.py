"""The hidden one-time token of the portal's bid form and the admin's award form: a double click
or a browser's retry after a lost answer gives one bid (the first's receipt) and one award (the
round's page), not an error nor a second write. A form re-rendered after a refusal has a new
token; a form without one works as before.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from api.models import IdempotencyKey
from audit.models import Entry
from tenders import result as outcome
from tenders.models import Award, Bid, TenderRound
from tests.cms.committee_fixtures import messages_of, url
from tests.cms.conftest import speak_english
from tests.tenders.bid_factories import BIDDING, applicant, bidding_round
from tests.tenders.committee_factories import declare_all, opened_round, score_all, seat_committee

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'<input type="hidden" name="once_token" value="([^"]+)">')
REPLAYED = "This form was sent already: here is what it did."


@pytest.fixture
def clock():
    with time_machine.travel(BIDDING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def token_of(response) -> str:
    found = TOKEN.findall(response.content.decode())
    assert len(found) == 1, "one token per form"
    return found[0]


# --- the portal's bid form ----------------------------------------------------------------


@pytest.fixture
def bidding(clock, client):
    round_obj = bidding_round(clock)
    lot = round_obj.lots.order_by("number").first()
    _merchant, user = applicant(round_obj, [lot])
    clock.move_to(BIDDING)
    client.force_login(user)
    return reverse("portal:bid_submit", args=(round_obj.pk, lot.pk))


def test_a_double_clicked_bid_is_one_bid_and_the_second_click_shows_its_receipt(client, bidding):
    token = token_of(client.get(bidding))
    data = {"annual_rent": "150000.00", "proposal": "A flagship café.", "once_token": token}
    first = client.post(bidding, data)
    second = client.post(bidding, data)
    assert first.status_code == second.status_code == 302
    stored = Bid.objects.get()
    assert (
        second["Location"]
        == first["Location"]
        == reverse("portal:bid_receipt", args=(stored.round_id, stored.pk))
    )
    assert REPLAYED in messages_of(second)
    assert Entry.objects.filter(action="bid.submit").count() == 1
    assert stored.receipt_number in client.get(second["Location"]).content.decode()


def test_each_rendering_has_its_own_token_and_a_refusal_keeps_none(client, bidding):
    token = token_of(client.get(bidding))
    assert token != token_of(client.get(bidding))
    refused = client.post(bidding, {"annual_rent": "0", "proposal": "x", "once_token": token})
    assert refused.status_code == 200
    assert "The annual rent offered must be more than 0." in refused.content.decode()
    assert token_of(refused) != token
    assert not Bid.objects.exists() and not IdempotencyKey.objects.exists()
    # The same token again, now with a good offer: judged afresh, as nothing was done.
    accepted = client.post(
        bidding, {"annual_rent": "150000.00", "proposal": "x", "once_token": token}
    )
    assert accepted.status_code == 302 and Bid.objects.count() == 1


def test_two_forms_two_tokens_two_bids_and_no_token_works_as_before(client, bidding):
    for token in ("first-form", "second-form", None):
        data = {"annual_rent": "150000.00", "proposal": "x"}
        if token:
            data["once_token"] = token
        assert client.post(bidding, data).status_code == 302
    assert Bid.objects.count() == 3
    assert Bid.objects.filter(status=Bid.Status.ACTIVE).count() == 1


def test_a_token_sent_to_another_form_is_refused(client, bidding):
    client.post(bidding, {"annual_rent": "150000.00", "proposal": "x", "once_token": "t-1"})
    bid = Bid.objects.get()
    withdraw = reverse("portal:bid_withdraw", args=(bid.round_id, bid.pk))
    response = client.post(withdraw, {"once_token": "t-1"})
    assert response.status_code == 422
    assert "was used with another request" in response.content.decode()
    assert Bid.objects.get().status == Bid.Status.ACTIVE


# --- the admin's award form ---------------------------------------------------------------


@pytest.fixture
def award_ready(clock):
    opened = opened_round(clock)
    speak_english(opened.officer)
    members = seat_committee(opened, size=5)
    declare_all(opened, members)
    score_all(opened, members)
    outcome.result_sign_off(actor=members[0], round=opened.round)
    outcome.result_publish(actor=opened.officer, round=opened.round)
    opened.refresh()
    clock.move_to(opened.round.publicity_ends_at + dt.timedelta(minutes=1))
    return opened


def test_a_double_clicked_award_is_one_award_and_the_second_click_shows_the_round(
    client, award_ready
):
    client.force_login(award_ready.officer)
    action = url("action", award_ready.round.pk, "award")
    token = token_of(client.get(action))
    first = client.post(action, {"once_token": token})
    second = client.post(action, {"once_token": token})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == url("detail", award_ready.round.pk)
    assert REPLAYED in messages_of(second)
    assert Award.objects.count() == 2
    assert Entry.objects.filter(action="round.award").count() == 1
    assert award_ready.refresh().status == TenderRound.Status.AWARDED
