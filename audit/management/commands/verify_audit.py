"""verify_audit: exit 0 when the journal's hash chain holds and the records agree with it;
1 naming the first broken entry, or the records that disagree with their entries. With
``--against FILE`` (a head file of export_journal_head, or its folder; repeatable) the journal
must also still hold each exported hash at its seq: a chain rebuilt since is found."""

from django.core.management.base import BaseCommand, CommandError

from audit.heads import head_faults
from audit.journal import record_faults, verify
from audit.models import Entry

SHOWN_FAULTS = 20


class Command(BaseCommand):
    help = (
        "Check the audit journal's hash chain (name the first broken entry), then that the "
        "records it vouches for (bids, scores, awards…) still match their entries."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--against",
            action="append",
            default=[],
            metavar="FILE",
            help="a journal head file written by export_journal_head, or a folder of them",
        )

    def handle(self, *args, against=(), **options):
        broken = verify()
        if broken is not None:
            raise CommandError(f"Audit journal broken at {broken}")
        faults = record_faults(limit=SHOWN_FAULTS)
        if faults:
            raise CommandError(
                "Records disagree with the audit journal:\n" + "\n".join(f"- {f}" for f in faults)
            )
        heads = 0
        for path in against:
            checked, faults = head_faults(path)
            if faults:
                raise CommandError(
                    f"The journal disagrees with the heads exported to {path}:\n"
                    + "\n".join(f"- {f}" for f in faults[:SHOWN_FAULTS])
                )
            if not checked:
                raise CommandError(f"No journal head found in {path}.")
            heads += checked
        count = Entry.objects.count()
        held = f"; {heads} exported heads held" if against else ""
        self.stdout.write(
            self.style.SUCCESS(f"Audit journal intact: {count} entries; records match{held}.")
        )
