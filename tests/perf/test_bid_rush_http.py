"""Benchmark: 200 merchants rushing their sealed bids for one lot over HTTP in the last ten
seconds before the deadline (issue 7, "Load"), on gunicorn and PostgreSQL on loopback.

Run with ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/x bin/test --perf -k bid_rush``:
PostgreSQL only (the round's row lock is what orders the rush; SQLite would serialise the
whole database instead), in a database of its own, ``PERF_BID_DB`` (default
``hsr_perf_bid_rush_<pid>``: made afresh, dropped at the end). On SQLite it is skipped.

Set-up (tests/perf/bid_rush_site.py, in that database, with the production settings of
tests/perf/http_settings.py): ``migrate``; a published round with one lot and ``PERF_BID_MERCHANTS``
merchants (default 200) admitted, each with a verified merchant user and an API token — all
through the services. Then one ``gunicorn config.wsgi`` on 127.0.0.1 and a free port
(``PERF_BID_WORKERS`` workers, default 4, of class ``PERF_BID_WORKER_CLASS``, default sync,
or gthread with ``PERF_BID_THREADS`` threads each, default 4; persistent database connections). Just before the load the round's bid deadline is moved,
through rounds.round_change_schedule, to ~14 s from now in real time: the server's clock is
the real one.

The load: one thread per merchant, each with its own token, each POSTing to
/api/v1/merchant/bids/ (JSON, a PDF in base64) at its own moment (seeded random) in the last
10 s before the deadline; every 4th merchant replaces its bid with a second one later, a few
send theirs in the last 200 ms, and every 10th sends one more 0–1.5 s after the deadline.

Asserted (never a time): no request answered anything but 201 or the deadline refusal (400 in
the API's error shape); every request sent after the deadline got the refusal; every 201 is
stored exactly once — the stored bids are exactly the receipts answered (count and numbers),
with the same digests (of the bid and its document), received before the deadline; receipt
numbers are unique; each merchant has one active bid, its last accepted version, the earlier
ones replaced; the journal has one bid.submit entry per 201. Printed: the requests, their
outcome, throughput (req/s over the rush) and latency p50/p95/p99.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import threading
import time
from base64 import b64encode
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.perf.serving import gunicorn, log_text, run, server_env
from tests.perf.test_station_page_http import (
    HEADERS,
    percentile,
    postgres,
    postgres_server,
)

pytestmark = pytest.mark.perf

# Named after the process: two runs at once (another perf run picking this file up) must not
# drop each other's database mid-rush.
POSTGRES_DB = os.environ.get("PERF_BID_DB", f"hsr_perf_bid_rush_{os.getpid()}")
MERCHANTS = int(os.environ.get("PERF_BID_MERCHANTS", "200"))
WORKERS = int(os.environ.get("PERF_BID_WORKERS", "4"))
WORKER_CLASS = os.environ.get("PERF_BID_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("PERF_BID_THREADS", "4"))  # per worker, for the gthread class
RUSH_SECONDS = 10.0  # the bids arrive in the last RUSH_SECONDS before the deadline
LEAD_SECONDS = 4.0  # from moving the deadline to the start of the rush (threads started)
LATE_SECONDS = 1.5  # late requests are sent up to this long after the deadline
BIDS = "/api/v1/merchant/bids/"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The round and its admitted merchants in the benchmark's own PostgreSQL database; the
    environment to serve it with. The database is dropped afterwards."""
    if postgres_server() is None:
        pytest.skip(
            "the bid rush runs on PostgreSQL only: set DATABASE_URL=postgres://… "
            "(it makes a database of its own, PERF_BID_DB)"
        )
    tmp = tmp_path_factory.mktemp("bid-rush")
    postgres(f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)')
    postgres(f'CREATE DATABASE "{POSTGRES_DB}"')
    env = server_env(tmp, urlunsplit(urlsplit(postgres_server())._replace(path=f"/{POSTGRES_DB}")))
    try:
        started = time.perf_counter()
        run(env, "manage.py", "migrate", "--noinput")
        migrated = time.perf_counter()
        made = json.loads(run(env, "-m", "tests.perf.bid_rush_site", "setup", str(MERCHANTS)))
        print(
            f"\nmigrated in {migrated - started:.0f} s; round {made['code']} with "
            f"{len(made['merchants'])} admitted merchants made in "
            f"{time.perf_counter() - migrated:.0f} s ({env['DATABASE_URL']})"
        )
        yield env, made
    finally:
        postgres(f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)')


