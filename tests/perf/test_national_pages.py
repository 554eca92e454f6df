"""Benchmark: every back-office list and report page, the portal's pages, the public site's
station and notice pages and every API list, on the national network (issue 7, "Scale").

Run with a copy of the generated network (the set-up adds the site's pages, three users and
API tokens to it, so never on the original)::

    createdb -h 127.0.0.1 -U postgres -T hsr_national hsr_scale_nat
    PERF_NATIONAL_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hsr_scale_nat \\
        bin/test --perf tests/perf/test_national_pages.py

Skipped without PERF_NATIONAL_DATABASE_URL. The pages are found by tests.page_walk (the URL
resolver, the admin menu, the report registry, the OpenAPI document) and measured by
tests/perf/national_pages.py in a process of its own on that database (the test settings,
Django's test client in-process: no HTTP server), ``PERF_NATIONAL_REQUESTS`` times each
(default 10) after a warm-up; ``PERF_NATIONAL_PAGES`` narrows them by name,
``PERF_NATIONAL_SKIP`` (comma-separated names) leaves some out.

Printed: one table of each page with its role, queries, p50 and p95, peak Python memory of a
request (tracemalloc) and response size; recorded (tests/perf/results.py) as each page's p95.
Asserted: every page is served (200) to one of its roles. No timed assertions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.perf.results import record
from tests.perf.serving import ROOT

pytestmark = pytest.mark.perf

DATABASE = os.environ.get("PERF_NATIONAL_DATABASE_URL", "")
REQUESTS = int(os.environ.get("PERF_NATIONAL_REQUESTS", "10"))
ONLY = os.environ.get("PERF_NATIONAL_PAGES", "")
SKIP = os.environ.get("PERF_NATIONAL_SKIP", "")  # comma-separated page names


def _size(n: float) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def table(rows: list[dict]) -> str:
    header = ("page", "as", "queries", "p50 ms", "p95 ms", "peak memory", "size")
    lines = [
        (
            r["name"],
            r["role"],
            str(r["queries"]),
            f"{r['p50_s'] * 1000:,.0f}",
            f"{r['p95_s'] * 1000:,.0f}",
            _size(r["peak_bytes"]),
            _size(r["size_bytes"]),
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    out = []
    for n, line in enumerate([header, *lines]):
        out.append(
            "  ".join(
                cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i])
                for i, cell in enumerate(line)
            )
        )
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown(rows: list[dict]) -> str:
    lines = [
        "| page | as | queries | p50 | p95 | peak memory | size |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['role']} | {r['queries']} | {r['p50_s'] * 1000:,.0f} ms "
            f"| {r['p95_s'] * 1000:,.0f} ms | {_size(r['peak_bytes'])} | {_size(r['size_bytes'])} |"
        )
    return "\n".join(lines)


@pytest.mark.skipif(
    not DATABASE.startswith(("postgres://", "postgresql://")),
    reason="set PERF_NATIONAL_DATABASE_URL to a PostgreSQL copy of the generated national network",
)
def test_every_page_at_national_size():
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(ROOT),
    }
    args = [
        sys.executable, "-m", "tests.perf.national_pages", "--prepare",
        "--requests", str(REQUESTS),
    ]  # fmt: skip
    if ONLY:
        args += ["-k", ONLY]
    if SKIP:
        args += ["--skip", SKIP]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    refused = [r for r in rows if "refused" in r]
    assert not refused, f"pages served to none of their roles: {refused}"
    assert rows, "no page was measured"
    served = sorted(rows, key=lambda r: (r["kind"], r["name"]))
    print("\n" + table(served))
    if os.environ.get("PERF_NATIONAL_MARKDOWN"):
        with open(os.environ["PERF_NATIONAL_MARKDOWN"], "w", encoding="utf-8") as out:
            out.write(markdown(served) + "\n")
    for r in served:
        record(
            f"national: {r['name']} ({r['queries']} queries), p95",
            r["p95_s"],
            database="postgresql",
        )
