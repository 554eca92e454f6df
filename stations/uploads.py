"""Uploaded files, checked by their content before anything is stored.

A file's name and the browser's content type are not trusted: the kind is judged from the
bytes (PDF, PNG, JPEG, WEBP, DWG, DXF, DOCX, XLSX, ZIP, MP4, WebM), the size is held to a
limit, an image's pixel count is read from its header and held to UPLOAD_MAX_PIXELS before a
single pixel is decoded (a small file can hold a huge image), and an image must then decode to
the end. The name a file is stored under takes its extension from the kind found, never from the upload, so
a page saved as ``notice.pdf.html`` can never be served as a page.

Every service that keeps a merchant's or an officer's file calls ``check_files``: the tender
documents (tenders.rounds), the sealed bid documents (tenders.bids) and the fit-out documents
(leasing.fitout); the handbook's Wagtail documents are held to their extension's kind
(cms.uploads). The plan underlays have their own stricter check (stations.plans).

An archive (ZIP, and so DOCX and XLSX) is judged by ``archive_fault`` from its central
directory before a byte is inflated: how many members, how many bytes they unpack to, and how
far one member inflates (a zip bomb). Every place that opens or keeps one calls it: the IMDF
import (stations.imdf), the spreadsheet imports (stations.imports, and tenders.demands_io
through it), ``check_files`` and the handbook's documents.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

# The kinds an upload can be recognised as, and the extension each is stored under.
EXTENSIONS = {
    "PDF": ".pdf",
    "PNG": ".png",
    "JPEG": ".jpg",
    "WEBP": ".webp",
    "DWG": ".dwg",
    "DXF": ".dxf",
    "DOCX": ".docx",
    "XLSX": ".xlsx",
    "ZIP": ".zip",
    "MP4": ".mp4",
    "WEBM": ".webm",
}
IMAGE_KINDS = frozenset({"PNG", "JPEG", "WEBP"})
ARCHIVE_KINDS = frozenset({"DOCX", "XLSX", "ZIP"})
# Drawings and what is scanned or photographed: fit-out documents and bid documents.
DRAWING_KINDS = ("PDF", "PNG", "JPEG", "DWG", "DXF")
DEFAULT_MAX_PIXELS = 40_000_000

_DWG = re.compile(rb"^AC10[0-9]{2}")
_DXF_BINARY = b"AutoCAD Binary DXF\r\n\x1a\x00"
_ZIP = b"PK\x03\x04"

# Archives kept as documents (a tender book in DOCX, drawings in a ZIP): generous, but no bomb.
KEPT_ARCHIVE_MAX_MEMBERS = 10_000
KEPT_ARCHIVE_MAX_BYTES = 1024 * 1024 * 1024
# Real office files and GeoJSON inflate 2 to 20 times (a workbook of 100,000 identical rows:
# 16); DEFLATE can reach about 1,000, which is what a bomb does.
ARCHIVE_MAX_RATIO = 100
# A member smaller than this cannot hurt whatever its ratio (a few zeros compress 50 times).
RATIO_FLOOR_BYTES = 1024 * 1024


def max_pixels() -> int:
    return int(getattr(settings, "UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def _is_ascii_dxf(head: bytes) -> bool:
    """An ASCII DXF opens with group code 0 and SECTION (after any 999 comments)."""
    try:
        lines = head.decode("ascii").lstrip("\ufeff").splitlines()
    except UnicodeDecodeError:
        lines = head.decode("latin-1").splitlines()
    pairs = [line.strip() for line in lines[:40]]
    i = 0
    while i + 1 < len(pairs) and pairs[i] == "999":
        i += 2
    return i + 1 < len(pairs) and pairs[i] == "0" and pairs[i + 1] == "SECTION"


def _zip_kind(content: bytes) -> str | None:
    """DOCX or XLSX by the Office part the archive holds, else ZIP; None when unreadable."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "DOCX"
        if "xl/workbook.xml" in names:
            return "XLSX"
    return "ZIP"


def archive_fault(
    source, *, max_members: int, max_total_bytes: int, max_ratio: float, name: str = ""
) -> str | None:
    """Why the ZIP ``source`` (bytes, a seekable binary file or an open ZipFile) must not be
    unpacked; None when it may, or when it is no readable ZIP (its reader says so in its own
    words).

    Judged from the central directory alone, before anything is inflated: more than
    ``max_members`` members, members unpacking to more than ``max_total_bytes`` together, or
    one member over RATIO_FLOOR_BYTES unpacking to more than ``max_ratio`` times its
    compressed size. The sizes declared there bound what Python's zipfile will ever inflate:
    it stops at a member's declared size and fails its CRC, so an archive lying about them
    gets no further.
    """
    if isinstance(source, zipfile.ZipFile):
        infos = source.infolist()
    else:
        if isinstance(source, (bytes, bytearray, memoryview)):
            source = io.BytesIO(bytes(source))
        position = source.tell()
        try:
            with zipfile.ZipFile(source) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
            return None
        finally:
            source.seek(position)
    label = f"“{name}”" if name else _("The archive")
    if len(infos) > max_members:
        return _("%(archive)s holds %(n)s files; at most %(max)s are accepted.") % {
            "archive": label,
            "n": f"{len(infos):,}",
            "max": f"{max_members:,}",
        }
    total = sum(info.file_size for info in infos)
    if total > max_total_bytes:
        return _("%(archive)s would unpack to %(size)s; at most %(max)s are accepted.") % {
            "archive": label,
            "size": filesizeformat(total),
            "max": filesizeformat(max_total_bytes),
        }
    for info in infos:
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            return _(
                "%(archive)s looks like a zip bomb: its member “%(member)s” would unpack from "
                "%(packed)s to %(size)s (more than %(ratio)s times)."
            ) % {
                "archive": label,
                "member": info.filename[:200],
                "packed": filesizeformat(info.compress_size),
                "size": filesizeformat(info.file_size),
                "ratio": f"{max_ratio:,}",
            }
    return None


