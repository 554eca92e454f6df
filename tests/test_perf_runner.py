"""The benchmarks' runner (``python -m tests.perf``): recording results and the table it prints."""

import sys

from tests.perf import results
from tests.perf.__main__ import pytest_command
from tests.perf.results import Result, markdown_table, record, text_table


def test_record_without_the_variable_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(results.RESULTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)

    record("something", 1.0, 2.0)

    assert list(tmp_path.iterdir()) == []


def test_recorded_results_are_read_back_in_order(tmp_path, monkeypatch):
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv(results.RESULTS_ENV, str(path))

    record("rank bids", 0.45, 0.3, baseline_name="one SQL statement", database="postgresql")
    record("units_create", 1.2)
    record("station page", 80, 100, unit="req/s", baseline_name="a plain page")

    assert results.read(path) == [
        Result("rank bids", 0.45, 0.3, "s", "one SQL statement", "postgresql"),
        Result("units_create", 1.2, None, "s", "", ""),
        Result("station page", 80.0, 100.0, "req/s", "a plain page", ""),
    ]
    assert results.read(tmp_path / "missing.jsonl") == []


def test_the_ratio_is_measured_over_baseline_and_none_without_one():
    assert Result("a", 0.45, 0.3).ratio == 0.45 / 0.3
    assert Result("b", 80, 100, unit="req/s").ratio == 0.8
    assert Result("c", 1.2).ratio is None


def test_the_text_table_shows_each_benchmark_its_baseline_and_the_ratio():
    table = text_table(
        [
            Result("rank bids", 0.45, 0.3, "s", "one SQL statement", "postgresql"),
            Result("units_create", 1.234),
            Result("station page", 80, 100, "req/s", "a plain page"),
        ]
    )

    lines = table.splitlines()
    assert len(lines) == 5  # header, rule, three benchmarks
    assert lines[0].split() == [
        "benchmark",
        "measured",
        "baseline",
        "baseline",
        "measured",
        "ratio",
    ]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split("  ")[0] == "rank bids (postgresql)"
    assert "450.0 ms" in lines[2] and "300.0 ms" in lines[2] and "one SQL statement" in lines[2]
    assert lines[2].endswith("1.50×")
    assert "1.23 s" in lines[3] and lines[3].endswith("—")
    assert "80.0 req/s" in lines[4] and "100.0 req/s" in lines[4] and lines[4].endswith("0.80×")
    # The figures are right-aligned: every row's ratio ends in the same column.
    assert len({len(line) for line in lines[2:]} | {len(lines[0])}) == 1


def test_the_markdown_table_has_one_row_per_benchmark():
    table = markdown_table(
        [
            Result("render | SVG", 0.039, 0.024, "s", "a bare loop"),
            Result("plan_data", 0.012),
        ]
    )

    assert table.splitlines() == [
        "| benchmark | measured | baseline | baseline measured | ratio |",
        "|---|---:|---|---:|---:|",
        "| render \\| SVG | 39.0 ms | a bare loop | 24.0 ms | 1.62× |",
        "| plan_data | 12.0 ms | — | — | — |",
    ]


def test_the_runner_passes_paths_and_options_to_pytest():
    assert pytest_command(["-k", "rent"]) == [
        *(sys.executable, "-m", "pytest", "tests/perf", "-p", "no:xdist", "--perf", "-s"),
        *("-k", "rent"),
    ]
    assert pytest_command(["tests/perf/test_ranking.py", "-x"])[3:] == [
        *("tests/perf/test_ranking.py", "-p", "no:xdist", "--perf", "-s", "-x"),
    ]
