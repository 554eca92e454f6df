"""The API's background task: the daily purge of expired idempotency keys (db_worker)."""

from django_tasks import task

from api.idempotency import purge_expired


@task()
def purge_idempotency_keys() -> int:
    """Delete the expired keys; returns how many."""
    return purge_expired()
