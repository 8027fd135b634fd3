"""The review services: each success path, and each refusal naming its field and writing nothing; only DHR
coordinators act (another role or an API key is refused); the owning agency records evidence and works
its actions through the shared action services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from agencies.actors import ApiKeyActor
from agencies.models import Agency, Role
from agencies.services import agency_action_complete, agency_action_not_done, agency_action_update
from dhr.models import (
    ImrRequest,
    LearningTheme,
    PanelMembership,
    QaSubmission,
    Recommendation,
    Review,
    ReviewAction,
    Stage,
    StageEvent,
)
from dhr.services import (
    imr_receive,
    imr_request,
    local_approval_record,
    panel_membership_set,
    qa_feedback_record,
    qa_submit,
    recommendation_add,
    recommendation_update,
    review_action_add,
    review_action_evidence_record,
    review_action_sign_off,
    review_decide,
    review_notify,
    review_publish,
    review_stage_move,
    review_update,
)
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory, api_key_for
from tests.factories.cases import make_case
from tests.factories.dhr import (
    approved_review,
    commissioned_review,
    dhr_coordinator,
    notified_review,
    recommendation_with_action,
    stage,
)

pytestmark = pytest.mark.django_db

MODELS = (Review, StageEvent, PanelMembership, ImrRequest, QaSubmission, Recommendation, ReviewAction)


def today() -> date:
    return timezone.localdate()


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


def snapshot() -> dict[str, Any]:
    """Every DHR row as it stands (and the recommendations' themes): a refusal must leave it all unchanged."""
    rows: dict[str, Any] = {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}
    rows["themes"] = list(Recommendation.themes.through.objects.order_by("pk").values())
    return rows


def refused(call: Callable[..., Any], *, field: str, **kwargs: Any) -> list[str]:
    """Call a service that must refuse with an error on `field`, writing nothing; returns the messages."""
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    assert field in error.value.message_dict, error.value.message_dict
    assert snapshot() == before
    return error.value.message_dict[field]


def notify_kwargs(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "deceased_gender": "female",
        "deceased_age_band": Review.AgeBand.AGE_25_34,
        "relationship": Review.Relationship.EX_PARTNER,
        "death_type": Review.DeathType.HOMICIDE,
        "date_of_death": days_ago(12),
        "notified_on": days_ago(10),
        "notified_by": AgencyFactory(kind=Agency.Kind.POLICE),
        "community_safety_partnership": AreaFactory(),
    }
    values.update(overrides)
    return values


@pytest.fixture
def coordinator():
    return dhr_coordinator()


# --- Notification ------------------------------------------------------------------------------------


def test_notify_starts_the_review_at_the_first_stage_with_a_timeline_event(coordinator):
    """A notification creates the review at the first stage, entered on the notification day, numbered in
    its year."""
    kwargs = notify_kwargs(notes="  Police notified by phone.  ")
    review = review_notify(actor=coordinator, **kwargs)
    assert review.reference == f"DHR-{kwargs['notified_on'].year}-01"
    assert review.stage.code == "notification"
    assert review.stage_entered_on == kwargs["notified_on"]
    assert review.decision == Review.Decision.PENDING
    assert review.decision_on is None
    assert review.created_by == coordinator
    (event,) = review.stage_events.all()
    assert (event.stage.code, event.entered_on, event.notes) == (
        "notification",
        kwargs["notified_on"],
        "Police notified by phone.",
    )
    second = review_notify(actor=coordinator, **notify_kwargs())
    assert second.reference == f"DHR-{kwargs['notified_on'].year}-02"


def test_references_count_within_the_year_of_notification(coordinator):
    """References restart each year, by the year the death was notified."""
    first = review_notify(
        actor=coordinator, **notify_kwargs(date_of_death=date(2024, 12, 1), notified_on=date(2024, 12, 30))
    )
    second = review_notify(
        actor=coordinator, **notify_kwargs(date_of_death=date(2025, 1, 1), notified_on=date(2025, 1, 2))
    )
    third = review_notify(
        actor=coordinator, **notify_kwargs(date_of_death=date(2024, 11, 1), notified_on=date(2024, 11, 3))
    )
    assert [first.reference, second.reference, third.reference] == ["DHR-2024-01", "DHR-2025-01", "DHR-2024-02"]


@override_settings(DASV_REVIEW_TERMINOLOGY="dardr")
def test_references_follow_the_terminology(coordinator):
    """With the new name, references start DARDR-."""
    review = review_notify(
        actor=coordinator, **notify_kwargs(notified_on=date(2025, 6, 1), date_of_death=date(2025, 5, 30))
    )
    assert review.reference == "DARDR-2025-01"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        # Dates as days from today.
        ({"date_of_death": 400, "notified_on": 0}, "date_of_death"),
        ({"notified_on": 400}, "notified_on"),
        ({"date_of_death": -5, "notified_on": -6}, "notified_on"),
        ({"deceased_gender": "unknown-value"}, "deceased_gender"),
        ({"death_type": "accident"}, "death_type"),
        ({"relationship": "stranger"}, "relationship"),
    ],
)
def test_notify_refuses_bad_dates_and_values(coordinator, overrides, field):
    """A death in the future, a notification in the future or before the death, or a value not in the lists,
    is refused on its field and nothing is written."""
    values = {key: today() + timedelta(days=v) if isinstance(v, int) else v for key, v in overrides.items()}
    refused(review_notify, field=field, actor=coordinator, **notify_kwargs(**values))


