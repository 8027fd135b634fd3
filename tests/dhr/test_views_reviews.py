"""The review tracker's pages: the list, recording a notification, a review's page, and the coordinator's
forms (decision, stage, details and panel, IMRs, quality assurance and publication, recommendations and
actions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils.html import escape

from agencies.models import Agency, Area, Role, User
from audit.models import AccessLog
from dhr.models import ImrRequest, LearningTheme, PanelMembership, QaSubmission, Recommendation, Review, ReviewAction
from dhr.services import (
    imr_request,
    local_approval_record,
    panel_membership_set,
    qa_submit,
    recommendation_add,
    review_action_add,
    review_stage_move,
)
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.cases import case_worker, make_case
from tests.factories.dhr import commissioned_review, dhr_coordinator, notified_review

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 10, 4)


@dataclass
class Tracker:
    """A coordinator, a commissioned review with the police on its panel, and a police officer."""

    coordinator: User
    police: Agency
    officer: User
    review: Review
    outsider: User


@pytest.fixture
def tracker(time_machine) -> Tracker:
    time_machine.move_to(datetime(2026, 10, 4, 12, 0, tzinfo=LONDON), tick=False)
    coordinator = dhr_coordinator()
    police = AgencyFactory(kind=Agency.Kind.POLICE)
    review = commissioned_review(coordinator, notified_on=date(2026, 8, 1), notified_by=police)
    panel_membership_set(actor=coordinator, review=review, agency=police, representative="DI Example")
    return Tracker(coordinator, police, case_worker(agency=police), review, case_worker())


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _date(field: str, day: date) -> dict[str, str]:
    return {f"{field}_day": str(day.day), f"{field}_month": str(day.month), f"{field}_year": str(day.year)}


def _url(name: str, review: Review) -> str:
    return reverse(name, kwargs={"pk": review.pk})


REVIEW_PAGES = [
    "dhr-review-detail",
    "dhr-review-decide",
    "dhr-review-stage",
    "dhr-review-edit",
    "dhr-review-imrs",
    "dhr-review-qa",
    "dhr-recommendation-add",
]
COORDINATOR_PAGES = REVIEW_PAGES[1:]


# --- Who may open which page -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dhr-review-list", "dhr-review-notify", *REVIEW_PAGES, "dhr-action-add"])
def test_anonymous_users_are_sent_to_sign_in(tracker, client, name):
    """Every page asks an anonymous visitor to sign in."""
    if name == "dhr-action-add":
        recommendation = recommendation_add(actor=tracker.coordinator, review=tracker.review, text="Train staff.")
        url = reverse(name, kwargs={"pk": recommendation.pk})
    elif name in ("dhr-review-list", "dhr-review-notify"):
        url = reverse(name)
    else:
        url = _url(name, tracker.review)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", COORDINATOR_PAGES)
def test_coordinator_pages_answer_the_coordinator(tracker, name):
    """The coordinator opens each of the review's forms."""
    assert _client(tracker.coordinator).get(_url(name, tracker.review)).status_code == 200


@pytest.mark.parametrize("name", ["dhr-review-notify", *COORDINATOR_PAGES])
@pytest.mark.parametrize("who", ["panel_officer", "outsider", "analyst", "partnership_admin"])
def test_coordinator_pages_refuse_other_roles(tracker, name, who):
    """A panel agency's officer, another agency, an analyst and an administrator get 403, reading or writing;
    nothing is written."""
    users = {
        "panel_officer": lambda: tracker.officer,
        "outsider": lambda: tracker.outsider,
        "analyst": lambda: UserFactory(roles=[Role.ANALYST]),
        "partnership_admin": lambda: UserFactory(roles=[Role.PARTNERSHIP_ADMIN]),
    }
    client = _client(users[who]())
    url = reverse(name) if name == "dhr-review-notify" else _url(name, tracker.review)
    before = (Review.objects.count(), Recommendation.objects.count(), tracker.review.stage_events.count())
    assert client.get(url).status_code == 403
    assert client.post(url, {"form": "details", "text": "x"}).status_code == 403
    assert (Review.objects.count(), Recommendation.objects.count(), tracker.review.stage_events.count()) == before


