"""Forms of the panel's meeting pages: arranging a meeting, attendance, a case reviewed, an action agreed.

They check only that what is required is given; perpetrator_panel.services decides the rest (who may act,
dates, whether the meeting has happened) and its errors are put back on these fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from agencies.govuk_forms import GovukDateField, GovukFormMixin
from agencies.models import Agency
from perpetrator_panel.models import PanelAttendance, PanelCase

DATE_HINT = "For example, 27 3 2026"
# Which form of the meeting page was sent: the hidden `form` field of each small form.
ATTENDANCE, REVIEW, ACTION = "attendance", "review", "action"
# Attendance answers; "not recorded" leaves the agency's attendance as it is.
ATTENDED, APOLOGIES, NOT_RECORDED = "attended", "apologies", "not_recorded"
ATTENDANCE_CHOICES = [(ATTENDED, "Attended"), (APOLOGIES, "Sent apologies"), (NOT_RECORDED, "Not recorded")]


def panel_case_choices(panel_cases: Iterable[PanelCase]) -> list[tuple[Any, str]]:
    """A panel case select's options: reference and perpetrator."""
    options = ((case.pk, f"{case.reference}: {case.perpetrator.full_name}") for case in panel_cases)
    return [("", "Choose a panel case"), *options]


class MeetingForm(GovukFormMixin, forms.Form):
    """A panel meeting: its day, who chairs it, and any notes."""

    govuk_label_size = "s"

    held_on = GovukDateField(
        label="Date of the meeting", help_text=DATE_HINT, error_messages={"required": "Enter the date of the meeting"}
    )
    chair = forms.CharField(
        label="Chair",
        required=False,
        max_length=200,
        help_text="For example, the detective inspector for domestic abuse and the partnership manager.",
    )
    notes = forms.CharField(label="Notes", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))

    def service_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("held_on", "chair", "notes")}


class AttendanceForm(GovukFormMixin, forms.Form):
    """For each active agency: attended, sent apologies or not recorded, and who represented it."""

    govuk_label_size = "s"
    prefix = "attendance"

    def __init__(
        self, *args: Any, agencies: Iterable[Agency], attendance: Mapping[int, PanelAttendance], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = list(agencies)
        for agency in self.agencies:
            record = attendance.get(agency.pk)
            initial = NOT_RECORDED if record is None else ATTENDED if record.attended else APOLOGIES
            message = f"Select whether {agency.name} attended, sent apologies or is not recorded"
            self.fields[f"status_{agency.pk}"] = forms.ChoiceField(
                label=agency.name,
                choices=ATTENDANCE_CHOICES,
                initial=initial,
                widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline govuk-radios--small"}),
                error_messages={"required": message, "invalid_choice": message},
            )
            self.fields[f"representative_{agency.pk}"] = forms.CharField(
                label=f"Representative of {agency.name}",
                required=False,
                max_length=200,
                help_text="If attended: their name and role.",
                initial=record.representative if record else "",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        for agency in self.agencies:
            status = data.get(f"status_{agency.pk}")
            if status == ATTENDED and not (data.get(f"representative_{agency.pk}") or "").strip():
                self.add_error(f"representative_{agency.pk}", f"Say who represented {agency.name}")
        return data

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Each agency with its two fields, for the page."""
        return [
            {
                "agency": agency,
                "status": self[f"status_{agency.pk}"],
                "representative": self[f"representative_{agency.pk}"],
            }
            for agency in self.agencies
        ]

    def records(self) -> list[dict[str, Any]]:
        """The answers as panel_attendance_record takes them: one per agency whose attendance is recorded."""
        data = self.cleaned_data
        records = []
        for agency in self.agencies:
            status = data[f"status_{agency.pk}"]
            if status == NOT_RECORDED:
                continue
            attended = status == ATTENDED
            records.append(
                {
                    "agency": agency,
                    "attended": attended,
                    "representative": data[f"representative_{agency.pk}"] if attended else "",
                }
            )
        return records


class CaseReviewForm(GovukFormMixin, forms.Form):
    """A panel case reviewed at the meeting: live investigations, intelligence, risk to victims and children."""

    govuk_label_size = "s"
    prefix = "review"

    panel_case = forms.TypedChoiceField(
        label="Panel case",
        coerce=int,
        error_messages={"required": "Select the panel case", "invalid_choice": "Select one of the active panel cases"},
    )
    investigations = forms.CharField(
        label="Live investigations",
        required=False,
        max_length=20000,
        help_text="Progress of live investigations.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    intelligence = forms.CharField(
        label="Intelligence", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    risk_to_victims = forms.CharField(
        label="Risk to victims and children",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, panel_cases: Iterable[PanelCase], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.panel_cases = {panel_case.pk: panel_case for panel_case in panel_cases}
        self.fields["panel_case"].choices = panel_case_choices(self.panel_cases.values())  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "panel_case": self.panel_cases[data["panel_case"]],
            "investigations": data["investigations"],
            "intelligence": data["intelligence"],
            "risk_to_victims": data["risk_to_victims"],
        }


class MeetingActionForm(GovukFormMixin, forms.Form):
    """An action agreed at the meeting for a panel case: the agency it is assigned to, what, and by when."""

    govuk_label_size = "s"
    prefix = "action"

    panel_case = forms.TypedChoiceField(
        label="Panel case",
        coerce=int,
        error_messages={"required": "Select the panel case", "invalid_choice": "Select one of the active panel cases"},
    )
    assigned_agency = forms.TypedChoiceField(
        label="Agency",
        coerce=int,
        error_messages={"required": "Select the agency", "invalid_choice": "Select one of the agencies listed"},
    )
    description = forms.CharField(
        label="Action",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what the agency will do"},
    )
    due_on = GovukDateField(
        label="Due date", help_text=DATE_HINT, error_messages={"required": "Enter the date the action is due"}
    )

    def __init__(self, *args: Any, panel_cases: Iterable[PanelCase], agencies: Iterable[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.panel_cases = {panel_case.pk: panel_case for panel_case in panel_cases}
        self.agencies = {agency.pk: agency for agency in agencies}
        self.fields["panel_case"].choices = panel_case_choices(self.panel_cases.values())  # type: ignore[attr-defined]
        self.fields["assigned_agency"].choices = [  # type: ignore[attr-defined]
            ("", "Choose an agency"),
            *((agency.pk, agency.name) for agency in self.agencies.values()),
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "panel_case": self.panel_cases[data["panel_case"]],
            "assigned_agency": self.agencies[data["assigned_agency"]],
            "description": data["description"],
            "due_on": data["due_on"],
        }
