"""The answer while the database cannot be reached (restarted, failed over, refusing
connections): 503 with Retry-After, never a 500 with a traceback.

``DatabaseUnavailableMiddleware`` turns a connection-level database error raised by a view
(including the API's, through api.errors) into that answer; ``server_error``, the project's
handler500, does the same for one raised in a middleware (a session saved as the response
leaves) and leaves every other error to Django's own 500. An HTML request gets a short page in
the site's style and the visitor's language (rendered without the request's context
processors, which would ask the database for the user and the messages); a request under
/api/ gets the API's one error shape with the code ``unavailable``.

The recovery needs nothing from here: a broken connection is dropped by Django at the end of
the request it failed (``close_old_connections``), and with CONN_HEALTH_CHECKS a persistent
connection that died between requests is replaced before its first query (settings/base.py).
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

# OperationalError: the server refused or dropped the connection, is starting up or shutting
# down; InterfaceError: the connection was closed under us.
UNAVAILABLE = (OperationalError, InterfaceError)


def retry_after_seconds() -> int:
    return int(getattr(settings, "DATABASE_UNAVAILABLE_RETRY_AFTER", 10))


def unavailable_response(request, exc: BaseException) -> HttpResponse:
    """503 with Retry-After: the API's error shape under /api/, else the site's short page."""
    logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, str(exc).strip()
    )
    message = _("The service is briefly unavailable. Nothing was changed; try again shortly.")
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "unavailable", "message": message, "field": None, "errors": []}, status=503
        )
    else:
        body = render_to_string(
            "cms/site/unavailable.html", {"message": message, "retry_after": retry_after_seconds()}
        )
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after_seconds())
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE):
            return unavailable_response(request, exception)
        return None


def server_error(request):
    """handler500: the database's outage as a 503, any other error as Django's own 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, UNAVAILABLE):
        return unavailable_response(request, exc)
    return defaults.server_error(request)