@pytest.mark.parametrize("name", COORDINATOR_PAGES)
def test_coordinator_pages_of_an_unknown_review_are_404(tracker, name):
    """A review that does not exist is 404, not an error."""
    assert _client(tracker.coordinator).get(reverse(name, kwargs={"pk": 999999})).status_code == 404


@pytest.mark.parametrize(
    ("who", "status_code"),
    [("coordinator", 200), ("panel_officer", 200), ("partnership_admin", 200), ("outsider", 404), ("analyst", 404)],
)
def test_who_may_see_a_review(tracker, who, status_code):
    """Coordinators, administrators and the panel's agencies see the review; anyone else gets 404."""
    users = {
        "coordinator": lambda: tracker.coordinator,
        "panel_officer": lambda: tracker.officer,
        "partnership_admin": lambda: UserFactory(roles=[Role.PARTNERSHIP_ADMIN]),
        "outsider": lambda: tracker.outsider,
        "analyst": lambda: UserFactory(roles=[Role.ANALYST]),
    }
    response = _client(users[who]()).get(_url("dhr-review-detail", tracker.review))
    assert response.status_code == status_code


# --- The list ----------------------------------------------------------------------------------------------


def test_the_coordinator_sees_every_review_with_its_stage_and_targets(tracker):
    """Both reviews, linked, with their stage and days there; the notification button; the list logged."""
    waiting = notified_review(tracker.coordinator, notified_on=date(2026, 9, 3))

    content = _client(tracker.coordinator).get(reverse("dhr-review-list")).content.decode()

    assert '<h1 class="govuk-heading-l">Domestic Homicide Reviews</h1>' in content
    for review in (tracker.review, waiting):
        assert _url("dhr-review-detail", review) in content
        assert review.reference in content
    assert "Chair, author and panel appointed" in content
    assert "Record a notification" in content
    assert reverse("dhr-review-notify") in content
    assert AccessLog.objects.filter(action=AccessLog.Action.LIST, object_type="dhr.review").exists()


def test_a_review_is_overdue_from_the_day_after_its_target(tracker, time_machine):
    """Notified 3 September: on 3 October the decision is the next target; on 4 October it is overdue."""
    review = notified_review(tracker.coordinator, notified_on=date(2026, 9, 3))
    client = _client(tracker.coordinator)
    time_machine.move_to(datetime(2026, 10, 3, 12, 0, tzinfo=LONDON), tick=False)

    on_the_day = client.get(reverse("dhr-review-list"), {"stage": "notification"}).content.decode()

    assert "Next target: Decision whether to review: due 3 October 2026" in on_the_day
    assert 'govuk-tag--red">Overdue<' not in on_the_day
    time_machine.move_to(datetime(2026, 10, 4, 12, 0, tzinfo=LONDON), tick=False)
    # A day later the session has timed out: sign in again.
    client = _client(tracker.coordinator)

    day_after = client.get(reverse("dhr-review-list"), {"stage": "notification"}).content.decode()

    assert 'govuk-tag--red">Overdue<' in day_after
    assert "Decision whether to review: due 3 October 2026" in day_after
    assert review.reference in day_after


def test_the_list_filters_by_stage_overdue_and_open(tracker):
    """Stage, overdue and open or closed each narrow the list."""
    overdue = notified_review(tracker.coordinator, notified_on=date(2026, 8, 20))
    closed = notified_review(tracker.coordinator, notified_on=date(2026, 9, 20))
    from dhr.services import review_decide

    review_decide(
        actor=tracker.coordinator,
        review=closed,
        decision=Review.Decision.NOT_COMMISSIONED,
        on=date(2026, 9, 25),
        rationale="Not a domestic relationship.",
    )
    client = _client(tracker.coordinator)
    url = reverse("dhr-review-list")

    by_stage = client.get(url, {"stage": "panel_setup"}).content.decode()
    only_overdue = client.get(url, {"overdue": "yes"}).content.decode()
    not_overdue = client.get(url, {"overdue": "no"}).content.decode()
    only_closed = client.get(url, {"status": "closed"}).content.decode()
    only_open = client.get(url, {"status": "open"}).content.decode()

    assert tracker.review.reference in by_stage
    assert overdue.reference not in by_stage
    assert overdue.reference in only_overdue
    assert tracker.review.reference not in only_overdue
    assert overdue.reference not in not_overdue
    assert closed.reference in only_closed
    assert tracker.review.reference not in only_closed
    assert closed.reference not in only_open


