"""Review stages and learning themes in the admin: partnership administrators keep them (migration 0002
gives them the permissions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from dhr.models import LearningTheme, Stage


class _TrackedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class StageAdminForm(forms.ModelForm):
    class Meta:
        model = Stage
        fields = [
            "code",
            "name",
            "position",
            "description",
            "target_months",
            "target_days",
            "target_from",
            "is_final",
            "active",
        ]
        help_texts = {
            "code": "Keep the codes of the default stages: the services move reviews to some of them by code "
            "(decision, panel_setup, local_approval, home_office_qa, overview_report, publication, action_plan, "
            "closed).",
            "position": "The stage's place in the order (each stage its own number).",
            "target_months": "Calendar months allowed, counted from the day set in 'Target from' (0 for none).",
            "target_days": "Days allowed after the months (0 for none). A stage with neither has no target.",
            "target_from": "What the target counts from. The review is overdue from the day after the target day.",
            "is_final": "A review in a final stage is no longer open (closed, or no review commissioned).",
            "active": "Untick to stop using a stage; reviews already in it stay there until moved.",
        }


@admin.register(Stage)
class StageAdmin(_TrackedAdmin, SimpleHistoryAdmin):
    """The review stages in order, each with its target: the tracker measures every review against them. A
    change applies at once to every review (their targets are worked out from the stages each time)."""

    form = StageAdminForm
    list_display = ("position", "name", "code", "target_months", "target_days", "target_from", "is_final", "active")
    list_display_links = ("name",)
    list_editable = ("target_months", "target_days", "target_from")
    list_filter = ("active", "is_final")
    ordering = ("position",)
    search_fields = ("name", "code")


@admin.register(LearningTheme)
class LearningThemeAdmin(_TrackedAdmin):
    """The learning themes recommendations are tagged with. Untick 'active' to retire a theme: the
    recommendations already tagged keep it."""

    list_display = ("name", "active")
    list_editable = ("active",)
    list_filter = ("active",)
    ordering = ("name",)
    search_fields = ("name",)
