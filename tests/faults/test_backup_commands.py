"""What backup and restore refuse before they touch anything (the round trip itself is
test_backup_restore.py, on PostgreSQL)."""

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from backup import archive


def test_backup_on_sqlite_is_refused_with_what_to_do_instead(tmp_path, settings):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite refusal")
    with pytest.raises(CommandError) as refused:
        call_command("backup", "--to", str(tmp_path))
    assert str(refused.value) == (
        "Backup and restore need PostgreSQL (DATABASE_URL=postgres://…); "
        "a SQLite database is backed up by copying its file while nothing runs."
    )
    assert list(tmp_path.iterdir()) == []


def test_a_folder_without_a_manifest_is_not_a_backup(tmp_path):
    with pytest.raises(archive.BackupError) as refused:
        archive.read_manifest(tmp_path)
    assert (
        str(refused.value) == f"{tmp_path / 'manifest.json'} does not exist: not a backup folder."
    )


def manifest_for(folder, dump: bytes, media: bytes) -> dict:
    (folder / "database.dump").write_bytes(dump)
    (folder / "media.tar").write_bytes(media)
    return {
        "format": 1,
        "database": {
            "file": "database.dump",
            "bytes": len(dump),
            "sha256": hashlib.sha256(dump).hexdigest(),
        },
        "media": {
            "file": "media.tar",
            "bytes": len(media),
            "sha256": hashlib.sha256(media).hexdigest(),
        },
    }


def test_files_matching_the_manifest_pass(tmp_path):
    manifest = manifest_for(tmp_path, b"dump", b"tar")
    archive.check_files(tmp_path, manifest)


def test_a_changed_file_is_named(tmp_path):
    manifest = manifest_for(tmp_path, b"dump", b"tar")
    (tmp_path / "database.dump").write_bytes(b"dumq")
    with pytest.raises(archive.BackupError) as refused:
        archive.check_files(tmp_path, manifest)
    assert str(refused.value) == (
        f"{tmp_path / 'database.dump'} does not match the manifest (size or SHA-256): "
        "the backup is damaged."
    )


def test_a_missing_file_is_named(tmp_path):
    manifest = manifest_for(tmp_path, b"dump", b"tar")
    (tmp_path / "media.tar").unlink()
    with pytest.raises(archive.BackupError) as refused:
        archive.check_files(tmp_path, manifest)
    assert str(refused.value) == f"{tmp_path / 'media.tar'} is missing."


def test_a_manifest_of_another_format_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 2}))
    with pytest.raises(archive.BackupError, match="is of format 2, not 1"):
        archive.read_manifest(tmp_path)


def test_media_hashes_name_each_file_by_its_path(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.pdf").write_bytes(b"x")
    (tmp_path / "y.png").write_bytes(b"y")
    assert archive.media_hashes(tmp_path) == {
        "a/x.pdf": hashlib.sha256(b"x").hexdigest(),
        "y.png": hashlib.sha256(b"y").hexdigest(),
    }