def test_notify_may_link_a_case_the_coordinator_can_see():
    """A coordinator whose agency can see the victim's case may link it."""
    coordinator = dhr_coordinator()
    coordinator_with_cases = UserFactory(agency=coordinator.agency, roles=[Role.DHR_COORDINATOR, Role.AGENCY_REP])
    case = make_case(coordinator_with_cases)
    review = review_notify(actor=coordinator_with_cases, case=case, **notify_kwargs())
    assert review.case == case


def test_notify_refuses_a_case_of_another_agency(coordinator):
    """A case the coordinator cannot see (made by another agency) is refused as if it did not exist."""
    other_case = make_case(UserFactory(roles=[Role.AGENCY_REP]))
    messages = refused(review_notify, field="case", actor=coordinator, case=other_case, **notify_kwargs())
    assert "that you can see" in messages[0]


# --- Who may act --------------------------------------------------------------------------------------


def non_coordinators() -> list[Any]:
    """People and systems that are not DHR coordinators: other roles, no role, an inactive coordinator, an
    API key."""
    actors: list[Any] = [
        UserFactory(roles=[role])
        for role in (Role.PARTNERSHIP_ADMIN, Role.AGENCY_REP, Role.MARAC_COORDINATOR, Role.ANALYST, Role.IDVA_MANAGER)
    ]
    actors.append(UserFactory())
    actors.append(dhr_coordinator(is_active=False))
    actors.append(ApiKeyActor(api_key_for(AgencyFactory())[0]))
    return actors


def test_only_a_coordinator_records_a_notification():
    """Other roles and API keys are refused, and nothing is written."""
    for actor in non_coordinators():
        before = snapshot()
        with pytest.raises(PermissionDenied):
            review_notify(actor=actor, **notify_kwargs())
        assert snapshot() == before


def test_only_a_coordinator_works_a_review(coordinator):
    """Every coordinator service refuses other roles and API keys, writing nothing."""
    review = approved_review(coordinator)
    submission = qa_submit(actor=coordinator, review=review, submitted_on=today())
    imr = imr_request(actor=coordinator, review=review, agency=AgencyFactory(), requested_on=today(), due_on=today())
    recommendation, action = recommendation_with_action(coordinator, review)
    pending = notified_review(coordinator)
    theme = LearningTheme.objects.first()
    calls: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (
            review_update,
            {"review": review, "independent_chair": "A", "author": "B", "criminal_proceedings_pending": False},
        ),
        (review_decide, {"review": pending, "decision": "commission", "on": today(), "rationale": "Met."}),
        (review_stage_move, {"review": pending, "stage": stage("scoping"), "on": today()}),
        (panel_membership_set, {"review": review, "agency": AgencyFactory()}),
        (imr_request, {"review": review, "agency": AgencyFactory(), "requested_on": today(), "due_on": today()}),
        (imr_receive, {"imr": imr, "received_on": today()}),
        (local_approval_record, {"review": commissioned_review(coordinator), "on": today()}),
        (qa_submit, {"review": review, "submitted_on": today()}),
        (qa_feedback_record, {"submission": submission, "feedback": "accepted", "on": today()}),
        (review_publish, {"review": review, "published_on": today(), "url": "https://example.org/dhr"}),
        (recommendation_add, {"review": review, "text": "More.", "themes": [theme]}),
        (recommendation_update, {"recommendation": recommendation, "text": "Changed.", "themes": []}),
        (
            review_action_add,
            {
                "recommendation": recommendation,
                "assigned_agency": AgencyFactory(),
                "lead": "Lead",
                "description": "Do it.",
                "due_on": today(),
            },
        ),
        (review_action_sign_off, {"action": action, "on": today()}),
    ]
    actors = non_coordinators()
    for call, kwargs in calls:
        for actor in actors:
            before = snapshot()
            with pytest.raises(PermissionDenied):
                call(actor=actor, **kwargs)
            assert snapshot() == before, (call.__name__, actor)


