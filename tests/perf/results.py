"""The benchmarks' results, collected for the one table ``python -m tests.perf`` prints.

Each benchmark calls ``record(...)`` with what it measured and its baseline measured in the same
run. When ``HSR_PERF_RESULTS`` names a file (the runner sets it) the result is appended to it as
a JSON line; otherwise (``bin/test --perf``) ``record`` does nothing and only the benchmark's own
printout is left.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS_ENV = "HSR_PERF_RESULTS"
HEADER = ("benchmark", "measured", "baseline", "baseline measured", "ratio")


@dataclass(frozen=True)
class Result:
    """One benchmark's figure: ``measured`` and ``baseline`` in ``unit`` ("s" or "req/s")."""

    name: str
    measured: float
    baseline: float | None = None
    unit: str = "s"
    baseline_name: str = ""
    database: str = ""

    @property
    def ratio(self) -> float | None:
        """measured / baseline: for times lower is better, for req/s higher is."""
        if not self.baseline:
            return None
        return self.measured / self.baseline


def record(
    name: str,
    measured: float,
    baseline: float | None = None,
    *,
    unit: str = "s",
    baseline_name: str = "",
    database: str = "",
) -> None:
    """Append one result to the file ``HSR_PERF_RESULTS`` names, if any."""
    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    result = Result(name, float(measured), baseline, unit, baseline_name, database)
    if result.baseline is not None:
        result = Result(**{**asdict(result), "baseline": float(result.baseline)})
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")


def read(path: Path) -> list[Result]:
    """The results recorded in ``path``, in the order they were recorded (none if no file)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Result(**json.loads(line)) for line in lines if line.strip()]


def format_value(value: float | None, unit: str) -> str:
    """A time in ms under a second, in s above; a rate in req/s; "—" for no value."""
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:,.1f} {unit}"


def format_ratio(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.2f}×"


def rows(results: list[Result]) -> list[tuple[str, ...]]:
    """The table's rows (without the header), one per result."""
    return [
        (
            f"{r.name} ({r.database})" if r.database else r.name,
            format_value(r.measured, r.unit),
            r.baseline_name or "—",
            format_value(r.baseline, r.unit),
            format_ratio(r.ratio),
        )
        for r in results
    ]


def text_table(results: list[Result]) -> str:
    """The results as a plain-text table with aligned columns; figures right-aligned."""
    table = [HEADER, *rows(results)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    numeric = {1, 3, 4}
    lines = []
    for n, row in enumerate(table):
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(results: list[Result]) -> str:
    """The results as a Markdown table, figures right-aligned, for pasting into the README."""

    def line(cells):
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join(
        [line(HEADER), "|---|---:|---|---:|---:|", *(line(row) for row in rows(results))]
    )
