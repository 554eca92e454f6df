"""Running tasks after the commit: a notification is never sent for a change rolled back."""

from __future__ import annotations

from functools import partial

from django.db import transaction


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue ``task`` (a django-tasks task) once the current transaction commits.

    Robust: a failure to enqueue is logged and never undoes the change that was committed.
    """
    transaction.on_commit(partial(task.enqueue, *args, **kwargs), robust=True)