# --- Review details -----------------------------------------------------------------------------------


def test_update_sets_the_chair_author_and_proceedings(coordinator):
    """The chair, author and criminal proceedings are kept, stripped."""
    review = commissioned_review(coordinator)
    review_update(
        actor=coordinator,
        review=review,
        independent_chair=" Dr A Chair ",
        author=" B Author ",
        criminal_proceedings_pending=True,
    )
    review.refresh_from_db()
    assert (review.independent_chair, review.author, review.criminal_proceedings_pending) == (
        "Dr A Chair",
        "B Author",
        True,
    )


def test_update_links_only_a_case_the_coordinator_can_see():
    """A visible case may be linked and kept; another agency's case is refused; keep_case=False unlinks."""
    coordinator = UserFactory(agency=dhr_coordinator().agency, roles=[Role.DHR_COORDINATOR, Role.AGENCY_REP])
    review = commissioned_review(coordinator)
    case = make_case(coordinator)
    details = {"independent_chair": "", "author": "", "criminal_proceedings_pending": False}
    review_update(actor=coordinator, review=review, case=case, **details)
    review.refresh_from_db()
    assert review.case == case
    other_case = make_case(UserFactory(roles=[Role.AGENCY_REP]))
    refused(review_update, field="case", actor=coordinator, review=review, case=other_case, **details)
    # A coordinator who cannot see the linked case leaves it as it is.
    plain = dhr_coordinator()
    review_update(actor=plain, review=review, **details)
    review.refresh_from_db()
    assert review.case == case
    review_update(actor=coordinator, review=review, keep_case=False, **details)
    review.refresh_from_db()
    assert review.case is None


# --- The decision -------------------------------------------------------------------------------------


def test_commissioning_moves_the_review_to_the_panel_stage(coordinator):
    """A commissioned review moves to appointing the chair and panel on the decision day, with a timeline
    event giving the decision and rationale."""
    review = notified_review(coordinator, notified_on=days_ago(20))
    on = days_ago(5)
    review_decide(
        actor=coordinator,
        review=review,
        decision=Review.Decision.COMMISSION,
        on=on,
        rationale=" Criteria met. ",
        home_office_informed_on=days_ago(4),
    )
    review.refresh_from_db()
    assert (review.decision, review.decision_on, review.decision_rationale) == ("commission", on, "Criteria met.")
    assert review.home_office_informed_on == days_ago(4)
    assert review.meets_criteria is True
    assert (review.stage.code, review.stage_entered_on) == ("panel_setup", on)
    event = review.stage_events.last()
    assert event.stage.code == "panel_setup"
    assert event.notes == "Decision: Review commissioned. Criteria met."


@pytest.mark.parametrize(
    ("decision", "meets_criteria"),
    [(Review.Decision.NOT_COMMISSIONED, False), (Review.Decision.CHILD_DEATH_REVIEW, True)],
)
def test_no_review_or_a_child_death_review_closes_it(coordinator, decision, meets_criteria):
    """Not commissioned, or reviewed as a child death instead: the review is closed."""
    review = notified_review(coordinator)
    review_decide(actor=coordinator, review=review, decision=decision, on=today(), rationale="Reasons.")
    review.refresh_from_db()
    assert review.stage.code == "closed"
    assert review.stage.is_final
    assert review.meets_criteria is meets_criteria


def test_decision_refusals(coordinator):
    """The rationale is required; a decision is made once; not before the current stage began, not in the
    future; the Home Office is informed on or after the decision."""
    review = notified_review(coordinator, notified_on=days_ago(10))
    decide = {"actor": coordinator, "review": review, "decision": "commission", "on": days_ago(5), "rationale": "Met."}
    refused(review_decide, field="rationale", **{**decide, "rationale": "   "})
    refused(review_decide, field="decision", **{**decide, "decision": "pending"})
    refused(review_decide, field="decision", **{**decide, "decision": "maybe"})
    assert "before" in refused(review_decide, field="on", **{**decide, "on": days_ago(11)})[0]
    assert "future" in refused(review_decide, field="on", **{**decide, "on": today() + timedelta(days=1)})[0]
    refused(review_decide, field="home_office_informed_on", **{**decide, "home_office_informed_on": days_ago(6)})
    refused(
        review_decide,
        field="home_office_informed_on",
        **{**decide, "home_office_informed_on": today() + timedelta(days=1)},
    )
    review_decide(**decide)
    refused(review_decide, field=NON_FIELD_ERRORS, **decide)


