"""``report NAME --format json|csv|xlsx [--out PATH]``: build a registered report and write it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from stations.reports import FORMATS, UnknownReport, get_report, render_report


class Command(BaseCommand):
    help = (
        "Build a report (utilities, coverage, and those of tenders and leasing) and write it "
        "as JSON, CSV or XLSX to --out or to standard output (XLSX needs --out)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the report, e.g. utilities or coverage")
        parser.add_argument("--format", choices=FORMATS, default="json", dest="fmt")
        parser.add_argument("--out", help="file to write; standard output when omitted")

    def handle(self, *args, name: str, fmt: str, out: str | None, **options):
        try:
            report = get_report(name)
        except UnknownReport as exc:
            raise CommandError(str(exc)) from None
        if fmt == "xlsx" and not out:
            raise CommandError(_("An XLSX report needs --out PATH."))
        frame = report()
        content = render_report(frame, fmt, title=str(report.title))
        if out is None:
            self.stdout.write(content.decode("utf-8"), ending="\n")
            return
        path = Path(out)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": out, "error": exc.strerror}
            ) from None
        self.stdout.write(
            _("Wrote the %(name)s report (%(rows)d rows) to %(path)s.")
            % {"name": name, "rows": len(frame), "path": out}
        )
