"""Reporting in the admin: partnership administrators keep the service-return metric catalogue and the
population estimates (migration 0002 gives them the permissions); service returns and report runs are
shown read-only (they are written only through the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from agencies.models import Agency
from reporting.models import PopulationEstimate, ReportRun, ServiceMetric, ServiceReturn


class _TrackedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Viewing only: these rows are written by the services, with their checks."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceMetricAdminForm(forms.ModelForm):
    provider_kinds = forms.MultipleChoiceField(
        choices=Agency.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The kinds of agency that report this figure; none ticked: any agency.",
    )

    class Meta:
        model = ServiceMetric
        fields = [
            "code",
            "name",
            "description",
            "provider_kinds",
            "part_of",
            "subset_of",
            "annual_target",
            "position",
            "active",
        ]
        help_texts = {
            "code": "Keep a metric's code once returns use it: the API and the report name figures by code.",
            "part_of": "A total this figure is one part of: the report checks that the parts add up to it.",
            "subset_of": "A figure this is a subset of: the report flags a subset larger than it.",
            "annual_target": "Shown beside the figure in the annual report; leave empty for none.",
            "active": "Untick to stop offering the metric; returns already made keep it.",
        }

    def clean_provider_kinds(self) -> list[str]:
        return sorted(set(self.cleaned_data["provider_kinds"]))

    def _check_chain(self, field: str) -> None:
        """The metric may not be its own total (or superset), directly or through others."""
        seen = {self.instance.pk} if self.instance.pk else set()
        current = self.cleaned_data.get(field)
        while current is not None:
            if current.pk in seen:
                self.add_error(field, "A metric cannot be, directly or through others, a part of itself.")
                return
            seen.add(current.pk)
            current = getattr(current, field)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for field in ("part_of", "subset_of"):
            self._check_chain(field)
        return cleaned


@admin.register(ServiceMetric)
class ServiceMetricAdmin(_TrackedAdmin, SimpleHistoryAdmin):
    """The figures providers report as service returns, in the report's order. A part (ISVA referrals of
    all ISVA service referrals) names its total; the report withholds a total its parts do not add up to."""

    form = ServiceMetricAdminForm
    list_display = ("position", "name", "code", "kinds", "part_of", "subset_of", "annual_target", "active")
    list_display_links = ("name",)
    list_editable = ("annual_target", "active")
    list_filter = ("active",)
    list_select_related = ("part_of", "subset_of")
    ordering = ("position", "code")
    search_fields = ("name", "code")

    @admin.display(description="Reported by")
    def kinds(self, metric: ServiceMetric) -> str:
        labels = dict(Agency.Kind.choices)
        return ", ".join(labels.get(kind, kind) for kind in metric.provider_kinds) or "Any agency"


@admin.register(PopulationEstimate)
class PopulationEstimateAdmin(_TrackedAdmin, SimpleHistoryAdmin):
    """Mid-year population estimates for the report's rates (load many with `manage.py load_population`)."""

    list_display = ("area", "year", "all_ages", "adult_females", "source")
    list_filter = ("area", "year")
    list_select_related = ("area",)
    ordering = ("area__name", "-year")
    search_fields = ("area__name", "area__slug", "source")


@admin.register(ServiceReturn)
class ServiceReturnAdmin(_ReadOnlyAdmin):
    """The figures agencies have submitted (through the service-returns page or the API)."""

    list_display = ("metric", "agency", "area", "period_start", "period_end", "value", "updated_at")
    list_filter = ("metric", "agency", "area")
    list_select_related = ("metric", "agency", "area")
    date_hierarchy = "period_start"
    search_fields = ("metric__code", "metric__name", "agency__name")


@admin.register(ReportRun)
class ReportRunAdmin(_ReadOnlyAdmin):
    """Report runs: what was asked, by whom, and how each went. The result document is not shown here (the
    report pages and the API publish it under disclosure control)."""

    list_display = ("pk", "kind", "period_label", "area", "status", "progress", "attempts", "requested_at")
    list_filter = ("kind", "status", "scheduled")
    list_select_related = ("area",)
    date_hierarchy = "requested_at"
    exclude = ("result",)
    readonly_fields = (
        "kind",
        "parameters",
        "period_start",
        "period_end",
        "period_label",
        "area",
        "status",
        "progress",
        "step",
        "attempts",
        "requested_at",
        "requested_by",
        "requested_by_agency",
        "scheduled",
        "started_at",
        "finished_at",
        "error",
    )

    def get_queryset(self, request: HttpRequest) -> Any:
        # The result can be megabytes: the list and the page never need it.
        return super().get_queryset(request).defer("result")
