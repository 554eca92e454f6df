"""load_demo: the Hunan demo network (DOMAIN.md) and its users, then the logins to sign in with.

Higher apps extend the demo with their own ``<app>.demo.load(stdout=...)`` (merchants,
tenders, leases); they are imported by name when present, so stations imports none of them.
"""

import importlib

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from stations import demo

EXTENSIONS = ("tenders.demo", "leasing.demo")


def _extension(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:  # the module exists but something it imports is missing
            raise
        return None


class Command(BaseCommand):
    help = _(
        "Load the Hunan demo network: 8 stations of the Wuhan–Guangzhou HSR with floor plans, "
        "utilities and demo users. Safe to run again; prints the demo logins."
    )

    def handle(self, *args, **options):
        self.stdout.write(_("Loading the Hunan demo network…"))
        demo.load(stdout=self.stdout)
        for name in EXTENSIONS:
            module = _extension(name)
            if module is not None:
                module.load(stdout=self.stdout)
        demo.print_logins(stdout=self.stdout)
