"""The reviews API: reviews (where each is, what is overdue), recommendations with the actions the caller may
see, and the owning agency's steps on its actions; each scoped to the caller, with the house errors,
idempotency and constant query counts. No name of the deceased; the victim's case only when visible."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency, ApiKey, Area, Role, User
from audit.models import AccessLog
from cases.models import Case
from dhr.models import LearningTheme, Recommendation, Review, ReviewAction
from dhr.rules import target_day
from dhr.services import (
    imr_receive,
    imr_request,
    local_approval_record,
    panel_membership_set,
    qa_feedback_record,
    qa_submit,
    recommendation_add,
    review_action_add,
)
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.cases import make_case
from tests.factories.dhr import commissioned_review, dhr_coordinator, notified_review

pytestmark = pytest.mark.django_db

API = "/api/v1/dhr/"
REVIEW_FIELDS = {
    "id",
    "reference",
    "deceased",
    "death_type",
    "date_of_death",
    "notified_on",
    "notified_by",
    "community_safety_partnership",
    "decision",
    "decision_on",
    "decision_rationale",
    "home_office_informed_on",
    "reviewed_as_child_death",
    "criminal_proceedings_pending",
    "independent_chair",
    "author",
    "panel_agencies",
    "stage",
    "overdue",
    "next_target",
    "local_approval_on",
    "published_on",
    "publication_url",
    "case",
    "updated_at",
}
DETAIL_FIELDS = REVIEW_FIELDS | {"timeline", "imrs", "qa_submissions", "recommendations"}
RECOMMENDATION_FIELDS = {"id", "review", "review_reference", "number", "text", "themes", "actions"}
PLAN_ACTION_FIELDS = {
    "id",
    "assigned_agency",
    "lead",
    "description",
    "due_on",
    "status",
    "not_done_reason",
    "completed_on",
    "evidence",
    "signed_off_on",
}
ACTION_FIELDS = PLAN_ACTION_FIELDS | {"recommendation", "review", "review_reference", "updates", "updated_at"}
STEPS = ["update", "complete", "not-done", "evidence"]


@dataclass
class World:
    today: date
    area: Area
    coordinator: User
    admin: User
    police: Agency
    health: Agency
    housing: Agency
    officer: User
    review: Review
    pending: Review
    case: Case
    recommendation: Recommendation
    police_action: ReviewAction
    health_action: ReviewAction


def build_world() -> World:
    """A commissioned review with police and health on its panel, an IMR, a Home Office submission sent back
    for revisions and submitted again, a recommendation with a police and a health action, and a link to a
    case the police recorded; and a review awaiting its decision, 40 days after notification, that nobody
    but the coordinators sees."""
    today = timezone.localdate()
    area = AreaFactory()
    coordinator = dhr_coordinator()
    police = AgencyFactory(kind=Agency.Kind.POLICE, areas=[area])
    health = AgencyFactory(kind=Agency.Kind.HEALTH, areas=[area])
    housing = AgencyFactory(kind=Agency.Kind.HOUSING, areas=[area])
    officer = UserFactory(agency=police, roles=[Role.AGENCY_REP])
    review = commissioned_review(
        coordinator,
        notified_on=today - timedelta(days=20),
        area=area,
        notified_by=police,
        criminal_proceedings_pending=True,
    )
    panel_membership_set(actor=coordinator, review=review, agency=police, representative="Detective inspector")
    imr = imr_request(
        actor=coordinator, review=review, agency=health, requested_on=today - timedelta(days=15), due_on=today
    )
    imr_receive(actor=coordinator, imr=imr, received_on=today - timedelta(days=5))
    local_approval_record(actor=coordinator, review=review, on=today - timedelta(days=4))
    first = qa_submit(actor=coordinator, review=review, submitted_on=today - timedelta(days=3))
    qa_feedback_record(
        actor=coordinator, submission=first, feedback="revisions_requested", on=today - timedelta(days=2), notes="More."
    )
    qa_submit(actor=coordinator, review=review, submitted_on=today)
    case = make_case(officer, area=area)
    Review.objects.filter(pk=review.pk).update(case=case)
    recommendation = recommendation_add(
        actor=coordinator,
        review=review,
        text="Agencies ask about coercive control.",
        themes=[LearningTheme.objects.get(name="Coercive control")],
    )
    police_action = review_action_add(
        actor=coordinator,
        recommendation=recommendation,
        assigned_agency=police,
        lead="Head of public protection",
        description="Train officers.",
        due_on=today + timedelta(days=30),
    )
    health_action = review_action_add(
        actor=coordinator,
        recommendation=recommendation,
        assigned_agency=health,
        lead="Named nurse",
        description="Add routine enquiry.",
        due_on=today,
    )
    pending = notified_review(coordinator, notified_on=today - timedelta(days=40), area=area, notified_by=police)
    return World(
        today=today,
        area=area,
        coordinator=coordinator,
        admin=UserFactory(roles=[Role.PARTNERSHIP_ADMIN]),
        police=police,
        health=health,
        housing=housing,
        officer=officer,
        review=Review.objects.get(pk=review.pk),
        pending=pending,
        case=case,
        recommendation=recommendation,
        police_action=police_action,
        health_action=health_action,
    )


@pytest.fixture
def world() -> World:
    return build_world()


def as_user(user: User) -> APIClient:
    return sign_in(APIClient(), user)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def rows(response) -> dict[int, dict]:
    assert response.status_code == 200, response.content
    return {row["id"]: row for row in response.json()["results"]}


# --- Reviews -----------------------------------------------------------------------------------------


def test_the_coordinator_lists_every_review_with_its_progress(world):
    """A coordinator's session lists both reviews with exactly the documented fields: the deceased without a
    name, where the review is and for how long, what is overdue and the next target."""
    response = as_user(world.coordinator).get(f"{API}reviews/")

    listed = rows(response)
    assert set(listed) == {world.review.pk, world.pending.pk}
    row = listed[world.review.pk]
    assert set(row) == REVIEW_FIELDS
    assert row["deceased"] == {"gender": "female", "age_band": "35_44", "relationship": "partner"}
    assert row["reference"] == world.review.reference
    assert row["notified_by"] == world.police.slug
    assert row["community_safety_partnership"] == world.area.slug
    assert row["decision"] == "commission"
    assert row["reviewed_as_child_death"] is False
    assert row["criminal_proceedings_pending"] is True
    assert row["panel_agencies"] == sorted([world.police.slug, world.health.slug])
    assert row["stage"] == {
        "code": "home_office_qa",
        "name": "Home Office Quality Assurance Panel",
        "entered_on": world.today.isoformat(),
        "days_in_stage": 0,
    }
    assert row["overdue"] == []
    assert row["next_target"] is None
    # The coordinator may not see cases: no hint of the link.
    assert row["case"] is None
    pending = listed[world.pending.pk]
    assert pending["stage"]["code"] == "notification"
    assert pending["stage"]["days_in_stage"] == 40
    decision_due = target_day(world.pending.notified_on, months=1).isoformat()
    assert pending["overdue"] == [{"stage": "decision", "due_on": decision_due}]
    assert pending["next_target"] is None
    body = str(response.json())
    assert "given_name" not in body
    assert "family_name" not in body


def test_a_panel_agency_sees_the_reviews_it_sits_on_and_the_case_only_if_it_may(world, key_client):
    """The police key (on the panel, and the case's recorder) sees the review and its case id; the health key
    (on the panel through its IMR) sees the review but the case is null; neither sees the pending review."""
    police = rows(key_client(world.police).get(f"{API}reviews/"))
    health = rows(key_client(world.health).get(f"{API}reviews/"))

    assert set(police) == set(health) == {world.review.pk}
    assert police[world.review.pk]["case"] == world.case.pk
    assert health[world.review.pk]["case"] is None
    detail = key_client(world.health).get(f"{API}reviews/{world.review.pk}/")
    assert detail.status_code == 200
    assert detail.json()["case"] is None
    assert key_client(world.police).get(f"{API}reviews/{world.review.pk}/").json()["case"] == world.case.pk


def test_the_review_detail_has_its_timeline_imrs_submissions_and_recommendations(world):
    """The detail adds the timeline (oldest first), the IMRs, both Home Office submissions and the
    recommendation ids; the view is access-logged."""
    response = as_user(world.admin).get(f"{API}reviews/{world.review.pk}/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == DETAIL_FIELDS
    assert [event["stage"] for event in body["timeline"]] == [
        "notification",
        "panel_setup",
        "local_approval",
        "home_office_qa",
        "overview_report",
        "home_office_qa",
    ]
    assert body["imrs"] == [
        {
            "agency": world.health.slug,
            "requested_on": (world.today - timedelta(days=15)).isoformat(),
            "due_on": world.today.isoformat(),
            "received_on": (world.today - timedelta(days=5)).isoformat(),
        }
    ]
    assert [(row["feedback"], row["feedback_notes"]) for row in body["qa_submissions"]] == [
        ("revisions_requested", "More."),
        ("", ""),
    ]
    assert body["recommendations"] == [world.recommendation.pk]
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, object_type="dhr.review", object_id=str(world.review.pk)
    ).exists()


def test_reviews_filter_by_stage_open_overdue_and_updated_since(world):
    """`stage` (a code), `open`, `overdue` and `updated_since` narrow the list; absent filters do not."""
    client = as_user(world.coordinator)
    later = (timezone.now() + timedelta(minutes=5)).isoformat()

    assert ids(client.get(f"{API}reviews/", {"stage": "home_office_qa"})) == {world.review.pk}
    assert ids(client.get(f"{API}reviews/", {"stage": "closed"})) == set()
    assert ids(client.get(f"{API}reviews/", {"open": "true"})) == {world.review.pk, world.pending.pk}
    assert ids(client.get(f"{API}reviews/", {"open": "false"})) == set()
    assert ids(client.get(f"{API}reviews/", {"overdue": "true"})) == {world.pending.pk}
    assert ids(client.get(f"{API}reviews/", {"overdue": "false"})) == {world.review.pk}
    assert ids(client.get(f"{API}reviews/", {"overdue": "true", "updated_since": later})) == set()
    assert ids(client.get(f"{API}reviews/", {"updated_since": later})) == set()
    Review.objects.filter(pk=world.pending.pk).update(updated_at=timezone.now() + timedelta(minutes=10))
    assert ids(client.get(f"{API}reviews/", {"updated_since": later})) == {world.pending.pk}
    assert ids(client.get(f"{API}reviews/", {"overdue": "true", "updated_since": later})) == {world.pending.pk}


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("reviews/", {"stage": "no-such-stage"}, "stage"),
        ("reviews/", {"open": "perhaps"}, "open"),
        ("reviews/", {"overdue": "soon"}, "overdue"),
        ("reviews/", {"updated_since": "last week"}, "updated_since"),
        ("recommendations/", {"theme": "No such theme"}, "theme"),
        ("recommendations/", {"review": "x"}, "review"),
        ("actions/", {"status": "late"}, "status"),
        ("actions/", {"overdue": "soon"}, "overdue"),
    ],
)
def test_bad_filters_are_400_naming_the_field(world, path, query, field):
    """A bad filter answers 400 in the house format, naming the field."""
    response = as_user(world.coordinator).get(f"{API}{path}", query)

    assert response.status_code == 400
    assert field in response.json()["errors"]


# --- Who sees what -----------------------------------------------------------------------------------


def _details(world: World) -> list[str]:
    return [
        f"reviews/{world.review.pk}/",
        f"recommendations/{world.recommendation.pk}/",
        f"actions/{world.police_action.pk}/",
    ]


def test_another_agency_sees_nothing(world, key_client):
    """The housing key (not on the panel, no action) lists nothing and gets 404 on every detail."""
    client = key_client(world.housing)

    for path in ("reviews/", "recommendations/", "actions/"):
        assert ids(client.get(f"{API}{path}")) == set(), path
    for path in _details(world):
        assert client.get(f"{API}{path}").status_code == 404, path
    assert client.get(f"{API}reviews/{world.pending.pk}/").status_code == 404


@pytest.mark.parametrize("role", [Role.IDVA, Role.ANALYST, Role.MARAC_COORDINATOR])
def test_a_user_of_another_agency_or_role_sees_nothing(world, role):
    """A user of another agency (IDVA, analyst, MARAC coordinator) lists nothing and gets 404 on details."""
    client = as_user(UserFactory(roles=[role]))

    for path in ("reviews/", "recommendations/", "actions/"):
        assert ids(client.get(f"{API}{path}")) == set(), path
    for path in _details(world):
        assert client.get(f"{API}{path}").status_code == 404, path


def test_the_pending_review_is_404_for_a_panel_agency(world, key_client):
    """The police sit on one review's panel, not on the other's: that one is not found."""
    assert key_client(world.police).get(f"{API}reviews/{world.pending.pk}/").status_code == 404


def test_the_reviews_api_needs_authentication(world):
    """Without a key or a session every endpoint answers 401 and nothing is written."""
    client = APIClient()

    for path in ("reviews/", "recommendations/", "actions/", *_details(world)):
        assert client.get(f"{API}{path}").status_code == 401, path
    for step in STEPS:
        response = client.post(f"{API}actions/{world.police_action.pk}/{step}/", {})
        assert response.status_code == 401, step
    world.police_action.refresh_from_db()
    assert world.police_action.updates == []


# --- Recommendations -----------------------------------------------------------------------------------


def test_recommendations_show_only_the_actions_the_caller_may_see(world, key_client):
    """The coordinator sees both actions; the police key its own; the health key its own."""
    everything = rows(as_user(world.coordinator).get(f"{API}recommendations/"))
    police = rows(key_client(world.police).get(f"{API}recommendations/"))
    health = key_client(world.health).get(f"{API}recommendations/{world.recommendation.pk}/")

    row = everything[world.recommendation.pk]
    assert set(row) == RECOMMENDATION_FIELDS
    assert row["review"] == world.review.pk
    assert row["review_reference"] == world.review.reference
    assert row["number"] == 1
    assert row["themes"] == ["Coercive control"]
    assert {action["id"] for action in row["actions"]} == {world.police_action.pk, world.health_action.pk}
    assert set(row["actions"][0]) == PLAN_ACTION_FIELDS
    assert [action["id"] for action in police[world.recommendation.pk]["actions"]] == [world.police_action.pk]
    assert health.status_code == 200
    assert [action["id"] for action in health.json()["actions"]] == [world.health_action.pk]


def test_an_owning_agency_off_the_panel_sees_the_recommendation_of_its_action(world, key_client):
    """Housing, given an action but not on the panel, sees that recommendation with only its action, and
    still not the review."""
    action = review_action_add(
        actor=world.coordinator,
        recommendation=world.recommendation,
        assigned_agency=world.housing,
        lead="Housing manager",
        description="Review allocations.",
        due_on=world.today,
    )
    client = key_client(world.housing)

    listed = rows(client.get(f"{API}recommendations/"))
    assert [row["id"] for row in listed[world.recommendation.pk]["actions"]] == [action.pk]
    assert client.get(f"{API}reviews/{world.review.pk}/").status_code == 404


def test_recommendations_filter_by_review_and_theme(world):
    """`review` (an id the caller may see) and `theme` (a name) narrow the list; a review the caller cannot
    see is a 400 on the filter."""
    other = commissioned_review(world.coordinator, area=world.area)
    second = recommendation_add(actor=world.coordinator, review=other, text="Housing checks.")
    client = as_user(world.coordinator)

    assert ids(client.get(f"{API}recommendations/", {"review": other.pk})) == {second.pk}
    assert ids(client.get(f"{API}recommendations/", {"theme": "coercive control"})) == {world.recommendation.pk}
    assert ids(client.get(f"{API}recommendations/", {"theme": "Housing"})) == set()
    refused = as_user(world.officer).get(f"{API}recommendations/", {"review": other.pk})
    assert refused.status_code == 400
    assert refused.json()["errors"]["review"] == ["No such review."]


# --- Actions ---------------------------------------------------------------------------------------


def test_agencies_list_their_own_actions(world, key_client):
    """The police key lists the police action (with its review); health theirs; the coordinator both."""
    response = key_client(world.police).get(f"{API}actions/")

    listed = rows(response)
    assert set(listed) == {world.police_action.pk}
    row = listed[world.police_action.pk]
    assert set(row) == ACTION_FIELDS
    assert row["assigned_agency"] == world.police.slug
    assert row["review"] == world.review.pk
    assert row["review_reference"] == world.review.reference
    assert row["recommendation"] == world.recommendation.pk
    assert row["lead"] == "Head of public protection"
    assert row["status"] == "open"
    assert ids(key_client(world.health).get(f"{API}actions/")) == {world.health_action.pk}
    assert ids(as_user(world.coordinator).get(f"{API}actions/")) == {world.police_action.pk, world.health_action.pk}


def test_actions_filter_by_status_and_overdue(world, time_machine):
    """Tomorrow the health action (due today) is overdue; `status=done` lists none yet."""
    time_machine.move_to(timezone.now() + timedelta(days=1))
    client = as_user(world.coordinator)

    assert ids(client.get(f"{API}actions/", {"overdue": "true"})) == {world.health_action.pk}
    assert ids(client.get(f"{API}actions/", {"overdue": "false"})) == {world.police_action.pk}
    assert ids(client.get(f"{API}actions/", {"status": "done"})) == set()


def test_the_owning_agency_completes_its_action_and_records_evidence(world, key_client):
    """The police key completes its action (done today, with the note) and records the evidence."""
    client = key_client(world.police)

    done = client.post(
        f"{API}actions/{world.police_action.pk}/complete/", {"on": world.today.isoformat(), "note": "Trained."}
    )
    evidence = client.post(f"{API}actions/{world.police_action.pk}/evidence/", {"evidence": "Training log."})

    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    assert done.json()["completed_on"] == world.today.isoformat()
    assert done.json()["updates"][-1]["text"] == "Trained."
    assert evidence.status_code == 200, evidence.content
    assert set(evidence.json()) == ACTION_FIELDS
    assert evidence.json()["evidence"] == "Training log."
    world.police_action.refresh_from_db()
    assert world.police_action.evidence == "Training log."


def test_the_owning_agency_updates_its_action_and_records_it_not_done(world):
    """The police officer's session adds a progress note, then records the action not done with why."""
    client = as_user(world.officer)
    url = f"{API}actions/{world.police_action.pk}/"

    noted = client.post(f"{url}update/", {"text": "Course booked."})
    not_done = client.post(f"{url}not-done/", {"reason": "circumstances_changed", "on": world.today.isoformat()})

    assert noted.status_code == 200, noted.content
    assert noted.json()["updates"][0]["text"] == "Course booked."
    assert not_done.status_code == 200, not_done.content
    assert not_done.json()["status"] == "not_done"
    assert not_done.json()["not_done_reason"] == "circumstances_changed"


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    ("who", "expected"),
    [("coordinator", 403), ("admin", 403), ("health_key", 404), ("housing_key", 404), ("read_only_key", 403)],
)
def test_only_the_owning_agency_takes_steps(world, key_client, step, who, expected):
    """The coordinator and administrator see the action but are refused (403); a read-only key of the owning
    agency is refused (403); agencies who cannot see it get 404. Nothing is written."""
    clients = {
        "coordinator": lambda: as_user(world.coordinator),
        "admin": lambda: as_user(world.admin),
        "health_key": lambda: key_client(world.health),
        "housing_key": lambda: key_client(world.housing),
        "read_only_key": lambda: key_client(world.police, scope=ApiKey.Scope.READ),
    }
    body = {"text": "x", "on": world.today.isoformat(), "reason": "circumstances_changed", "evidence": "x"}

    response = clients[who]().post(f"{API}actions/{world.police_action.pk}/{step}/", body)

    assert response.status_code == expected, response.content
    world.police_action.refresh_from_db()
    assert world.police_action.status == "open"
    assert world.police_action.updates == []
    assert world.police_action.evidence == ""


