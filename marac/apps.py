"""App configuration for marac."""

from django.apps import AppConfig


class MaracConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "marac"
    verbose_name = "MARAC"
