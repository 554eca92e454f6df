"""A gunicorn worker SIGKILLed in the middle of a bid and of an award (issue 7, "Faults"):
nothing half-written, gunicorn starts another worker, and the client's retry with the same
Idempotency-Key gives exactly one bid (the same receipt when the first had committed) and one
award.

gunicorn (one sync worker, a free loopback port) serves the test's own PostgreSQL database
through tests/faults/fault_wsgi.py, which pauses a request at a chosen point — inside the
service's transaction just after its journal entry, or after the commit before the answer is
sent — and writes the worker's pid; the test kills that pid. PostgreSQL only (the database must
be shared with another process); skipped on SQLite.
"""

import http.client
import json
import os
import signal
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from wagtail.models import APIToken

from api.models import IdempotencyKey
from audit.journal import verify
from audit.models import Entry
from stations.models import Unit
from tenders import result as outcome
from tenders.models import Award, Bid, TenderRound
from tests.perf import bid_rush_site
from tests.perf.serving import gunicorn, log_text
from tests.tenders.bid_factories import BIDDING
from tests.tenders.committee_factories import declare_all, opened_round, score_all, seat_committee

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
WAIT_SECONDS = 30


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn with one sync worker on the test database; (port, fault directory, log)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://…)")
    faults = tmp_path_factory.mktemp("faults")
    given = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": urlunsplit(given._replace(path=f"/{connection.settings_dict['NAME']}")),
        "DATABASE_CONN_MAX_AGE": "0",
        "HSR_FAULT_DIR": str(faults),
    }
    options = ["--workers", "1", "--preload", "--timeout", "120", "--graceful-timeout", "2"]

    def ready(port: int) -> None:
        status, _body, _headers = call(port, "GET", "/api/v1/openapi.json")
        assert status == 200

    with gunicorn(
        env, faults / "gunicorn.log", options, ready, app="tests.faults.fault_wsgi:application"
    ) as (port, log):
        yield port, faults, log


