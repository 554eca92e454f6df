"""Measures every page tests.page_walk finds on the database DATABASE_URL names (a copy of the
national network prepared by tests/perf/national_site.py), in this process with Django's test
client (no HTTP server, no network: the view, the ORM and PostgreSQL only).

For each page, as the first of its roles that is served: one request to warm it (discarded),
``--requests`` timed ones (p50, p95), their query count (the most of them), one more under
tracemalloc for the peak of Python memory the request allocates, and the response's size.
Prints one JSON line per page to stdout; run by tests/perf/test_national_pages.py as
``python -m tests.perf.national_pages --requests 10`` with DJANGO_SETTINGS_MODULE and
DATABASE_URL set (``--prepare``: tests/perf/national_site.py first adds what is missing).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tracemalloc

import django


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(page, made: dict, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.page_walk import client_for

    refused = []
    for role in page.roles:
        client = client_for(made, page, role)
        started = time.perf_counter()
        response = client.get(page.url)
        first = time.perf_counter() - started
        if response.status_code != 200:
            refused.append(f"{role}: {response.status_code}")
            continue
        times, queries = [], 0
        for _n in range(requests):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(page.url)
                times.append(time.perf_counter() - started)
            queries = max(queries, len(captured))
        tracemalloc.start()
        response = client.get(page.url)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        body = response.content if not response.streaming else b"".join(response.streaming_content)
        return {
            "name": page.name,
            "url": page.url,
            "kind": page.kind,
            "role": role,
            "status": response.status_code,
            "first_s": first,
            "p50_s": percentile(times, 0.5),
            "p95_s": percentile(times, 0.95),
            "mean_s": statistics.fmean(times),
            "queries": queries,
            "peak_bytes": peak,
            "size_bytes": len(body),
        }
    return {"name": page.name, "url": page.url, "kind": page.kind, "refused": refused}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("-k", dest="only", default="", help="only pages whose name has this")
    parser.add_argument("--skip", default="", help="comma-separated names of pages to leave out")
    parser.add_argument(
        "--prepare", action="store_true", help="first add what is missing (national_site)"
    )
    args = parser.parse_args(argv)
    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client

    from tests.page_walk import role_clients, subjects, walk
    from tests.perf import national_site

    if args.prepare:
        made = national_site.site_tree(stdout=lambda line: print(line, file=sys.stderr))
        print(f"site: {made}", file=sys.stderr)
    users = national_site.people()
    chosen = subjects(merchant=national_site.busiest_merchant())
    users["member"] = User.objects.get(pk=chosen.member_id)
    made = role_clients(users, token_name="national pages")
    openapi = Client().get("/api/v1/openapi.json").json()
    for page in walk(chosen, openapi):
        if args.only and args.only not in page.name:
            continue
        if page.name in args.skip.split(","):
            continue
        print(json.dumps(measure(page, made, args.requests)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
