"""The Idempotency-Key header on the API's writes (api.idempotency): the same key and request
answer the first response again and do nothing more; the same key with another request is
refused (422) and does nothing; a bad key is refused (400); without the header nothing changes.
Keys are the token user's, expire, and are purged by a command.
"""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from api.models import IdempotencyKey
from audit.models import Entry
from tenders.models import Bid, Merchant
from tests.api.conftest import error_of
from tests.tenders.bid_factories import BIDDING, applicant, bidding_round
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db
API = "/api/v1/merchant"
KEY = "9f1c2a7e-5d4b-4c3a-8e2f-0a1b2c3d4e5f"


@pytest.fixture
def merchant(db):
    return MerchantFactory(name="Hunan Coffee Co.")


@pytest.fixture
def user(merchant):
    return merchant_user(merchant, username="coffee")


@pytest.fixture
def caller(api_client, user):
    return api_client(user)


def patch_profile(caller, key=KEY, **changes):
    extra = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return caller.patch_json(f"{API}/profile/", changes or {"contact_name": "Ms Li"}, **extra)


def test_without_the_header_nothing_changes(caller, merchant):
    first = patch_profile(caller, key=None, store_count=3)
    second = patch_profile(caller, key=None, store_count=4)
    assert (first.status_code, second.status_code) == (200, 200)
    assert "Idempotent-Replayed" not in second
    assert Merchant.objects.get(pk=merchant.pk).store_count == 4
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_and_request_answer_the_first_response_and_do_nothing_more(caller, merchant):
    first = patch_profile(caller, contact_name="Ms Li")
    journal = Entry.objects.count()
    # Changed meanwhile by someone else: a replay must not undo that.
    Merchant.objects.filter(pk=merchant.pk).update(contact_name="Mr Wang")
    again = patch_profile(caller, contact_name="Ms Li")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Merchant.objects.get(pk=merchant.pk).contact_name == "Mr Wang"
    assert Entry.objects.count() == journal
    assert IdempotencyKey.objects.get().response_status == 200


@pytest.mark.parametrize(
    "other",
    [
        lambda caller: patch_profile(caller, contact_name="Someone else"),  # another body
        lambda caller: caller.patch_json(  # another path (its query)
            f"{API}/profile/?x=1", {"contact_name": "Ms Li"}, HTTP_IDEMPOTENCY_KEY=KEY
        ),
        lambda caller: caller.post_json(  # another method and path
            f"{API}/demands/", {"brand": 1}, HTTP_IDEMPOTENCY_KEY=KEY
        ),
    ],
)
def test_the_same_key_with_another_request_is_refused_and_does_nothing(caller, merchant, other):
    patch_profile(caller, contact_name="Ms Li")
    journal = Entry.objects.count()
    response = other(caller)
    assert response.status_code == 422
    body = error_of(response)
    assert body["code"] == "key_reused"
    assert body["field"] == "Idempotency-Key"
    assert body["message"] == (
        "This Idempotency-Key was used with another request (method, path or body): "
        "send a new key with a new request."
    )
    assert Merchant.objects.get(pk=merchant.pk).contact_name == "Ms Li"
    assert Entry.objects.count() == journal
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "钥匙"])
def test_a_bad_key_is_refused_and_nothing_is_done(caller, merchant, key):
    response = patch_profile(caller, key=key, contact_name="Ms Li")
    assert response.status_code == 400
    body = error_of(response)
    assert (body["code"], body["field"]) == ("invalid", "Idempotency-Key")
    assert body["message"] == "Idempotency-Key must be 1 to 255 printable ASCII characters."
    assert Merchant.objects.get(pk=merchant.pk).contact_name != "Ms Li"
    assert not IdempotencyKey.objects.exists()


def test_a_key_of_255_printable_characters_is_taken(caller):
    key = "".join(chr(32 + n % 95) for n in range(255))
    assert patch_profile(caller, key=key).status_code == 200
    assert IdempotencyKey.objects.get().key == key