@pytest.mark.parametrize(
    ("step", "body", "field"),
    [
        ("update", {"text": ""}, "text"),
        ("update", {"text": "Done.", "on": "tomorrow"}, "on"),
        ("complete", {}, "on"),
        ("complete", {"on": "FUTURE"}, "on"),
        ("not-done", {"reason": "busy", "on": "TODAY"}, "reason"),
        ("evidence", {"evidence": ""}, "evidence"),
        ("evidence", {}, "evidence"),
    ],
)
def test_bad_step_input_is_400_naming_the_field_and_writes_nothing(world, key_client, step, body, field):
    """A missing or wrong field answers 400 naming it; the action is unchanged."""
    dates = {"FUTURE": (world.today + timedelta(days=1)).isoformat(), "TODAY": world.today.isoformat()}
    body = {name: dates.get(value, value) for name, value in body.items()}

    response = key_client(world.police).post(f"{API}actions/{world.police_action.pk}/{step}/", body)

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    world.police_action.refresh_from_db()
    assert (world.police_action.status, world.police_action.updates, world.police_action.evidence) == ("open", [], "")


def test_completing_a_closed_action_is_400(world, key_client):
    """A second completion is refused in `non_field_errors`."""
    client = key_client(world.police)
    url = f"{API}actions/{world.police_action.pk}/complete/"

    assert client.post(url, {"on": world.today.isoformat()}).status_code == 200
    again = client.post(url, {"on": world.today.isoformat()})

    assert again.status_code == 400
    assert again.json()["errors"]["non_field_errors"]


