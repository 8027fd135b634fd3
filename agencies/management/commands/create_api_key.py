"""`manage.py create_api_key --agency <slug> --name <text> [--scope read|write] [--expires YYYY-MM-DD]`.

Prints the new key alone on the last line of standard output (api.md), so scripts can take `tail -1`.
"""

import argparse
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agencies.models import Agency, ApiKey
from agencies.services import api_key_create


def _expiry(value: str) -> datetime:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a date, made aware below
    except ValueError:
        raise argparse.ArgumentTypeError("use YYYY-MM-DD") from None
    return timezone.make_aware(datetime.combine(day, time.max))


class Command(BaseCommand):
    help = "Create an API key for an agency and print it (it is stored only as a hash)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--agency", required=True, help="The agency's slug.")
        parser.add_argument("--name", required=True, help="What the key is for, e.g. 'Police records sync'.")
        parser.add_argument("--scope", choices=ApiKey.Scope.values, default=ApiKey.Scope.WRITE)
        parser.add_argument("--expires", type=_expiry, default=None, help="Last day of validity, YYYY-MM-DD.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            agency = Agency.objects.get(slug=options["agency"])
        except Agency.DoesNotExist:
            raise CommandError(f"No agency with slug {options['agency']!r}.") from None
        try:
            api_key, key = api_key_create(
                agency=agency,
                name=str(options["name"]),
                scope=str(options["scope"]),
                expires_at=options["expires"],  # type: ignore[arg-type]
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stderr.write(
            f"Created {api_key.get_scope_display().lower()} key {api_key.prefix}... for {agency.name}. "
            "Store it now: it cannot be shown again."
        )
        self.stdout.write(key)