def test_a_refusal_is_not_kept_so_the_retry_is_judged_afresh(caller, merchant):
    refused = patch_profile(caller, registered_capital="-1")
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    retried = patch_profile(caller, registered_capital="5000000.00")
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried


def test_keys_are_each_users_own(caller, api_client, merchant):
    patch_profile(caller, contact_name="Ms Li")
    other = MerchantFactory(name="Other Ltd")
    theirs = patch_profile(api_client(merchant_user(other)), contact_name="Ms Li")
    assert theirs.status_code == 200 and "Idempotent-Replayed" not in theirs
    assert Merchant.objects.get(pk=other.pk).contact_name == "Ms Li"
    assert IdempotencyKey.objects.count() == 2


def test_without_a_valid_token_the_key_is_not_looked_at(api_client):
    response = api_client().patch_json(
        f"{API}/profile/", {"contact_name": "Ms Li"}, HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_an_expired_key_runs_the_request_again_and_the_command_purges_old_keys(caller, merchant):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        patch_profile(caller, store_count=3)
        patch_profile(caller, key="another", store_count=5)
        clock.move_to(start + dt.timedelta(hours=23))
        Merchant.objects.filter(pk=merchant.pk).update(store_count=9)
        assert patch_profile(caller, store_count=3)["Idempotent-Replayed"] == "true"
        assert Merchant.objects.get(pk=merchant.pk).store_count == 9
        clock.move_to(start + dt.timedelta(hours=24))
        again = patch_profile(caller, store_count=3)
        assert again.status_code == 200 and "Idempotent-Replayed" not in again
        assert Merchant.objects.get(pk=merchant.pk).store_count == 3
        out = StringIO()
        call_command("purge_idempotency_keys", stdout=out)
        assert out.getvalue().strip() == "1 expired idempotency key(s) deleted."
        assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == [KEY]


# --- a sealed bid, retried ---------------------------------------------------------------


@pytest.fixture
def bidding(merchant, user):
    with time_machine.travel(BIDDING, tick=False) as clock:
        round_obj = bidding_round(clock)
        lot = round_obj.lots.order_by("number").first()
        applicant(round_obj, [lot], merchant=merchant)
        clock.move_to(BIDDING)
        yield lot


def test_a_retried_bid_gives_one_bid_and_the_same_receipt(caller, bidding):
    offer = {"lot": bidding.pk, "annual_rent": "150000.00", "proposal": "A flagship café."}
    first = caller.post_json(f"{API}/bids/", offer, HTTP_IDEMPOTENCY_KEY=KEY)
    again = caller.post_json(f"{API}/bids/", offer, HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Bid.objects.count() == 1
    assert Entry.objects.filter(action="bid.submit").count() == 1
    withdraw = f"{API}/bids/{first.json()['id']}/withdraw/"
    once = caller.post(withdraw, HTTP_IDEMPOTENCY_KEY="withdraw-1")
    twice = caller.post(withdraw, HTTP_IDEMPOTENCY_KEY="withdraw-1")
    assert once.status_code == twice.status_code == 200
    assert twice.json()["status"] == "withdrawn" and twice.content == once.content
    assert Entry.objects.filter(action="bid.withdraw").count() == 1


# --- the OpenAPI document ------------------------------------------------------------------


def test_the_openapi_document_names_the_header_on_every_write_only(client):
    schema = client.get("/api/v1/openapi.json").json()
    writes = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
            if method in ("post", "patch"):
                writes += 1
                assert names == ["Idempotency-Key"], (path, method)
                assert "422" in operation["responses"]
            else:
                assert "Idempotency-Key" not in names, (path, method)
    assert writes >= 11  # bids, withdrawal, applications, demands (3), turnover, profile,
    # unit status, payment, award
    award = schema["paths"]["/api/v1/officer/rounds/{round_id}/award/"]["post"]
    assert award["parameters"][-1]["schema"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
    }
