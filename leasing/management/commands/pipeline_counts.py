"""pipeline_counts: check the pipeline report's kept counts against the rows (exit 1 naming
the first differences), or rebuild them from the rows with ``--rebuild``."""

from django.core.management.base import BaseCommand, CommandError

from leasing import pipeline
from stations.models import Station

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Check the pipeline report's counts per station and month (kept by the services as "
        "demands, applications, bids, awards, signed leases and openings are recorded) "
        "against the rows; --rebuild replaces them with the rows' counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="count the rows afresh and keep that"
        )

    def handle(self, *args, rebuild: bool = False, **options):
        if rebuild:
            rows = pipeline.rebuild()
            self.stdout.write(self.style.SUCCESS(f"Pipeline counts rebuilt: {rows} months."))
            return
        found = pipeline.differences()
        if found:
            codes = dict(
                Station.objects.filter(pk__in={f[0] for f in found[:SHOWN]}).values_list(
                    "pk", "code"
                )
            )
            lines = [
                f"- {codes.get(station, station)} {month:%Y-%m} {stage}: kept {kept}, rows {rows}"
                for station, month, stage, kept, rows in found[:SHOWN]
            ]
            more = f"\n… and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
            raise CommandError(
                f"The pipeline counts disagree with the rows in {len(found)} places:\n"
                + "\n".join(lines)
                + more
            )
        self.stdout.write(self.style.SUCCESS("Pipeline counts match the rows."))