def test_decision_date_before_a_later_stage_began_is_refused(coordinator):
    """At scoping, the decision cannot be dated before scoping began."""
    review = notified_review(coordinator, notified_on=days_ago(10))
    review_stage_move(actor=coordinator, review=review, stage=stage("scoping"), on=days_ago(6))
    refused(
        review_decide,
        field="on",
        actor=coordinator,
        review=review,
        decision="commission",
        on=days_ago(7),
        rationale="Met.",
    )
    review_decide(actor=coordinator, review=review, decision="commission", on=days_ago(6), rationale="Met.")


# --- Stage moves --------------------------------------------------------------------------------------


def test_stage_move_is_a_dated_event_with_notes(coordinator):
    """Moving a review records the stage, the day and the notes on its timeline."""
    review = commissioned_review(coordinator, notified_on=days_ago(30))
    review_stage_move(
        actor=coordinator, review=review, stage=stage("terms_of_reference"), on=days_ago(3), notes=" Agreed. "
    )
    review.refresh_from_db()
    assert (review.stage.code, review.stage_entered_on) == ("terms_of_reference", days_ago(3))
    event = review.stage_events.last()
    assert (event.stage.code, event.entered_on, event.notes, event.recorded_by) == (
        "terms_of_reference",
        days_ago(3),
        "Agreed.",
        coordinator,
    )
    # Back to an earlier stage after the decision is allowed (a report reworked).
    review_stage_move(actor=coordinator, review=review, stage=stage("panel_setup"), on=days_ago(1))
    assert list(review.stage_events.values_list("stage__code", flat=True)) == [
        "notification",
        "panel_setup",
        "terms_of_reference",
        "panel_setup",
    ]


def test_stage_move_refusals(coordinator):
    """Already at the stage; past the decision without one; before the decision after it; dated before the
    current stage began or in the future; an inactive stage."""
    pending = notified_review(coordinator, notified_on=days_ago(20))
    move = {"actor": coordinator, "on": days_ago(1)}
    assert (
        "already" in refused(review_stage_move, field="stage", review=pending, stage=stage("notification"), **move)[0]
    )
    assert (
        "decision" in refused(review_stage_move, field="stage", review=pending, stage=stage("panel_setup"), **move)[0]
    )
    review_stage_move(review=pending, stage=stage("scoping"), **move)
    review_stage_move(review=pending, stage=stage("decision"), **move)

    commissioned = commissioned_review(coordinator, notified_on=days_ago(20), decided_on=days_ago(10))
    for code in ("notification", "scoping", "decision"):
        assert (
            "cannot go back"
            in refused(review_stage_move, field="stage", review=commissioned, stage=stage(code), **move)[0]
        )
    refused(review_stage_move, field="on", actor=coordinator, review=commissioned, stage=stage("imrs"), on=days_ago(11))
    refused(
        review_stage_move,
        field="on",
        actor=coordinator,
        review=commissioned,
        stage=stage("imrs"),
        on=today() + timedelta(days=1),
    )

    closed = notified_review(coordinator)
    review_decide(actor=coordinator, review=closed, decision="not_commissioned", on=today(), rationale="Not met.")
    assert (
        "closed"
        in refused(
            review_stage_move, field="stage", actor=coordinator, review=closed, stage=stage("panel_setup"), on=today()
        )[0]
    )

    retired = Stage.objects.create(code="retired", name="Retired stage", position=99, active=False)
    refused(review_stage_move, field="stage", review=commissioned, stage=retired, **move)


def test_a_pending_review_may_be_closed(coordinator):
    """A final stage may be entered from anywhere (a notification withdrawn)."""
    review = notified_review(coordinator)
    review_stage_move(actor=coordinator, review=review, stage=stage("closed"), on=today(), notes="Withdrawn.")
    review.refresh_from_db()
    assert review.stage.code == "closed"


# --- Panel and IMRs -----------------------------------------------------------------------------------


def test_panel_membership_is_set_and_removed(coordinator):
    """An agency joins the panel (its representative updated on a second call) and leaves it."""
    review = commissioned_review(coordinator)
    agency = AgencyFactory()
    panel_membership_set(actor=coordinator, review=review, agency=agency, representative="A Rep")
    panel_membership_set(actor=coordinator, review=review, agency=agency, representative=" B Rep ")
    (membership,) = PanelMembership.objects.filter(review=review)
    assert membership.representative == "B Rep"
    assert panel_membership_set(actor=coordinator, review=review, agency=agency, member=False) is None
    assert not PanelMembership.objects.filter(review=review).exists()
    inactive = AgencyFactory(active=False)
    refused(panel_membership_set, field="agency", actor=coordinator, review=review, agency=inactive)


