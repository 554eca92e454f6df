"""Benchmark: the memory a 100,000-row report's XLSX and JSON downloads take, streamed (each
chunk sent and dropped) against render_report's whole file.

Run on demand: ``bin/test --perf tests/perf/test_report_streams.py``. The tracemalloc peaks
and times are printed, not asserted; only that both ways give the same file is.
"""

import datetime as dt
import io
import time
import tracemalloc
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from stations.reports import render_report, stream_report
from tests.perf.results import record

pytestmark = pytest.mark.perf

ROWS = 100_000
MB = 1024 * 1024


def report_frame(rows: int = ROWS) -> pd.DataFrame:
    """A report's shape: codes, Chinese names, counts, Decimal amounts, dates, a TOTAL."""
    frame = pd.DataFrame(
        {
            "code": [f"L{n:06d}" for n in range(rows)],
            "station": [["长沙南", "武汉", "郑州东"][n % 3] for n in range(rows)],
            "units": [n % 40 for n in range(rows)],
            "rent": [Decimal(n * 1237 % 9_000_000) / 100 for n in range(rows)],
            "signed_on": [dt.date(2026, 1, 1) + dt.timedelta(days=n % 365) for n in range(rows)],
            "open": [n % 2 == 0 for n in range(rows)],
        }
    )
    frame.iloc[-1, 0] = "TOTAL"
    frame.attrs["total_row"] = True
    return frame


def peak(fn) -> tuple[float, float, object]:
    """Seconds, tracemalloc peak in MB above the start, and what ``fn`` returned."""
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    _current, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, top / MB, result


def sent(frame: pd.DataFrame, fmt: str) -> tuple[int, int]:
    """Stream the download as a response would, keeping only its size and a digest."""
    size = checksum = 0
    for chunk in stream_report(frame, fmt, title="Report"):
        size += len(chunk)
        checksum = hash((checksum, chunk))
    return size, checksum


@pytest.mark.parametrize("fmt", ["xlsx", "json"])
def test_streamed_downloads_peak_below_the_whole_file(fmt):
    frame = report_frame()
    whole_s, whole_mb, content = peak(lambda: render_report(frame, fmt, title="Report"))
    streamed_s, streamed_mb, (size, _checksum) = peak(lambda: sent(frame, fmt))
    if fmt == "json":
        assert size == len(content)
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        assert sheet.max_row == 3 + ROWS
    print()
    print(
        f"{fmt} of {ROWS:,} rows ({len(content) / MB:.1f} MB), times under tracemalloc: "
        f"render_report {whole_s:.2f} s, "
        f"peak {whole_mb:.1f} MB; streamed {streamed_s:.2f} s, peak {streamed_mb:.1f} MB "
        f"({streamed_mb / whole_mb:.2f} of it)"
    )
    record(
        f"{fmt} download of {ROWS:,} rows, tracemalloc peak, streamed",
        streamed_mb,
        whole_mb,
        unit="MB",
        baseline_name="render_report, the whole file",
    )
