"""Archive bombs are refused from the archive's directory, before anything is inflated: too
many members, too many bytes unpacked, or a member inflating a thousand times. One check
(stations.uploads.archive_fault) for every place that opens or keeps a ZIP: the IMDF import,
the unit and demand spreadsheets (an XLSX is a ZIP) and the documents kept as uploaded."""

import io
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from stations import imdf, imports
from stations.models import Level, Station, Unit
from stations.uploads import archive_fault, check_files
from tenders import demands_io
from tenders.models import Demand
from tests.factories import officer
from tests.stations.test_imdf import build_station, counts
from tests.zip_bombs import DOCX_PARTS, GB, MB, many_members, xlsx_bomb, zip_bomb

pytestmark = pytest.mark.django_db

LIMITS = {"max_members": 64, "max_total_bytes": 200 * MB, "max_ratio": 100}


def inflated_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


# --- the check ----------------------------------------------------------------------------


def test_a_megabyte_that_unpacks_to_a_gigabyte_is_refused_without_inflating_it(monkeypatch):
    bomb = zip_bomb(GB)
    assert len(bomb) < 2 * MB and inflated_size(bomb) == GB
    inflated = []
    real = zlib.decompressobj
    monkeypatch.setattr(zlib, "decompressobj", lambda *a, **k: inflated.append(1) or real(*a))

    assert archive_fault(bomb, **LIMITS) == (
        "The archive would unpack to 1.0\xa0GB; at most 200.0\xa0MB are accepted."
    )
    assert inflated == []


def test_a_member_inflating_a_thousand_times_is_refused_under_the_total_limit():
    bomb = zip_bomb(64 * MB)
    assert len(bomb) < 100_000
    fault = archive_fault(bomb, **LIMITS, name="plans.zip")
    assert fault.startswith(
        "“plans.zip” looks like a zip bomb: its member “bomb.bin” would unpack"
    )
    assert "(more than 100 times)" in fault


def test_too_many_members_are_refused():
    assert archive_fault(many_members(65), **LIMITS) == (
        "The archive holds 65 files; at most 64 are accepted."
    )
    assert archive_fault(many_members(64), **LIMITS) is None


def test_a_small_member_of_zeros_and_an_ordinary_workbook_pass():
    small = zip_bomb(MB)  # a megabyte of zeros: inflates 1,000 times but cannot hurt
    assert archive_fault(small, **LIMITS) is None
    import pandas as pd

    buffer = io.BytesIO()
    pd.DataFrame({"code": ["A01"] * 50_000, "kind": ["shop"] * 50_000}).to_excel(
        buffer, index=False, engine="openpyxl"
    )
    assert archive_fault(buffer.getvalue(), **LIMITS) is None


def test_what_is_no_zip_is_left_to_its_reader():
    assert archive_fault(b"PK\x03\x04 broken", **LIMITS) is None
    assert archive_fault(b"%PDF-1.7", **LIMITS) is None


def test_a_file_is_read_where_it_was_left():
    handle = io.BytesIO(zip_bomb(64 * MB))
    handle.seek(7)
    assert archive_fault(handle, **LIMITS)
    assert handle.tell() == 7


# --- the IMDF import ----------------------------------------------------------------------


def test_an_imdf_bomb_is_refused_and_nothing_is_imported():
    build_station()  # something in the tables, so that "nothing changed" means something
    before = counts()
    with pytest.raises(imdf.ArchiveInvalid) as refusal:
        imdf.import_station(zip_bomb(64 * MB, name="unit.geojson"), code="BOMB")
    assert len(refusal.value.messages) == 1
    assert "looks like a zip bomb: its member “unit.geojson”" in refusal.value.messages[0]
    assert counts() == before
    assert not Station.objects.filter(code="BOMB").exists()


def test_the_import_imdf_command_refuses_a_bomb_with_the_reason(tmp_path):
    source = tmp_path / "bomb.zip"
    source.write_bytes(zip_bomb(256 * MB, name="unit.geojson"))
    with pytest.raises(CommandError) as refusal:
        call_command("import_imdf", str(source), "--code", "BOMB")
    assert "was not imported" in str(refusal.value)
    assert "would unpack to 256.0\xa0MB; at most 200.0\xa0MB are accepted" in str(refusal.value)
    assert not Station.objects.exists() and not Level.objects.exists()


# --- the spreadsheets ---------------------------------------------------------------------


def test_a_workbook_bomb_is_refused_before_openpyxl_opens_it(monkeypatch):
    opened = []
    monkeypatch.setattr(imports.pd, "read_excel", lambda *a, **k: opened.append(1))
    with pytest.raises(imports.ImportInvalid) as refusal:
        imports.units_import(actor=officer(), file=xlsx_bomb(), filename="units.xlsx")
    (error,) = refusal.value.errors
    assert error.row == 0
    assert "looks like a zip bomb: its member “xl/worksheets/sheet1.xml”" in error.message
    assert opened == []
    assert not Unit.objects.exists()


def test_a_workbook_of_too_many_parts_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("[Content_Types].xml", "xl/workbook.xml"):
            archive.writestr(name, "<x/>")
        for n in range(imports.MAX_XLSX_MEMBERS):
            archive.writestr(f"xl/media/{n}.bin", "")
    with pytest.raises(imports.ImportInvalid) as refusal:
        imports.units_import(actor=officer(), file=buffer.getvalue(), filename="units.xlsx")
    assert refusal.value.errors[0].message == (
        "The archive holds 1,002 files; at most 1,000 are accepted."
    )


def test_a_demand_workbook_bomb_is_refused_and_nothing_is_saved():
    with pytest.raises(imports.ImportInvalid) as refusal:
        demands_io.demands_import(actor=officer(), file=xlsx_bomb(), filename="demands.xlsx")
    assert "looks like a zip bomb" in refusal.value.errors[0].message
    assert not Demand.objects.exists()


# --- documents kept as uploaded -----------------------------------------------------------


@pytest.mark.parametrize(
    ("bomb", "kind"),
    [
        (zip_bomb(64 * MB, name="drawings/a.dwg"), "ZIP"),
        (zip_bomb(64 * MB, name="word/media/image1.png", beside=DOCX_PARTS), "DOCX"),
        (xlsx_bomb(), "XLSX"),
    ],
)
def test_a_document_that_is_a_bomb_is_refused_on_its_field(bomb, kind):
    with pytest.raises(ValidationError) as refusal:
        check_files(
            [("book.zip", bomb)], kinds=("PDF", "DOCX", "XLSX", "ZIP"), max_bytes=MB, field="file"
        )
    (message,) = refusal.value.message_dict["file"]
    assert message.startswith("“book.zip” looks like a zip bomb")