def test_imr_request_puts_the_agency_on_the_panel_and_receipt_is_recorded(coordinator):
    """An IMR requested of an agency puts it on the panel; its receipt is dated."""
    review = commissioned_review(coordinator, notified_on=days_ago(20), decided_on=days_ago(15))
    agency = AgencyFactory()
    imr = imr_request(actor=coordinator, review=review, agency=agency, requested_on=days_ago(10), due_on=days_ago(2))
    assert PanelMembership.objects.filter(review=review, agency=agency).exists()
    imr_receive(actor=coordinator, imr=imr, received_on=days_ago(3))
    imr.refresh_from_db()
    assert imr.received_on == days_ago(3)
    refused(imr_receive, field=NON_FIELD_ERRORS, actor=coordinator, imr=imr, received_on=today())


def test_imr_refusals(coordinator):
    """Requested before the decision, or of a review not commissioned; due before requested; the same
    agency twice; in the future; received before requested or in the future."""
    review = commissioned_review(coordinator, notified_on=days_ago(20), decided_on=days_ago(15))
    agency = AgencyFactory()
    ask = {"actor": coordinator, "review": review, "agency": agency}
    refused(imr_request, field="requested_on", requested_on=days_ago(16), due_on=today(), **ask)
    refused(
        imr_request,
        field="requested_on",
        requested_on=today() + timedelta(days=1),
        due_on=today() + timedelta(days=9),
        **ask,
    )
    refused(imr_request, field="due_on", requested_on=days_ago(5), due_on=days_ago(6), **ask)
    pending = notified_review(coordinator)
    refused(
        imr_request,
        field="requested_on",
        actor=coordinator,
        review=pending,
        agency=agency,
        requested_on=today(),
        due_on=today(),
    )
    not_commissioned = review_decide(
        actor=coordinator, review=notified_review(coordinator), decision="not_commissioned", on=today(), rationale="No."
    )
    refused(
        imr_request,
        field="requested_on",
        actor=coordinator,
        review=not_commissioned,
        agency=agency,
        requested_on=today(),
        due_on=today(),
    )
    imr = imr_request(requested_on=days_ago(5), due_on=today(), **ask)
    refused(imr_request, field="agency", requested_on=days_ago(5), due_on=today(), **ask)
    refused(imr_receive, field="received_on", actor=coordinator, imr=imr, received_on=days_ago(6))
    refused(imr_receive, field="received_on", actor=coordinator, imr=imr, received_on=today() + timedelta(days=1))


# --- Local approval, the Home Office and publication ---------------------------------------------------


def test_local_approval_enters_its_stage(coordinator):
    """Local approval is dated and moves the review to the local approval stage."""
    review = commissioned_review(coordinator, notified_on=days_ago(20), decided_on=days_ago(15))
    local_approval_record(actor=coordinator, review=review, on=days_ago(2))
    review.refresh_from_db()
    assert review.local_approval_on == days_ago(2)
    assert (review.stage.code, review.stage_entered_on) == ("local_approval", days_ago(2))
    assert review.stage_events.last().notes == "Approved locally."


def test_local_approval_at_its_stage_keeps_the_stage_and_adds_an_event(coordinator):
    """A review moved to local approval by hand is approved there: one more event, same stage."""
    review = commissioned_review(coordinator, notified_on=days_ago(20), decided_on=days_ago(15))
    review_stage_move(actor=coordinator, review=review, stage=stage("local_approval"), on=days_ago(5))
    local_approval_record(actor=coordinator, review=review, on=days_ago(1))
    review.refresh_from_db()
    assert (review.stage.code, review.stage_entered_on, review.local_approval_on) == (
        "local_approval",
        days_ago(5),
        days_ago(1),
    )
    assert review.stage_events.count() == 4


def test_local_approval_refusals(coordinator):
    """Only a commissioned review, once, not before its stage began, not in the future."""
    pending = notified_review(coordinator)
    refused(local_approval_record, field=NON_FIELD_ERRORS, actor=coordinator, review=pending, on=today())
    review = commissioned_review(coordinator, notified_on=days_ago(20), decided_on=days_ago(15))
    refused(local_approval_record, field="on", actor=coordinator, review=review, on=days_ago(16))
    refused(local_approval_record, field="on", actor=coordinator, review=review, on=today() + timedelta(days=1))
    local_approval_record(actor=coordinator, review=review, on=days_ago(1))
    refused(local_approval_record, field=NON_FIELD_ERRORS, actor=coordinator, review=review, on=today())


