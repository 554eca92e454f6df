"""``export_demands PATH.xlsx``: the demand database as an Excel workbook (it imports back)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenders.demands_io import demands_export
from tenders.models import Demand


class Command(BaseCommand):
    help = _(
        "Export demands to an XLSX workbook, one row per demand in the import's columns; "
        "active ones only unless --all, optionally of one merchant (--merchant CREDIT_CODE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("where to write the .xlsx file"))
        parser.add_argument("--merchant", help=_("only this merchant's demands (credit code)"))
        parser.add_argument(
            "--all", action="store_true", help=_("include withdrawn demands as well")
        )

    def handle(self, *args, path: str, merchant: str | None, all: bool, **options):
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            raise CommandError(_("The export is an Excel workbook: give a path ending in .xlsx."))
        if not target.parent.is_dir():
            raise CommandError(_("No such folder: %(path)s") % {"path": target.parent})
        demands = Demand.objects.all()
        if not all:
            demands = demands.filter(is_active=True)
        if merchant:
            demands = demands.filter(merchant__credit_code=merchant.strip().upper())
        count = demands.count()
        target.write_bytes(demands_export(demands))
        self.stdout.write(
            self.style.SUCCESS(
                _("Wrote %(n)d demand(s) to %(path)s.") % {"n": count, "path": target}
            )
        )
