"""``import_demands FILE``: create the merchants' demands listed in a CSV or XLSX file, all or none."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from stations.imports import ImportInvalid
from tenders.demands_io import COLUMNS, demands_import


class Command(BaseCommand):
    help = _(
        "Import demands from a CSV (UTF-8) or XLSX file with the columns %(columns)s. "
        "One bad row rejects the whole file; every fault is listed."
    ) % {"columns": ", ".join(COLUMNS)}

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("path of the CSV or XLSX file"))

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        try:
            result = demands_import(actor=None, file=path, filename=path.name)
        except ImportInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(n)d fault(s) in %(file)s; nothing was imported.")
                % {"n": len(exc.errors), "file": path.name}
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Created %(n)d demand(s) of %(m)d merchant(s) from %(file)s (SHA-256 %(sha)s).")
                % {
                    "n": result.count,
                    "m": result.merchant_count,
                    "file": path.name,
                    "sha": result.sha256,
                }
            )
        )