def test_qa_submission_revision_resubmission_acceptance_and_publication(coordinator):
    """Submitted (QA stage), revisions requested (back to the overview report), resubmitted, accepted
    (publication), published (action plan)."""
    review = approved_review(coordinator, notified_on=days_ago(40), decided_on=days_ago(30), approved_on=days_ago(20))
    first = qa_submit(actor=coordinator, review=review, submitted_on=days_ago(15))
    review.refresh_from_db()
    assert (review.stage.code, review.stage_entered_on) == ("home_office_qa", days_ago(15))
    assert review.stage_events.last().notes == "Submitted to the Home Office."
    refused(qa_submit, field=NON_FIELD_ERRORS, actor=coordinator, review=review, submitted_on=days_ago(14))

    refused(
        qa_feedback_record,
        field="notes",
        actor=coordinator,
        submission=first,
        feedback="revisions_requested",
        on=days_ago(10),
    )
    refused(
        qa_feedback_record, field="feedback", actor=coordinator, submission=first, feedback="maybe", on=days_ago(10)
    )
    refused(qa_feedback_record, field="on", actor=coordinator, submission=first, feedback="accepted", on=days_ago(16))
    refused(
        qa_feedback_record,
        field="on",
        actor=coordinator,
        submission=first,
        feedback="accepted",
        on=today() + timedelta(days=1),
    )
    qa_feedback_record(
        actor=coordinator,
        submission=first,
        feedback="revisions_requested",
        on=days_ago(10),
        notes="More on the chronology.",
    )
    review.refresh_from_db()
    assert (review.stage.code, review.stage_entered_on) == ("overview_report", days_ago(10))
    assert review.stage_events.last().notes == "Home Office asked for revisions: More on the chronology."
    first.refresh_from_db()
    assert (first.feedback, first.feedback_on, first.feedback_notes) == (
        "revisions_requested",
        days_ago(10),
        "More on the chronology.",
    )
    refused(
        qa_feedback_record,
        field=NON_FIELD_ERRORS,
        actor=coordinator,
        submission=first,
        feedback="accepted",
        on=days_ago(9),
    )
    refused(
        review_publish,
        field=NON_FIELD_ERRORS,
        actor=coordinator,
        review=review,
        published_on=today(),
        url="https://example.org/r",
    )

    second = qa_submit(actor=coordinator, review=review, submitted_on=days_ago(8))
    review.refresh_from_db()
    assert review.stage.code == "home_office_qa"
    assert review.stage_events.last().notes == "Resubmitted to the Home Office after revisions."
    qa_feedback_record(actor=coordinator, submission=second, feedback="accepted", on=days_ago(5))
    review.refresh_from_db()
    assert (review.stage.code, review.stage_entered_on) == ("publication", days_ago(5))
    refused(qa_submit, field=NON_FIELD_ERRORS, actor=coordinator, review=review, submitted_on=today())

    refused(review_publish, field="url", actor=coordinator, review=review, published_on=days_ago(1), url="  ")
    refused(review_publish, field="url", actor=coordinator, review=review, published_on=days_ago(1), url="not a link")
    refused(
        review_publish,
        field="published_on",
        actor=coordinator,
        review=review,
        published_on=days_ago(6),
        url="https://example.org/r",
    )
    refused(
        review_publish,
        field="published_on",
        actor=coordinator,
        review=review,
        published_on=today() + timedelta(days=1),
        url="https://example.org/r",
    )
    review_publish(actor=coordinator, review=review, published_on=days_ago(1), url=" https://example.org/r ")
    review.refresh_from_db()
    assert (review.published_on, review.publication_url) == (days_ago(1), "https://example.org/r")
    assert (review.stage.code, review.stage_entered_on) == ("action_plan", days_ago(1))
    assert QaSubmission.objects.filter(review=review).count() == 2


def test_qa_submit_needs_local_approval_and_a_commissioned_review(coordinator):
    """No submission before local approval, nor of a review not commissioned, nor dated before the stage."""
    review = commissioned_review(coordinator)
    refused(qa_submit, field=NON_FIELD_ERRORS, actor=coordinator, review=review, submitted_on=today())
    refused(
        qa_submit, field=NON_FIELD_ERRORS, actor=coordinator, review=notified_review(coordinator), submitted_on=today()
    )
    approved = approved_review(coordinator, notified_on=days_ago(20), decided_on=days_ago(15), approved_on=days_ago(3))
    refused(qa_submit, field="submitted_on", actor=coordinator, review=approved, submitted_on=days_ago(4))
    refused(
        qa_submit, field="submitted_on", actor=coordinator, review=approved, submitted_on=today() + timedelta(days=1)
    )


