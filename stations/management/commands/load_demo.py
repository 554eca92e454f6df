"""load_demo: the Hunan demo network (DOMAIN.md) and its users, then the logins to sign in with.

Higher apps extend the demo with their own ``<app>.demo.load(stdout=...)``; the highest one
present loads the ones below it (leasing's tells the tenders' story with its own chapter). They
are imported by name, so stations imports none of them.
"""

import importlib

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from stations import demo

EXTENSIONS = ("cms.demo", "leasing.demo", "tenders.demo")  # the first present is loaded


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
                break
        demo.print_logins(stdout=self.stdout)
