"""The bid deadline judged by the request's arrival (cms.arrival), not by when the bid takes the
round's lock: a bid that arrived before the deadline and waited past it is accepted; one that
arrived at or after it is refused. The receipt and the journal say so. Through the service, the
API and the portal; a client cannot set the arrival.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from audit.models import Entry
from tenders.bids import bid_withdraw
from tenders.models import Bid
from tests.api.conftest import TokenClient, error_of
from tests.tenders.bid_factories import BIDDING, DEADLINE, applicant, bid, bidding_round

pytestmark = pytest.mark.django_db
MICROSECOND = dt.timedelta(microseconds=1)
RULE = (
    "The deadline was judged by the time the server received the request (received at), "
    "not by when the bid was processed."
)


@pytest.fixture
def clock():
    with time_machine.travel(BIDDING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def round_obj(clock):
    return bidding_round(clock)


@pytest.fixture
def lot(round_obj):
    return round_obj.lots.order_by("number").first()


@pytest.fixture
def bidder(round_obj, lot, clock):
    merchant, user = applicant(round_obj, [lot])
    clock.move_to(BIDDING)
    return merchant, user


@pytest.fixture
def taken_late(monkeypatch):
    """The lock is taken a second after the deadline (the bid queued behind others)."""
    monkeypatch.setattr("tenders.bids._server_now", lambda: DEADLINE + dt.timedelta(seconds=1))


def test_a_bid_that_arrived_before_the_deadline_counts_though_taken_after_it(
    round_obj, lot, bidder, taken_late
):
    _merchant, user = bidder
    arrived = DEADLINE - MICROSECOND
    receipt = bid(user, round_obj, lot, arrived_at=arrived)
    stored = Bid.objects.get()
    assert receipt.received_at == stored.received_at == arrived
    assert receipt.deadline_judged_by == "received_at"
    entry = Entry.objects.get(action="bid.submit")
    assert dt.datetime.fromisoformat(entry.after["received_at"]) == arrived
    assert entry.after["deadline_judged_by"] == "received_at"
    assert dt.datetime.fromisoformat(entry.after["taken_at"]) == DEADLINE + dt.timedelta(seconds=1)


def test_a_bid_that_arrived_at_the_deadline_is_refused_and_nothing_is_saved(
    round_obj, lot, bidder
):
    _merchant, user = bidder
    before = Entry.objects.count()
    with pytest.raises(Exception) as refused:
        bid(user, round_obj, lot, arrived_at=DEADLINE)
    assert refused.value.messages == [
        "The bid deadline (2026-03-21 10:00) has passed; the bid was refused."
    ]
    assert not Bid.objects.exists()
    assert Entry.objects.count() == before


def test_without_an_arrival_the_time_under_the_lock_judges(round_obj, lot, bidder, taken_late):
    _merchant, user = bidder
    with pytest.raises(Exception, match="has passed"):
        bid(user, round_obj, lot)
    assert not Bid.objects.exists()


def test_a_naive_arrival_is_a_programming_error(round_obj, lot, bidder):
    _merchant, user = bidder
    with pytest.raises(ValueError, match="aware"):
        bid(user, round_obj, lot, arrived_at=dt.datetime(2026, 3, 20, 12, 0))
    assert not Bid.objects.exists()


def test_a_withdrawal_is_judged_by_its_arrival_too(round_obj, lot, bidder, monkeypatch):
    _merchant, user = bidder
    receipt = bid(user, round_obj, lot)
    stored = Bid.objects.get(receipt_number=receipt.receipt_number)
    monkeypatch.setattr("tenders.bids._server_now", lambda: DEADLINE + dt.timedelta(seconds=2))
    with pytest.raises(Exception, match="has passed; the withdrawal was refused"):
        bid_withdraw(actor=user, bid=stored, arrived_at=DEADLINE)
    assert Bid.objects.get().status == Bid.Status.ACTIVE
    withdrawn = bid_withdraw(actor=user, bid=stored, arrived_at=DEADLINE - MICROSECOND)
    assert withdrawn.withdrawn_at == DEADLINE - MICROSECOND
    entry = Entry.objects.get(action="bid.withdraw")
    assert entry.after["deadline_judged_by"] == "received_at"


# --- over HTTP: the middleware stamps the arrival ------------------------------------------


def offer(lot) -> dict:
    return {"lot": lot.pk, "annual_rent": "150000.00", "proposal": "A flagship café."}


def test_the_api_judges_by_the_arrival_stamped_first(
    round_obj, lot, bidder, taken_late, monkeypatch
):
    _merchant, user = bidder
    arrived = DEADLINE - dt.timedelta(milliseconds=1)
    monkeypatch.setattr("cms.arrival._clock", lambda: arrived)
    caller = TokenClient(user)
    # A client's own idea of the time is no input: not a header, not a field.
    response = caller.post_json(
        "/api/v1/merchant/bids/", offer(lot), HTTP_X_ARRIVED_AT="2026-03-01T00:00:00Z"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert dt.datetime.fromisoformat(body["received_at"]) == arrived
    assert body["deadline_judged_by"] == "received_at"
    assert body["deadline_rule"] == RULE
    assert Bid.objects.get().received_at == arrived
    withdrawn = caller.post(f"/api/v1/merchant/bids/{body['id']}/withdraw/")
    assert withdrawn.status_code == 200
    assert dt.datetime.fromisoformat(withdrawn.json()["withdrawn_at"]) == arrived


def test_the_api_refuses_a_bid_arriving_at_the_deadline(round_obj, lot, bidder, monkeypatch):
    _merchant, user = bidder
    monkeypatch.setattr("cms.arrival._clock", lambda: DEADLINE)
    response = TokenClient(user).post_json("/api/v1/merchant/bids/", offer(lot))
    assert response.status_code == 400
    assert error_of(response)["message"] == (
        "The bid deadline (2026-03-21 10:00) has passed; the bid was refused."
    )
    assert not Bid.objects.exists()
    assert not Entry.objects.filter(action="bid.submit").exists()


def test_the_portal_judges_by_the_arrival_and_its_receipt_says_so(
    client, round_obj, lot, bidder, taken_late, monkeypatch
):
    _merchant, user = bidder
    arrived = DEADLINE - dt.timedelta(milliseconds=1)
    monkeypatch.setattr("cms.arrival._clock", lambda: arrived)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        reverse("portal:bid_submit", args=(round_obj.pk, lot.pk)),
        {"annual_rent": "150000.00", "proposal": "A flagship café."},
    )
    assert response.status_code == 302
    stored = Bid.objects.get()
    assert stored.received_at == arrived
    page = client.get(response["Location"]).content.decode()
    assert RULE in page
    download = client.get(response["Location"] + "?download=1").content.decode()
    assert RULE in download


def test_the_portal_refuses_a_bid_arriving_at_the_deadline(
    client, round_obj, lot, bidder, monkeypatch
):
    _merchant, user = bidder
    monkeypatch.setattr("cms.arrival._clock", lambda: DEADLINE)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        reverse("portal:bid_submit", args=(round_obj.pk, lot.pk)),
        {"annual_rent": "150000.00", "proposal": "A flagship café."},
    )
    assert response.status_code == 200
    assert "has passed; the bid was refused." in response.content.decode()
    assert not Bid.objects.exists()
