"""verify_audit: exit 0 when the journal's hash chain holds and the records agree with it;
1 naming the first broken entry, or the records that disagree with their entries."""

from django.core.management.base import BaseCommand, CommandError

from audit.journal import record_faults, verify
from audit.models import Entry

SHOWN_FAULTS = 20


class Command(BaseCommand):
    help = (
        "Check the audit journal's hash chain (name the first broken entry), then that the "
        "records it vouches for (bids, scores, awards…) still match their entries."
    )

    def handle(self, *args, **options):
        broken = verify()
        if broken is not None:
            raise CommandError(f"Audit journal broken at {broken}")
        faults = record_faults(limit=SHOWN_FAULTS)
        if faults:
            raise CommandError(
                "Records disagree with the audit journal:\n" + "\n".join(f"- {f}" for f in faults)
            )
        count = Entry.objects.count()
        self.stdout.write(
            self.style.SUCCESS(f"Audit journal intact: {count} entries; records match.")
        )
