"""API tests: a client that speaks with a bearer token (Wagtail's APIToken), never a session."""

import pytest
from django.test import Client
from wagtail.models import APIToken


class TokenClient(Client):
    """A client whose requests carry ``Authorization: Bearer <token>`` of ``user``."""

    def __init__(self, user=None, **defaults):
        super().__init__(HTTP_ACCEPT_LANGUAGE="en", **defaults)
        self.user = user
        self.token = None
        if user is not None:
            self.token, plaintext = APIToken.create_token(user=user, name="test")
            self.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"

    def post_json(self, path, data=None, **extra):
        return self.post(path, data or {}, content_type="application/json", **extra)

    def put_json(self, path, data=None, **extra):
        return self.put(path, data or {}, content_type="application/json", **extra)

    def patch_json(self, path, data=None, **extra):
        return self.patch(path, data or {}, content_type="application/json", **extra)


@pytest.fixture
def api_client():
    """``api_client(user)`` a client with a token of ``user``; ``api_client()`` one without."""
    return TokenClient


def error_of(response) -> dict:
    """The error body, checked to have the one shape every error has."""
    body = response.json()
    assert set(body) == {"code", "message", "field", "errors"}, body
    return body