def call(port, method, path, token=None, body=None, key=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept-Language": "en", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    try:
        conn.request(method, path, body=json.dumps(body or {}).encode(), headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def killed_at(server, point: str, *request) -> int:
    """Send ``request`` with ``point`` armed; SIGKILL the worker paused there; its pid. The
    client's connection breaks without an answer."""
    port, faults, log = server
    (faults / point).touch()
    outcome_of = {}

    def send():
        try:
            outcome_of["answer"] = call(port, *request)
        except (OSError, http.client.HTTPException) as broken:
            outcome_of["error"] = broken

    client = threading.Thread(target=send)
    client.start()
    pid_file = faults / f"{point}.pid"
    deadline = time.monotonic() + WAIT_SECONDS
    while not pid_file.exists():
        assert time.monotonic() < deadline, "the worker never paused:\n" + log_text(log)
        time.sleep(0.02)
    pid = int(pid_file.read_text())
    pid_file.unlink()
    os.kill(pid, signal.SIGKILL)
    client.join(WAIT_SECONDS)
    assert "error" in outcome_of, outcome_of  # no answer reached the client
    return pid


def retry(server, *request):
    port, _faults, _log = server
    status, body, headers = call(port, *request)
    return status, json.loads(body), headers


def journal_intact():
    assert verify() is None


# --- a bid --------------------------------------------------------------------------------


@pytest.fixture
def bidding():
    """A round taking bids until tomorrow (real time), one admitted merchant with a token."""
    made = bid_rush_site.setup(1)
    offer = {"lot": made["lot"], "annual_rent": "150000.00", "proposal": "A flagship café."}
    return made["merchants"][0]["token"], offer


def test_killed_mid_bid_before_the_commit_leaves_nothing_and_the_retry_bids_once(
    on_postgres, server, bidding
):
    token, offer = bidding
    request = ("POST", "/api/v1/merchant/bids/", token, offer, "bid-a")
    pid = killed_at(server, "journal-bid.submit", *request)
    assert not Bid.objects.exists()
    assert not Entry.objects.filter(action="bid.submit").exists()
    assert not IdempotencyKey.objects.exists()
    journal_intact()
    status, body, headers = retry(server, *request)
    assert status == 201, body
    assert int(headers["X-Worker-Pid"]) != pid  # gunicorn started another worker
    assert "Idempotent-Replayed" not in headers
    stored = Bid.objects.get()
    assert body["receipt_number"] == stored.receipt_number
    assert Entry.objects.filter(action="bid.submit").count() == 1
    journal_intact()


def test_killed_after_the_bid_committed_the_retry_answers_the_same_receipt(
    on_postgres, server, bidding
):
    token, offer = bidding
    request = ("POST", "/api/v1/merchant/bids/", token, offer, "bid-b")
    pid = killed_at(server, "response", *request)
    stored = Bid.objects.get()  # committed, with its key: the answer was lost, not the bid
    assert Entry.objects.filter(action="bid.submit").count() == 1
    assert IdempotencyKey.objects.get().response_status == 201
    status, body, headers = retry(server, *request)
    assert status == 201 and headers["Idempotent-Replayed"] == "true"
    assert int(headers["X-Worker-Pid"]) != pid
    assert body["receipt_number"] == stored.receipt_number and body["id"] == stored.pk
    assert Bid.objects.count() == 1
    assert Entry.objects.filter(action="bid.submit").count() == 1
    journal_intact()


# --- an award -----------------------------------------------------------------------------


@pytest.fixture
def award_ready():
    """A round whose publicity ended (months ago, in real time); an officer's token."""
    import time_machine

    with time_machine.travel(BIDDING, tick=False) as clock:
        opened = opened_round(clock)
        members = seat_committee(opened, size=5)
        declare_all(opened, members)
        score_all(opened, members)
        outcome.result_sign_off(actor=members[0], round=opened.round)
        outcome.result_publish(actor=opened.officer, round=opened.round)
    _token, plaintext = APIToken.create_token(user=opened.officer, name="faults")
    return opened.round, plaintext, [unit.pk for lot in opened.lots for unit in lot.units.all()]


def units_reserved(unit_ids) -> int:
    return Unit.objects.filter(pk__in=unit_ids, status=Unit.Status.RESERVED).count()


def test_killed_mid_award_before_the_commit_leaves_nothing_and_the_retry_awards_once(
    on_postgres, server, award_ready
):
    round_obj, token, unit_ids = award_ready
    request = ("POST", f"/api/v1/officer/rounds/{round_obj.pk}/award/", token, None, "award-c")
    journal = Entry.objects.count()
    pid = killed_at(server, "journal-award.make", *request)
    assert not Award.objects.exists()
    assert units_reserved(unit_ids) == 0
    assert TenderRound.objects.get(pk=round_obj.pk).status == TenderRound.Status.PUBLICITY
    assert Entry.objects.count() == journal
    assert not IdempotencyKey.objects.exists()
    journal_intact()
    status, body, headers = retry(server, *request)
    assert status == 200, body
    assert int(headers["X-Worker-Pid"]) != pid
    assert body["status"] == "awarded" and len(body["awards"]) == 2
    assert Award.objects.count() == 2 and units_reserved(unit_ids) == len(unit_ids)
    assert Entry.objects.filter(action="round.award").count() == 1
    journal_intact()


def test_killed_after_the_award_committed_the_retry_answers_the_award_made(
    on_postgres, server, award_ready
):
    round_obj, token, unit_ids = award_ready
    request = ("POST", f"/api/v1/officer/rounds/{round_obj.pk}/award/", token, None, "award-d")
    pid = killed_at(server, "response", *request)
    made = sorted(Award.objects.values_list("pk", flat=True))
    assert len(made) == 2 and units_reserved(unit_ids) == len(unit_ids)
    status, body, headers = retry(server, *request)
    assert status == 200 and headers["Idempotent-Replayed"] == "true"
    assert int(headers["X-Worker-Pid"]) != pid
    assert sorted(award["id"] for award in body["awards"]) == made
    assert Award.objects.count() == 2
    assert Entry.objects.filter(action="round.award").count() == 1
    assert Entry.objects.filter(action="award.make").count() == 2
    journal_intact()
