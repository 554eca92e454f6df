"""A file the server's storage refuses (disk full, over quota, too large for the file system)
while a view stores an upload outside the services — Wagtail's own document and image
screens: a clear message, never a 500 with a traceback.

The services store their uploads through ``stations.media.store``, which turns the refusal
into a message on the form's field. Wagtail's screens save the file as the row is saved: the
file is written first (``MediaStorage`` removes the part it could not finish), so the row is
never inserted and nothing points at a missing file. ``StorageRefusalMiddleware`` answers
those screens' refusal: Wagtail's multiple-upload screens post each file by XMLHttpRequest
and show a JSON answer's ``error_message`` in the file's row; any other request gets a short
page (507 Insufficient Storage) in the site's style. The API's uploads all go through the
services.
"""

from __future__ import annotations

import errno
import logging

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.users.models import UserProfile

from stations.media import storage_refusal

logger = logging.getLogger(__name__)

# The errors of a storage that has no room left for the file (EIO and the rest stay 500s).
STORAGE_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class StorageRefusalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if (
            not isinstance(exception, OSError)
            or exception.errno not in STORAGE_FULL
            or request.path.startswith("/api/")
        ):
            return None
        names = ", ".join(upload.name for upload in request.FILES.values()) or _("the upload")
        logger.error("storage refused %s on %s %s: %s", names, request.method, request.path,
                     exception)  # fmt: skip
        with translation.override(_admin_language(request)):
            return _refusal(request, storage_refusal(exception, names))


def _admin_language(request) -> str:
    """The admin user's own language under the admin (Wagtail's screens speak it, and their
    override has ended by the time the exception reaches here), else the request's."""
    user = getattr(request, "user", None)
    if not (
        user and user.is_authenticated and request.path.startswith(reverse("wagtailadmin_home"))
    ):
        return translation.get_language()
    try:
        return UserProfile.get_for_user(user).get_preferred_language()
    except DatabaseError:  # the view's transaction is broken: the request's language will do
        return translation.get_language()


def _refusal(request, message: str) -> HttpResponse:
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return JsonResponse({"success": False, "error_message": message})
    body = render_to_string("cms/site/storage_full.html", {"message": message})
    response = HttpResponse(body, status=507, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
