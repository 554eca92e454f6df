"""PostgreSQL restarted under load (issue 7, "Faults"): the app recovers by itself and fails
cleanly meanwhile.

A throw-away cluster of our own (initdb and pg_ctl as the postgres user, in a temporary folder,
on a free port; the shared server is never touched) holds the demo network; gunicorn (2 sync
workers, persistent connections: DATABASE_CONN_MAX_AGE=60) serves it with the production
settings (tests/faults/fault_settings.py). Client threads request, round robin, the station page
of the largest demo station, a signed-in merchant's portal page and an API list, while the
cluster is stopped (``pg_ctl stop -m fast``, then in a second run ``-m immediate``: no
shutdown checkpoint, connections cut), left down for OUTAGE_SECONDS, and started again.

Asserted: every answer is 200 or a clean 503 — Retry-After, the site's short page in the
visitor's language for HTML, the API's error shape with code ``unavailable`` under /api/ — with
no 500, no dropped or timed-out request; the outage was seen (some 503s); and every request
sent once the cluster accepts connections again answers 200, without restarting gunicorn (the
workers' dead persistent connections are replaced by the health check). Printed: the counts by
status, the latencies, and how long after the restart each page first answered 200.

PostgreSQL only (it is the production database; run with DATABASE_URL=postgres://…), as root
with runuser and PostgreSQL 15's initdb; skipped with the reason otherwise. About 2 minutes.
"""

import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from base64 import b64encode
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.perf.serving import free_port, gunicorn, run

PG_BIN = Path(os.environ.get("HSR_PG_BIN", "/usr/lib/postgresql/15/bin"))
OUTAGE_SECONDS = float(os.environ.get("HSR_OUTAGE_SECONDS", "5"))
CLIENTS = int(os.environ.get("HSR_OUTAGE_CLIENTS", "6"))
CLIENT_TIMEOUT = 30  # seconds; a request still unanswered then counts as hung
HEADERS = {"X-Forwarded-Proto": "https", "User-Agent": "hsr-faults", "Accept-Language": "en"}

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (run with DATABASE_URL=postgres://…)",
)


