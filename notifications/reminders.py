"""The reminders ``manage.py send_reminders`` sends: each domain app registers its own.

A reminder source is ``source(now)``; it sends its notifications with keys that name the window, so running it again sends nothing new.
"""

from __future__ import annotations

from collections.abc import Callable

_sources: dict[str, Callable] = {}


def register(name: str, source: Callable) -> None:
    _sources[name] = source


def sources() -> dict[str, Callable]:
    return dict(_sources)


def window(remaining, windows):
    """The smallest of ``windows`` (ascending) that ``remaining`` falls within, or None.

    ``remaining`` and the windows are of one kind (days, or timedeltas): a reminder for the
    3-day window is not sent again in the 1-day one's stead, and a first run 12 hours before a
    deadline sends only the 1-day reminder, not both.
    """
    for limit in sorted(windows):
        if remaining <= limit:
            return limit
    return None
