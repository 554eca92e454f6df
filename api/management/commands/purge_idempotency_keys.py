"""Delete the expired idempotency keys (run daily, e.g. from cron, or the task)."""

from django.core.management.base import BaseCommand

from api.idempotency import purge_expired


class Command(BaseCommand):
    help = "Delete the idempotency keys past IDEMPOTENCY_KEY_TTL_HOURS; prints how many."

    def handle(self, *args, **options):
        deleted = purge_expired()
        self.stdout.write(f"{deleted} expired idempotency key(s) deleted.")
