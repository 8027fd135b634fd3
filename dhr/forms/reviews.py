"""Forms of the review pages: the list's filters, the notification, the decision, stage moves, the review's
details and panel, IMRs, the Home Office quality assurance panel and publication, recommendations and the
actions of their plans.

They check only that what is required is given; dhr.services decides the rest (who may act, dates, states)
and its errors are put back on these fields (cases.forms.form_add_service_errors).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet

from agencies.govuk_forms import GovukDateField, GovukFormMixin
from agencies.models import Agency, Area
from cases.models import Gender
from dhr.models import ImrRequest, LearningTheme, QaSubmission, Review, Stage

DATE_HINT = "For example, 27 3 2026"
ANY = ""
YES, NO = "yes", "no"
OPEN, CLOSED = "open", "closed"
# Which form of a page with several was sent: the hidden `form` field of each.
DETAILS, PANEL_ADD, PANEL_REMOVE = "details", "panel_add", "panel_remove"
IMR_REQUEST, IMR_RECEIVE = "imr_request", "imr_receive"
LOCAL_APPROVAL, QA_SUBMIT, QA_FEEDBACK, PUBLISH = "local_approval", "qa_submit", "qa_feedback", "publish"
# The decisions the coordinator records ("not decided yet" is where every review starts).
DECISIONS = [(value, label) for value, label in Review.Decision.choices if value != Review.Decision.PENDING]
CASE_REFERENCE_HINT = "Optional. The victim's case, if your agency can see it. For example, DA-2026-000123"


def active_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(active=True).order_by("name")


def _case_reference_field() -> forms.CharField:
    return forms.CharField(
        label="Case reference",
        required=False,
        max_length=30,
        help_text=CASE_REFERENCE_HINT,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )


class ReviewFilterForm(GovukFormMixin, forms.Form):
    """Narrow the review list by stage, by whether it is overdue, and open or closed."""

    govuk_label_size = "s"

    stage = forms.ChoiceField(label="Stage", required=False)
    overdue = forms.ChoiceField(
        label="Overdue",
        required=False,
        choices=[(ANY, "Overdue or not"), (YES, "Overdue"), (NO, "Not overdue")],
    )
    status = forms.ChoiceField(
        label="Open or closed",
        required=False,
        choices=[(ANY, "Open and closed"), (OPEN, "Open"), (CLOSED, "Closed")],
    )

    def __init__(self, *args: Any, stages: Iterable[Stage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stages = {stage.code: stage for stage in stages}
        self.fields["stage"].choices = [  # type: ignore[attr-defined]
            (ANY, "All stages"),
            *((stage.code, stage.name) for stage in self.stages.values()),
        ]

    def filters(self) -> dict[str, Any]:
        """The stage, overdue and open filters as review_list_with_progress takes them (none if invalid)."""
        if not self.is_valid():
            return {"stage": None, "overdue": None, "is_open": None}
        data = self.cleaned_data
        return {
            "stage": self.stages.get(data["stage"]),
            "overdue": {YES: True, NO: False}.get(data["overdue"]),
            "is_open": {OPEN: True, CLOSED: False}.get(data["status"]),
        }

    def chosen(self) -> dict[str, str]:
        """The filters as asked for, for the page to say what it shows."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class ReviewNotifyForm(GovukFormMixin, forms.Form):
    """The notification of a death that may meet the criteria for a review. No names of the deceased."""

    govuk_label_size = "s"

    deceased_gender = forms.ChoiceField(
        label="Gender of the deceased",
        choices=Gender.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the gender of the deceased", "invalid_choice": "Select a gender"},
    )
    deceased_age_band = forms.ChoiceField(
        label="Age of the deceased",
        choices=Review.AgeBand.choices,
        initial=Review.AgeBand.NOT_KNOWN,
        error_messages={"required": "Select the age band", "invalid_choice": "Select an age band from the list"},
    )
    relationship = forms.ChoiceField(
        label="Relationship of the deceased to the perpetrator",
        choices=[("", "Choose a relationship"), *Review.Relationship.choices],
        error_messages={
            "required": "Select the relationship to the perpetrator",
            "invalid_choice": "Select a relationship from the list",
        },
    )
    death_type = forms.ChoiceField(
        label="Type of death",
        choices=Review.DeathType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of death", "invalid_choice": "Select the type of death"},
    )
    date_of_death = GovukDateField(label="Date of death", help_text=DATE_HINT)
    notified_on = GovukDateField(label="Date notified", help_text=DATE_HINT)
    notified_by = forms.ModelChoiceField(
        label="Notified by",
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        error_messages={"required": "Select the agency that notified", "invalid_choice": "Select an agency"},
    )
    community_safety_partnership = forms.ModelChoiceField(
        label="Community Safety Partnership",
        queryset=Area.objects.none(),
        empty_label="Choose an area",
        help_text="The area whose Community Safety Partnership is responsible for the review.",
        error_messages={"required": "Select the Community Safety Partnership", "invalid_choice": "Select an area"},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=20000,
        help_text="What is known of the circumstances. Do not write the names of the people involved.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    criminal_proceedings_pending = forms.BooleanField(label="Criminal proceedings are pending", required=False)
    case_reference = _case_reference_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notified_by"].queryset = active_agencies()  # type: ignore[attr-defined]
        self.fields["community_safety_partnership"].queryset = Area.objects.order_by("name")  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        """The answers as review_notify takes them (the case is resolved by the view)."""
        data = self.cleaned_data
        names = (
            "deceased_gender",
            "deceased_age_band",
            "relationship",
            "death_type",
            "date_of_death",
            "notified_on",
            "notified_by",
            "community_safety_partnership",
            "notes",
            "criminal_proceedings_pending",
        )
        return {name: data[name] for name in names}


class DecisionForm(GovukFormMixin, forms.Form):
    """The Community Safety Partnership's decision whether to commission a review."""

    govuk_label_size = "s"

    decision = forms.ChoiceField(
        label="What was decided?",
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what was decided", "invalid_choice": "Select what was decided"},
    )
    on = GovukDateField(label="Date of the decision", help_text=DATE_HINT)
    rationale = forms.CharField(
        label="Rationale",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Give the rationale for the decision"},
    )
    home_office_informed_on = GovukDateField(
        label="Date the Home Office was informed", required=False, help_text=DATE_HINT
    )

    def service_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("decision", "on", "rationale", "home_office_informed_on")}


