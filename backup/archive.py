"""A backup is a folder of three files:

- ``database.dump``: ``pg_dump --format=custom`` of the database, taken in an exported snapshot;
- ``media.tar``: every file under MEDIA_ROOT, taken after the dump (files are only added, so
  every file a row of the dump names is in it);
- ``manifest.json``: when and from what it was taken (database, server and pg_dump versions,
  Python, Django, Wagtail, the last migration of each app), the journal's entry count and head
  (seq and hash) read in the dump's own snapshot, the size and SHA-256 of the two files, and
  the SHA-256 of each media file.

A restore goes into an empty database and an empty media folder only: it checks both files
against the manifest before it touches anything, restores the dump in one transaction
(``pg_restore --single-transaction``), unpacks the media (``tarfile``'s "data" filter: no path
leaves the folder, no links out, no devices), then checks the journal (``verify_audit``: the
chain and the records it vouches for), that its head and count are the manifest's, and every
media file's hash. Not in a backup: the secrets (DJANGO_SECRET_KEY, HSR_MASTER_KEY — without
the same master key the restored sealed bids cannot be opened), the exported journal heads
(JOURNAL_HEAD_DIR, to be kept elsewhere by design) and the static files (built from the code).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

MANIFEST = "manifest.json"
DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar"
FORMAT = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class Restored:
    entries: int
    head_hash: str
    media_files: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, by its path relative to it (``/``-separated)."""
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): sha256_of(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _database(alias: str = "default") -> dict:
    db = settings.DATABASES[alias]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError(
            _(
                "Backup and restore need PostgreSQL (DATABASE_URL=postgres://…); "
                "a SQLite database is backed up by copying its file while nothing runs."
            )
        )
    return db


def _conninfo(db: dict) -> str:
    from psycopg.conninfo import make_conninfo

    params = {"dbname": db["NAME"], "host": db.get("HOST"), "port": db.get("PORT")}
    params["user"] = db.get("USER")
    return make_conninfo(**{k: str(v) for k, v in params.items() if v})


def _tool_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _("%(tool)s is not installed (apt-get install postgresql-client-15).") % {"tool": name}
        )
    return found


def _run(args: list[str], env: dict) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s")
            % {"tool": Path(args[0]).name, "error": done.stderr.strip()}
        )
    return done.stdout


def _versions(db_version: str) -> dict:
    import django
    import wagtail

    return {
        "postgresql": db_version,
        "pg_dump": _run([_tool("pg_dump"), "--version"], os.environ).strip(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
    }


def backup(target: Path | str) -> Path:
    """Write a backup into a new folder under ``target``; returns the folder."""
    import psycopg

    from audit.models import GENESIS_HASH, Entry

    db = _database()
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    folder = Path(target) / f"hsr-backup-{started:%Y%m%dT%H%M%SZ}"
    folder.mkdir(parents=True, exist_ok=False)
    dump = folder / DATABASE_FILE
    journal = Entry._meta.db_table
    # The dump and the journal's head are read in one snapshot, so the manifest's head is the
    # dump's own whatever is written meanwhile.
    with psycopg.connect(_conninfo(db), password=db.get("PASSWORD") or None) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            (snapshot,) = conn.execute("SELECT pg_export_snapshot()").fetchone()
            (server_version,) = conn.execute("SHOW server_version").fetchone()
            (entries,) = conn.execute(f'SELECT count(*) FROM "{journal}"').fetchone()
            latest = conn.execute(
                f'SELECT seq, hash FROM "{journal}" ORDER BY seq DESC LIMIT 1'
            ).fetchone()
            migrations: dict[str, str] = {}
            for app, name in conn.execute("SELECT app, name FROM django_migrations ORDER BY id"):
                migrations[app] = name
            _run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                    f"--dbname={_conninfo(db)}",
                ],
                _tool_env(db),
            )
    media_root = Path(settings.MEDIA_ROOT)
    hashes = media_hashes(media_root)
    media = folder / MEDIA_FILE
    with tarfile.open(media, "w") as archive:
        for name in hashes:
            archive.add(media_root / name, arcname=name, recursive=False)
    seq, head_hash = latest or (0, GENESIS_HASH)
    manifest = {
        "format": FORMAT,
        "created_at": started.isoformat(),
        "finished_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "database": {"name": db["NAME"], "file": DATABASE_FILE, **_file_facts(dump)},
        "media": {
            "root": str(media_root),
            "file": MEDIA_FILE,
            **_file_facts(media),
            "files": len(hashes),
            "hashes": hashes,
        },
        "journal": {"entries": entries, "head_seq": seq, "head_hash": head_hash},
        "migrations": migrations,
        "versions": _versions(server_version),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return folder


def _file_facts(path: Path) -> dict:
    return {"bytes": path.stat().st_size, "sha256": sha256_of(path)}


def read_manifest(folder: Path | str) -> dict:
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(
            _("%(path)s does not exist: not a backup folder.") % {"path": path}
        ) from None
    except ValueError as exc:
        raise BackupError(
            _("%(path)s is not valid JSON: %(error)s.") % {"path": path, "error": exc}
        ) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("%(path)s is of format %(found)r, not %(format)s.")
            % {"path": path, "found": manifest.get("format"), "format": FORMAT}
        )
    return manifest