@pytest.mark.parametrize(
    ("step", "body"),
    [("update", {"text": "Course booked."}), ("evidence", {"evidence": "Training log."})],
)
def test_a_step_with_an_idempotency_key_is_made_once(world, key_client, step, body):
    """The same key and body replays the first response and writes nothing new."""
    client = key_client(world.police)
    url = f"{API}actions/{world.police_action.pk}/{step}/"

    first = client.post(url, body, HTTP_IDEMPOTENCY_KEY="step-1")
    ReviewAction.objects.filter(pk=world.police_action.pk).update(evidence="Changed since.")
    second = client.post(url, body, HTTP_IDEMPOTENCY_KEY="step-1")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    world.police_action.refresh_from_db()
    assert len(world.police_action.updates) == (1 if step == "update" else 0)
    assert world.police_action.evidence == "Changed since."


# --- Query counts ----------------------------------------------------------------------------------


def add_rows(world: World, count: int) -> None:
    """`count` more commissioned reviews with the police on the panel, each linked to a police case, with a
    recommendation (two themes) and a police action; and as many overdue pending reviews."""
    themes = list(LearningTheme.objects.all()[:2])
    for _ in range(count):
        review = commissioned_review(world.coordinator, area=world.area, notified_by=world.police)
        panel_membership_set(actor=world.coordinator, review=review, agency=world.police)
        Review.objects.filter(pk=review.pk).update(case=make_case(world.officer, area=world.area))
        recommendation = recommendation_add(actor=world.coordinator, review=review, text="Text.", themes=themes)
        review_action_add(
            actor=world.coordinator,
            recommendation=recommendation,
            assigned_agency=world.police,
            lead="Lead",
            description="Do it.",
            due_on=world.today,
        )
        late = notified_review(
            world.coordinator, notified_on=world.today - timedelta(days=45), area=world.area, notified_by=world.police
        )
        panel_membership_set(actor=world.coordinator, review=late, agency=world.police)


