"""Input, filter and output serializers of the reports API: annual report runs and service returns.

Inputs are only shaped here; the services (`report_run_request`, `service_return_submit`) validate the
period, the area and everything else. A run's `data` is the published document (reporting.disclosure),
never the stored result itself.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Area
from reporting.models import ReportRun, ServiceMetric, ServiceReturn

# --- Report runs -----------------------------------------------------------------------------------


class ReportRunInputSerializer(serializers.Serializer):
    period = serializers.CharField(
        max_length=40,
        help_text="A financial year `2020-21`, a police year `2017/18` (December to November), a quarter "
        "`2020-21 Q3`, or any range of days `2020-04-01:2021-03-31`.",
    )
    area = serializers.CharField(
        max_length=60,
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="An area's slug (with the areas within it); left out or null: the whole partnership.",
    )


class ReportRunCreatedOutputSerializer(serializers.Serializer):
    """What `POST` answers (202): the new run's id and its status when the answer is built. With a worker
    that is `queued`. With eager Celery (no broker: `make run`, the tests) the run is computed in the
    request as soon as its transaction commits: without an `Idempotency-Key` that is before the answer is
    built, so it already says `done` (or `failed`); with one, the answer is built (and stored for replays)
    inside the transaction, so it says `queued`. Either way, poll `GET .../{id}/` for the result."""

    id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=ReportRun.Status.choices, read_only=True)


class PeriodOutputSerializer(serializers.Serializer):
    start = serializers.DateField(source="period_start", read_only=True)
    end = serializers.DateField(source="period_end", read_only=True)
    label = serializers.CharField(source="period_label", read_only=True)


class ReportRunOutputSerializer(serializers.ModelSerializer):
    """A run: what was asked, how far it has gone."""

    period = PeriodOutputSerializer(source="*", read_only=True)
    area = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The area's slug; null: the whole partnership."
    )

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "step",
            "period",
            "area",
            "scheduled",
            "requested_at",
            "started_at",
            "finished_at",
            "attempts",
            "error",
        ]
        read_only_fields = fields


class ReportRunDetailOutputSerializer(ReportRunOutputSerializer):
    """A run with its `data`: the report document as published (counts below the disclosure threshold
    null and listed under `suppressed`) once the run is done; null before. The context holds `data`."""

    data = serializers.SerializerMethodField()

    class Meta(ReportRunOutputSerializer.Meta):
        fields = [*ReportRunOutputSerializer.Meta.fields, "data"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_data(self, run: ReportRun) -> dict[str, Any] | None:
        """The published report document when `status` is `done`; else null."""
        return self.context.get("data")


class ReportRunFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReportRun.Status.choices, required=False)


# --- Service returns -------------------------------------------------------------------------------


class _SlugLookupField(serializers.SlugRelatedField):
    """A slug resolved to a row, with a plain message naming what was not found."""

    default_error_messages = {
        "does_not_exist": "There is no {what} with the {slug_name} {value!r}.",
        "invalid": "Give the {what}'s {slug_name}.",
    }

    def __init__(self, *, what: str, **kwargs: Any) -> None:
        self.what = what
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", what=self.what, slug_name=self.slug_field)
        try:
            return self.get_queryset().get(**{self.slug_field: data})
        except self.get_queryset().model.DoesNotExist:
            self.fail("does_not_exist", what=self.what, slug_name=self.slug_field, value=data)


class ServiceReturnInputSerializer(serializers.Serializer):
    metric = _SlugLookupField(
        what="metric",
        slug_field="code",
        queryset=ServiceMetric.objects.filter(active=True),
        help_text="The metric's code (one offered to the caller's agency kind: `GET .../service-metrics/`).",
    )
    area = _SlugLookupField(
        what="area", slug_field="slug", queryset=Area.objects.all(), help_text="The slug of the area it covers."
    )
    period_start = serializers.DateField(help_text="The first day the figure covers.")
    period_end = serializers.DateField(help_text="The last day the figure covers (on or after the first).")
    value = serializers.IntegerField(min_value=0, help_text="The figure: a whole number, 0 or more.")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ServiceReturnOutputSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The agency's slug.")
    metric = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="The metric's code.")
    area = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The area's slug.")

    class Meta:
        model = ServiceReturn
        fields = ["id", "agency", "metric", "area", "period_start", "period_end", "value", "notes", "updated_at"]
        read_only_fields = fields


class ServiceReturnFilterSerializer(serializers.Serializer):
    metric = _SlugLookupField(
        what="metric", slug_field="code", queryset=ServiceMetric.objects.all(), required=False, help_text="A code."
    )
    area = _SlugLookupField(
        what="area", slug_field="slug", queryset=Area.objects.all(), required=False, help_text="An area's slug."
    )
    period_from = serializers.DateField(required=False, help_text="Only returns starting on or after this day.")
    period_to = serializers.DateField(required=False, help_text="Only returns ending on or before this day.")


class ServiceMetricOutputSerializer(serializers.ModelSerializer):
    part_of = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="The code of the total it is a part of."
    )
    subset_of = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="The code of the figure it is a subset of."
    )
    provider_kinds = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The agency kinds that report it; empty: any."
    )

    class Meta:
        model = ServiceMetric
        fields = ["code", "name", "description", "provider_kinds", "part_of", "subset_of", "annual_target"]
        read_only_fields = fields
