"""verify_audit: exit 0 when the journal's hash chain holds, 1 naming the first broken entry."""

from django.core.management.base import BaseCommand, CommandError

from audit.journal import verify
from audit.models import Entry


class Command(BaseCommand):
    help = "Check the audit journal's hash chain; name the first broken entry."

    def handle(self, *args, **options):
        broken = verify()
        if broken is not None:
            raise CommandError(f"Audit journal broken at {broken}")
        count = Entry.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit journal intact: {count} entries."))
