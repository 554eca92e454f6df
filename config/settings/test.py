"""Tests: fast hashing, in-memory media, English messages unless a test asks for Chinese."""

import tempfile

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret-9a8b7c6d5e4f30211203f4e5d6c7b8a9"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="hsr-test-media-")
JOURNAL_HEAD_DIR = tempfile.mkdtemp(prefix="hsr-test-journal-heads-")
ALLOWED_HOSTS = ["*"]
STORAGES = {
    "default": {"BACKEND": "stations.media.MediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run in the test's own process, at once (after the commit that enqueues them).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
