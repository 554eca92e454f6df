"""generate_network: a synthetic network of N stations at national proportions, for scale
tests and benchmarks (leasing.generate); a progress bar on stderr."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from leasing.generate import NetworkNotEmpty, Progress, generate_network, network_digest


class Command(BaseCommand):
    help = (
        "Build a synthetic network of N stations at national proportions (6,000 stations: "
        "~100,000 units, ~10,000 brands, ~50,000 rounds, ~250,000 bids, ~2,000,000 scores) "
        "into an empty database, for scale tests and benchmarks. The rows are bulk-inserted, "
        "bypassing the services: never on a production database. Refused when DEBUG is off "
        "(unless --force) and when the database already holds stations, merchants or rounds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stations", type=int, required=True, help="How many stations.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same data.")
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="The day the dates are anchored to (YYYY-MM-DD; default: today, UTC).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run although DEBUG is off (a benchmark database under production settings).",
        )
        parser.add_argument(
            "--digest", action="store_true", help="Print the network's digest at the end."
        )

    def handle(self, *args, stations, seed, today, force, digest, **options):
        if stations < 1:
            raise CommandError("--stations must be at least 1.")
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a production database, and generated data "
                "bypasses the services. Use --force on a database made for benchmarks."
            )
        progress = Progress(stations, stream=self.stderr._out)
        try:
            generated = generate_network(
                stations=stations, seed=seed, today=today, progress=progress.update
            )
        except NetworkNotEmpty as refusal:
            raise CommandError(str(refusal)) from None
        finally:
            progress.close()
        if connection.vendor == "postgresql":
            # Rows written by COPY leave the planner's statistics empty until autovacuum comes
            # round: without them the first queries on the network plan as for empty tables.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        for name, count in generated.counts.items():
            self.stdout.write(f"{name:>16}: {count:,}")
        self.stdout.write(f"{'seconds':>16}: {generated.seconds:,.1f}")
        if digest:
            self.stdout.write(f"{'digest':>16}: {network_digest()}")
