"""Routing policies and safety measures in the admin: partnership administrators keep them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from referrals.models import RoutingPolicy, SafetyMeasure


@admin.register(RoutingPolicy)
class RoutingPolicyAdmin(SimpleHistoryAdmin):
    """A policy that has routed an assessment is read-only: its past decisions must stay explainable.

    A change of rule is a new policy with a later effective date.
    """

    list_display = (
        "name",
        "effective_from",
        "marac_threshold",
        "idva_band_min",
        "idva_band_max",
        "escalation_count",
        "escalation_window_days",
        "repeat_window_days",
    )
    ordering = ("-effective_from",)

    def _used(self, obj: RoutingPolicy | None) -> bool:
        return obj is not None and obj.pk is not None and obj.decisions.exists()

    def has_change_permission(self, request: HttpRequest, obj: RoutingPolicy | None = None) -> bool:
        return super().has_change_permission(request, obj) and not self._used(obj)

    def has_delete_permission(self, request: HttpRequest, obj: RoutingPolicy | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not self._used(obj)

    def save_model(self, request: HttpRequest, obj: RoutingPolicy, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SafetyMeasure)
class SafetyMeasureAdmin(admin.ModelAdmin):
    """The list of safety measures IDVAs record at closure. Measures in use are retired, not deleted,
    so that past closures keep their meaning."""

    list_display = ("name", "code", "position", "active")
    list_editable = ("position", "active")
    ordering = ("position", "name")

    def has_delete_permission(self, request: HttpRequest, obj: SafetyMeasure | None = None) -> bool:
        in_use = obj is not None and obj.pk is not None and obj.closures.exists()
        return super().has_delete_permission(request, obj) and not in_use
