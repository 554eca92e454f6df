"""A database outage is answered 503 with Retry-After — the site's short page for HTML, the
API's one error shape under /api/ — never a 500 with a traceback. Simulated on SQLite by every
query raising the error a refused or dropped connection raises; the real restart of a
PostgreSQL server is tests/faults/test_database_restart.py."""

import importlib
import json
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client, RequestFactory

from cms.unavailable import server_error

pytestmark = pytest.mark.django_db

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'


@pytest.fixture
def outage():
    """Every ORM query fails as it does while the server is down."""
    with mock.patch.object(SQLCompiler, "execute_sql", side_effect=OperationalError(REFUSED)):
        yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_a_page_during_an_outage_is_a_short_503_page_asking_to_retry(client, outage):
    response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "<title>Briefly unavailable</title>" in page
    assert "The service is briefly unavailable. Nothing was changed; try again shortly." in page
    assert "Please try again in 5 seconds." in page
    assert 'class="portal-header"' in page  # the site's own layout
    assert "Traceback" not in page and REFUSED not in page


def test_the_outage_page_is_in_the_visitors_language(outage):
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/")

    assert response.status_code == 503
    assert '<html lang="zh-hans">' in response.content.decode()


def test_a_signed_in_portal_page_during_an_outage_is_503(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("merchant", password="x" * 12))
    with mock.patch.object(SQLCompiler, "execute_sql", side_effect=OperationalError(REFUSED)):
        response = client.get("/portal/tenders/")

    assert response.status_code == 503
    assert "Briefly unavailable" in response.content.decode()


def test_an_api_call_during_an_outage_is_503_in_the_apis_error_shape(client, outage):
    response = client.get("/api/v1/public/stations/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert json.loads(response.content) == {
        "code": "unavailable",
        "message": "The service is briefly unavailable. Nothing was changed; try again shortly.",
        "field": None,
        "errors": [],
    }


def test_an_api_write_during_an_outage_is_503_and_nothing_is_saved(client):
    from tenders.models import Demand

    with mock.patch.object(SQLCompiler, "execute_sql", side_effect=InterfaceError("closed")):
        response = client.post(
            "/api/v1/merchant/demands/",
            data={"stations": []},
            content_type="application/json",
            HTTP_AUTHORIZATION="Bearer not-checked-before-the-outage",
        )

    assert response.status_code == 503
    assert json.loads(response.content)["code"] == "unavailable"
    assert not Demand.objects.exists()


def test_the_retry_after_comes_from_the_settings(client, outage, settings):
    settings.DATABASE_UNAVAILABLE_RETRY_AFTER = 30

    response = client.get("/")

    assert response["Retry-After"] == "30"
    assert "Please try again in 30 seconds." in response.content.decode()


def test_an_outage_met_in_a_middleware_is_503_too():
    request = RequestFactory().get("/stations/", HTTP_ACCEPT_LANGUAGE="en")
    try:
        raise OperationalError("terminating connection due to administrator command")
    except OperationalError:
        response = server_error(request)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_an_api_outage_met_in_a_middleware_is_in_the_apis_shape():
    request = RequestFactory().get("/api/v1/public/stations/")
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError:
        response = server_error(request)

    assert response.status_code == 503
    assert json.loads(response.content)["code"] == "unavailable"


def test_any_other_error_stays_a_500():
    request = RequestFactory().get("/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)

    assert response.status_code == 500
    assert "Retry-After" not in response


def test_an_outage_in_a_middleware_is_503_through_the_urlconfs_handler500(client):
    """The session is written as the response leaves, in a middleware: handler500's case."""
    from django.contrib.sessions.middleware import SessionMiddleware

    client.raise_request_exception = False
    with mock.patch.object(
        SessionMiddleware, "process_response", side_effect=OperationalError(REFUSED)
    ):
        response = client.get("/portal/sign-in/")

    assert response.status_code == 503
    assert "Briefly unavailable" in response.content.decode()


def test_postgres_connections_are_health_checked_and_time_out(monkeypatch):
    from config.settings import base

    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.internal:5433/leasing")
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "60")
    reloaded = importlib.reload(base)
    try:
        db = reloaded.DATABASES["default"]
        assert db["CONN_MAX_AGE"] == 60
        assert db["CONN_HEALTH_CHECKS"] is True
        assert db["OPTIONS"]["connect_timeout"] == 5
    finally:
        monkeypatch.undo()
        importlib.reload(base)
