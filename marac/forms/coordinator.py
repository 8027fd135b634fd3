"""Forms of the coordinator's MARAC pages. The services decide; these check only that what each choice
needs is given, and offer only the areas and meetings the coordinator works with."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from agencies.govuk_forms import GovukFormMixin
from agencies.models import Area
from cases.forms import GovukDateField
from marac.models import MaracMeeting, MeetingKind
from marac.rules import QUARTERS

ALL = ""
# How many financial years back the SafeLives return page offers.
RETURN_YEARS_BACK = 6


class MeetingFilterForm(GovukFormMixin, forms.Form):
    """Narrow the meeting list to one area or kind of meeting, or show the past meetings instead."""

    govuk_label_size = "s"

    area = forms.ModelChoiceField(
        label="Area",
        queryset=Area.objects.none(),
        required=False,
        empty_label="All areas",
        error_messages={"invalid_choice": "Select an area from the list"},
    )
    kind = forms.ChoiceField(
        label="Kind of meeting",
        required=False,
        choices=[(ALL, "All meetings"), *MeetingKind.choices],
        error_messages={"invalid_choice": "Select a kind of meeting from the list"},
    )
    past = forms.BooleanField(label="Show past meetings instead of upcoming ones", required=False)

    def __init__(self, *args: Any, areas: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The area, kind and past toggle asked for (none when the filters are not valid)."""
        if not self.is_valid():
            return {"area": None, "kind": None, "past": False}
        return {
            "area": self.cleaned_data["area"],
            "kind": self.cleaned_data["kind"] or None,
            "past": self.cleaned_data["past"],
        }


class AgendaBuildForm(GovukFormMixin, forms.Form):
    """Which MARAC's waiting referrals to list on its coming meetings."""

    area = forms.ModelChoiceField(
        label="Which area's MARAC?",
        queryset=Area.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Select an area", "invalid_choice": "Select an area from the list"},
    )
    kind = forms.ChoiceField(
        label="Which meetings?",
        choices=MeetingKind.choices,
        initial=MeetingKind.MARAC,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of meeting", "invalid_choice": "Select a kind of meeting"},
    )

    def __init__(self, *args: Any, areas: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]


