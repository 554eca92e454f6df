"""Run the benchmarks and print one table of them: ``python -m tests.perf [--markdown PATH]``.

It runs ``pytest tests/perf -p no:xdist --perf -s`` (each benchmark still prints its own
figures), any other arguments going to pytest (``-k rent``, a test file, ``-x``…); the
benchmarks record their results (tests/perf/results.py) in a file the runner reads afterwards
to print each benchmark, its baseline measured in the same run and the ratio. ``--markdown``
also writes the table, with the machine it ran on, as Markdown for the README. SQLite unless
DATABASE_URL says otherwise; the benchmarks' own variables (PERF_RENT_LEASES…) set the sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.perf import results

ROOT = Path(__file__).resolve().parents[2]


def machine() -> str:
    """The machine the table was measured on, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GB"
    except (ValueError, OSError, AttributeError):
        memory = ""
    database = os.environ.get("DATABASE_URL", "")
    vendor = "PostgreSQL" if database.startswith(("postgres://", "postgresql://")) else "SQLite"
    return (
        f"{dt.date.today():%Y-%m-%d}, {cpu}, {os.cpu_count()} cores{memory}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, {vendor}"
    )


def pytest_command(args: list[str]) -> list[str]:
    """pytest over tests/perf, or over the tests/… paths given, with the other arguments."""
    paths = [a for a in args if a.startswith("tests/")]
    others = [a for a in args if not a.startswith("tests/")]
    return [
        *(sys.executable, "-m", "pytest"),
        *(paths or ["tests/perf"]),
        *("-p", "no:xdist", "--perf", "-s"),
        *others,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.perf",
        description="Run the benchmarks (tests/perf) and print one table of them; "
        "other arguments go to pytest.",
    )
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    options, pytest_args = parser.parse_known_args(argv)

    with tempfile.TemporaryDirectory(prefix="hsr-perf-") as tmp:
        path = Path(tmp) / "results.jsonl"
        env = {
            **os.environ,
            results.RESULTS_ENV: str(path),
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "config.settings.test"
            ),
        }
        code = subprocess.run(pytest_command(pytest_args), cwd=ROOT, env=env, check=False)
        recorded = results.read(path)

    on = machine()
    print()
    print(f"Benchmarks, {on}")
    if not recorded:
        print("no benchmark recorded a result")
    else:
        print(results.text_table(recorded))
    if options.markdown is not None:
        options.markdown.write_text(
            f"Measured {on}.\n\n{results.markdown_table(recorded)}\n", encoding="utf-8"
        )
        print(f"Markdown written to {options.markdown}")
    return code.returncode


if __name__ == "__main__":
    sys.exit(main())