def test_a_panel_agency_sees_only_the_reviews_it_sits_on(tracker):
    """The officer sees their review, without the notification button; another agency sees an empty list."""
    other = notified_review(tracker.coordinator)

    officer_page = _client(tracker.officer).get(reverse("dhr-review-list")).content.decode()
    outsider_page = _client(tracker.outsider).get(reverse("dhr-review-list")).content.decode()

    assert tracker.review.reference in officer_page
    assert other.reference not in officer_page
    assert "Record a notification" not in officer_page
    assert "There are no reviews you can see." in outsider_page
    assert tracker.review.reference not in outsider_page


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_list_query_count_does_not_grow_with_rows(tracker):
    """One review or several (with actions): the same number of queries."""
    client = _client(tracker.coordinator)
    url = reverse("dhr-review-list")
    one = _queries(client, url)
    for day in range(1, 6):
        review = commissioned_review(tracker.coordinator, notified_on=date(2026, 9, day))
        recommendation = recommendation_add(actor=tracker.coordinator, review=review, text="Share information.")
        review_action_add(
            actor=tracker.coordinator,
            recommendation=recommendation,
            assigned_agency=tracker.police,
            lead="Lead",
            description="Audit referrals.",
            due_on=TODAY + timedelta(days=30),
        )
    several = _queries(client, url)
    assert several == one
    assert client.get(url).content.decode().count("dhr/reviews/") >= 6


def test_the_list_is_paginated(tracker):
    """More than 25 reviews: 25 on the first page, the rest on the second."""
    for _ in range(25):
        notified_review(tracker.coordinator, notified_on=date(2026, 9, 1))
    client = _client(tracker.coordinator)
    first = client.get(reverse("dhr-review-list")).content.decode()
    second = client.get(reverse("dhr-review-list"), {"page": 2}).content.decode()
    assert "26 reviews" in first
    assert "page 1 of 2" in first
    assert "page 2 of 2" in second


@override_settings(DASV_REVIEW_TERMINOLOGY="dardr")
def test_the_pages_use_the_terminology_setting(tracker):
    """With the DARDR setting the list, the review and the navigation say "Domestic Abuse Related Death
    Review", never "Domestic Homicide Review"."""
    review = notified_review(tracker.coordinator, notified_on=date(2026, 9, 3))
    client = _client(tracker.coordinator)

    pages = [
        client.get(reverse("dhr-review-list")).content.decode(),
        client.get(_url("dhr-review-detail", review)).content.decode(),
        client.get(reverse("dhr-review-notify")).content.decode(),
        client.get(reverse("home")).content.decode(),
    ]

    assert "Domestic Abuse Related Death Reviews" in pages[0]
    assert "Domestic Abuse Related Death Review" in pages[1]
    assert ">DARDRs<" in pages[0] or "DARDRs\n" in pages[0]
    assert review.reference.startswith("DARDR-")
    for content in pages:
        assert "Domestic Homicide Review" not in content
        assert "domestic homicide review" not in content.lower()


def test_navigation_and_home_offer_the_review_pages_by_role(tracker):
    """The coordinator gets the review list and the notification; a case worker their agency's actions."""
    coordinator_home = _client(tracker.coordinator).get(reverse("home")).content.decode()
    officer_home = _client(tracker.officer).get(reverse("home")).content.decode()
    analyst_home = _client(UserFactory(roles=[Role.ANALYST])).get(reverse("home")).content.decode()

    assert reverse("dhr-review-list") in coordinator_home
    assert reverse("dhr-review-notify") in coordinator_home
    assert ">DHRs<" in coordinator_home or "DHRs\n" in coordinator_home
    assert reverse("dhr-agency-actions") in officer_home
    assert "My agency's DHR actions" in officer_home
    assert reverse("dhr-review-list") not in officer_home
    assert reverse("dhr-agency-actions") not in analyst_home


