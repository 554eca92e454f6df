"""``manage.py export_imdf CODE PATH.zip``: write a station as an IMDF 1.0 archive."""

import io
import json
import zipfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from stations import imdf
from stations.models import Station, UtilityPoint, Zone


class Command(BaseCommand):
    help = _("Write a station as an IMDF 1.0 archive (zip) in WGS84 from its georeference.")

    def add_arguments(self, parser):
        parser.add_argument("code", help=_("station code, e.g. CSS"))
        parser.add_argument("path", help=_("the .zip file to write"))

    def handle(self, *args, code, path, **options):
        station = Station.objects.filter(code=code).first()
        if station is None:
            raise CommandError(_("No station has the code %(code)s.") % {"code": code})
        target = Path(path)
        if not target.parent.is_dir():
            raise CommandError(
                _("Cannot write %(path)s: the folder %(folder)s does not exist.")
                % {"path": target, "folder": target.parent}
            )
        try:
            data = imdf.export_station(station)
        except (ValidationError, ValueError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError("\n".join(messages)) from exc
        try:
            target.write_bytes(data)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": target, "error": exc.strerror}
            ) from exc
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # counted as written
            occupants = len(json.loads(archive.read("occupant.geojson"))["features"])
        points = UtilityPoint.objects.filter(level__station=station)
        amenities = points.filter(kind__in=list(imdf.AMENITY_KINDS)).count()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Wrote %(path)s (%(size)d bytes): station %(code)s, %(levels)d levels, "
                    "%(units)d units, %(zones)d zones, %(amenities)d amenities, "
                    "%(points)d other utility points; occupants (open outlets): %(occupants)d."
                )
                % {
                    "path": target,
                    "size": len(data),
                    "code": station.code,
                    "levels": station.levels.count(),
                    "units": station.units.count(),
                    "zones": Zone.objects.filter(level__station=station).count(),
                    "amenities": amenities,
                    "points": points.count() - amenities,
                    "occupants": occupants,
                }
            )
        )