class StageMoveForm(GovukFormMixin, forms.Form):
    """Move a review to another stage on a day, with notes."""

    govuk_label_size = "s"

    stage = forms.TypedChoiceField(
        label="Which stage is the review at now?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the stage", "invalid_choice": "Select one of the stages listed"},
    )
    on = GovukDateField(label="Date it moved", help_text=DATE_HINT)
    notes = forms.CharField(label="Notes", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, stages: Iterable[Stage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stages = {stage.pk: stage for stage in stages}
        self.fields["stage"].choices = [(pk, stage.name) for pk, stage in self.stages.items()]  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"stage": self.stages[data["stage"]], "on": data["on"], "notes": data["notes"]}


class ReviewDetailsForm(GovukFormMixin, forms.Form):
    """The review's independent chair and author, criminal proceedings, and the link to the victim's case."""

    govuk_label_size = "s"
    prefix = "details"

    independent_chair = forms.CharField(label="Independent chair", required=False, max_length=160)
    author = forms.CharField(label="Author", required=False, max_length=160)
    criminal_proceedings_pending = forms.BooleanField(label="Criminal proceedings are pending", required=False)
    case_reference = _case_reference_field()


class PanelAddForm(GovukFormMixin, forms.Form):
    """Put an agency on the review's panel, with its representative."""

    govuk_label_size = "s"
    prefix = "panel"

    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        error_messages={"required": "Select the agency", "invalid_choice": "Select an agency from the list"},
    )
    representative = forms.CharField(label="Representative", required=False, max_length=160)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = active_agencies()  # type: ignore[attr-defined]


class PanelRemoveForm(forms.Form):
    """Take an agency off the panel (a button beside each member)."""

    agency = forms.IntegerField(widget=forms.HiddenInput)


class ImrRequestForm(GovukFormMixin, forms.Form):
    """Ask an agency for its Individual Management Review, by a day."""

    govuk_label_size = "s"
    prefix = "request"

    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        error_messages={"required": "Select the agency", "invalid_choice": "Select an agency from the list"},
    )
    requested_on = GovukDateField(label="Date requested", help_text=DATE_HINT)
    due_on = GovukDateField(label="Date due", help_text=DATE_HINT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = active_agencies()  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("agency", "requested_on", "due_on")}


