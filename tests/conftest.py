"""Suite-wide fixtures and the switches for the browser tests and benchmarks."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation


def pytest_addoption(parser):
    parser.addoption("--e2e", action="store_true", help="run the browser tests (tests/e2e)")
    parser.addoption("--perf", action="store_true", help="run the benchmarks (tests/perf)")


def pytest_ignore_collect(collection_path: Path, config):
    parts = collection_path.parts
    if "e2e" in parts and not config.getoption("--e2e"):
        return True
    if "perf" in parts and not config.getoption("--perf"):
        return True
    return None


def pytest_collection_modifyitems(config, items):
    # Skip PostgreSQL-only tests before their database set-up runs: a transactional test with
    # serialized_rollback would otherwise reload the SQLite database only to be skipped.
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://…)")
    for item in items:
        if "on_postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: pages cached under the journal's head in one test
    must not be served in the next, whose rolled-back database may reach the same head."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def english_messages():
    """Messages are asserted in English; a test of the Chinese text overrides this itself."""
    with translation.override("en"):
        yield


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://…)")
    return True
