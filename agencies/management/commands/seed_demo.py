"""`python manage.py seed_demo [--minimal]`: load the demo partnership (idempotent; never in production).

Each app with demo data names a seeder in settings.DASV_DEMO_SEEDERS, ground floor first, so this
command needs to import no app above agencies.
"""

import argparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from agencies.demo import login_help


class Command(BaseCommand):
    help = "Load the demo partnership: area, agencies, users for every role, and each app's demo data."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--minimal",
            action="store_true",
            help="Only the area, the agencies, the users and the routing policies: no cases.",
        )

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run in production: demo users have published passwords and codes.")
        for dotted_path in settings.DASV_DEMO_SEEDERS:
            import_string(dotted_path)(minimal=bool(options["minimal"]), stdout=self.stdout)
        self.stdout.write(login_help())