def request(port: int, method: str, path: str, token: str, body: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {**HEADERS, "Authorization": f"Bearer {token}", "Accept-Language": "en"}
    try:
        if body is None:
            conn.request(method, path, headers=headers)
        else:
            headers["Content-Type"] = "application/json"
            conn.request(method, path, body=json.dumps(body).encode(), headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(site):
    """gunicorn serving the benchmark's database on a free port; stopped however the test
    ends."""
    env, made = site
    token = made["merchants"][0]["token"]
    options = [
        *("--workers", str(WORKERS), "--worker-class", WORKER_CLASS, "--backlog", "2048"),
        *(("--threads", str(THREADS)) if WORKER_CLASS == "gthread" else ()),
        *("--timeout", "120", "--graceful-timeout", "5"),
    ]

    def ready(port: int) -> None:
        status, body = request(port, "GET", "/api/v1/merchant/profile/", token)
        assert status == 200, body

    log_path = Path(env["HSR_PERF_MEDIA_ROOT"]).parent / "gunicorn.log"
    with gunicorn(env, log_path, options, ready) as (port, log):
        # Each worker answers a request before the rush (its imports and connection made).
        for _ in range(WORKERS * 2):
            assert request(port, "GET", BIDS, token)[0] == 200
        yield port, log


@dataclass
class Sent:
    merchant: int
    kind: str  # "bid", "replacement", "last moment" or "late"
    annual_rent: str
    sent_at: float  # time.time() just before the request went out
    seconds: float = 0.0
    status: int = 0
    body: dict | None = None


def plan(merchants: list[dict], deadline: float) -> dict[int, list[tuple[float, str]]]:
    """When each merchant sends what (seeded): a bid in the rush; every 4th a replacement
    later; every 25th one more in the last 200 ms; every 10th one after the deadline."""
    rng = random.Random(7)
    start = deadline - RUSH_SECONDS
    moments: dict[int, list[tuple[float, str]]] = {}
    for n, merchant in enumerate(merchants):
        first = start + rng.uniform(0, RUSH_SECONDS - 0.5)
        mine = [(first, "bid")]
        if n % 4 == 0:
            mine.append((rng.uniform(first + 0.1, deadline - 0.05), "replacement"))
        if n % 25 == 0:
            mine.append((deadline - rng.uniform(0, 0.2), "last moment"))
        if n % 10 == 0:
            mine.append((deadline + rng.uniform(0.05, LATE_SECONDS), "late"))
        moments[merchant["merchant"]] = sorted(mine)
    return moments


def rush(port: int, made: dict, deadline: float) -> list[Sent]:
    lot = made["lot"]
    moments = plan(made["merchants"], deadline)
    results: list[Sent] = []
    lock = threading.Lock()

    def merchant_thread(merchant: dict, n: int):
        mine = []
        for k, (at, kind) in enumerate(moments[merchant["merchant"]]):
            pause = at - time.time()
            if pause > 0:
                time.sleep(pause)
            rent = f"{150000 + n * 10 + k}.00"
            document = PDF.replace(b"<<>> endobj", f"<< /M {n} /K {k} >> endobj".encode())
            body = {
                "lot": lot,
                "annual_rent": rent,
                "proposal": f"Merchant {n}, offer {k + 1}.",
                "documents": [
                    {"name": "plan.pdf", "content_base64": b64encode(document).decode()}
                ],
            }
            sent = Sent(merchant["merchant"], kind, rent, time.time())
            began = time.perf_counter()
            status, text = request(port, "POST", BIDS, merchant["token"], body)
            sent.seconds = time.perf_counter() - began
            sent.status = status
            try:
                sent.body = json.loads(text)
            except ValueError:
                sent.body = {"unparsed": text[:500]}
            mine.append(sent)
        with lock:
            results.extend(mine)

    threads = [
        threading.Thread(target=merchant_thread, args=(merchant, n))
        for n, merchant in enumerate(made["merchants"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def is_deadline_refusal(sent: Sent) -> bool:
    body = sent.body or {}
    return (
        sent.status == 400
        and set(body) == {"code", "message", "field", "errors"}
        and body["code"] == "invalid"
        and body["message"].startswith("The bid deadline (")
        and body["message"].endswith("has passed; the bid was refused.")
    )


def test_two_hundred_merchants_bid_in_the_last_ten_seconds(site, server):
    env, made = site
    port, log = server
    moved = json.loads(
        run(
            env,
            *("-m", "tests.perf.bid_rush_site", "deadline", str(made["round"])),
            str(RUSH_SECONDS + LEAD_SECONDS),
        )
    )
    deadline_at = dt.datetime.fromisoformat(moved["bid_deadline"])
    deadline = deadline_at.timestamp()
    assert deadline - time.time() > RUSH_SECONDS, "the set-up took the rush's time"

    results = rush(port, made, deadline)
    stored = json.loads(run(env, "-m", "tests.perf.bid_rush_site", "bids", str(made["round"])))

    # No 5xx, nothing but a receipt or the deadline's refusal.
    statuses = Counter(sent.status for sent in results)
    others = [s for s in results if s.status != 201 and not is_deadline_refusal(s)]
    assert not others, f"{len(others)} unexpected answers, e.g. {others[:3]}\n" + log_text(log)
    # Every request sent at or after the deadline was refused.
    late = [s for s in results if s.sent_at >= deadline]
    assert late and all(is_deadline_refusal(s) for s in late)

    accepted = [s for s in results if s.status == 201]
    bids = stored["bids"]
    by_receipt = {b["receipt_number"]: b for b in bids}
    # Nothing lost, nothing stored twice, nothing stored for a refusal.
    assert len(bids) == len(accepted) == stored["journal_bid_submit"]
    assert len(by_receipt) == len(bids)  # receipt numbers are unique
    assert set(by_receipt) == {s.body["receipt_number"] for s in accepted}
    for sent in accepted:
        row = by_receipt[sent.body["receipt_number"]]
        assert row["id"] == sent.body["id"] and row["merchant"] == sent.merchant
        assert row["digest"] == sent.body["digest"] and len(row["digest"]) == 64
        assert row["documents"] == [d["digest"] for d in sent.body["documents"]]
        assert row["version"] == sent.body["version"]
        received = dt.datetime.fromisoformat(row["received_at"])
        # The API's JSON gives the time to the millisecond (Django's encoder).
        in_ms = received.replace(microsecond=received.microsecond // 1000 * 1000)
        assert in_ms == dt.datetime.fromisoformat(sent.body["received_at"])
        assert received < deadline_at
        assert sent.annual_rent not in json.dumps(sent.body)  # the receipt never tells it
    # One active bid per merchant that bid: its last accepted version; the earlier replaced.
    versions = defaultdict(list)
    for row in bids:
        versions[row["merchant"]].append(row)
    assert set(versions) == {s.merchant for s in accepted}
    for rows in versions.values():
        rows.sort(key=lambda row: row["version"])
        assert [row["version"] for row in rows] == list(range(1, len(rows) + 1))
        assert [row["status"] for row in rows] == ["replaced"] * (len(rows) - 1) + ["active"]
        times = [row["received_at"] for row in rows]
        assert [dt.datetime.fromisoformat(t) for t in times] == sorted(
            dt.datetime.fromisoformat(t) for t in times
        )

    first_sent = min(s.sent_at for s in results)
    last_answered = max(s.sent_at + s.seconds for s in results)
    latencies = [s.seconds for s in results]
    kinds = Counter((s.kind, s.status) for s in results)
    print()
    print(
        f"bid rush: {len(made['merchants'])} merchants, round {made['code']}, one lot; "
        f"gunicorn {WORKERS} {WORKER_CLASS} workers"
        f"{f' × {THREADS} threads' if WORKER_CLASS == 'gthread' else ''}; "
        f"deadline {deadline_at:%H:%M:%S.%f}"
    )
    print(
        "requests: "
        + ", ".join(f"{kind} → {status}: {n}" for (kind, status), n in sorted(kinds.items()))
    )
    print(
        f"{len(results)} requests ({dict(statuses)}); {len(bids)} bids stored, "
        f"{sum(1 for b in bids if b['status'] == 'active')} active; "
        f"{sum(1 for s in results if s.sent_at < deadline and s.status == 400)} sent before "
        f"the deadline answered after it (refused); {stored['taken_late']} accepted bids "
        f"received before the deadline were taken after it (judged by their arrival)"
    )
    print(
        f"throughput {len(results) / (last_answered - first_sent):.1f} req/s over "
        f"{last_answered - first_sent:.1f} s; latency p50 {percentile(latencies, 0.50) * 1000:.0f}"
        f" ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    accepted_latencies = [s.seconds for s in accepted]
    print(
        f"accepted bids: p50 {percentile(accepted_latencies, 0.50) * 1000:.0f} ms, "
        f"p95 {percentile(accepted_latencies, 0.95) * 1000:.0f} ms, "
        f"p99 {percentile(accepted_latencies, 0.99) * 1000:.0f} ms"
    )