def kept_archive_fault(content: bytes, name: str = "") -> str | None:
    """``archive_fault`` with the limits of an archive kept as a document."""
    return archive_fault(
        content,
        max_members=KEPT_ARCHIVE_MAX_MEMBERS,
        max_total_bytes=KEPT_ARCHIVE_MAX_BYTES,
        max_ratio=ARCHIVE_MAX_RATIO,
        name=name,
    )


def file_kind(content: bytes) -> str | None:
    """The kind of file ``content`` is, judged by its bytes; None when it is none we know."""
    if content.startswith(b"%PDF-"):
        return "PDF"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if content.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "WEBP"
    if _DWG.match(content):
        return "DWG"
    if content.startswith(_DXF_BINARY) or _is_ascii_dxf(content[:2048]):
        return "DXF"
    if content[4:8] == b"ftyp":
        return "MP4"
    if content.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in content[:64]:
        return "WEBM"
    if content.startswith(_ZIP):
        return _zip_kind(content)
    return None


def is_text(content: bytes) -> bool:
    """Plain text (UTF-8, or GB 18030 as Chinese spreadsheets save CSV): no NUL, decodes."""
    if not content or b"\x00" in content:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


@dataclass(frozen=True)
class CheckedFile:
    name: str  # the name it was uploaded under, without any folder
    content: bytes
    kind: str
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.kind]

    def stored_name(self, stem: str) -> str:
        """``stem`` with the extension of the kind found in the content."""
        return f"{stem}{self.extension}"


def _name(upload) -> str:
    """The name a file was uploaded under, without any folder."""
    raw = upload[0] if isinstance(upload, (tuple, list)) else getattr(upload, "name", "")
    return os.path.basename(str(raw or "").replace("\\", "/")).strip()[:255]


def _content(upload) -> bytes:
    """The bytes of an uploaded file, a (name, bytes) pair or a file object."""
    if isinstance(upload, (tuple, list)):
        content = upload[1]
    else:
        if hasattr(upload, "seek"):
            upload.seek(0)
        content = b"".join(upload.chunks()) if hasattr(upload, "chunks") else upload.read()
        if hasattr(upload, "seek"):
            upload.seek(0)
    return content.encode("utf-8") if isinstance(content, str) else bytes(content or b"")


def _image_fault(name: str, content: bytes, kind: str, limit: int) -> str | None:
    """Why an image cannot be kept: too many pixels (from the header), or not decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[kind]) as image:
                width, height = image.size
                if width * height > limit:
                    return _(
                        "“%(name)s” is %(width)d × %(height)d = %(pixels)s pixels; the limit "
                        "is %(limit)s pixels."
                    ) % {
                        "name": name,
                        "width": width,
                        "height": height,
                        "pixels": f"{width * height:,}",
                        "limit": f"{limit:,}",
                    }
                image.load()
    except Image.DecompressionBombError:
        return _("“%(name)s” has more pixels than the limit of %(limit)s pixels.") % {
            "name": name,
            "limit": f"{limit:,}",
        }
    except Exception:  # decoders raise many kinds; all mean "corrupt"
        return _("“%(name)s” is a truncated or corrupt %(type)s image.") % {
            "name": name,
            "type": kind,
        }
    return None


def check_files(
    uploads: Iterable, *, kinds: Iterable[str], max_bytes: int, field: str
) -> list[CheckedFile]:
    """Read and check each upload: named, not empty, within ``max_bytes``, one of ``kinds`` by
    its content, an image within the pixel limit that decodes, an archive that is no bomb
    (``kept_archive_fault``), and not the same file twice.

    All the faults are reported together, each naming its file, on ``field``; nothing is
    stored here, so a refusal leaves nothing behind.
    """
    kinds = tuple(kinds)
    pixel_limit = max_pixels()
    checked, errors, seen = [], [], {}
    for n, upload in enumerate(uploads or (), start=1):
        size = None if isinstance(upload, (tuple, list)) else getattr(upload, "size", None)
        name = _name(upload) or _("document %(n)s") % {"n": n}
        too_big = _("“%(name)s” is %(size)s; the limit is %(limit)s.")
        if size is not None and size > max_bytes:
            errors.append(
                too_big
                % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_bytes)}
            )
            continue
        content = _content(upload)
        if not content:
            errors.append(_("“%(name)s” is empty.") % {"name": name})
            continue
        if len(content) > max_bytes:
            errors.append(
                too_big
                % {
                    "name": name,
                    "size": filesizeformat(len(content)),
                    "limit": filesizeformat(max_bytes),
                }
            )
            continue
        kind = file_kind(content)
        if kind not in kinds:
            errors.append(
                _("“%(name)s” is not a %(types)s file (judged by its content).")
                % {"name": name, "types": ", ".join(kinds)}
            )
            continue
        if kind in IMAGE_KINDS:
            fault = _image_fault(name, content, kind, pixel_limit)
            if fault:
                errors.append(fault)
                continue
        if kind in ARCHIVE_KINDS:
            fault = kept_archive_fault(content, name)
            if fault:
                errors.append(fault)
                continue
        digest = hashlib.sha256(content).hexdigest()
        if digest in seen:
            errors.append(
                _("“%(name)s” is the same file as “%(other)s”.")
                % {"name": name, "other": seen[digest]}
            )
            continue
        seen[digest] = name
        checked.append(CheckedFile(name=name, content=content, kind=kind, sha256=digest))
    if errors:
        raise ValidationError({field: errors})
    return checked