@pytest.mark.parametrize(
    "path", ["reviews/", "reviews/?overdue=true", "reviews/?overdue=false", "recommendations/", "actions/"]
)
@pytest.mark.parametrize("who", ["coordinator", "police_key", "officer"])
def test_list_query_counts_do_not_grow_with_rows(world, key_client, django_assert_max_num_queries, path, who):
    """Ten more rows take no more queries than one more, for the coordinator and for the police."""
    client = {
        "coordinator": lambda: as_user(world.coordinator),
        "police_key": lambda: key_client(world.police),
        "officer": lambda: as_user(world.officer),
    }[who]()
    add_rows(world, 1)
    with CaptureQueriesContext(connection) as few:
        first = client.get(f"{API}{path}")
    add_rows(world, 9)

    with django_assert_max_num_queries(len(few)):
        response = client.get(f"{API}{path}")

    assert response.status_code == first.status_code == 200
    assert response.json()["count"] >= first.json()["count"] + 9


def test_the_schema_lists_the_review_endpoints(world):
    """The OpenAPI schema has every reviews path and filter; each step takes the Idempotency-Key."""
    schema = as_user(world.coordinator).get("/api/v1/schema/", {"format": "json"}).json()

    for step in STEPS:
        operation = schema["paths"][f"{API}actions/{{id}}/{step}/"]["post"]
        assert "Idempotency-Key" in {parameter["name"] for parameter in operation["parameters"]}
    for path in ("reviews/", "reviews/{id}/", "recommendations/", "recommendations/{id}/", "actions/", "actions/{id}/"):
        assert f"{API}{path}" in schema["paths"]
    assert {"stage", "open", "overdue", "updated_since"} <= {
        parameter["name"] for parameter in schema["paths"][f"{API}reviews/"]["get"]["parameters"]
    }
    assert {"review", "theme", "updated_since"} <= {
        parameter["name"] for parameter in schema["paths"][f"{API}recommendations/"]["get"]["parameters"]
    }
