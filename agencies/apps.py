"""App configuration for agencies, and the admin configuration that requires two-factor sign-in."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AgenciesConfig(AppConfig):
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "agencies"

    def ready(self) -> None:
        # Registers the OpenAPI descriptions of the authentication classes.
        from agencies.api import schema  # noqa: F401


class DasvAdminConfig(admin_apps.AdminConfig):
    """The Django admin, served by a site that only admits users verified with a second factor."""

    default = False
    default_site = "agencies.admin_site.DasvAdminSite"
