"""`python manage.py demo_code`: print the current security code of the demo users (never in production)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from agencies.demo import DEMO_TOTP_KEY_HEX


class Command(BaseCommand):
    help = "Print the current 6-digit security code shared by the demo users."

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("There are no demo users in production.")
        code = totp(bytes.fromhex(DEMO_TOTP_KEY_HEX), step=30, t0=0, digits=6)
        seconds_left = 30 - int(time.time()) % 30
        self.stderr.write(f"Valid for about {seconds_left} more seconds.")
        self.stdout.write(f"{code:06d}")
