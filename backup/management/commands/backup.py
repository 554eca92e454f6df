"""``backup --to DIR``: the database (pg_dump) and the media, with a manifest (backup.archive)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backup.archive import BackupError, backup, read_manifest


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump, custom format) and MEDIA_ROOT (a tar) into a "
        "new folder under --to, with a manifest: journal head and count, versions, checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="the folder the backup's folder goes in")

    def handle(self, *args, to: str, **options):
        try:
            folder = backup(to)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = read_manifest(folder)
        journal = manifest["journal"]
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(folder)s: journal #%(seq)s %(hash)s (%(entries)s entries), %(files)s "
                    "media files."
                )
                % {
                    "folder": folder,
                    "seq": journal["head_seq"],
                    "hash": journal["head_hash"],
                    "entries": journal["entries"],
                    "files": manifest["media"]["files"],
                }
            )
        )
        self.stdout.write(str(folder))
