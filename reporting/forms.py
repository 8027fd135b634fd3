"""Forms of the reporting pages: running the annual report and submitting a service return.

They check only that what is required is given and turn the answers into what reporting.services takes
(the period as text, the area's slug); the services decide the rest and their errors are put back on
these fields.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from agencies.govuk_forms import GovukDateField, GovukFormMixin
from agencies.models import Agency, Area
from reporting.models import ServiceMetric

FINANCIAL_YEAR, POLICE_YEAR, CUSTOM = "financial_year", "police_year", "custom"
WHOLE_PARTNERSHIP = ""
DATE_HINT = "For example, 1 4 2020"
# The first year the year lists offer: the partnership's records do not go back further.
FIRST_YEAR = 2010


def _financial_years(today: date) -> list[tuple[str, str]]:
    """Financial years up to the current one, newest first: value the starting year."""
    last = today.year if today.month >= 4 else today.year - 1
    return [
        (str(year), f"{year}-{(year + 1) % 100:02d} (April {year} to March {year + 1})")
        for year in range(last, FIRST_YEAR - 1, -1)
    ]


def _police_years(today: date) -> list[tuple[str, str]]:
    """Police years (December to November) up to the current one, newest first: value the ending year."""
    last = today.year + 1 if today.month == 12 else today.year
    return [
        (str(year), f"{year - 1}/{year % 100:02d} (December {year - 1} to November {year})")
        for year in range(last, FIRST_YEAR, -1)
    ]


def _latest_complete_financial_year(today: date) -> int:
    return (today.year if today.month >= 4 else today.year - 1) - 1


def area_choices() -> list[tuple[str, str]]:
    """The whole partnership, then each area (a county's districts under it)."""
    areas = list(Area.objects.order_by("name"))
    children: dict[int | None, list[Area]] = {}
    for area in areas:
        children.setdefault(area.parent_id, []).append(area)
    known = {area.pk for area in areas}
    choices = [(WHOLE_PARTNERSHIP, "The whole partnership")]

    def add(area: Area, depth: int) -> None:
        choices.append((area.slug, f"{'- ' * depth}{area.name}"))
        for child in children.get(area.pk, []):
            add(child, depth + 1)

    for area in areas:
        if area.parent_id is None or area.parent_id not in known:
            add(area, 0)
    return choices


class ReportRunForm(GovukFormMixin, forms.Form):
    """Which annual report to run: the period (a financial year, a police year or a range of days) and the
    area. The follow-up of each period option is always shown (ADR 0008: no conditional reveal)."""

    govuk_label_size = "s"

    period_type = forms.ChoiceField(
        label="Which period?",
        widget=forms.RadioSelect,
        choices=[
            (FINANCIAL_YEAR, "A financial year (April to March)"),
            (POLICE_YEAR, "A police year (December to November)"),
            (CUSTOM, "A range of days"),
        ],
        error_messages={"required": "Select which period the report covers"},
    )
    financial_year = forms.ChoiceField(label="If a financial year: which year", required=False)
    police_year = forms.ChoiceField(label="If a police year: which year", required=False)
    start = GovukDateField(label="If a range of days: first day", required=False, help_text=DATE_HINT)
    end = GovukDateField(label="If a range of days: last day", required=False, help_text=DATE_HINT)
    area = forms.ChoiceField(
        label="Area",
        required=False,
        help_text="The whole partnership, or one area (with the areas within it).",
    )

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        today = today or timezone.localdate()
        kwargs.setdefault(
            "initial",
            {"period_type": FINANCIAL_YEAR, "financial_year": str(_latest_complete_financial_year(today))},
        )
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].choices = _financial_years(today)  # type: ignore[attr-defined]
        self.fields["police_year"].choices = _police_years(today)  # type: ignore[attr-defined]
        self.fields["area"].choices = area_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("period_type")
        if kind == FINANCIAL_YEAR and not data.get("financial_year"):
            self.add_error("financial_year", "Select the financial year")
        elif kind == POLICE_YEAR and not data.get("police_year"):
            self.add_error("police_year", "Select the police year")
        elif kind == CUSTOM:
            if not data.get("start") and "start" not in self.errors:
                self.add_error("start", "Enter the first day of the period")
            if not data.get("end") and "end" not in self.errors:
                self.add_error("end", "Enter the last day of the period")
        return data

    @property
    def period_field(self) -> str:
        """The field a service error about the period belongs on."""
        kind = self.cleaned_data.get("period_type")
        return {FINANCIAL_YEAR: "financial_year", POLICE_YEAR: "police_year"}.get(kind or "", "start")

    def service_arguments(self) -> dict[str, Any]:
        """The period as report_run_request reads it ("2020-21", "2017/18" or "2020-04-01:2021-03-31")
        and the area's slug (None: the whole partnership)."""
        data = self.cleaned_data
        kind = data["period_type"]
        if kind == FINANCIAL_YEAR:
            year = int(data["financial_year"])
            period = f"{year}-{(year + 1) % 100:02d}"
        elif kind == POLICE_YEAR:
            year = int(data["police_year"])
            period = f"{year - 1}/{year % 100:02d}"
        else:
            period = f"{data['start'].isoformat()}:{data['end'].isoformat()}"
        return {"period": period, "area": data.get("area") or None}


class ServiceReturnForm(GovukFormMixin, forms.Form):
    """One figure for a period: the metrics offered are those the user's agency reports."""

    govuk_label_size = "s"

    metric = forms.ModelChoiceField(
        label="Figure",
        queryset=ServiceMetric.objects.none(),
        empty_label="Select the figure",
        error_messages={
            "required": "Select the figure you are returning",
            "invalid_choice": "Select one of the figures your agency returns",
        },
    )
    area = forms.ModelChoiceField(
        label="Area it covers",
        queryset=Area.objects.order_by("name"),
        empty_label="Select the area",
        error_messages={"required": "Select the area the figure covers", "invalid_choice": "Select an area"},
    )
    period_start = GovukDateField(label="First day of the period", help_text=DATE_HINT)
    period_end = GovukDateField(label="Last day of the period", help_text=DATE_HINT)
    value = forms.IntegerField(
        label="Value",
        min_value=0,
        max_value=10_000_000,
        help_text="A whole number, for example 125.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false", "class": "govuk-input--width-5"}),
        error_messages={
            "required": "Enter the value",
            "invalid": "The value must be a whole number, like 125",
            "min_value": "The value must be 0 or more",
            "max_value": "The value must be 10,000,000 or less",
        },
    )
    notes = forms.CharField(label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self, *args: Any, metrics: QuerySet[ServiceMetric], agencies: QuerySet[Agency] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = metrics  # type: ignore[attr-defined]
        if agencies is not None:
            # A partnership administrator keys in a provider's return: whose figure it is comes first.
            self.fields = {
                "agency": forms.ModelChoiceField(
                    label="Agency whose figure it is",
                    queryset=agencies,
                    empty_label="Select the agency",
                    error_messages={"required": "Select the agency", "invalid_choice": "Select one of the agencies"},
                ),
                **self.fields,
            }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The last day must be the same as or after the first day")
        return data
