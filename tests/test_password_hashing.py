"""Passwords are hashed with Argon2id (argon2-cffi); a hash made by an earlier hasher still
signs in, and is rehashed with Argon2 at that sign-in. The test settings hash with MD5 for
speed: these tests put the real list back."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from config.settings import base
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"


@pytest.fixture
def real_hashers(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


def test_production_hashes_new_passwords_with_argon2id():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="x" * 20 + "-a-long-random-production-key-0123456789",
        HSR_MASTER_KEY="A" * 43 + "=",
    )
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth.hashers import make_password;"
            "print(make_password('a password of ten').split('$')[:2])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['argon2', 'argon2id']"


@pytest.mark.parametrize("old_hasher", ["pbkdf2_sha256", "pbkdf2_sha1", "scrypt"])
def test_an_earlier_hash_signs_in_and_is_upgraded_to_argon2(client, real_hashers, old_hasher):
    user = UserFactory(username="tenant")
    user.password = make_password(PASSWORD, hasher=old_hasher)
    user.save(update_fields=["password"])
    sign_in = reverse("portal:sign_in")

    refused = client.post(sign_in, {"username": "tenant", "password": "not the password"})
    user.refresh_from_db()
    assert refused.status_code == 200 and user.password.startswith(f"{old_hasher}$")

    response = client.post(sign_in, {"username": "tenant", "password": PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)
    client.logout()
    assert client.post(sign_in, {"username": "tenant", "password": PASSWORD}).status_code == 302


def test_a_new_password_is_hashed_with_argon2(real_hashers):
    user = UserFactory(username="officer")
    user.set_password(PASSWORD)
    assert user.password.startswith("argon2$argon2id$")