class ImrReceiveForm(GovukFormMixin, forms.Form):
    """Record an outstanding IMR received."""

    govuk_label_size = "s"
    prefix = "receive"

    imr = forms.TypedChoiceField(
        label="Whose IMR?",
        coerce=int,
        error_messages={"required": "Select the IMR", "invalid_choice": "Select one of the IMRs listed"},
    )
    received_on = GovukDateField(label="Date received", help_text=DATE_HINT)

    def __init__(self, *args: Any, imrs: Iterable[ImrRequest], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.imrs = {imr.pk: imr for imr in imrs if imr.received_on is None}
        self.fields["imr"].choices = [  # type: ignore[attr-defined]
            ("", "Choose an IMR"),
            *((pk, f"{imr.agency.name} (due {imr.due_on:%d/%m/%Y})") for pk, imr in self.imrs.items()),
        ]

    def service_arguments(self) -> dict[str, Any]:
        return {"imr": self.imrs[self.cleaned_data["imr"]], "received_on": self.cleaned_data["received_on"]}


class LocalApprovalForm(GovukFormMixin, forms.Form):
    govuk_label_size = "s"
    prefix = "approval"

    on = GovukDateField(label="Date approved locally", help_text=DATE_HINT)


class QaSubmitForm(GovukFormMixin, forms.Form):
    govuk_label_size = "s"
    prefix = "submit"

    submitted_on = GovukDateField(label="Date submitted", help_text=DATE_HINT)
    notes = forms.CharField(label="Notes", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 2}))


class QaFeedbackForm(GovukFormMixin, forms.Form):
    """The Home Office panel's feedback on the submission awaiting it."""

    govuk_label_size = "s"
    prefix = "feedback"

    feedback = forms.ChoiceField(
        label="What did the panel say?",
        choices=[
            (QaSubmission.Feedback.ACCEPTED, "Accepted"),
            (QaSubmission.Feedback.REVISIONS_REQUESTED, "Revisions requested"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select accepted or revisions requested",
            "invalid_choice": "Select accepted or revisions requested",
        },
    )
    on = GovukDateField(label="Date of the feedback", help_text=DATE_HINT)
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=20000,
        help_text="If revisions were requested: what the panel asked for.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PublishForm(GovukFormMixin, forms.Form):
    govuk_label_size = "s"
    prefix = "publish"

    published_on = GovukDateField(label="Date published", help_text=DATE_HINT)
    url = forms.URLField(
        label="Link to the published report",
        max_length=200,
        assume_scheme="https",
        help_text="For example, https://www.example.gov.uk/reviews/report.pdf",
        error_messages={"required": "Give the link to the published report", "invalid": "Enter a full web address"},
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
    )


class RecommendationForm(GovukFormMixin, forms.Form):
    """A recommendation of the review, tagged with learning themes."""

    govuk_label_size = "s"

    text = forms.CharField(
        label="Recommendation",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the recommendation"},
    )
    themes = forms.ModelMultipleChoiceField(
        label="Learning themes",
        queryset=LearningTheme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select themes from the list", "invalid_pk_value": "Select themes"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = LearningTheme.objects.filter(active=True).order_by("name")  # type: ignore[attr-defined]


class ReviewActionForm(GovukFormMixin, forms.Form):
    """An action of a recommendation's plan: the owning agency, its lead, what, and the target date."""

    govuk_label_size = "s"

    assigned_agency = forms.ModelChoiceField(
        label="Owning agency",
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        error_messages={"required": "Select the owning agency", "invalid_choice": "Select an agency from the list"},
    )
    lead = forms.CharField(
        label="Lead",
        max_length=160,
        help_text="The person in the owning agency who leads it.",
        error_messages={"required": "Name the lead in the owning agency"},
    )
    description = forms.CharField(
        label="Action",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what the agency is to do"},
    )
    due_on = GovukDateField(
        label="Target date", help_text=DATE_HINT, error_messages={"required": "Enter the target date"}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_agency"].queryset = active_agencies()  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("assigned_agency", "lead", "description", "due_on")}
