"""Settings for the HTTP benchmark's gunicorn (tests/perf/test_station_page_http.py): the
production settings, with the static and media directories of the benchmark's own (so that its
collectstatic and its demo's uploads stay out of the project's) given by the environment."""

import os

from config.settings.production import *  # noqa: F403

STATIC_ROOT = os.environ["HSR_PERF_STATIC_ROOT"]
MEDIA_ROOT = os.environ["HSR_PERF_MEDIA_ROOT"]
