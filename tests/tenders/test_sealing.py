"""Sealing: the master key, round keys wrapped under it, and AES-GCM with associated data."""

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tenders import sealing

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def configured_key(settings):
    key = os.urandom(32)
    settings.HSR_MASTER_KEY = base64.b64encode(key).decode()
    return key


def test_seal_round_trip():
    key = os.urandom(32)
    sealed = sealing.seal(key, b"annual rent 1234567.89", aad=b"bid:1")
    assert b"1234567.89" not in sealed
    assert sealing.unseal(key, sealed, aad=b"bid:1") == b"annual rent 1234567.89"


def test_each_seal_uses_a_fresh_nonce():
    key = os.urandom(32)
    assert sealing.seal(key, b"same", aad=b"a") != sealing.seal(key, b"same", aad=b"a")


def test_unseal_with_other_associated_data_is_refused():
    key = os.urandom(32)
    sealed = sealing.seal(key, b"offer", aad=b"bid:1")
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(key, sealed, aad=b"bid:2")


def test_tampered_ciphertext_is_refused():
    key = os.urandom(32)
    sealed = bytearray(sealing.seal(key, b"offer", aad=b"bid:1"))
    sealed[-1] ^= 0x01
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(key, bytes(sealed), aad=b"bid:1")


def test_truncated_seal_is_refused():
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(os.urandom(32), b"short", aad=b"")


def test_round_key_unwraps_only_for_its_round(configured_key):
    key, wrapped = sealing.new_round_key(round_code="R-2026-001")
    assert len(key) == 32 and key not in wrapped
    assert sealing.unwrap_round_key(wrapped, round_code="R-2026-001") == key
    with pytest.raises(sealing.SealBroken):
        sealing.unwrap_round_key(wrapped, round_code="R-2026-002")


def test_round_key_does_not_unwrap_under_another_master_key(settings, configured_key):
    _key, wrapped = sealing.new_round_key(round_code="R1")
    settings.HSR_MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(sealing.SealBroken):
        sealing.unwrap_round_key(wrapped, round_code="R1")


def test_configured_master_key_is_used(configured_key):
    assert sealing.master_key() == configured_key


@pytest.mark.parametrize(
    ("value", "message"),
    [("not base64!", "is not valid base64"), (base64.b64encode(b"x" * 16).decode(), "not 16")],
)
def test_malformed_master_key_is_refused(settings, value, message):
    settings.HSR_MASTER_KEY = value
    with pytest.raises(ImproperlyConfigured, match=message):
        sealing.master_key()


def test_development_key_is_generated_once_private_and_reused(settings, tmp_path):
    settings.HSR_MASTER_KEY = ""
    settings.BASE_DIR = tmp_path
    path = tmp_path / ".local" / "master.key"
    assert not path.exists()

    first = sealing.master_key()

    assert path.exists() and len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sealing.master_key() == first
    assert [p.name for p in path.parent.iterdir()] == ["master.key"]


def test_outside_development_an_empty_key_is_refused(settings, tmp_path, monkeypatch):
    settings.HSR_MASTER_KEY = ""
    settings.BASE_DIR = tmp_path
    settings.DEBUG = False
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.production")
    with pytest.raises(ImproperlyConfigured, match="HSR_MASTER_KEY must be set in production"):
        sealing.master_key()
    assert not (tmp_path / ".local").exists()


def _check(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "HSR_"))
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_the_master_key():
    result = _check(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-production-key-0123456789",
            "DJANGO_ALLOWED_HOSTS": "stations.example.com",
        }
    )
    assert result.returncode != 0
    assert "HSR_MASTER_KEY must be set in production" in result.stderr


def test_production_starts_with_the_master_key():
    result = _check(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-production-key-0123456789",
            "DJANGO_ALLOWED_HOSTS": "stations.example.com",
            "HSR_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        }
    )
    assert result.returncode == 0, result.stderr
