"""How much a request may send: the body's size, and the few screens allowed more form fields.

Django refuses, with a 400, form data over DATA_UPLOAD_MAX_MEMORY_SIZE and more fields than
DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000). ``RequestLimitsMiddleware`` adds two things:

- a body whose Content-Length is over REQUEST_MAX_BODY_BYTES is answered 413 before a byte
  of it is read (the files count here, unlike in Django's limit);
- the screens that legitimately post more than 1,000 fields read their form with
  RAISED_MAX_NUMBER_FIELDS instead: the Wagtail page editor (a handbook page of many blocks
  posts several fields per block; Wagtail's project template sets 10,000 for this) and a
  committee member's score grid (two fields per bid and criterion), marked by a
  ``max_form_fields`` attribute on the view. Their URL-encoded body is parsed here, before the
  CSRF check reads ``request.POST`` with the global limit; a multipart body keeps the global
  limit (neither screen sends one).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpResponse, QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

# Wagtail's page editor: creating, editing and previewing a page post the whole page form.
RAISED_URL_NAMES = frozenset(
    {
        "wagtailadmin_pages:add",
        "wagtailadmin_pages:edit",
        "wagtailadmin_pages:preview_on_add",
        "wagtailadmin_pages:preview_on_edit",
    }
)
FORM_ENCODED = "application/x-www-form-urlencoded"


def raised_field_limit(request, view_func) -> int | None:
    """The number of form fields this view may take, when it is more than the global one."""
    view = getattr(view_func, "view_class", view_func)
    limit = getattr(view, "max_form_fields", None)
    match = getattr(request, "resolver_match", None)
    if limit is None and match is not None and match.view_name in RAISED_URL_NAMES:
        limit = settings.RAISED_MAX_NUMBER_FIELDS
    return limit


def parse_form_with_limit(request, limit: int) -> None:
    """Parse a URL-encoded POST body into request.POST with ``limit`` fields at most (a 400,
    as Django's own limit, beyond it). The body's size is still held to
    DATA_UPLOAD_MAX_MEMORY_SIZE by ``request.body``."""
    encoding = request.encoding or settings.DEFAULT_CHARSET
    try:  # as QueryDict decodes a body
        text = request.body.decode(encoding)
    except UnicodeDecodeError:
        text = request.body.decode("iso-8859-1")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding=encoding, max_num_fields=limit)
    except ValueError as exc:
        raise TooManyFieldsSent(
            "The number of POST parameters exceeded the view's max_form_fields."
        ) from exc
    post = QueryDict(mutable=True)
    for key, value in pairs:
        post.appendlist(key, value)
    post._mutable = False
    request._post = post
    request._files = MultiValueDict()


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = getattr(settings, "REQUEST_MAX_BODY_BYTES", None)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return HttpResponse(
                _("The request is too large: at most %(mb)d MB may be sent at once.")
                % {"mb": limit // (1024 * 1024)},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":  # the only method Django reads a form body for
            return None
        if request.content_type != FORM_ENCODED or hasattr(request, "_post"):
            return None
        limit = raised_field_limit(request, view_func)
        if limit is not None and limit > (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 0):
            parse_form_with_limit(request, limit)
        return None
