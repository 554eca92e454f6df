"""POST /api/v1/officer/rounds/{id}/award/: the admin's "Make the award" (tenders.result.
round_award) over the API — the same checks, 404 for a round the user may not see, errors in the
API's shape, and a retry with the same Idempotency-Key answering the award made, once.
"""

import datetime as dt

import pytest
import time_machine

from api.models import IdempotencyKey
from audit.models import Entry
from stations import roles
from tenders import result as outcome
from tenders.models import Award, TenderRound
from tests import factories
from tests.api.conftest import error_of
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import declare_all, opened_round, score_all, seat_committee
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db
Status = TenderRound.Status


@pytest.fixture
def clock():
    with time_machine.travel(BIDDING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def publicity(clock):
    """A round in publicity: lot 1 to Merchant A at 150000, lot 2 to D at 125000."""
    opened = opened_round(clock)
    members = seat_committee(opened, size=5)
    declare_all(opened, members)
    score_all(opened, members)
    outcome.result_sign_off(actor=members[0], round=opened.round)
    outcome.result_publish(actor=opened.officer, round=opened.round)
    opened.refresh()
    return opened


def ended(clock, opened):
    clock.move_to(opened.round.publicity_ends_at + dt.timedelta(minutes=1))


def award_url(round_obj) -> str:
    return f"/api/v1/officer/rounds/{round_obj.pk}/award/"


def test_the_officer_makes_the_award(api_client, publicity, clock):
    ended(clock, publicity)
    response = api_client(publicity.officer).post(award_url(publicity.round))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["round_id"], body["round"], body["status"]) == (
        publicity.round.pk,
        publicity.round.code,
        "awarded",
    )
    assert [
        (a["lot_number"], a["merchant"]["name"], a["annual_rent"]) for a in body["awards"]
    ] == [
        (1, "Merchant A", "150000.00"),
        (2, "Merchant D", "125000.00"),
    ]
    assert sorted(a["id"] for a in body["awards"]) == sorted(
        Award.objects.values_list("pk", flat=True)
    )
    assert publicity.refresh().status == Status.AWARDED


def test_a_retry_with_the_same_key_answers_the_award_made_once(api_client, publicity, clock):
    ended(clock, publicity)
    caller = api_client(publicity.officer)
    first = caller.post(award_url(publicity.round), HTTP_IDEMPOTENCY_KEY="award-1")
    again = caller.post(award_url(publicity.round), HTTP_IDEMPOTENCY_KEY="award-1")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert Award.objects.count() == 2
    assert Entry.objects.filter(action="award.make").count() == 2
    assert Entry.objects.filter(action="round.award").count() == 1
    # Without the key, a second award is the service's refusal: the round is awarded already.
    refused = caller.post(award_url(publicity.round))
    assert refused.status_code == 400
    assert error_of(refused)["code"] == "invalid"
    assert Award.objects.count() == 2


def test_the_award_before_the_end_of_publicity_is_refused_and_nothing_is_saved(
    api_client, publicity, clock
):
    before = Entry.objects.count()
    response = api_client(publicity.officer).post(
        award_url(publicity.round), HTTP_IDEMPOTENCY_KEY="too-early"
    )
    assert response.status_code == 400
    assert error_of(response)["message"] == (
        f"The publicity period runs until {outcome.when(publicity.round.publicity_ends_at)}: "
        "the award comes after it."
    )
    assert not Award.objects.exists()
    assert Entry.objects.count() == before
    assert publicity.refresh().status == Status.PUBLICITY
    assert not IdempotencyKey.objects.exists()  # a refusal is not kept: the retry runs


def test_an_inspector_and_a_station_manager_may_not_award(api_client, publicity, clock):
    ended(clock, publicity)
    station = publicity.lots[0].station
    manager = factories.station_officer(station, role=roles.STATION_MANAGER)
    for user in (publicity.inspector, manager):
        response = api_client(user).post(award_url(publicity.round))
        assert response.status_code == 403
        assert error_of(response)["message"] == (
            "Only a leasing officer who runs tender rounds may do this."
        )
    assert not Award.objects.exists()


def test_a_round_the_user_may_not_see_answers_404(api_client, publicity, clock):
    ended(clock, publicity)
    member = factories.UserFactory(roles=[roles.COMMITTEE_MEMBER])
    merchant = merchant_user(MerchantFactory())
    for user in (member, merchant, publicity.users["a"]):
        response = api_client(user).post(award_url(publicity.round))
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    missing = api_client(publicity.officer).post("/api/v1/officer/rounds/999999/award/")
    assert missing.status_code == 404
    assert not Award.objects.exists()
