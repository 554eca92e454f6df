"""``manage.py import_imdf PATH.zip [--code CODE]``: create a station from an IMDF archive."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from stations import imdf
from stations.models import UtilityPoint, Zone


class Command(BaseCommand):
    help = _(
        "Create a station from an IMDF 1.0 archive (zip). The whole archive is checked "
        "first; an invalid archive is refused with every reason and nothing is saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("the .zip file to read"))
        parser.add_argument(
            "--code", default=None, help=_("import under this station code instead")
        )

    def handle(self, *args, path, code, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": source})
        try:
            with source.open("rb") as handle:
                station = imdf.import_station(handle, actor=None, code=code)
        except ValidationError as exc:
            raise CommandError(
                _("%(path)s was not imported:") % {"path": source}
                + "".join(f"\n  - {message}" for message in exc.messages)
            ) from exc
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": source, "error": exc.strerror}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported station %(code)s (%(name)s): %(levels)d levels, %(units)d units, "
                    "%(zones)d zones, %(points)d utility points."
                )
                % {
                    "code": station.code,
                    "name": station.name_zh,
                    "levels": station.levels.count(),
                    "units": station.units.count(),
                    "zones": Zone.objects.filter(level__station=station).count(),
                    "points": UtilityPoint.objects.filter(level__station=station).count(),
                }
            )
        )
