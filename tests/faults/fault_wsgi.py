"""Test-only WSGI application for the fault tests (tests/faults): config's Django application,
with pauses at chosen points so that a test can SIGKILL the worker there. Nothing of this is
in the production code.

A pause point is armed by a file named after it in HSR_FAULT_DIR; the first request to reach it
removes the file (so the retry after the kill passes), writes the worker's pid to
``<point>.pid`` and sleeps. The points:

- ``journal-<action>``: just after the journal entry of ``<action>`` (bid.submit, award.make)
  is written, inside the service's transaction, before its commit;
- ``response``: after Django has answered (the transaction committed), before a byte of the
  answer is sent.

Every answer carries ``X-Worker-Pid``: the tests see that gunicorn started another worker.
"""

import os
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from django.core.wsgi import get_wsgi_application

import audit

FAULT_DIR = Path(os.environ["HSR_FAULT_DIR"])
PAUSE_SECONDS = 120

django_application = get_wsgi_application()
journal_record = audit.record


def pause(point: str) -> None:
    try:
        (FAULT_DIR / point).unlink()  # one request claims the point
    except FileNotFoundError:
        return
    pid_file = FAULT_DIR / f"{point}.pid"
    (FAULT_DIR / f"{point}.pid.tmp").write_text(str(os.getpid()))
    os.replace(FAULT_DIR / f"{point}.pid.tmp", pid_file)
    time.sleep(PAUSE_SECONDS)


def record(**kwargs):
    entry = journal_record(**kwargs)
    pause(f"journal-{kwargs.get('action')}")
    return entry


audit.record = record


def application(environ, start_response):
    def starting(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker-Pid", str(os.getpid()))], exc_info)

    response = django_application(environ, starting)
    pause("response")
    return response
