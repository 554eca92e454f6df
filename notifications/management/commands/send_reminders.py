"""Send the reminders that are due (bid deadlines, milestones, instalments, complaints).

Run it periodically (cron, or a systemd timer, e.g. hourly); every reminder is sent once, so a
run repeated or overlapping another sends nothing twice.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications import reminders
from notifications.models import Notification


class Command(BaseCommand):
    help = (
        "Send the due reminders (each once): bid deadlines, milestones, instalments, complaints."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        total = 0
        for name, source in sorted(reminders.sources().items()):
            before = Notification.objects.count()
            source(now)
            count = Notification.objects.count() - before
            total += count
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(self.style.SUCCESS(f"{total} notification(s) sent"))
