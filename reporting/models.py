"""Reporting (domain.md section 8): report runs and their stored results, population estimates for rates,
and the figures partner providers submit as service returns against a configurable metric catalogue.

`reporting` reads every other app and is imported by none. It never writes their data: the only rows it
writes are its own (runs, estimates, the catalogue and returns). Every figure is computed in SQL aggregates
by reporting.figures; who may run and read reports is decided in reporting.selectors.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from agencies.models import Agency, Area, Tracked, tracked_history


class DocumentField(models.JSONField):
    """A JSON document kept as text, so that its key order survives: PostgreSQL's jsonb re-orders keys
    (shortest first), and a report's sections, stages and services are in their reading order. The
    document is only ever read whole, never queried inside."""

    def db_type(self, connection: Any) -> str:
        return "text"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        return json.dumps(value, cls=self.encoder)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return json.loads(value, cls=self.decoder)


class PopulationEstimate(Tracked):
    """The mid-year population estimate of an area for a year (ONS): all ages, and adult females (16 and
    over) for the MARAC rate. Loaded from CSV by `load_population`. An area with no estimate of its own
    for a year counts as the sum of its child areas' estimates (reporting.figures)."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="population_estimates")
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    all_ages = models.PositiveIntegerField()
    adult_females = models.PositiveIntegerField(help_text="Females aged 16 and over.")
    source = models.CharField(max_length=200, blank=True, help_text="Where the estimate comes from.")

    history = tracked_history()

    class Meta:
        ordering = ["area__name", "year"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="population_estimate_one_per_area_year"),
            models.CheckConstraint(
                condition=models.Q(adult_females__lte=models.F("all_ages")),
                name="population_adult_females_within_all_ages",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.year}: {self.all_ages:,}"


class ServiceMetric(Tracked):
    """A figure providers report as a service return (configurable in the admin): "women housed in
    refuge", "ISVA referrals"... A metric may be a part of a total metric (ISVA and ChISVA referrals of
    all ISVA service referrals): when the period has returns of both the total and its parts, the report
    checks that the parts add up to the total and withholds a total that does not (the seed report's
    headline of 601 adult safeguarding referrals against 479 + 200 from the two MASH teams)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    # The agency kinds that report this metric (Agency.Kind values); empty: any provider.
    provider_kinds = models.JSONField(default=list, blank=True)
    part_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parts",
        help_text="The total this is a part of.",
    )
    # A subset of another metric ("of those, victims of domestic abuse"): shown as a share of it, and
    # flagged when it exceeds it.
    subset_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsets",
        help_text="The figure this is a subset of.",
    )
    # A target for the period (e.g. children supported: 600), shown beside the figure; none when null.
    annual_target = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    history = tracked_history()

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceReturn(Tracked):
    """One figure a provider agency reports for a period and the area it covers. Submitting the same
    agency, metric, area and period again replaces the value (the change history keeps the old one)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="service_returns")
    metric = models.ForeignKey(ServiceMetric, on_delete=models.PROTECT, related_name="returns")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="service_returns")
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.PositiveIntegerField()
    notes = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = tracked_history()

    class Meta:
        ordering = ["-period_start", "metric__position", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "metric", "area", "period_start", "period_end"], name="service_return_one_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="service_return_period_in_order"
            ),
        ]
        indexes = [models.Index(fields=["period_start", "period_end"])]

    def __str__(self) -> str:
        return f"{self.agency} {self.metric.code} {self.period_start}-{self.period_end}: {self.value}"


class ReportRun(models.Model):
    """A report computed in the background: what was asked, how far it has gone, and the result document
    (reporting.figures) once done. Exports are rendered from the stored result, never recomputed."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", "Annual report"
        SAFELIVES_QUARTERLY = "safelives_quarterly", "SafeLives quarterly MARAC return"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.ANNUAL)
    # What was asked, as given ({"period": "2020-21", "area": "demo-county"}), and what it resolved to.
    parameters = models.JSONField(default=dict)
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=40)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="report_runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    step = models.CharField(max_length=120, blank=True, help_text="What the run is doing now.")
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    scheduled = models.BooleanField(default=False, help_text="Started by the scheduler, not a person.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = DocumentField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["kind", "status", "-requested_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_label} ({self.get_status_display()})"

    @property
    def seconds(self) -> float | None:
        """How long the run took, once finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