class AgendaItemChangeForm(GovukFormMixin, forms.Form):
    """One change to an agenda item: move it to another meeting, put it at a position, or take it off."""

    MOVE, REORDER, REMOVE = "move", "reorder", "remove"

    govuk_label_size = "s"

    change = forms.ChoiceField(
        label="What do you want to do?",
        choices=[
            (MOVE, "Move it to another meeting"),
            (REORDER, "Put it at a position on this agenda"),
            (REMOVE, "Take it off the agenda"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you want to do", "invalid_choice": "Select what you want to do"},
    )
    meeting = forms.ModelChoiceField(
        label="Meeting",
        queryset=MaracMeeting.objects.none(),
        required=False,
        empty_label="Choose a meeting",
        error_messages={"invalid_choice": "Select a meeting from the list"},
    )
    position = forms.IntegerField(
        label="Position",
        required=False,
        min_value=1,
        max_value=999,
        help_text="1 is first. The item stays there when the agenda is built again.",
        error_messages={"invalid": "Enter the position as a number, like 3"},
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    reason = forms.CharField(
        label="Why does it come off the agenda?",
        required=False,
        max_length=4000,
        help_text="The referral waits again: the next build lists it, unless its status moves on.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, meetings: QuerySet[MaracMeeting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        field.queryset = meetings  # type: ignore[attr-defined]
        field.label_from_instance = _meeting_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        change = self.cleaned_data.get("change")
        needs = {
            self.MOVE: ("meeting", "Select the meeting to move it to"),
            self.REORDER: ("position", "Enter the position to put it at"),
            self.REMOVE: ("reason", "Say why the case comes off the agenda"),
        }
        if change in needs:
            name, message = needs[change]
            if self.cleaned_data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, message)
        return self.cleaned_data


def _meeting_label(meeting: MaracMeeting) -> str:
    size = getattr(meeting, "agenda_size", None)
    listed = f" ({size} of {meeting.capacity} listed)" if size is not None else ""
    starts = timezone.localtime(meeting.starts_at)
    return f"{starts:%A} {starts.day} {starts:%B %Y %H:%M}{listed}"


class CapacityOverrideForm(GovukFormMixin, forms.Form):
    """Let a full meeting list more cases than its capacity, saying why."""

    govuk_label_size = "s"

    reason = forms.CharField(
        label="Why may this meeting list more cases than its capacity?",
        max_length=4000,
        error_messages={"required": "Say why the meeting may list more cases than its capacity"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def financial_year_label(year: int) -> str:
    """The label of the financial year starting in April of `year`: "2025-26"."""
    return f"{year}-{(year + 1) % 100:02d}"


def financial_year_of(day: date) -> int:
    """The year in whose April the financial year holding `day` starts."""
    return day.year if day.month >= 4 else day.year - 1


class SafeLivesReturnForm(GovukFormMixin, forms.Form):
    """Which area and quarter the SafeLives MARAC data return is for."""

    govuk_label_size = "s"

    area = forms.ModelChoiceField(
        label="Area",
        queryset=Area.objects.none(),
        empty_label=None,
        error_messages={"required": "Select an area", "invalid_choice": "Select an area from the list"},
    )
    year = forms.ChoiceField(
        label="Financial year",
        error_messages={"required": "Select a financial year", "invalid_choice": "Select a financial year"},
    )
    quarter = forms.TypedChoiceField(
        label="Quarter",
        coerce=int,
        choices=[
            (1, "Q1 (April to June)"),
            (2, "Q2 (July to September)"),
            (3, "Q3 (October to December)"),
            (4, "Q4 (January to March)"),
        ],
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--small"}),
        error_messages={"required": "Select a quarter", "invalid_choice": "Select a quarter"},
    )

    def __init__(self, *args: Any, areas: QuerySet[Area], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        current = financial_year_of(today)
        years = [financial_year_label(year) for year in range(current, current - RETURN_YEARS_BACK, -1)]
        self.fields["year"].choices = [(label, label) for label in years]  # type: ignore[attr-defined]
        self.fields["year"].initial = years[0]

    def clean_year(self) -> int:
        return int(self.cleaned_data["year"][:4])

    def clean_quarter(self) -> int:
        quarter = self.cleaned_data["quarter"]
        if quarter not in QUARTERS:
            raise forms.ValidationError("Select a quarter")
        return quarter


class MeetingRescheduleForm(GovukFormMixin, forms.Form):
    """Move a meeting to another day and time (its agenda goes with it), or cancel it (its agenda moved to
    another meeting first, when it has one)."""

    MOVE, CANCEL = "move", "cancel"

    govuk_label_size = "s"

    change = forms.ChoiceField(
        label="What do you want to do?",
        choices=[(MOVE, "Move the meeting to another day or time"), (CANCEL, "Cancel the meeting")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you want to do", "invalid_choice": "Select what you want to do"},
    )
    on = GovukDateField(label="New day", required=False, help_text="For example, 27 3 2027")
    at = forms.TimeField(
        label="New start time",
        required=False,
        help_text="For example, 10:00",
        error_messages={"invalid": "Enter the time like 10:00"},
        widget=forms.TimeInput(attrs={"class": "govuk-input--width-5"}, format="%H:%M"),
    )
    reason = forms.CharField(
        label="Why?",
        required=False,
        max_length=4000,
        help_text="Needed to cancel; kept in the meeting's history.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    move_agenda_to = forms.ModelChoiceField(
        label="Move its agenda to",
        queryset=MaracMeeting.objects.none(),
        required=False,
        empty_label="It has no agenda to move",
        error_messages={"invalid_choice": "Select a meeting from the list"},
    )

    def __init__(self, *args: Any, meetings: QuerySet[MaracMeeting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["move_agenda_to"]
        field.queryset = meetings  # type: ignore[attr-defined]
        field.label_from_instance = _meeting_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        change = self.cleaned_data.get("change")
        if change == self.MOVE:
            for name, message in (("on", "Enter the new day"), ("at", "Enter the new start time")):
                if self.cleaned_data.get(name) is None and name not in self.errors:
                    self.add_error(name, message)
        if change == self.CANCEL and not (self.cleaned_data.get("reason") or "").strip():
            self.add_error("reason", "Say why the meeting is cancelled")
        return self.cleaned_data
