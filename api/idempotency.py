"""Once only: a write retried with the same key gives the first outcome, not a second write.

Two kinds of key, one mechanism (``IdempotencyMiddleware``, after the CSRF check, the session
user and the messages):

- the API's ``Idempotency-Key`` header (1–255 printable ASCII characters) on a POST or PATCH
  under /api/: the key is the token's user's. Same key, same request (method, path with its
  query, SHA-256 of the body) → the first answer again, byte for byte, with
  ``Idempotent-Replayed: true``; same key, another request → 422 in the API's error shape,
  nothing done. Without the header nothing changes.
- a form's hidden one-time token (``once_token``, rendered by ``{% once_token %}`` from
  api/templatetags/once.py) on a POST by a signed-in user: a double click or a browser's retry
  after a lost answer gets the first answer (the redirect to the receipt, the round…).

The key is inserted before the view runs and its answer stored after, in the SAME transaction
as the view's writes: a worker killed before the commit leaves neither, and the retry runs
the operation; after the commit, the retry replays. A concurrent duplicate blocks on the
key's unique index until the first commits (then replays) or rolls back (then runs). Only
the answers of writes done are kept (the API's 2xx, a form's redirect): a refusal changed
nothing, so its retry is judged afresh. Keys
expire after IDEMPOTENCY_KEY_TTL_HOURS (24); ``manage.py purge_idempotency_keys`` (or the task
api.tasks.purge_idempotency_keys) deletes the expired ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _

from api.errors import error_body
from api.models import IdempotencyKey

HEADER = "Idempotency-Key"
FORM_FIELD = "once_token"
REPLAY_HEADER = "Idempotent-Replayed"
METHODS = frozenset({"POST", "PATCH"})
API_PREFIX = "/api/"
MAX_KEY_LENGTH = 255
# The headers a replay repeats (the rest are the middlewares' to set again).
KEPT_HEADERS = ("Content-Type", "Location", "Content-Disposition")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def key_ttl() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "IDEMPOTENCY_KEY_TTL_HOURS", 24)))


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= MAX_KEY_LENGTH and all(" " <= char <= "~" for char in key)


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the keys expired at ``now``; returns how many."""
    deleted, _by_model = IdempotencyKey.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


def _fingerprint(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _body(request) -> bytes:
    """The raw body; a multipart body already parsed (no longer readable raw) by its fields
    and files' names and sizes."""
    try:
        return request.body
    except RawPostDataException:
        files = sorted((name, f.name, f.size) for name, f in request.FILES.items())
        return (request.POST.urlencode() + repr(files)).encode()


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    body = error_body(code, message, [{"field": HEADER, "message": message}])
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _api_user(request):
    """The user of the request's bearer token (the API never takes the session), or None."""
    from api.auth import TokenAuth  # api.auth imports tenders, loaded after the middleware

    if TokenAuth()(request) is None:
        return None
    return request.user


def _done(request, response) -> bool:
    """Whether the answer says the write was done: a 2xx from the API; a redirect from a form
    (a form shown again, 200, is a refusal there)."""
    status = response.status_code
    if request.path.startswith(API_PREFIX):
        return 200 <= status < 300
    return 300 <= status < 400


class IdempotencyMiddleware:
    """See the module: runs the view of a keyed POST/PATCH once per (user, key)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in METHODS:
            return None
        if request.path.startswith(API_PREFIX):
            return self._api(request, view_func, view_args, view_kwargs)
        return self._form(request, view_func, view_args, view_kwargs)

    def _api(self, request, view_func, view_args, view_kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return None
        if not valid_key(key):
            return _api_error(
                400,
                "invalid",
                _("Idempotency-Key must be 1 to 255 printable ASCII characters."),
            )
        user = _api_user(request)
        if user is None:
            return None  # the operation answers 401 itself
        fingerprint = _fingerprint(
            request.method.encode(), request.get_full_path().encode(), _body(request)
        )
        return self._once(request, user, key, fingerprint, view_func, view_args, view_kwargs)

    def _form(self, request, view_func, view_args, view_kwargs):
        if not request.content_type or request.content_type not in FORM_TYPES:
            return None
        key = request.POST.get(FORM_FIELD)
        user = getattr(request, "user", None)
        # A token the form did not render (not ours, so malformed) counts as none.
        if not key or not valid_key(key) or user is None or not user.is_authenticated:
            return None
        # The form's own body: a double click sends it again, a retry may re-encode it.
        fingerprint = _fingerprint(request.method.encode(), request.path.encode())
        return self._once(request, user, key, fingerprint, view_func, view_args, view_kwargs)

    def _once(self, request, user, key, fingerprint, view_func, view_args, view_kwargs):
        now = timezone.now()
        with transaction.atomic():
            IdempotencyKey.objects.filter(user=user, key=key, expires_at__lte=now).delete()
            try:
                with transaction.atomic():
                    # Blocks while another transaction holds the same key, uncommitted.
                    row = IdempotencyKey.objects.create(
                        user=user,
                        key=key,
                        fingerprint=fingerprint,
                        method=request.method,
                        path=request.path[:2000],
                        created_at=now,
                        expires_at=now + key_ttl(),
                    )
            except IntegrityError:
                row = IdempotencyKey.objects.get(user=user, key=key)
                return self._replay(request, row, fingerprint)
            response = view_func(request, *view_args, **view_kwargs)
            if getattr(response, "streaming", False) or not _done(request, response):
                row.delete()
                return response
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            row.response_status = response.status_code
            row.response_headers = {
                name: response[name] for name in KEPT_HEADERS if response.has_header(name)
            }
            row.response_body = response.content
            row.save(update_fields=["response_status", "response_headers", "response_body"])
            return response

    def _replay(self, request, row: IdempotencyKey, fingerprint: str) -> HttpResponse:
        api = request.path.startswith(API_PREFIX)
        if row.fingerprint != fingerprint:
            message = _(
                "This Idempotency-Key was used with another request (method, path or body): "
                "send a new key with a new request."
            )
            if api:
                return _api_error(422, "key_reused", message)
            return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
        response = HttpResponse(bytes(row.response_body), status=row.response_status)
        for name, value in row.response_headers.items():
            response[name] = value
        response[REPLAY_HEADER] = "true"
        if not api:
            messages.info(request, _("This form was sent already: here is what it did."))
        return response
