"""App configuration for perpetrator_panel."""

from django.apps import AppConfig


class PerpetratorPanelConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "perpetrator_panel"
    verbose_name = "Perpetrator panel"