# --- Recording a notification ----------------------------------------------------------------------------


def _notification(police: Agency, area: Area, **changes: str) -> dict[str, str]:
    answers = {
        "deceased_gender": "female",
        "deceased_age_band": "35_44",
        "relationship": "ex_partner",
        "death_type": "homicide",
        **_date("date_of_death", date(2026, 9, 28)),
        **_date("notified_on", date(2026, 9, 30)),
        "notified_by": str(police.pk),
        "community_safety_partnership": str(area.pk),
        "notes": "Found at home.",
        "criminal_proceedings_pending": "on",
        "case_reference": "",
    }
    answers.update(changes)
    return answers


def test_the_coordinator_records_a_notification(tracker):
    """The review starts at the first stage, with its timeline event, and the page opens."""
    area = AreaFactory(name="Northtown")
    response = _client(tracker.coordinator).post(
        reverse("dhr-review-notify"), _notification(tracker.police, area), follow=True
    )

    review = Review.objects.exclude(pk=tracker.review.pk).get()
    assert response.redirect_chain[-1][0] == _url("dhr-review-detail", review)
    assert (review.stage.code, review.death_type, review.community_safety_partnership) == (
        "notification",
        "homicide",
        area,
    )
    assert review.criminal_proceedings_pending
    assert review.case is None
    content = response.content.decode()
    assert f"Notification recorded: {review.reference}." in content
    assert "Found at home." in content


def test_the_notification_form_has_labelled_fields_and_fieldsets(tracker):
    """Radios and dates sit in fieldsets with legends; no conditional reveal."""
    content = _client(tracker.coordinator).get(reverse("dhr-review-notify")).content.decode()
    assert content.count('<fieldset class="govuk-fieldset"') == 4
    assert "Gender of the deceased" in content
    assert 'for="id_case_reference"' in content
    assert "aria-expanded" not in content
    assert '<h1 class="govuk-heading-l">Record a notification</h1>' in content


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"death_type": ""}, "Select the type of death"),
        ({"notified_by": ""}, "Select the agency that notified"),
        ({**_date("notified_on", date(2026, 9, 20))}, "The notification cannot be before the death."),
        ({**_date("date_of_death", date(2026, 11, 1))}, "The date of death cannot be in the future."),
        ({"case_reference": "DA-2026-999999"}, "No case with this reference that you can see"),
    ],
)
def test_a_bad_notification_is_refused_and_writes_nothing(tracker, changes, message):
    """A missing answer, a date the service refuses or an unknown case: the field's error; nothing written."""
    response = _client(tracker.coordinator).post(
        reverse("dhr-review-notify"), _notification(tracker.police, AreaFactory(), **changes)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert message in content
    assert Review.objects.count() == 1


def test_a_case_the_coordinator_cannot_see_is_not_linked(tracker):
    """Another agency's case is answered as unknown: no hint that it exists."""
    case = make_case(tracker.officer)
    response = _client(tracker.coordinator).post(
        reverse("dhr-review-notify"), _notification(tracker.police, AreaFactory(), case_reference=case.reference)
    )
    assert "No case with this reference that you can see" in response.content.decode()
    assert Review.objects.count() == 1


# --- A review's page -------------------------------------------------------------------------------------------


def _fill(review: Review, coordinator: User, agency: Agency, *, recommendations: int = 1) -> None:
    """Give a review IMRs, stages, recommendations and actions."""
    imr_request(actor=coordinator, review=review, agency=agency, requested_on=review.decision_on, due_on=TODAY)
    for number in range(recommendations):
        recommendation = recommendation_add(
            actor=coordinator,
            review=review,
            text=f"Recommendation text {number}.",
            themes=list(LearningTheme.objects.all()[:2]),
        )
        review_action_add(
            actor=coordinator,
            recommendation=recommendation,
            assigned_agency=agency,
            lead="Safeguarding lead",
            description=f"Action text {number}.",
            due_on=TODAY + timedelta(days=30),
        )


def test_the_review_page_shows_where_it_is_its_timeline_and_plan(tracker):
    """Stage, targets, decision, panel, IMRs, timeline, recommendations with themes and actions, buttons;
    the view logged."""
    _fill(tracker.review, tracker.coordinator, tracker.police)

    content = _client(tracker.coordinator).get(_url("dhr-review-detail", tracker.review)).content.decode()

    for text in (
        tracker.review.reference,
        "Domestic Homicide Review",
        "Chair, author and panel appointed",
        "Review commissioned",
        "The death meets the criteria of the statutory guidance.",
        "DI Example",
        escape(tracker.police.name),
        "Recommendation 1",
        "Recommendation text 0.",
        "Action text 0.",
        "Safeguarding lead",
        "Notification",
        "Next target: Local approval: due 2 February 2027",
        "Move to another stage",
        "Change the details and panel",
        "Quality assurance and publication",
        "Add a recommendation",
        "Add an action",
    ):
        assert text in content, text
    assert "Record the decision" not in content
    assert escape(LearningTheme.objects.order_by("name").first().name) in content
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, object_type="dhr.review", object_id=str(tracker.review.pk)
    ).exists()


