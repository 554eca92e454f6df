"""Settings read the environment; production refuses to start without its secret key."""

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_check(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "HSR_"))
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _run_check({"DJANGO_SETTINGS_MODULE": "config.settings.production"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


def test_production_passes_the_deploy_check_at_warning_level():
    result = _run_check(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-production-key-0123456789",
            "DJANGO_ALLOWED_HOSTS": "stations.example.com",
            "HSR_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr


def test_database_url_and_hosts_come_from_the_environment(monkeypatch):
    import importlib

    from config.settings import base

    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.internal:5433/leasing")
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "a.example.com, b.example.com")
    monkeypatch.setenv("DJANGO_DEBUG", "true")
    reloaded = importlib.reload(base)
    try:
        db = reloaded.DATABASES["default"]
        assert (db["ENGINE"], db["HOST"], db["PORT"], db["NAME"]) == (
            "django.db.backends.postgresql",
            "db.internal",
            5433,
            "leasing",
        )
        assert reloaded.ALLOWED_HOSTS == ["a.example.com", "b.example.com"]
        assert reloaded.DEBUG is True
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def test_sqlite_file_in_the_project_is_the_default(monkeypatch):
    import importlib

    from config.settings import base

    monkeypatch.delenv("DATABASE_URL", raising=False)
    reloaded = importlib.reload(base)
    try:
        db = reloaded.DATABASES["default"]
        assert db["ENGINE"] == "django.db.backends.sqlite3"
        assert Path(db["NAME"]) == ROOT / "db.sqlite3"
    finally:
        monkeypatch.undo()
        importlib.reload(base)
