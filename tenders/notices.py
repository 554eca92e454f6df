"""Listeners told when a round is published, so that a higher app — the public site — can make
its notice page; tenders imports none of them (the imports run one way).

``round_publish`` calls :func:`round_published`; each listener gets the round's id once the
publication has committed. A listener that fails is logged and never undoes the publication.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import transaction

_listeners: list[Callable[[int], None]] = []


def register(listener: Callable[[int], None]) -> None:
    """Call ``listener(round_id)`` after each round's publication commits (once per listener)."""
    if listener not in _listeners:
        _listeners.append(listener)


def round_published(round) -> None:
    for listener in list(_listeners):
        transaction.on_commit(partial(listener, round.pk), robust=True)
