"""The handbook's Wagtail documents and images, held to what they say they are.

Wagtail checks a document's extension only; ``CheckedDocumentForm`` (WAGTAILDOCS_DOCUMENT_FORM_BASE)
also judges the content (stations.uploads): a ``.pdf`` must be a PDF, an ``.mp4`` an MP4 video,
a ``.csv`` plain text, and so on, so that nothing uploaded as a document is a page or a program
in disguise; an archive (ZIP, DOCX, XLSX) must be no zip bomb (stations.uploads.archive_fault).
Images are Wagtail's own check (the format from the content, the size and the pixel limit:
WAGTAILIMAGES_* in the settings).
"""

from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from wagtail.documents.forms import BaseDocumentForm

from stations.uploads import ARCHIVE_KINDS, file_kind, is_text, kept_archive_fault

# The kinds of content each allowed extension may hold (WAGTAILDOCS_EXTENSIONS).
TEXT = "text"
CONTENT_OF_EXTENSION = {
    "pdf": {"PDF"},
    "docx": {"DOCX"},
    "xlsx": {"XLSX"},
    "zip": {"ZIP", "DOCX", "XLSX"},
    "mp4": {"MP4"},
    "webm": {"WEBM"},
    "csv": {TEXT},
    "txt": {TEXT},
}


def content_fault(name: str, content: bytes) -> str | None:
    """Why a document named ``name`` cannot hold ``content``; None when it can."""
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    expected = CONTENT_OF_EXTENSION.get(extension)
    if expected is None:
        return None  # Wagtail's extension check names the fault
    kind = TEXT if TEXT in expected and is_text(content) else file_kind(content)
    if kind in expected:
        if kind in ARCHIVE_KINDS:  # no zip bomb handed out from the handbook
            return kept_archive_fault(content, os.path.basename(name))
        return None
    return _("“%(name)s” is not a %(extension)s file (judged by its content).") % {
        "name": os.path.basename(name),
        "extension": extension.upper(),
    }


class CheckedDocumentForm(BaseDocumentForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):  # a new file (an edit may keep the stored one)
            upload.seek(0)
            content = b"".join(upload.chunks())
            upload.seek(0)
            fault = content_fault(upload.name, content)
            if fault:
                raise ValidationError(fault)
        return upload

    def _update_errors(self, errors):
        # The model's own check then sees no file and adds "extension “” is not allowed";
        # a file already refused here needs no second, misleading reason.
        if "file" in (self._errors or {}) and hasattr(errors, "error_dict"):
            errors.error_dict.pop("file", None)
            if not errors.error_dict:
                return
        super()._update_errors(errors)