def check_files(folder: Path | str, manifest: dict) -> None:
    """Both files are there, of the size and SHA-256 the manifest says."""
    for part in ("database", "media"):
        facts = manifest[part]
        path = Path(folder) / facts["file"]
        if not path.is_file():
            raise BackupError(_("%(path)s is missing.") % {"path": path})
        if path.stat().st_size != facts["bytes"] or sha256_of(path) != facts["sha256"]:
            raise BackupError(
                _("%(path)s does not match the manifest (size or SHA-256): the backup is damaged.")
                % {"path": path}
            )


def _ensure_empty_database() -> None:
    with connections["default"].cursor() as cursor:
        tables = connections["default"].introspection.table_names(cursor)
    if tables:
        raise BackupError(
            _(
                "The database %(name)s is not empty (%(tables)d tables): restore into a new, "
                "empty database."
            )
            % {"name": settings.DATABASES["default"]["NAME"], "tables": len(tables)}
        )


def _ensure_empty_media(root: Path) -> None:
    if root.exists() and any(root.iterdir()):
        raise BackupError(
            _("The media folder %(path)s is not empty: restore into an empty one.")
            % {"path": root}
        )


def restore(folder: Path | str) -> Restored:
    """Restore the backup in ``folder`` into the (empty) database and media folder of the
    settings, then check it; raises BackupError naming the first fault."""
    from django.core.management import CommandError, call_command

    from audit.models import GENESIS_HASH, Entry

    folder = Path(folder)
    db = _database()
    manifest = read_manifest(folder)
    check_files(folder, manifest)
    media_root = Path(settings.MEDIA_ROOT)
    _ensure_empty_database()
    _ensure_empty_media(media_root)
    connections["default"].close()  # pg_restore works on its own connection
    _run(
        [
            _tool("pg_restore"),
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            f"--dbname={_conninfo(db)}",
            str(folder / DATABASE_FILE),
        ],
        _tool_env(db),
    )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA_FILE) as archive:
        archive.extractall(media_root, filter="data")
    try:
        call_command("verify_audit", stdout=open(os.devnull, "w"))  # noqa: SIM115
    except CommandError as exc:
        raise BackupError(
            _("The restored journal does not verify: %(error)s") % {"error": exc}
        ) from None
    latest = Entry.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, head_hash = latest or (0, GENESIS_HASH)
    entries = Entry.objects.count()
    expected = manifest["journal"]
    if (entries, seq, head_hash) != (
        expected["entries"],
        expected["head_seq"],
        expected["head_hash"],
    ):
        raise BackupError(
            _(
                "The restored journal ends at #%(seq)s %(hash)s with %(entries)s entries; the "
                "manifest says #%(manifest_seq)s %(manifest_hash)s with %(manifest_entries)s."
            )
            % {
                "seq": seq,
                "hash": head_hash,
                "entries": entries,
                "manifest_seq": expected["head_seq"],
                "manifest_hash": expected["head_hash"],
                "manifest_entries": expected["entries"],
            }
        )
    hashes = media_hashes(media_root)
    if hashes != manifest["media"]["hashes"]:
        differ = sorted(set(hashes.items()) ^ set(manifest["media"]["hashes"].items()))
        raise BackupError(
            _("The restored media differ from the manifest, first at %(path)s.")
            % {"path": differ[0][0]}
        )
    return Restored(entries=entries, head_hash=head_hash, media_files=len(hashes))