def test_a_panel_agency_sees_the_review_without_the_coordinator_forms(tracker):
    """The officer sees the review but no form link."""
    content = _client(tracker.officer).get(_url("dhr-review-detail", tracker.review)).content.decode()
    assert tracker.review.reference in content
    for name in COORDINATOR_PAGES:
        assert _url(name, tracker.review) not in content


def test_the_review_page_query_count_does_not_grow(tracker):
    """One recommendation or several, with actions, IMRs and events: the same number of queries."""
    client = _client(tracker.coordinator)
    url = _url("dhr-review-detail", tracker.review)
    _fill(tracker.review, tracker.coordinator, tracker.police, recommendations=1)
    one = _queries(client, url)
    _fill(tracker.review, tracker.coordinator, AgencyFactory(kind=Agency.Kind.HEALTH), recommendations=4)
    review_stage_move(actor=tracker.coordinator, review=tracker.review, stage=_stage("terms_of_reference"), on=TODAY)
    several = _queries(client, url)
    assert several == one


def _stage(code: str):
    from dhr.models import Stage

    return Stage.objects.get(code=code)


def test_a_linked_case_is_shown_only_to_those_who_may_see_it(tracker):
    """A coordinator who also works with the case sees its reference; the panel officer of another agency
    does not."""
    idva_agency = AgencyFactory(kind=Agency.Kind.IDVA_SERVICE)
    coordinator = UserFactory(agency=idva_agency, roles=[Role.DHR_COORDINATOR, Role.IDVA])
    case = make_case(case_worker(agency=idva_agency, role=Role.IDVA))
    review = notified_review(coordinator, case=case)
    panel_membership_set(actor=coordinator, review=review, agency=tracker.police)

    seen = _client(coordinator).get(_url("dhr-review-detail", review)).content.decode()
    unseen = _client(tracker.officer).get(_url("dhr-review-detail", review)).content.decode()

    assert case.reference in seen
    assert reverse("case-detail", kwargs={"pk": case.pk}) in seen
    assert case.reference not in unseen
    assert "Victim&#x27;s case" not in unseen


# --- The decision and stages -------------------------------------------------------------------------------------


