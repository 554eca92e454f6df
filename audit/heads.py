"""The journal's head kept outside the database, so that a rebuilt chain is found from outside.

Whoever can write the database could delete the journal from some entry on and write a new,
internally consistent chain: ``verify()`` alone cannot tell. So the latest entry (its seq and
hash) is exported every day as one signed, dated line appended to a file of that day under
JOURNAL_HEAD_DIR (``journal-head-YYYY-MM-DD.jsonl``, the site's date), by ``manage.py
export_journal_head`` or the task ``audit.tasks.export_journal_head``. ``verify_audit
--against FILE`` then checks that the journal still holds that hash at that seq.

A line is JSON: ``{"at": <UTC time>, "seq": <n>, "hash": <hex>, "sig": <signature>}``; the
signature is Django's signer (SECRET_KEY, salt below) over ``at|seq|hash``, so a line cannot be
forged or moved without the key. The files are worth what their storage is worth: copy the
folder off the database server (another machine, write-once storage) as the README says.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import GENESIS_HASH, Entry

SALT = "audit.journal-head"
SEPARATOR = "|"


@dataclass(frozen=True)
class Head:
    at: dt.datetime
    seq: int
    hash: str

    def payload(self) -> str:
        return SEPARATOR.join((self.at.isoformat(), str(self.seq), self.hash))


def head_dir() -> Path:
    return Path(settings.JOURNAL_HEAD_DIR)


def current_head() -> Head:
    """The journal's latest entry now (seq 0 and the genesis hash when it is empty)."""
    latest = Entry.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, digest = latest or (0, GENESIS_HASH)
    return Head(at=timezone.now().astimezone(dt.UTC).replace(microsecond=0), seq=seq, hash=digest)


def head_line(head: Head) -> str:
    signature = (
        signing.Signer(salt=SALT, sep=SEPARATOR).sign(head.payload()).rsplit(SEPARATOR, 1)[1]
    )
    return json.dumps(
        {"at": head.at.isoformat(), "seq": head.seq, "hash": head.hash, "sig": signature},
        separators=(",", ":"),
    )


def export_head(directory: Path | str | None = None) -> tuple[Path, str]:
    """Append the current head, signed and dated, to today's file in ``directory``
    (JOURNAL_HEAD_DIR by default); return the file and the line written.

    Appended and flushed to disk, never rewritten: a day's file keeps every export of that day.
    """
    folder = Path(directory) if directory is not None else head_dir()
    folder.mkdir(parents=True, exist_ok=True)
    head = current_head()
    day = timezone.localdate(head.at)
    path = folder / f"journal-head-{day.isoformat()}.jsonl"
    line = head_line(head)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path, line


def _parse(text: str) -> Head:
    """The head a line states; ValueError when it is malformed or its signature is wrong."""
    try:
        value = json.loads(text)
        head = Head(
            at=dt.datetime.fromisoformat(value["at"]), seq=int(value["seq"]), hash=value["hash"]
        )
        signature = value["sig"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(_("not a journal head line")) from exc
    if not isinstance(signature, str) or not isinstance(head.hash, str):
        raise ValueError(_("not a journal head line"))
    try:
        signing.Signer(salt=SALT, sep=SEPARATOR).unsign(head.payload() + SEPARATOR + signature)
    except signing.BadSignature as exc:
        raise ValueError(
            _("its signature does not match (written without this site's key)")
        ) from exc
    return head


def head_files(path: Path | str) -> list[Path]:
    """``path`` itself, or every head file in it when it is a folder."""
    path = Path(path)
    if path.is_dir():
        return sorted(path.glob("journal-head-*.jsonl"))
    return [path]


def head_faults(path: Path | str) -> tuple[int, list[str]]:
    """Check every line of the head file(s) at ``path`` against the journal: each must be
    signed with this site's key, and the journal must still hold that hash at that seq.
    Returns how many lines were checked and the faults, each naming its file and line."""
    checked, faults = 0, []
    for file in head_files(path):
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            faults.append(
                _("%(file)s: cannot be read (%(error)s).") % {"file": file, "error": exc}
            )
            continue
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            checked += 1
            where = f"{file.name}:{number}"
            try:
                head = _parse(text)
            except ValueError as exc:
                faults.append(_("%(where)s: %(reason)s.") % {"where": where, "reason": exc})
                continue
            fault = _head_fault(head)
            if fault:
                faults.append(f"{where}: {fault}")
    return checked, faults


def _head_fault(head: Head) -> str | None:
    if head.seq == 0:
        return None if head.hash == GENESIS_HASH else _("seq 0 must carry the genesis hash.")
    stored = Entry.objects.filter(seq=head.seq).values_list("hash", flat=True).first()
    if stored is None:
        last = Entry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        return _(
            "the journal has no entry #%(seq)d (it ends at #%(last)d), but it had one on "
            "%(at)s: entries were removed."
        ) % {"seq": head.seq, "last": last, "at": head.at.isoformat()}
    if stored != head.hash:
        return _(
            "entry #%(seq)d has the hash %(stored)s, but on %(at)s it had %(exported)s: "
            "the chain was rebuilt."
        ) % {
            "seq": head.seq,
            "stored": stored,
            "at": head.at.isoformat(),
            "exported": head.hash,
        }
    return None
