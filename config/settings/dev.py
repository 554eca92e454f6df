"""Development: debug on, a local secret key, everything else from the environment."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # noqa: F405
# The demo (bin/run) needs no worker: tasks run in the server's process unless TASKS_BACKEND
# names another backend (then run `python manage.py db_worker` beside the server).
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}