def test_the_coordinator_records_the_decision(tracker):
    """Commissioned: the review moves on to appointing its chair and panel."""
    review = notified_review(tracker.coordinator, notified_on=date(2026, 9, 3))
    response = _client(tracker.coordinator).post(
        _url("dhr-review-decide", review),
        {
            "decision": "commission",
            **_date("on", date(2026, 9, 20)),
            "rationale": "Meets the criteria.",
            **_date("home_office_informed_on", date(2026, 9, 21)),
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.decision, review.decision_on, review.stage.code) == ("commission", date(2026, 9, 20), "panel_setup")
    assert review.home_office_informed_on == date(2026, 9, 21)


def test_the_decision_page_uses_radios_in_a_fieldset_without_reveals(tracker):
    """The three decisions are radios with a legend; no conditional reveal."""
    review = notified_review(tracker.coordinator)
    content = _client(tracker.coordinator).get(_url("dhr-review-decide", review)).content.decode()
    assert "What was decided?" in content
    assert "Reviewed as a child death instead" in content
    assert "aria-expanded" not in content
    assert '<h1 class="govuk-heading-l">Record the decision</h1>' in content


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"decision": "commission", **_date("on", date(2026, 9, 20))}, "Give the rationale for the decision"),
        ({"rationale": "x", **_date("on", date(2026, 9, 20))}, "Select what was decided"),
        ({"decision": "commission", "rationale": "x", **_date("on", date(2026, 12, 1))}, "cannot be in the future"),
    ],
)
def test_a_bad_decision_is_refused_and_writes_nothing(tracker, answers, message):
    """The error names the field; the review stays undecided."""
    review = notified_review(tracker.coordinator, notified_on=date(2026, 9, 3))
    response = _client(tracker.coordinator).post(_url("dhr-review-decide", review), answers)
    assert response.status_code == 200
    assert message in response.content.decode()
    review.refresh_from_db()
    assert review.decision == Review.Decision.PENDING
    assert review.stage_events.count() == 1


def test_the_coordinator_moves_a_review_to_another_stage(tracker):
    """The move is a dated event with notes on the timeline."""
    client = _client(tracker.coordinator)
    response = client.post(
        _url("dhr-review-stage", tracker.review),
        {"stage": str(_stage("terms_of_reference").pk), **_date("on", TODAY), "notes": "Agreed at the panel."},
        follow=True,
    )
    tracker.review.refresh_from_db()
    assert tracker.review.stage.code == "terms_of_reference"
    content = response.content.decode()
    assert "The review is now at Terms of reference." in content
    assert "Agreed at the panel." in content


def test_a_move_to_the_current_stage_is_refused(tracker):
    """The service's refusal comes back on the stage field; no event is written."""
    events = tracker.review.stage_events.count()
    response = _client(tracker.coordinator).post(
        _url("dhr-review-stage", tracker.review), {"stage": str(tracker.review.stage_id), **_date("on", TODAY)}
    )
    assert "The review is already at Chair, author and panel appointed." in response.content.decode()
    assert tracker.review.stage_events.count() == events


# --- Details and panel -----------------------------------------------------------------------------------------


def test_the_coordinator_changes_the_details(tracker):
    """Chair, author and criminal proceedings saved."""
    _client(tracker.coordinator).post(
        _url("dhr-review-edit", tracker.review),
        {
            "form": "details",
            "details-independent_chair": "A. Chair",
            "details-author": "B. Author",
            "details-criminal_proceedings_pending": "on",
        },
    )
    tracker.review.refresh_from_db()
    assert (tracker.review.independent_chair, tracker.review.author) == ("A. Chair", "B. Author")
    assert tracker.review.criminal_proceedings_pending


def test_an_unseen_case_reference_is_refused_on_the_details(tracker):
    """The field error; nothing saved."""
    response = _client(tracker.coordinator).post(
        _url("dhr-review-edit", tracker.review),
        {"form": "details", "details-independent_chair": "A. Chair", "details-case_reference": "DA-2026-000001"},
    )
    assert "No case with this reference that you can see" in response.content.decode()
    tracker.review.refresh_from_db()
    assert tracker.review.independent_chair == ""


def test_the_coordinator_adds_and_removes_panel_agencies(tracker):
    """An agency added with its representative, then taken off."""
    health = AgencyFactory(kind=Agency.Kind.HEALTH)
    client = _client(tracker.coordinator)
    url = _url("dhr-review-edit", tracker.review)

    client.post(url, {"form": "panel_add", "panel-agency": str(health.pk), "panel-representative": "Dr Lead"})

    assert PanelMembership.objects.get(review=tracker.review, agency=health).representative == "Dr Lead"
    client.post(url, {"form": "panel_remove", "agency": str(health.pk)})
    assert not PanelMembership.objects.filter(review=tracker.review, agency=health).exists()


