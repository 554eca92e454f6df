"""Files the services write to media storage, and what happens when the disk refuses one (full,
over quota, too large for the file system, an I/O error): a clear refusal, nothing recorded,
nothing left behind.

- ``MediaStorage``, the project's default storage, removes the part of a file it could not
  finish writing (Django's FileSystemStorage leaves it).
- ``store(field_file, name, content, field=…)`` saves an upload on a model's file field and turns
  the storage's OSError into a ValidationError on ``field``; the file is remembered by the
  enclosing ``atomic_with_files`` operation.
- ``atomic_with_files`` is ``transaction.atomic`` for a service that writes files: when the
  service fails after writing some (a later file, a row, the journal), the files it wrote are
  removed as its transaction rolls back, so no row points at a missing file and no file is left
  that no row points at. Nested in another such operation, its files are handed to the outer
  one, which decides. (A caller's own ``transaction.atomic`` around the service, rolled back
  after the service returned, leaves its files on disk unreferenced: nothing points at them.)
"""

from __future__ import annotations

import errno
import functools
import logging
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# The files written by the innermost atomic_with_files operation: (storage, name).
_written: ContextVar[list | None] = ContextVar("media_written", default=None)
# The names tried by MediaStorage._save in this context (it may move to another free name).
_tried: ContextVar[list | None] = ContextVar("media_tried", default=None)


class MediaStorage(FileSystemStorage):
    """FileSystemStorage that does not leave a partial file behind a failed write."""

    def get_available_name(self, name, max_length=None):
        available = super().get_available_name(name, max_length=max_length)
        tried = _tried.get()
        if tried is not None:
            tried.append(available)
        return available

    def _save(self, name, content):
        tried = [name]
        token = _tried.set(tried)
        try:
            return super()._save(name, content)
        except FileExistsError:
            raise  # a directory in the way: nothing of ours was created
        except OSError:
            # Django opens the file with O_EXCL, so the last name tried is a file this call
            # created (or none at all): removing it takes nothing of anyone else's.
            try:
                self.delete(tried[-1])
            except OSError:
                logger.exception("could not remove the partial file %s", tried[-1])
            raise
        finally:
            _tried.reset(token)


def storage_refusal(exc: OSError, filename: str) -> str:
    """The message for a file the storage could not write, naming the file and the cause."""
    reasons = {
        errno.ENOSPC: _("the server's disk is full"),
        errno.EDQUOT: _("the server's storage quota is used up"),
        errno.EFBIG: _("the file is too large for the server's storage"),
    }
    reason = reasons.get(exc.errno, _("the server's storage failed"))
    return _(
        "The server could not store “%(name)s” (%(reason)s). Nothing was recorded; "
        "try again later."
    ) % {"name": filename, "reason": reason}


def store(field_file, name: str, content, *, field: str, shown_as: str | None = None) -> None:
    """Save ``content`` as ``name`` on ``field_file`` (not saving its model), refusing with a
    ValidationError on ``field`` when the storage cannot write it. ``shown_as`` is the name the
    user knows the file by (the uploaded file's own)."""
    try:
        field_file.save(name, content, save=False)
    except OSError as exc:
        logger.error("media write failed for %s: %s", name, exc)
        raise ValidationError({field: storage_refusal(exc, shown_as or name)}) from exc
    written = _written.get()
    if written is not None:
        written.append((field_file.storage, field_file.name))


def remove_files(files: list) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not remove %s after a failed operation", name)


def atomic_with_files(func):
    """``transaction.atomic`` for a service that stores files with ``store``: the files it wrote
    are removed when it fails."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        outer = _written.get()
        written: list = []
        token = _written.set(written)
        try:
            with transaction.atomic():
                result = func(*args, **kwargs)
        except BaseException:
            remove_files(written)
            raise
        finally:
            _written.reset(token)
        if outer is not None:
            outer.extend(written)
        return result

    return wrapper
