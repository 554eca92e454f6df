"""Zip bombs built in the test, never kept in the repository: a member that is a long run of
zeros inflates about a thousand times, so a few tens of KB unpack to tens of MB and about a MB
to a GB. Cached: building the gigabyte one takes a second."""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache

MB = 1024 * 1024
GB = 1024 * MB
_CHUNK = b"\x00" * MB


def _zeros(archive: zipfile.ZipFile, name: str, size: int) -> None:
    with archive.open(name, "w", force_zip64=size > 2 * GB - 1) as member:
        for _ in range(size // MB):
            member.write(_CHUNK)
        member.write(b"\x00" * (size % MB))


@lru_cache(maxsize=8)
def zip_bomb(size: int, *, name: str = "bomb.bin", beside: tuple[str, ...] = ()) -> bytes:
    """A ZIP whose member ``name`` is ``size`` zero bytes, deflated; ``beside`` adds small
    members (say the parts that make it look like a workbook)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for other in beside:
            archive.writestr(other, "<x/>")
        _zeros(archive, name, size)
    return buffer.getvalue()


XLSX_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
DOCX_PARTS = ("[Content_Types].xml", "word/document.xml")


def xlsx_bomb(size: int = 64 * MB) -> bytes:
    """A workbook whose first sheet inflates from tens of KB to ``size`` bytes."""
    return zip_bomb(size, name="xl/worksheets/sheet1.xml", beside=XLSX_PARTS)


def many_members(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n in range(count):
            archive.writestr(f"part-{n}.txt", "")
    return buffer.getvalue()
