"""``backup --to DIR``: the database (pg_dump) and the media, with a manifest (backup.archive)."""

from django.core.management.base import BaseCommand, CommandError

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
                f"{folder}: journal #{journal['head_seq']} {journal['head_hash']} "
                f"({journal['entries']} entries), {manifest['media']['files']} media files."
            )
        )
        self.stdout.write(str(folder))
