"""One shape for every error the API answers, whatever raised it:

    {"code": "invalid", "message": "…", "field": "annual_rent",
     "errors": [{"field": "annual_rent", "message": "…"}, …]}

``code`` is one of ``invalid`` (400: the service or the schema refused the input; ``field``
names the first field at fault and ``errors`` lists every one), ``unauthenticated`` (401),
``forbidden`` (403), ``not_found`` (404: also what another merchant's or station's object
answers), ``conflict`` (409), ``key_reused`` (422: an Idempotency-Key sent again with another
request, api.idempotency), ``throttled`` (429, with Retry-After), ``unavailable`` (503, with
Retry-After: the database cannot be reached; cms.unavailable) and ``server_error`` (500).
Messages are in the caller's language (Accept-Language), as the services write them.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaValidationError

from cms.unavailable import unavailable_response

NON_FIELD = "__all__"
logger = logging.getLogger(__name__)


class FieldError(Schema):
    field: str | None = None
    message: str


class Error(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[FieldError] = []


# The responses every operation may give, for the OpenAPI document (503: the database cannot
# be reached, code ``unavailable``, with Retry-After — cms.unavailable answers it).
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 429: Error, 503: Error}


def error_body(code: str, message: str, errors: list[dict] | None = None) -> dict:
    errors = errors or []
    field = next((e["field"] for e in errors if e.get("field")), None)
    return {"code": code, "message": message, "field": field, "errors": errors}


def django_errors(exc: DjangoValidationError) -> list[dict]:
    """Each message of a Django ValidationError with the field it names (None for the whole)."""
    if hasattr(exc, "error_dict"):
        return [
            {"field": None if name == NON_FIELD else name, "message": message}
            for name, errors in exc.error_dict.items()
            for error in errors
            for message in error.messages
        ]
    return [{"field": None, "message": message} for message in exc.messages]


def _schema_field(location: tuple) -> str | None:
    # ("body", "payload", "annual_rent") → "annual_rent"; ("query", "limit") → "limit"
    parts = [str(part) for part in location[1:] if part not in ("payload", "filters")]
    return ".".join(parts) or None


def install(api) -> None:
    """Replace ninja's default handlers with the one shape."""

    def respond(request, status: int, body: dict, **headers):
        response = api.create_response(request, body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response

    @api.exception_handler(DjangoValidationError)
    def refused(request, exc):
        errors = django_errors(exc)
        return respond(request, 400, error_body("invalid", errors[0]["message"], errors))

    @api.exception_handler(SchemaValidationError)
    def malformed(request, exc):
        errors = [
            {"field": _schema_field(tuple(error.get("loc", ()))), "message": error.get("msg", "")}
            for error in exc.errors
        ]
        message = errors[0]["message"] if errors else _("The request is not valid.")
        return respond(request, 400, error_body("invalid", message, errors))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        body = error_body(
            "unauthenticated", _("A valid API token is needed (Authorization: Bearer …).")
        )
        return respond(request, 401, body, **{"WWW-Authenticate": "Bearer"})

    @api.exception_handler(AuthorizationError)
    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        message = (
            str(exc) if str(exc) and str(exc) != "Forbidden" else _("This token may not do that.")
        )
        return respond(request, 403, error_body("forbidden", message))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, error_body("not_found", _("Not found.")))

    @api.exception_handler(Throttled)
    def throttled(request, exc):
        body = error_body("throttled", _("Too many requests: slow down and try again."))
        return respond(request, 429, body, **{"Retry-After": str(int(exc.wait or 1))})

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def unavailable(request, exc):
        return unavailable_response(request, exc)

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return respond(
            request, 500, error_body("server_error", _("Something went wrong on our side."))
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        codes = {
            400: "invalid",
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "not_allowed",
            409: "conflict",
            429: "throttled",
        }
        return respond(
            request, exc.status_code, error_body(codes.get(exc.status_code, "error"), exc.message)
        )
