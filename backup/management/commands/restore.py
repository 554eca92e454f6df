"""``restore FOLDER``: a backup into the empty database and media folder the settings name,
checked against its manifest (backup.archive)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from backup.archive import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder into an empty database and an empty MEDIA_ROOT after checking "
        "its files' checksums; then verify the journal (verify_audit), its head and count "
        "against the manifest, and every media file's hash."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a folder written by backup")

    def handle(self, *args, folder: str, **options):
        try:
            restored = restore(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Restored and verified: journal intact, %(entries)s entries ending "
                    "%(hash)s, as the manifest says; %(files)s media files match."
                )
                % {
                    "entries": restored.entries,
                    "hash": restored.head_hash,
                    "files": restored.media_files,
                }
            )
        )
