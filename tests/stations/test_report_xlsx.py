"""The XLSX rendering of report frames: every kind of cell keeps its value, type and number
format, the TOTAL row is bold, text is never a formula, widths fit the widest cell."""

import datetime as dt
import io
from decimal import Decimal

import numpy as np
import openpyxl
import pandas as pd

from stations.reports import render_report


def workbook(frame, title="Report 报表"):
    return openpyxl.load_workbook(io.BytesIO(render_report(frame, "xlsx", title=title)))


def mixed_frame(total_row=True):
    frame = pd.DataFrame(
        {
            "station": ["长沙南", "A&B <C>", "TOTAL"],
            "lot": pd.array([1, None, None], dtype="Int64"),
            "units": np.array([3, 4, 7], dtype="int64"),
            "area_m2": [Decimal("1234567.89"), Decimal("-0.50"), Decimal("1234567.39")],
            "contract": [Decimal("12.00"), None, Decimal("12.00")],
            "share": [0.25, float("nan"), 0.25],
            "complete": [True, False, None],
            "opened_on": [dt.date(2026, 5, 27), None, None],
            "signed_at": [dt.datetime(2026, 5, 1, 9, 30), None, None],
        }
    )
    frame.attrs["total_row"] = total_row
    return frame


def test_cells_keep_their_values_types_and_formats():
    sheet = workbook(mixed_frame()).active
    assert sheet["A1"].value == "Report 报表" and sheet["A1"].font.sz == 14
    assert [c.value for c in sheet[3]] == list(mixed_frame().columns)
    first = {c.column_letter: c for c in sheet[4]}
    assert first["A"].value == "长沙南" and first["A"].data_type == "s"
    assert (first["B"].value, first["C"].value) == (1, 3)
    assert first["D"].value == 1234567.89 and first["D"].number_format == "#,##0.00"
    assert first["F"].value == 0.25 and first["F"].number_format == "#,##0.00"
    assert first["G"].value is True
    assert (
        first["H"].value == dt.datetime(2026, 5, 27) and first["H"].number_format == "YYYY-MM-DD"
    )
    assert first["I"].value == dt.datetime(2026, 5, 1, 9, 30)
    assert first["I"].number_format == "YYYY-MM-DD HH:MM:SS"
    second = {c.column_letter: c for c in sheet[5]}
    assert second["A"].value == "A&B <C>"
    assert second["D"].value == -0.5
    for gap in "BEFHI":  # NA, None, NaN: empty cells, a money column's still formatted
        assert second[gap].value is None
    assert second["E"].number_format == "#,##0.00"
    assert sheet.freeze_panes == "A4"


def test_the_total_row_is_bold_and_other_rows_are_not():
    sheet = workbook(mixed_frame()).active
    assert all(cell.font.b for cell in sheet[6])
    assert sheet["A6"].value == "TOTAL" and sheet["D6"].number_format == "#,##0.00"
    assert not any(cell.font.b for cell in sheet[5])
    plain = workbook(mixed_frame(total_row=False)).active
    assert not any(cell.font.b for cell in plain[6])


def test_text_is_never_a_formula_and_keeps_its_spaces_without_control_characters():
    frame = pd.DataFrame({"name": ['=HYPERLINK("x")', "  padded ", "bell\x07", "a\\1b"]})
    sheet = workbook(frame, title="").active
    values = [sheet.cell(row=n, column=1) for n in range(2, 6)]
    assert [c.value for c in values] == ['=HYPERLINK("x")', "  padded ", "bell", "a\\1b"]
    assert all(c.data_type == "s" for c in values)


def test_widths_fit_the_widest_amount_chinese_text_and_header():
    sheet = workbook(mixed_frame()).active
    assert sheet.column_dimensions["D"].width == len("1,234,567.89") + 2
    assert sheet.column_dimensions["A"].width == len("A&B <C>") + 2
    chinese = pd.DataFrame({"n": ["长沙南站高架层"]})
    assert workbook(chinese).active.column_dimensions["A"].width == 14 + 2


def test_an_empty_frame_is_its_title_and_header():
    frame = pd.DataFrame({"station": pd.Series(dtype=object), "area_m2": pd.Series(dtype=object)})
    frame.attrs["total_row"] = True
    sheet = workbook(frame).active
    assert sheet.max_row == 3
    assert [c.value for c in sheet[3]] == ["station", "area_m2"]