def as_postgres(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


class Cluster:
    """A PostgreSQL 15 cluster in ``folder`` on ``port``, run as the postgres user."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data = folder / "data"

    def pg_ctl(self, *args: str) -> None:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self.pg_ctl("-l", str(self.folder / "postgres.log"), "-o", options, "-w", "start")

    def stop(self, mode: str) -> None:
        self.pg_ctl("-m", mode, "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="module")
def cluster():
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("starting a PostgreSQL cluster of our own needs root and runuser")
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no initdb in {PG_BIN} (set HSR_PG_BIN)")
    folder = Path(tempfile.mkdtemp(prefix="hsr-faults-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    made = Cluster(folder, free_port())
    as_postgres(
        str(PG_BIN / "initdb"), "-D", str(made.data), "-U", "postgres", "--auth=trust",
        "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
    )  # fmt: skip
    made.start()
    try:
        yield made
    finally:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(made.data), "-m", "immediate", "stop",
                    check=False)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def served(cluster, tmp_path_factory):
    """gunicorn serving the demo from the cluster: (cluster, port, what to request)."""
    import psycopg

    tmp = tmp_path_factory.mktemp("restart")
    (tmp / "static").mkdir()
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        conn.execute('CREATE DATABASE "hsr_restart"')
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults.fault_settings",
        "DATABASE_URL": cluster.url("hsr_restart"),
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "HSR_MASTER_KEY": b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_MEDIA_ROOT": str(tmp / "media"),
        "HSR_FAULT_STATIC_ROOT": str(tmp / "static"),
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "LOG_LEVEL": "WARNING",
        "API_ANONYMOUS_RATE_LIMIT": "100000/min",  # the load, not the throttle, is tested
    }
    run(env, "manage.py", "migrate", "--noinput")
    run(env, "manage.py", "load_demo")
    site = json.loads(run(env, "-m", "tests.faults.restart_site"))
    options = ["--workers", "2", "--timeout", "60", "--graceful-timeout", "5"]
    with gunicorn(
        env, tmp / "gunicorn.log", options, ready=lambda port: get(port, site["api_url"])
    ) as (port, log):
        yield cluster, port, site, log


@dataclass
class Answer:
    sent: float  # time.monotonic()
    path: str
    seconds: float
    status: int | None = None  # None: no answer (refused, reset, timed out)
    retry_after: str | None = None
    content_type: str = ""
    body: str = ""
    error: str = ""


def get(port: int, path: str, cookie: str = "") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        headers = {**HEADERS, **({"Cookie": cookie} if cookie else {})}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def ask(port: int, path: str, cookie: str) -> Answer:
    sent = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        conn.request("GET", path, headers={**HEADERS, "Cookie": cookie})
        response = conn.getresponse()
        body = response.read().decode()
        return Answer(
            sent, path, time.monotonic() - sent, response.status,
            response.getheader("Retry-After"), response.getheader("Content-Type") or "",
            body if response.status != 200 else "",
        )  # fmt: skip
    except OSError as exc:
        return Answer(sent, path, time.monotonic() - sent, error=repr(exc))
    finally:
        conn.close()


def load(port: int, site: dict, stop: threading.Event) -> list[Answer]:
    """CLIENTS threads asking for the three pages in turn until ``stop``."""
    paths = [site["station_url"], site["portal_url"], site["api_url"]]
    cookie = f"sessionid={site['session']}"
    answers: list[Answer] = []
    lock = threading.Lock()

    def client(offset: int):
        mine, n = [], offset
        while not stop.is_set():
            mine.append(ask(port, paths[n % len(paths)], cookie))
            n += 1
        with lock:
            answers.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    return answers, threads


def clean_failure(answer: Answer) -> str | None:
    """What is wrong with a non-200 answer (None when it is the outage's clean 503)."""
    if answer.status != 503:
        return f"{answer.status} {answer.error}".strip()
    if answer.retry_after is None or not answer.retry_after.isdigit():
        return "503 without Retry-After"
    if answer.path.startswith("/api/"):
        body = json.loads(answer.body)
        if body != {
            "code": "unavailable",
            "message": "The service is briefly unavailable. Nothing was changed; try again shortly.",
            "field": None,
            "errors": [],
        }:
            return f"API 503 not in the error shape: {answer.body[:200]}"
        return None
    if not answer.content_type.startswith("text/html"):
        return f"HTML 503 as {answer.content_type}"
    if '<html lang="en">' not in answer.body or "Briefly unavailable" not in answer.body:
        return f"503 page not the site's short page in English: {answer.body[:200]}"
    if "Traceback" in answer.body:
        return "a traceback in the page"
    return None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_the_app_fails_cleanly_while_postgres_is_down_and_recovers_by_itself(served, mode):
    cluster, port, site, log = served
    for path in (site["station_url"], site["portal_url"], site["api_url"]):
        status, _body = get(port, path, f"sessionid={site['session']}")
        assert status == 200, path  # the merchant's session is valid, every page is served

    stop = threading.Event()
    answers, threads = load(port, site, stop)
    time.sleep(3)  # load with the database up: every worker holds a persistent connection
    down_at = time.monotonic()
    cluster.stop(mode)
    time.sleep(OUTAGE_SECONDS)
    cluster.start()  # returns once the cluster accepts connections
    up_at = time.monotonic()
    time.sleep(8)
    stop.set()
    for thread in threads:
        thread.join()

    faults = Counter(
        (a.path, fault) for a in answers if a.status != 200 if (fault := clean_failure(a))
    )
    assert faults == {}
    during = [a for a in answers if down_at <= a.sent < up_at]
    assert any(a.status == 503 for a in during), "the outage was not seen"
    after = [a for a in answers if a.sent >= up_at]
    assert after and all(a.status == 200 for a in after), [
        (a.path, a.status) for a in after if a.status != 200
    ]

    by_status: dict = {}
    for a in answers:
        by_status[a.status] = by_status.get(a.status, 0) + 1
    unavailable = [a.seconds for a in answers if a.status == 503]
    ok = [a.seconds for a in answers if a.status == 200]
    last_503 = max((a.sent + a.seconds for a in answers if a.status == 503), default=down_at)
    first_ok = {
        path: min((a.sent + a.seconds for a in answers if a.path == path and a.status == 200
                   and a.sent >= down_at), default=None) - up_at
        for path in {a.path for a in answers}
    }  # fmt: skip
    print(
        f"\npg_ctl stop -m {mode}, down {up_at - down_at:.1f} s (start included), "
        f"{CLIENTS} clients, 2 workers: {len(answers)} requests {by_status}; "
        f"503 p50 {statistics.median(unavailable) * 1000:.0f} ms, "
        f"max {max(unavailable) * 1000:.0f} ms; 200 p50 {statistics.median(ok) * 1000:.0f} ms, "
        f"p99 {percentile(ok, 0.99) * 1000:.0f} ms; slowest answer "
        f"{max(a.seconds for a in answers) * 1000:.0f} ms; last 503 "
        f"{last_503 - up_at:+.2f} s from the restart; first 200 after it: "
        + ", ".join(f"{path} {sec:+.2f} s" for path, sec in sorted(first_ok.items()))
    )


def test_a_restart_while_the_workers_are_idle_costs_no_request(served):
    """Workers idle through the restart hold connections the server has closed; the health
    check replaces them before their first query, so not even the first request fails."""
    cluster, port, site, _log = served
    cookie = f"sessionid={site['session']}"
    paths = [site["station_url"], site["portal_url"], site["api_url"]]
    for path in paths * 4:  # both workers hold a persistent connection
        assert get(port, path, cookie)[0] == 200

    cluster.stop("fast")
    cluster.start()

    assert [get(port, path, cookie)[0] for path in paths * 4] == [200] * 12
