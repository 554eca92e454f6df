"""When a request arrived: stamped first, before any other middleware, lock or query.

The bid deadline is judged by this time (tenders.bids), not by the moment a bid takes the
round's lock: bids queue behind that lock in a rush, and a bid that arrived before the deadline
must not be refused for waiting. Only the server's clock sets it; nothing the client sends does.
It is the time the worker began the request (gunicorn's accept queue before that is not
counted).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

ATTRIBUTE = "arrived_at"


def _clock() -> dt.datetime:
    """The server clock (tests patch it to stamp an arrival at a chosen moment)."""
    return timezone.now()


class ArrivalMiddleware:
    """First in MIDDLEWARE: ``request.arrived_at`` is the server's time the request arrived."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        setattr(request, ATTRIBUTE, _clock())
        return self.get_response(request)


def arrival_of(request) -> dt.datetime | None:
    """The request's arrival, or None for a request that did not pass the middleware (a
    request made in a test by hand): the service then judges by its own clock."""
    return getattr(request, ATTRIBUTE, None)
