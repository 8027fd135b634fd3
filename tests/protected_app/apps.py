"""App configuration of the test-only protected app."""

from django.apps import AppConfig


class ProtectedAppConfig(AppConfig):
    name = "tests.protected_app"
    label = "protected_app"
    default_auto_field = "django.db.models.BigAutoField"
