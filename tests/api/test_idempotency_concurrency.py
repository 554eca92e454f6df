"""Two requests with the same Idempotency-Key at once, in real threads on PostgreSQL: one runs,
the other waits on the key's unique index until the first commits, then answers its response.
"""

import threading
import time

import pytest
import time_machine
from django.db import connection

import api.merchant
from audit.models import Entry
from tenders.models import Bid
from tests.api.conftest import TokenClient
from tests.tenders.bid_factories import BIDDING, applicant, bidding_round

KEY = "rush-0001"


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_concurrent_duplicate_waits_for_the_first_then_replays_it(on_postgres, monkeypatch):
    with time_machine.travel(BIDDING, tick=False) as clock:
        round_obj = bidding_round(clock)
        lot = round_obj.lots.order_by("number").first()
        _merchant, user = applicant(round_obj, [lot])
        clock.move_to(BIDDING)
        clients = [TokenClient(user), TokenClient(user)]

        started, release = threading.Event(), threading.Event()
        calls = []
        real = api.merchant.bid_submit

        def held(**kwargs):
            # The first request holds its transaction (and its key, uncommitted) open here.
            calls.append(kwargs["actor"].pk)
            started.set()
            assert release.wait(30)
            return real(**kwargs)

        monkeypatch.setattr(api.merchant, "bid_submit", held)
        offer = {"lot": lot.pk, "annual_rent": "150000.00", "proposal": "A flagship café."}
        responses = {}

        def send(n: int):
            try:
                responses[n] = clients[n].post_json(
                    "/api/v1/merchant/bids/", offer, HTTP_IDEMPOTENCY_KEY=KEY
                )
            finally:
                connection.close()

        first = threading.Thread(target=send, args=(0,))
        first.start()
        assert started.wait(30)
        second = threading.Thread(target=send, args=(1,))
        second.start()
        deadline = time.monotonic() + 30
        while not waiting_on_a_lock():  # the second request blocked on the key's index
            assert time.monotonic() < deadline, "the duplicate never waited on the key"
            time.sleep(0.02)
        release.set()
        first.join(30)
        second.join(30)

    assert len(calls) == 1
    assert responses[0].status_code == responses[1].status_code == 201
    assert responses[1].content == responses[0].content
    assert responses[1]["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in responses[0]
    assert Bid.objects.count() == 1
    assert Entry.objects.filter(action="bid.submit").count() == 1