def test_adding_no_agency_to_the_panel_is_refused(tracker):
    """Without an agency: the field error; the panel is unchanged."""
    response = _client(tracker.coordinator).post(
        _url("dhr-review-edit", tracker.review), {"form": "panel_add", "panel-agency": ""}
    )
    assert "Select the agency" in response.content.decode()
    assert PanelMembership.objects.filter(review=tracker.review).count() == 1


# --- IMRs ----------------------------------------------------------------------------------------------------------


def test_the_coordinator_requests_and_receives_an_imr(tracker):
    """Requested of an agency (which joins the panel), then received."""
    health = AgencyFactory(kind=Agency.Kind.HEALTH)
    client = _client(tracker.coordinator)
    url = _url("dhr-review-imrs", tracker.review)

    client.post(
        url,
        {
            "form": "imr_request",
            "request-agency": str(health.pk),
            **_date("request-requested_on", date(2026, 9, 1)),
            **_date("request-due_on", date(2026, 11, 1)),
        },
    )

    imr = ImrRequest.objects.get(review=tracker.review, agency=health)
    assert PanelMembership.objects.filter(review=tracker.review, agency=health).exists()
    client.post(url, {"form": "imr_receive", "receive-imr": str(imr.pk), **_date("receive-received_on", TODAY)})
    imr.refresh_from_db()
    assert imr.received_on == TODAY


def test_an_imr_due_before_it_was_requested_is_refused(tracker):
    """The service's error on the due date; nothing written."""
    response = _client(tracker.coordinator).post(
        _url("dhr-review-imrs", tracker.review),
        {
            "form": "imr_request",
            "request-agency": str(tracker.police.pk),
            **_date("request-requested_on", date(2026, 9, 10)),
            **_date("request-due_on", date(2026, 9, 1)),
        },
    )
    assert "The IMR cannot be due before it was requested." in response.content.decode()
    assert not ImrRequest.objects.exists()


# --- Quality assurance and publication --------------------------------------------------------------------------


def test_the_review_goes_through_qa_with_a_revision_to_publication(tracker):
    """Local approval, submission, revisions requested, resubmission, accepted, published."""
    client = _client(tracker.coordinator)
    url = _url("dhr-review-qa", tracker.review)

    client.post(url, {"form": "local_approval", **_date("approval-on", date(2026, 9, 10))})
    client.post(url, {"form": "qa_submit", **_date("submit-submitted_on", date(2026, 9, 12))})
    client.post(
        url,
        {
            "form": "qa_feedback",
            "feedback-feedback": "revisions_requested",
            **_date("feedback-on", date(2026, 9, 20)),
            "feedback-notes": "Say more about the family's view.",
        },
    )
    tracker.review.refresh_from_db()
    assert tracker.review.stage.code == "overview_report"
    page = client.get(url).content.decode()
    assert "Resubmit to the Home Office" in page
    client.post(url, {"form": "qa_submit", **_date("submit-submitted_on", date(2026, 9, 25))})
    client.post(
        url, {"form": "qa_feedback", "feedback-feedback": "accepted", **_date("feedback-on", date(2026, 9, 30))}
    )
    client.post(
        url,
        {"form": "publish", **_date("publish-published_on", TODAY), "publish-url": "https://example.org/report.pdf"},
    )

    tracker.review.refresh_from_db()
    assert tracker.review.local_approval_on == date(2026, 9, 10)
    assert QaSubmission.objects.filter(review=tracker.review).count() == 2
    assert (tracker.review.published_on, tracker.review.stage.code) == (TODAY, "action_plan")
    detail = client.get(_url("dhr-review-detail", tracker.review)).content.decode()
    assert "Say more about the family&#x27;s view." in detail
    assert "https://example.org/report.pdf" in detail


