"""``import_units FILE [--dry-run]``: create the units of a CSV or XLSX file, all or none."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from stations.imports import ImportInvalid, units_import


class Command(BaseCommand):
    help = (
        "Import units from a CSV (UTF-8) or XLSX file with the columns station, level, code, "
        "geometry, kind, business_types (and optionally name, power_kw, has_exhaust, "
        "in_paid_area). One bad row rejects the whole file; every fault is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the CSV or XLSX file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and say what would be created, without saving anything",
        )

    def handle(self, *args, file: str, dry_run: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        try:
            result = units_import(actor=None, file=path, filename=path.name, dry_run=dry_run)
        except ImportInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(n)d fault(s) in %(file)s; nothing was imported.")
                % {"n": len(exc.errors), "file": path.name}
            ) from None
        for level in result.levels:
            self.stdout.write(f"{level.station}\t{level.level}\t{level.count}")
        if dry_run:
            summary = _("Dry run: %(n)d unit(s) would be created from %(file)s; nothing saved.")
        else:
            summary = _("Created %(n)d unit(s) from %(file)s (SHA-256 %(sha)s).")
        self.stdout.write(
            self.style.SUCCESS(
                summary % {"n": result.count, "file": path.name, "sha": result.sha256}
            )
        )
