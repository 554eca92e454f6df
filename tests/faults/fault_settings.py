"""Settings for the fault tests' own servers and commands (test_database_restart.py,
test_backup_restore.py): the production settings, with the static folder of the test's own
(HSR_FAULT_STATIC_ROOT); the media folder is DJANGO_MEDIA_ROOT, as an operator sets it."""

import os

from config.settings.production import *  # noqa: F403

STATIC_ROOT = os.environ["HSR_FAULT_STATIC_ROOT"]
if not os.environ.get("DJANGO_MEDIA_ROOT"):
    raise RuntimeError("the fault tests give each server its own DJANGO_MEDIA_ROOT")
# The pages refer to static files by name; the manifest is not what these tests are about.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Messages in the language a test asserts (HSR_FAULT_LANGUAGE), Chinese otherwise as deployed.
LANGUAGE_CODE = os.environ.get("HSR_FAULT_LANGUAGE", LANGUAGE_CODE)  # noqa: F405
