"""Backup and restore, round trip (PostgreSQL only): the demo network loaded into a fresh
database with its media, its fingerprint taken (tests/faults/fingerprint.py: the journal's count
and head, every registered report as CSV, every round's standings, every committee report, every
media file's SHA-256), ``bin/backup``, ``bin/restore`` into another new database and an empty
media folder, and the fingerprint taken again: the same in every part. Then what a restore
refuses: a damaged file (nothing restored), a database that is not empty.

Databases: ``<prefix>_src`` and ``<prefix>_dst`` on the server DATABASE_URL names
(prefix ``HSR_BACKUP_TEST_DB``, default ``hsr_backup_test``, then the process id), made afresh and dropped after."""

import json
import os
import secrets
import subprocess
import sys
from base64 import b64encode
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from stations.reports import all_reports

ROOT = Path(__file__).resolve().parents[2]
# The process in the name: two runs at once (SQLite and PostgreSQL CI steps, xdist) never meet.
PREFIX = f"{os.environ.get('HSR_BACKUP_TEST_DB', 'hsr_backup_test')}_{os.getpid()}"

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (run with DATABASE_URL=postgres://…)",
)


def server_url(name: str) -> str:
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def run(env: dict, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [*args], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=900
    )
    if ok:
        assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def python(env: dict, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    return run(env, sys.executable, *args, ok=ok)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The environments of the source (the demo loaded) and of the target (an empty database
    and media folder), sharing the secrets, as a restore on another machine must."""
    tmp = tmp_path_factory.mktemp("backup")
    keys = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "HSR_MASTER_KEY": b64encode(secrets.token_bytes(32)).decode(),
    }
    names = {"src": f"{PREFIX}_src", "dst": f"{PREFIX}_dst"}
    envs = {}
    for side, name in names.items():
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin(f'CREATE DATABASE "{name}"')
        (tmp / side / "static").mkdir(parents=True)
        envs[side] = {
            **os.environ,
            **keys,
            "DJANGO_SETTINGS_MODULE": "tests.faults.fault_settings",
            "DATABASE_URL": server_url(name),
            "DJANGO_MEDIA_ROOT": str(tmp / side / "media"),
            "HSR_FAULT_STATIC_ROOT": str(tmp / side / "static"),
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "HSR_FAULT_LANGUAGE": "en",  # the messages asserted
        }
    try:
        python(envs["src"], "manage.py", "migrate", "--noinput")
        python(envs["src"], "manage.py", "load_demo")
        yield tmp, envs
    finally:
        for name in names.values():
            admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fingerprint(env: dict) -> dict:
    return json.loads(python(env, "-m", "tests.faults.fingerprint").stdout)


def test_a_restored_backup_gives_back_the_journal_every_report_and_every_file(world):
    tmp, envs = world
    before = fingerprint(envs["src"])
    assert before["journal"]["entries"] > 1000
    assert set(before["reports"]) == set(all_reports())  # every report there is
    assert before["media"]  # the demo's documents and images
    assert before["standings"] and before["results"]

    made = run(envs["src"], "bin/backup", str(tmp / "backups"))
    folder = Path(made.stdout.strip().splitlines()[-1])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["journal"] == {
        "entries": before["journal"]["entries"],
        "head_seq": before["journal"]["head"][0],
        "head_hash": before["journal"]["head"][1],
    }
    assert manifest["media"]["hashes"] == before["media"]
    restored = run(envs["dst"], "bin/restore", str(folder))
    after = fingerprint(envs["dst"])

    assert "Restored and verified" in restored.stdout
    assert after["journal"] == before["journal"]
    for part in ("reports", "standings", "results", "media"):
        assert after[part] == before[part], part
    assert after == before
    python(envs["dst"], "manage.py", "verify_audit")
    python(envs["dst"], "manage.py", "migrate", "--check")


def test_a_damaged_backup_is_refused_before_anything_is_restored(world):
    tmp, envs = world
    made = run(envs["src"], "bin/backup", str(tmp / "damaged"))
    folder = Path(made.stdout.strip().splitlines()[-1])
    media = folder / "media.tar"
    data = bytearray(media.read_bytes())
    data[len(data) // 2] ^= 0xFF
    media.write_bytes(bytes(data))
    target = {
        **envs["dst"],
        "DATABASE_URL": server_url(f"{PREFIX}_damaged"),
        "DJANGO_MEDIA_ROOT": str(tmp / "damaged-media"),
    }
    admin(f'DROP DATABASE IF EXISTS "{PREFIX}_damaged" WITH (FORCE)')
    admin(f'CREATE DATABASE "{PREFIX}_damaged"')
    try:
        refused = run(target, "bin/restore", str(folder), ok=False)
        assert refused.returncode != 0
        assert f"{media} does not match the manifest (size or SHA-256)" in refused.stderr
        tables = python(
            target, "-c", "import django; django.setup(); from django.db import connection; "
            "print(len(connection.introspection.table_names()))"
        )  # fmt: skip
        assert tables.stdout.strip() == "0"
        assert not (tmp / "damaged-media").exists()
    finally:
        admin(f'DROP DATABASE IF EXISTS "{PREFIX}_damaged" WITH (FORCE)')


def test_a_restore_into_a_database_in_use_is_refused(world):
    tmp, envs = world
    made = run(envs["src"], "bin/backup", str(tmp / "again"))
    folder = Path(made.stdout.strip().splitlines()[-1])
    source = {**envs["src"], "DJANGO_MEDIA_ROOT": str(tmp / "unused-media")}

    refused = run(source, "bin/restore", str(folder), ok=False)

    assert refused.returncode != 0
    assert f"The database {PREFIX}_src is not empty" in refused.stderr
