"""MARAC schedules and closure dates in the admin: partnership administrators keep them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from marac.models import ClosureDate, MeetingSchedule


class _TrackedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(MeetingSchedule)
class MeetingScheduleAdmin(_TrackedAdmin, SimpleHistoryAdmin):
    """When each area's MARAC and MARAC Plus meet. A change applies to meetings generated from then on;
    meetings already generated keep their day (the coordinator moves them one by one)."""

    list_display = ("area", "kind", "weekdays", "starts_at", "capacity", "bank_holiday_subdivision", "effective_from")
    list_filter = ("kind", "area")
    ordering = ("area", "kind", "-effective_from")


@admin.register(ClosureDate)
class ClosureDateAdmin(_TrackedAdmin):
    """Days an area's MARAC does not meet besides bank holidays (meetings are not generated on them)."""

    list_display = ("area", "on", "reason")
    list_filter = ("area",)
    ordering = ("area", "on")
