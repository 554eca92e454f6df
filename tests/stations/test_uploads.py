"""Uploads are judged by their content: the kind from the bytes (never the name), the size, an
image's pixels from its header before anything is decoded, a corrupt image, the same file twice;
every fault is named with its file, all together, and nothing is returned to be stored."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from stations.uploads import DRAWING_KINDS, check_files, file_kind
from tests.factories import pdf

ALL = ("PDF", "PNG", "JPEG", "WEBP", "DWG", "DXF", "DOCX", "XLSX", "ZIP")


def image(fmt: str, size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels in a few dozen bytes (a pixel bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def archive(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name in names:
            zipped.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (pdf("plan"), "PDF"),
        (image("PNG"), "PNG"),
        (image("JPEG"), "JPEG"),
        (image("WEBP"), "WEBP"),
        (b"AC1032\x00\x00\x00\x00drawing", "DWG"),
        (b"999\nmade by hand\n0\nSECTION\n2\nHEADER\n0\nENDSEC\n0\nEOF\n", "DXF"),
        (archive("[Content_Types].xml", "word/document.xml"), "DOCX"),
        (archive("[Content_Types].xml", "xl/workbook.xml"), "XLSX"),
        (archive("drawings/a.dwg"), "ZIP"),
        (b"<!DOCTYPE html><script>alert(1)</script>", None),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', None),
        (b"PK\x03\x04 a broken archive", None),
        (b"", None),
    ],
)
def test_the_kind_is_judged_by_the_bytes(content, kind):
    assert file_kind(content) == kind


def test_a_checked_file_keeps_its_name_digest_and_the_extension_of_what_it_is():
    (checked,) = check_files(
        [SimpleUploadedFile("C:\\plans\\design.html", image("JPEG"))],
        kinds=ALL,
        max_bytes=10_000,
        field="documents",
    )
    assert (checked.name, checked.kind) == ("design.html", "JPEG")
    assert checked.stored_name("HNZL-001-design-1") == "HNZL-001-design-1.jpg"
    assert len(checked.sha256) == 64


def refused(uploads, *, kinds=DRAWING_KINDS, max_bytes=10_000) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        check_files(uploads, kinds=kinds, max_bytes=max_bytes, field="documents")
    return excinfo.value.message_dict["documents"]


def test_a_pixel_bomb_is_refused_from_its_header_before_decoding(settings):
    settings.UPLOAD_MAX_PIXELS = 40_000_000
    bomb = png_header(100_000, 100_000)
    assert len(bomb) < 100
    assert refused([("bomb.png", bomb)]) == [
        "“bomb.png” has more pixels than the limit of 40,000,000 pixels."
    ]


def test_an_image_just_over_the_limit_is_refused_where_pillow_would_only_warn(settings):
    settings.UPLOAD_MAX_PIXELS = 1_000
    assert refused([("photo.png", image("PNG", (40, 30)))]) == [
        "“photo.png” is 40 × 30 = 1,200 pixels; the limit is 1,000 pixels."
    ]
    assert check_files(
        [("photo.png", image("PNG", (40, 25)))], kinds=ALL, max_bytes=10_000, field="documents"
    )


def test_a_truncated_image_is_refused():
    whole = image("PNG", (200, 200))
    assert refused([("cut.png", whole[: len(whole) // 2])]) == [
        "“cut.png” is a truncated or corrupt PNG image."
    ]


def test_every_fault_is_named_with_its_file_and_reported_together():
    big = SimpleUploadedFile("big.pdf", pdf("x" * 20_000))
    faults = refused(
        [
            big,
            ("empty.pdf", b""),
            ("page.pdf", b"<html></html>"),
            ("photo.webp", image("WEBP")),  # a kind known, but not one of these
            ("plan.pdf", pdf("plan")),
            ("plan-again.pdf", pdf("plan")),
        ]
    )
    assert faults == [
        f"“big.pdf” is {big.size / 1024:.1f}\xa0KB; the limit is 9.8\xa0KB.",
        "“empty.pdf” is empty.",
        "“page.pdf” is not a PDF, PNG, JPEG, DWG, DXF file (judged by its content).",
        "“photo.webp” is not a PDF, PNG, JPEG, DWG, DXF file (judged by its content).",
        "“plan-again.pdf” is the same file as “plan.pdf”.",
    ]


def test_a_file_without_a_name_is_numbered():
    assert refused([("", b"nothing we know")]) == [
        "“document 1” is not a PDF, PNG, JPEG, DWG, DXF file (judged by its content)."
    ]