# --- Recommendations and actions ----------------------------------------------------------------------


def test_recommendations_are_numbered_with_themes(coordinator):
    """Recommendations are numbered 1, 2, 3 per review, with their themes; updates change text and themes."""
    review = commissioned_review(coordinator)
    other = commissioned_review(coordinator)
    substance, suicide = LearningTheme.objects.get(name="Substance misuse"), LearningTheme.objects.get(name="Suicide")
    first = recommendation_add(actor=coordinator, review=review, text=" One. ", themes=[substance])
    second = recommendation_add(actor=coordinator, review=review, text="Two.", themes=[substance, suicide])
    elsewhere = recommendation_add(actor=coordinator, review=other, text="Other.")
    third = recommendation_add(actor=coordinator, review=review, text="Three.")
    assert [first.number, second.number, third.number, elsewhere.number] == [1, 2, 3, 1]
    assert first.text == "One."
    assert set(second.themes.all()) == {substance, suicide}
    recommendation_update(actor=coordinator, recommendation=first, text=" One, changed. ", themes=[suicide])
    first.refresh_from_db()
    assert first.text == "One, changed."
    assert list(first.themes.all()) == [suicide]


def test_recommendation_refusals(coordinator):
    """Text is required; a theme no longer in use is refused; only a commissioned review makes them."""
    review = commissioned_review(coordinator)
    refused(recommendation_add, field="text", actor=coordinator, review=review, text="  ")
    retired = LearningTheme.objects.create(name="Retired theme", active=False)
    refused(recommendation_add, field="themes", actor=coordinator, review=review, text="Text.", themes=[retired])
    refused(
        recommendation_add, field=NON_FIELD_ERRORS, actor=coordinator, review=notified_review(coordinator), text="Text."
    )
    recommendation = recommendation_add(actor=coordinator, review=review, text="Text.")
    refused(recommendation_update, field="text", actor=coordinator, recommendation=recommendation, text=" ", themes=[])
    refused(
        recommendation_update,
        field="themes",
        actor=coordinator,
        recommendation=recommendation,
        text="New.",
        themes=[retired],
    )


def test_a_retired_theme_may_stay_on_a_recommendation(coordinator):
    """A theme retired after it was tagged stays when the recommendation is edited."""
    theme = LearningTheme.objects.create(name="Theme to retire")
    recommendation = recommendation_add(
        actor=coordinator, review=commissioned_review(coordinator), text="T.", themes=[theme]
    )
    LearningTheme.objects.filter(pk=theme.pk).update(active=False)
    theme.refresh_from_db()
    recommendation_update(actor=coordinator, recommendation=recommendation, text="Edited.", themes=[theme])
    assert list(recommendation.themes.all()) == [theme]


def test_action_added_with_lead_and_target_date(coordinator):
    """An action has its owning agency, lead, description and target date; it starts open."""
    review = commissioned_review(coordinator)
    agency = AgencyFactory(kind=Agency.Kind.HEALTH)
    recommendation, action = recommendation_with_action(coordinator, review, agency=agency, due_on=today())
    assert (action.assigned_agency, action.lead, action.status, action.due_on) == (
        agency,
        "Named safeguarding lead",
        "open",
        today(),
    )
    assert action.recommendation == recommendation


def test_action_refusals(coordinator):
    """Lead and description are required; the target date cannot be before the recommendation; an inactive
    agency is refused."""
    review = commissioned_review(coordinator)
    recommendation = recommendation_add(actor=coordinator, review=review, text="Text.")
    add = {
        "actor": coordinator,
        "recommendation": recommendation,
        "assigned_agency": AgencyFactory(),
        "lead": "Lead",
        "description": "Do it.",
        "due_on": today(),
    }
    refused(review_action_add, field="lead", **{**add, "lead": " "})
    refused(review_action_add, field="description", **{**add, "description": ""})
    refused(review_action_add, field="due_on", **{**add, "due_on": days_ago(1)})
    refused(review_action_add, field="assigned_agency", **{**add, "assigned_agency": AgencyFactory(active=False)})


@pytest.fixture
def action_plan(coordinator):
    """A commissioned review's action assigned to a health agency, whose safeguarding lead is a user."""
    review = commissioned_review(coordinator)
    health = AgencyFactory(kind=Agency.Kind.HEALTH)
    _, action = recommendation_with_action(coordinator, review, agency=health)
    lead = UserFactory(agency=health, roles=[Role.AGENCY_REP])
    return action, lead


