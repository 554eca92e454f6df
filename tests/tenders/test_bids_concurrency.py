"""100 submissions from 50 merchants racing the deadline in real threads, on PostgreSQL.

The server clock inside ``tenders.bids`` is replaced by a counter: the n-th reading (taken under
the round's row lock) is ``DEADLINE - 50 µs + (n - 1) µs``, so exactly the first 50 bids to take
the lock arrive before the deadline and the other 50 at or after it.
"""

import datetime as dt
import itertools
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from audit import journal
from audit.models import Entry
from leasing import pipeline
from tenders.bids import bid_submit
from tenders.models import Bid
from tests.tenders.bid_factories import BIDDING, DEADLINE, applicant, bidding_round

MERCHANTS = 50
SUBMISSIONS = 100
WORKERS = 25
MICROSECOND = dt.timedelta(microseconds=1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_100_bids_racing_the_deadline_none_lost_none_late_one_active_per_merchant(
    on_postgres, monkeypatch
):
    with time_machine.travel(BIDDING, tick=False) as clock:
        round_obj = bidding_round(clock, lots=1)
        lot = round_obj.lots.get()
        bidders = [applicant(round_obj, [lot]) for _ in range(MERCHANTS)]
        clock.move_to(BIDDING)

        readings = itertools.count()
        reading_lock = threading.Lock()

        def server_now():
            with reading_lock:
                n = next(readings)
            return DEADLINE - MERCHANTS * MICROSECOND + n * MICROSECOND

        monkeypatch.setattr("tenders.bids._server_now", server_now)
        go = threading.Event()

        def submit(n: int):
            # A merchant's two submissions are queued side by side: they race each other.
            merchant, user = bidders[n // 2]
            go.wait()
            # The language is per thread: the suite's English does not reach the workers.
            translation.activate("en")
            try:
                receipt = bid_submit(
                    actor=user,
                    round=round_obj,
                    lot=lot,
                    annual_rent=Decimal("150000.00") + n,
                    proposal=f"Proposal {n}",
                )
                return merchant.pk, "accepted", receipt
            except ValidationError as exc:
                return merchant.pk, "refused", exc.messages
            except Exception as exc:  # a lost bid must show up, whatever went wrong
                return merchant.pk, "error", repr(exc)
            finally:
                translation.deactivate()
                connection.close()

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            futures = [pool.submit(submit, n) for n in range(SUBMISSIONS)]
            go.set()
            outcomes = [future.result() for future in futures]

    kinds = Counter(kind for _m, kind, _x in outcomes)
    assert kinds == {"accepted": SUBMISSIONS // 2, "refused": SUBMISSIONS // 2}
    late = "The bid deadline (2026-03-21 10:00) has passed; the bid was refused."
    assert {tuple(x) for _m, kind, x in outcomes if kind == "refused"} == {(late,)}

    receipts = {x.receipt_number: (m, x) for m, kind, x in outcomes if kind == "accepted"}
    stored = {b.receipt_number: b for b in Bid.objects.filter(round=round_obj)}
    # None lost, nothing extra: every receipt given is a row, every row had a receipt.
    assert set(stored) == set(receipts)
    # None late: every accepted bid was received before the deadline, as its receipt says.
    for number, (_merchant_id, receipt) in receipts.items():
        assert receipt.received_at < DEADLINE
        assert stored[number].received_at == receipt.received_at
        assert stored[number].digest == receipt.digest
    # Readings of the clock were taken under the lock: rows went in in the order received.
    in_order = list(Bid.objects.filter(round=round_obj).order_by("pk"))
    assert in_order == sorted(in_order, key=lambda b: b.received_at)
    # One counted per merchant: the last one received before the deadline.
    for merchant, _user in bidders:
        mine = sorted(
            (b for b in stored.values() if b.merchant_id == merchant.pk),
            key=lambda b: b.received_at,
        )
        active = [b for b in mine if b.status == Bid.Status.ACTIVE]
        if mine:
            assert active == [mine[-1]]
            assert [b.version for b in mine] == list(range(1, len(mine) + 1))
        else:
            assert active == []
    assert Entry.objects.filter(action="bid.submit").count() == SUBMISSIONS // 2
    assert journal.verify() is None
    # The pipeline's kept count: one per merchant's active bid, racing adds and replacements.
    assert pipeline.differences() == []
    assert pipeline.stored({"station": lot.station}) == {
        (lot.station_id, dt.date(2026, 3, 1)): {
            "bids": Bid.objects.filter(round=round_obj, status=Bid.Status.ACTIVE).count(),
            "applications": MERCHANTS,
        }
    }