def test_revisions_requested_without_notes_are_refused(tracker):
    """The service's error on the notes; the submission still awaits feedback."""
    local_approval_record(actor=tracker.coordinator, review=tracker.review, on=date(2026, 9, 10))
    submission = qa_submit(actor=tracker.coordinator, review=tracker.review, submitted_on=date(2026, 9, 12))
    response = _client(tracker.coordinator).post(
        _url("dhr-review-qa", tracker.review),
        {"form": "qa_feedback", "feedback-feedback": "revisions_requested", **_date("feedback-on", TODAY)},
    )
    assert "Say what revisions the panel asked for." in response.content.decode()
    submission.refresh_from_db()
    assert submission.feedback == ""


def test_submitting_before_local_approval_is_refused(tracker):
    """The page offers no submission yet; a posted one is refused and nothing is written."""
    client = _client(tracker.coordinator)
    page = client.get(_url("dhr-review-qa", tracker.review)).content.decode()
    assert "Submit to the Home Office</button>" not in page
    response = client.post(
        _url("dhr-review-qa", tracker.review), {"form": "qa_submit", **_date("submit-submitted_on", TODAY)}
    )
    assert "Record the local approval before submitting." in response.content.decode()
    assert not QaSubmission.objects.exists()


# --- Recommendations and actions --------------------------------------------------------------------------------


def test_the_coordinator_adds_a_recommendation_with_themes_and_an_action(tracker):
    """The recommendation numbered and tagged; its action assigned to an agency."""
    themes = list(LearningTheme.objects.order_by("name")[:2])
    client = _client(tracker.coordinator)

    response = client.post(
        _url("dhr-recommendation-add", tracker.review),
        {"text": "Ask about coercive control.", "themes": [str(theme.pk) for theme in themes]},
    )

    assert response.status_code == 302
    recommendation = Recommendation.objects.get(review=tracker.review)
    assert recommendation.number == 1
    assert set(recommendation.themes.all()) == set(themes)
    page = client.get(reverse("dhr-action-add", kwargs={"pk": recommendation.pk})).content.decode()
    assert "Ask about coercive control." in page
    client.post(
        reverse("dhr-action-add", kwargs={"pk": recommendation.pk}),
        {
            "assigned_agency": str(tracker.police.pk),
            "lead": "DCI Lead",
            "description": "Train officers.",
            **_date("due_on", date(2027, 1, 31)),
        },
    )
    action = ReviewAction.objects.get(recommendation=recommendation)
    assert (action.assigned_agency, action.lead, action.due_on) == (tracker.police, "DCI Lead", date(2027, 1, 31))


def test_the_themes_are_checkboxes_in_a_fieldset(tracker):
    """Learning themes: checkboxes under a legend."""
    content = _client(tracker.coordinator).get(_url("dhr-recommendation-add", tracker.review)).content.decode()
    assert "<fieldset" in content
    assert "Learning themes" in content
    assert content.count('type="checkbox"') == LearningTheme.objects.filter(active=True).count()


def test_a_recommendation_without_text_is_refused(tracker):
    """The field error; nothing written."""
    response = _client(tracker.coordinator).post(_url("dhr-recommendation-add", tracker.review), {"text": ""})
    assert "Enter the recommendation" in response.content.decode()
    assert not Recommendation.objects.exists()


def test_an_action_without_a_lead_is_refused(tracker):
    """The field error; nothing written."""
    recommendation = recommendation_add(actor=tracker.coordinator, review=tracker.review, text="Train staff.")
    response = _client(tracker.coordinator).post(
        reverse("dhr-action-add", kwargs={"pk": recommendation.pk}),
        {"assigned_agency": str(tracker.police.pk), "description": "Train.", **_date("due_on", date(2027, 1, 31))},
    )
    assert "Name the lead in the owning agency" in response.content.decode()
    assert not ReviewAction.objects.exists()


def test_the_action_form_refuses_other_roles(tracker):
    """The panel officer gets 403 on adding an action."""
    recommendation = recommendation_add(actor=tracker.coordinator, review=tracker.review, text="Train staff.")
    response = _client(tracker.officer).get(reverse("dhr-action-add", kwargs={"pk": recommendation.pk}))
    assert response.status_code == 403
