# ruff: noqa: F811  (the fixture imported from tests.leasing.test_reports is a parameter here)
"""The streamed downloads: the XLSX made a few thousand rows at a time is the workbook
render_report makes, through an unseekable zip; the JSON is render_report's byte for byte;
the admin serves all three formats as streams."""

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from django.urls import reverse
from django.utils import translation

from cms.admin_views import DOWNLOADS
from stations import reports
from stations.reports import get_report, render_report, stream_json, stream_xlsx
from tests.cms.conftest import speak_english
from tests.factories import officer
from tests.leasing.test_reports import network  # noqa: F401

ROWS = 3000


def many_kinds_frame(rows: int = ROWS, total_row: bool = True) -> pd.DataFrame:
    """``rows`` rows of every kind of cell a report holds, the last a TOTAL when asked."""
    frame = pd.DataFrame(
        {
            "station": [
                ["长沙南", "A&B <C>", "=SUM(A1)", " padded ", ""][n % 5] for n in range(rows)
            ],
            "units": pd.Series([n if n % 7 else None for n in range(rows)], dtype=object),
            "count": pd.array([n % 11 if n % 3 else None for n in range(rows)], dtype="Int64"),
            "rent": [Decimal(n * 1234) / 100 if n % 4 else None for n in range(rows)],
            "share": [n / 7 if n % 5 else float("nan") for n in range(rows)],
            "open": [bool(n % 2) if n % 9 else None for n in range(rows)],
            "opened_on": [
                dt.date(2026, 1, 1) + dt.timedelta(days=n) if n % 6 else None for n in range(rows)
            ],
        }
    )
    if total_row:
        frame.iloc[-1, 0] = "TOTAL"
    frame.attrs["total_row"] = total_row
    return frame


def facts(content: bytes) -> dict:
    """What a reader sees of a workbook: every cell's value, type, format and boldness, the
    widths, the title and the frozen pane."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    return {
        "cells": {
            cell.coordinate: (cell.value, cell.data_type, cell.number_format, cell.font.b)
            for row in sheet.iter_rows()
            for cell in row
        },
        "widths": {key: d.width for key, d in sheet.column_dimensions.items()},
        "title": (book.properties.title, sheet.title, sheet["A1"].value),
        "panes": sheet.freeze_panes,
        "dimension": sheet.calculate_dimension(),
    }


def test_the_streamed_workbook_is_render_reports_cell_for_cell(monkeypatch):
    frame = many_kinds_frame()
    whole = facts(render_report(frame, "xlsx", title="Report 报表"))
    monkeypatch.setattr(reports, "CSV_CHUNK_ROWS", 7)
    streamed = facts(b"".join(stream_xlsx(frame, title="Report 报表")))
    assert streamed == whole
    assert len(whole["cells"]) >= ROWS * len(frame.columns)
    assert whole["cells"][f"A{3 + ROWS}"] == ("TOTAL", "s", "General", True)
    assert whole["cells"]["A6"][:2] == ("=SUM(A1)", "s")  # text, never a formula
    assert whole["panes"] == "A4"


def test_the_streamed_workbook_comes_in_chunks_and_is_a_valid_zip(monkeypatch):
    monkeypatch.setattr(reports, "CSV_CHUNK_ROWS", 2)
    frame = many_kinds_frame(rows=9)
    chunks = list(stream_xlsx(frame, title="Report"))
    assert len(chunks) > 1 and all(chunks)
    content = b"".join(chunks)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        assert "xl/styles.xml" in archive.namelist()
    assert facts(content) == facts(render_report(frame, "xlsx", title="Report"))


def test_the_sheet_of_a_large_frame_streams_in_many_chunks(monkeypatch):
    monkeypatch.setattr(reports, "CSV_CHUNK_ROWS", 100)
    chunks = list(stream_xlsx(many_kinds_frame(rows=20_000), title="Report"))
    assert len(chunks) > 5
    assert max(map(len, chunks)) < len(b"".join(chunks)) / 3


@pytest.mark.parametrize("rows", [0, 1, 2, 3])
def test_small_and_empty_frames_stream_the_same_workbook(rows, monkeypatch):
    frame = many_kinds_frame(rows=rows, total_row=rows > 0)
    whole = facts(render_report(frame, "xlsx"))
    monkeypatch.setattr(reports, "CSV_CHUNK_ROWS", 2)
    assert facts(b"".join(stream_xlsx(frame))) == whole


def test_a_frame_without_columns_streams_a_workbook():
    content = b"".join(stream_xlsx(pd.DataFrame(), title="Nothing"))
    assert facts(content)["cells"] == {"A1": ("Nothing", "s", "General", True)}


def test_the_streamed_json_is_render_reports_byte_for_byte(monkeypatch):
    frame = many_kinds_frame(rows=25)
    whole = render_report(frame, "json")
    monkeypatch.setattr(reports, "CSV_CHUNK_ROWS", 4)
    chunks = list(stream_json(frame))
    assert len(chunks) == 7
    assert b"".join(chunks) == whole
    records = json.loads(whole)
    assert len(records) == 25 and records[0]["station"] == "长沙南"


@pytest.mark.parametrize("rows", [0, 1, 4, 5])
def test_short_and_empty_frames_stream_the_same_json(rows, monkeypatch):
    monkeypatch.setattr(reports, "CSV_CHUNK_ROWS", 4)
    frame = many_kinds_frame(rows=rows, total_row=False)
    expected = json.dumps(
        json.loads(render_report(frame, "json")), ensure_ascii=False, indent=2
    ).encode()
    assert b"".join(stream_json(frame)) == render_report(frame, "json") == expected


def test_an_empty_frame_is_an_empty_json_list():
    assert b"".join(stream_json(pd.DataFrame())) == b"[]" == render_report(pd.DataFrame(), "json")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_every_admin_download_is_a_stream(client, network, fmt):
    client.force_login(speak_english(officer()))
    response = client.get(reverse("cms_report", args=("occupancy",)) + f"?format={fmt}")
    assert response.streaming
    assert response["Content-Type"] == DOWNLOADS[fmt]
    assert response["Content-Disposition"] == f'attachment; filename="occupancy.{fmt}"'
    content = b"".join(response.streaming_content)
    with translation.override("en"):  # the officer's language: the title is in English
        expected = render_report(get_report("occupancy")(), fmt)
    if fmt == "xlsx":
        assert facts(content) == facts(expected)
    else:
        assert content == expected


def test_a_wide_frame_is_cut_into_fewer_rows_a_chunk():
    wide = pd.DataFrame({f"S{n:05d}": [0, 1, 2] for n in range(6_000)})
    assert reports.chunk_rows(wide) == 16  # 100,000 cells a chunk over 6,000 columns
    assert reports.chunk_rows(pd.DataFrame({"a": [1]})) == reports.CSV_CHUNK_ROWS
    assert reports.chunk_rows(pd.DataFrame({f"c{n}": [1] for n in range(200_000)})) == 1


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_a_wide_frame_streams_the_same_file_in_chunks_of_few_cells(fmt, monkeypatch):
    frame = many_kinds_frame(rows=30)
    whole = render_report(frame, fmt, title="Wide")
    monkeypatch.setattr(reports, "CHUNK_CELLS", 3 * len(frame.columns))  # three rows a chunk
    chunks = list(reports.stream_report(frame, fmt, title="Wide"))
    if fmt == "xlsx":
        assert facts(b"".join(chunks)) == facts(whole)
    else:
        assert b"".join(chunks) == whole
        assert len(chunks) >= 10  # 30 rows, three a chunk (and the CSV's BOM)
