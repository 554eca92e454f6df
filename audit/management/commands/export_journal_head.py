"""``manage.py export_journal_head [--to DIR]``: append the journal's latest seq and hash, signed
and dated, to today's file outside the database (JOURNAL_HEAD_DIR by default); see audit.heads."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audit.heads import export_head


class Command(BaseCommand):
    help = _(
        "Append the audit journal's latest entry (seq and hash), signed and dated, to today's "
        "head file, so that a chain rebuilt in the database is found by verify_audit --against."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to", dest="directory", default=None, help=_("the folder (JOURNAL_HEAD_DIR)")
        )

    def handle(self, *args, directory=None, **options):
        try:
            path, line = export_head(directory)
        except OSError as exc:
            raise CommandError(
                _("Cannot write the journal head: %(error)s") % {"error": exc}
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"{path}: {line}"))
