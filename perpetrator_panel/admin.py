"""The perpetrator panel's configuration in the admin: partnership administrators keep the scoring and status
rules (one row), the gravity of crime types and the menu of tactical options."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from perpetrator_panel.models import GravityRating, PanelConfiguration, TacticalOption

RECENCY_BANDS_SHAPE = 'Give a list of bands, nearest first, such as [{"within_days": 30, "points": 10}, ...].'


class _TrackedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def recency_bands_errors(bands: Any) -> list[str]:
    """What is wrong with recency bands (empty when nothing): a non-empty list of {"within_days", "points"}
    with whole numbers, days over 0 and rising band by band, points not below 0 and not rising (a nearer
    incident never scores fewer points)."""
    if not isinstance(bands, list) or not bands:
        return [RECENCY_BANDS_SHAPE]
    errors = []
    for number, band in enumerate(bands, start=1):
        if not isinstance(band, dict) or set(band) != {"within_days", "points"}:
            errors.append(f'Band {number} must have exactly "within_days" and "points". {RECENCY_BANDS_SHAPE}')
        elif not _whole_number(band["within_days"]) or band["within_days"] < 1:
            errors.append(f"Band {number}: within_days must be a whole number of days, 1 or more.")
        elif not _whole_number(band["points"]) or band["points"] < 0:
            errors.append(f"Band {number}: points must be a whole number, 0 or more.")
    if errors:
        return errors
    for number, (nearer, further) in enumerate(pairwise(bands), start=2):
        if further["within_days"] <= nearer["within_days"]:
            errors.append(f"Band {number}: within_days must be more than the band before ({nearer['within_days']}).")
        if further["points"] > nearer["points"]:
            errors.append(f"Band {number}: points cannot be more than the nearer band's ({nearer['points']}).")
    return errors


class PanelConfigurationForm(forms.ModelForm):
    class Meta:
        model = PanelConfiguration
        fields = (
            "serial_min_victims",
            "serial_look_back_years",
            "serial_min_age",
            "rfgv_look_back_years",
            "weight_recency",
            "weight_frequency",
            "weight_gravity",
            "weight_victims",
            "recency_bands",
            "non_crime_gravity",
            "unlisted_crime_gravity",
            "inactive_after_months",
        )

    def clean_recency_bands(self) -> Any:
        bands = self.cleaned_data["recency_bands"]
        errors = recency_bands_errors(bands)
        if errors:
            raise forms.ValidationError(errors)
        return bands


@admin.register(PanelConfiguration)
class PanelConfigurationAdmin(_TrackedAdmin, SimpleHistoryAdmin):
    """The one row of scoring and status rules (created by a migration). A change applies from the next
    score: candidate lists and the nightly status job; entry and exit scores already recorded stay."""

    form = PanelConfigurationForm
    list_display = ("__str__", "serial_min_victims", "serial_look_back_years", "rfgv_look_back_years", "updated_at")
    fieldsets = (
        (
            "Serial perpetrators",
            {
                "fields": ("serial_min_victims", "serial_look_back_years", "serial_min_age"),
                "description": "A suspect in incidents against this many different victims within the look-back, "
                "aged this or over.",
            },
        ),
        (
            "RFGV score: look-back and weights",
            {
                "fields": (
                    "rfgv_look_back_years",
                    "weight_recency",
                    "weight_frequency",
                    "weight_gravity",
                    "weight_victims",
                )
            },
        ),
        ("Recency bands", {"fields": ("recency_bands",)}),
        ("Gravity defaults", {"fields": ("non_crime_gravity", "unlisted_crime_gravity")}),
        (
            "Status",
            {
                "fields": ("inactive_after_months",),
                "description": "A panel case is active until no incident has been reported to any agency for "
                "this many months.",
            },
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not PanelConfiguration.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GravityRating)
class GravityRatingAdmin(_TrackedAdmin, SimpleHistoryAdmin):
    """How grave each crime type is for the G of RFGV (matched to incidents' crime types, ignoring case)."""

    list_display = ("crime_type", "gravity")
    search_fields = ("crime_type",)
    ordering = ("-gravity", "crime_type")


@admin.register(TacticalOption)
class TacticalOptionAdmin(_TrackedAdmin, SimpleHistoryAdmin):
    """The panel's menu of tactical options. An option no longer offered is made inactive, not deleted:
    plans that chose it keep it."""

    list_display = ("name", "category", "usual_agency_kind", "position", "active")
    list_filter = ("category", "active", "usual_agency_kind")
    search_fields = ("name", "description")
    ordering = ("category", "position", "name")
