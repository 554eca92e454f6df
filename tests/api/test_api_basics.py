"""The API's common behaviour: tokens (never the session), the one error shape, the rate limit
per token, and the OpenAPI document."""

import pytest

from tests import factories
from tests.api.conftest import error_of
from tests.tenders.factories import MerchantFactory, merchant_user

pytestmark = pytest.mark.django_db


def test_the_openapi_document_lists_the_three_parts(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["version"] == "1"
    tags = {
        tag for path in document["paths"].values() for op in path.values() for tag in op["tags"]
    }
    assert {"public", "merchant", "officer"} <= tags


def test_a_public_endpoint_needs_no_token(api_client):
    response = api_client().get("/api/v1/public/business-types/")
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()]
    assert "coffee" in codes and "catering" in codes


def test_without_a_token_a_merchant_endpoint_answers_401_in_the_one_shape(api_client):
    response = api_client().get("/api/v1/merchant/profile/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert error_of(response)["code"] == "unauthenticated"


def test_a_session_cookie_is_not_a_token(client):
    user = merchant_user(MerchantFactory(), username="coffee")
    client.force_login(user)
    assert client.get("/api/v1/merchant/profile/").status_code == 401


def test_a_revoked_token_is_refused(api_client):
    merchant = MerchantFactory(name="Hunan Coffee Co.")
    caller = api_client(merchant_user(merchant, username="coffee"))
    assert caller.get("/api/v1/merchant/profile/").json()["name"] == "Hunan Coffee Co."
    caller.token.revoke()
    assert caller.get("/api/v1/merchant/profile/").status_code == 401


def test_a_merchant_token_is_not_an_officers(api_client):
    caller = api_client(merchant_user(MerchantFactory(), username="coffee"))
    response = caller.get("/api/v1/officer/me/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_an_officers_token_is_not_a_merchants(api_client):
    caller = api_client(factories.officer(username="officer"))
    assert caller.get("/api/v1/officer/me/").json() == {
        "username": "officer",
        "roles": ["leasing officer"],
    }
    assert error_of(caller.get("/api/v1/merchant/profile/"))["code"] == "not_found"


def test_the_rate_limit_counts_per_token(api_client, settings):
    settings.API_RATE_LIMIT = "3/min"
    first = api_client(merchant_user(MerchantFactory(), username="first"))
    second = api_client(merchant_user(MerchantFactory(), username="second"))
    for _ in range(3):
        assert first.get("/api/v1/merchant/profile/").status_code == 200
    refused = first.get("/api/v1/merchant/profile/")
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "throttled"
    assert int(refused["Retry-After"]) >= 1
    assert second.get("/api/v1/merchant/profile/").status_code == 200


def test_no_two_schemas_share_a_name_in_the_openapi_document(monkeypatch):
    """ninja files every schema under its class name: a second class of the same name (or
    two model choices both called Status) silently replaces the first, and the responses of
    one endpoint then fail their own document. Every name must mean one schema."""
    from ninja.openapi.schema import OpenAPISchema

    from api.main import api

    seen, clashes = {}, []
    original = OpenAPISchema.add_schema_definitions

    def add(self, definitions):
        for name, definition in definitions.items():
            if name in seen and seen[name] != definition:
                clashes.append(name)
            seen[name] = definition
        original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", add)
    api.get_openapi_schema()
    assert sorted(set(clashes)) == []


def test_every_operation_documents_the_unavailable_answer(client):
    """When the database cannot be reached every endpoint answers 503 in the error shape
    (tests/faults/test_database_restart.py): the OpenAPI document says so."""
    schema = client.get("/api/v1/openapi.json").json()
    missing = [
        (path, method)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "503" not in operation["responses"]
    ]
    assert missing == []