def test_owning_agency_completes_records_evidence_and_the_coordinator_signs_off(coordinator, action_plan):
    """The owning agency works its action through the shared steps, records evidence, and the coordinator
    signs it off."""
    action, lead = action_plan
    agency_action_update(actor=lead, action=action, text="Training booked.")
    agency_action_complete(actor=lead, action=action, on=today(), note="Training delivered.")
    review_action_evidence_record(actor=lead, action=action, evidence=" Attendance list, 40 staff. ")
    action.refresh_from_db()
    assert (action.status, action.completed_on, action.evidence) == ("done", today(), "Attendance list, 40 staff.")
    assert [update["text"] for update in action.updates] == ["Training booked.", "Training delivered."]
    review_action_sign_off(actor=coordinator, action=action, on=today())
    action.refresh_from_db()
    assert (action.signed_off_on, action.signed_off_by) == (today(), coordinator)
    refused(review_action_sign_off, field=NON_FIELD_ERRORS, actor=coordinator, action=action, on=today())
    refused(review_action_evidence_record, field=NON_FIELD_ERRORS, actor=lead, action=action, evidence="More.")


def test_an_api_key_of_the_owning_agency_records_evidence(action_plan):
    """The agency's system may record the evidence too."""
    action, lead = action_plan
    key_actor = ApiKeyActor(api_key_for(lead.agency)[0])
    agency_action_complete(actor=key_actor, action=action, on=today())
    review_action_evidence_record(actor=key_actor, action=action, evidence="Policy updated.")
    action.refresh_from_db()
    assert (action.status, action.evidence) == ("done", "Policy updated.")


def test_evidence_only_by_the_owning_agency(coordinator, action_plan):
    """Another agency gets 404 (it cannot see the action); the coordinator, who sees it, is refused;
    empty evidence is refused."""
    action, lead = action_plan
    stranger = UserFactory(roles=[Role.AGENCY_REP])
    before = snapshot()
    with pytest.raises(Http404):
        review_action_evidence_record(actor=stranger, action=action, evidence="Evidence.")
    with pytest.raises(PermissionDenied):
        review_action_evidence_record(actor=coordinator, action=action, evidence="Evidence.")
    no_role = UserFactory(agency=lead.agency)
    with pytest.raises(Http404):
        review_action_evidence_record(actor=no_role, action=action, evidence="Evidence.")
    assert snapshot() == before
    refused(review_action_evidence_record, field="evidence", actor=lead, action=action, evidence="  ")


def test_sign_off_refusals(coordinator, action_plan):
    """Only a done action with evidence is signed off, not dated before it was done, nor in the future."""
    action, lead = action_plan
    refused(review_action_sign_off, field=NON_FIELD_ERRORS, actor=coordinator, action=action, on=today())
    agency_action_complete(actor=lead, action=action, on=today())
    refused(review_action_sign_off, field=NON_FIELD_ERRORS, actor=coordinator, action=action, on=today())
    review_action_evidence_record(actor=lead, action=action, evidence="Evidence.")
    refused(review_action_sign_off, field="on", actor=coordinator, action=action, on=days_ago(1))
    refused(review_action_sign_off, field="on", actor=coordinator, action=action, on=today() + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        review_action_sign_off(actor=lead, action=action, on=today())
    review_action_sign_off(actor=coordinator, action=action, on=today())


def test_an_action_not_done_is_not_signed_off(coordinator, action_plan):
    """An action found not done is not signed off."""
    action, lead = action_plan
    agency_action_not_done(actor=lead, action=action, reason="circumstances_changed", on=today())
    refused(review_action_sign_off, field=NON_FIELD_ERRORS, actor=coordinator, action=action, on=today())


def test_shared_action_steps_are_refused_for_another_agency(coordinator, action_plan):
    """Another agency (or the coordinator's) cannot progress, complete or close the action."""
    action, _ = action_plan
    before = snapshot()
    for actor in (UserFactory(roles=[Role.AGENCY_REP]), coordinator, ApiKeyActor(api_key_for(AgencyFactory())[0])):
        with pytest.raises(PermissionDenied):
            agency_action_complete(actor=actor, action=action, on=today())
        with pytest.raises(PermissionDenied):
            agency_action_update(actor=actor, action=action, text="Done some.")
        with pytest.raises(PermissionDenied):
            agency_action_not_done(actor=actor, action=action, reason="circumstances_changed", on=today())
    assert snapshot() == before
