"""The round the bid-rush benchmark (test_bid_rush_http.py) bids on, made, moved and read in the
benchmark's own database. Run by the benchmark as ``python -m tests.perf.bid_rush_site <step>``;
each step prints JSON:

- ``setup N``: a published round with one lot and N merchants applied and admitted, each with
  a merchant user (verified e-mail) and an API token. Everything goes through the services
  (the factories of tests/tenders), on a clock moved back days (time_machine) to where the
  round is published and its applications decided; its bid deadline is a day ahead in real
  time. Prints the round, the lot and each merchant with its token's plaintext.
- ``deadline ROUND SECONDS``: moves the bid deadline to SECONDS from now (real time), through
  rounds.round_change_schedule, as an officer would; prints the new deadline.
- ``bids ROUND``: every bid of the round as stored (receipt, digest, status, version, time,
  merchant, its documents' digests), the count of bid.submit entries in the journal, and how
  many of them were taken under the round's lock at or after the deadline (received before it).
"""

from __future__ import annotations

import datetime as dt
import json
import sys

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def setup(merchants: int) -> dict:
    import time_machine
    from django.test import override_settings
    from django.utils import timezone
    from wagtail.models import APIToken

    from tenders import rounds
    from tenders.applications import application_decide, application_submit
    from tests.tenders.factories import MerchantFactory, merchant_user
    from tests.tenders.round_factories import (
        STANDARD_CRITERIA,
        add_lot,
        make_round,
        publish_documents,
    )

    now = timezone.now()
    past = now - dt.timedelta(days=5)
    dates = {
        "publication_at": past + dt.timedelta(hours=1),
        "application_opens_at": past + dt.timedelta(hours=2),
        "application_closes_at": past + dt.timedelta(days=1),
        "bid_deadline": now + dt.timedelta(days=1),
        "opening_at": now + dt.timedelta(days=1, hours=2),
    }
    found = []
    # Nobody logs in with a password here: the cheapest hasher keeps 200 users quick.
    cheap = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=cheap), time_machine.travel(past) as clock:
        round_obj = make_round(code=f"ZB-RUSH-{now:%H%M%S}", **dates)
        lot = add_lot(round_obj, number=1)
        rounds.criterion_set(actor=None, round=round_obj, criteria=STANDARD_CRITERIA)
        publish_documents(round_obj)
        rounds.round_publish(actor=None, round=round_obj)
        clock.move_to(past + dt.timedelta(hours=3))
        for n in range(merchants):
            merchant = MerchantFactory(name=f"抢标测试商贸有限公司{n:03d}")
            user = merchant_user(merchant, username=f"rush{n:03d}")
            application = application_submit(
                actor=user, round=round_obj, merchant=merchant, lots=[lot]
            )
            application_decide(actor=None, application=application, admit=True)
            _token, plaintext = APIToken.create_token(user=user, name="bid rush")
            found.append({"merchant": merchant.pk, "user": user.pk, "token": plaintext})
    return {"round": round_obj.pk, "code": round_obj.code, "lot": lot.pk, "merchants": found}


def deadline(round_id: int, seconds: float) -> dict:
    from django.utils import timezone

    from tenders import rounds
    from tenders.models import TenderRound

    round_obj = TenderRound.objects.get(pk=round_id)
    moved = rounds.round_change_schedule(
        actor=None,
        round=round_obj,
        bid_deadline=timezone.now() + dt.timedelta(seconds=seconds),
    )
    return {"bid_deadline": moved.bid_deadline.isoformat()}


def bids(round_id: int) -> dict:
    from audit.models import Entry
    from tenders.models import Bid, TenderRound

    stored = [
        {
            "id": bid.pk,
            "merchant": bid.merchant_id,
            "receipt_number": bid.receipt_number,
            "digest": bid.digest,
            "status": bid.status,
            "version": bid.version,
            "received_at": bid.received_at.isoformat(),
            "documents": [d.digest for d in bid.documents.order_by("position")],
        }
        for bid in Bid.objects.filter(round_id=round_id).order_by("pk")
    ]
    entries = Entry.objects.filter(action="bid.submit")
    # Received before the deadline but taken (the round's lock) at or after it: they count,
    # the deadline being judged by the arrival.
    deadline = TenderRound.objects.get(pk=round_id).bid_deadline
    taken_late = sum(
        1
        for after in entries.values_list("after", flat=True)
        if dt.datetime.fromisoformat(after["taken_at"]) >= deadline
    )
    return {"bids": stored, "journal_bid_submit": entries.count(), "taken_late": taken_late}


if __name__ == "__main__":
    import django

    django.setup()
    step, *args = sys.argv[1:]
    if step == "setup":
        result = setup(int(args[0]))
    elif step == "deadline":
        result = deadline(int(args[0]), float(args[1]))
    else:
        result = bids(int(args[0]))
    print(json.dumps(result))
