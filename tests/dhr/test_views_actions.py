"""The action-plan pages: my agency's review actions, and an action's page (the owning agency's progress,
done, not done and evidence; the coordinator's sign-off)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from agencies.models import Agency, AgencyAction, User
from agencies.services import agency_action_complete
from audit.models import AccessLog
from dhr.models import Recommendation, Review, ReviewAction
from dhr.services import panel_membership_set, recommendation_add, review_action_add, review_action_evidence_record
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import case_worker
from tests.factories.dhr import commissioned_review, dhr_coordinator

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 10, 4)


@dataclass
class Plan:
    """A commissioned review with one recommendation; health owns actions but does not sit on the panel."""

    coordinator: User
    review: Review
    recommendation: Recommendation
    health: Agency
    nurse: User
    police: Agency
    officer: User


@pytest.fixture
def plan(time_machine) -> Plan:
    time_machine.move_to(datetime(2026, 9, 1, 12, 0, tzinfo=LONDON), tick=False)
    coordinator = dhr_coordinator()
    review = commissioned_review(coordinator, notified_on=date(2026, 8, 1))
    recommendation = recommendation_add(actor=coordinator, review=review, text="Ask about coercive control.")
    health = AgencyFactory(kind=Agency.Kind.HEALTH)
    police = AgencyFactory(kind=Agency.Kind.POLICE)
    panel_membership_set(actor=coordinator, review=review, agency=police)
    time_machine.move_to(datetime(2026, 10, 4, 12, 0, tzinfo=LONDON), tick=False)
    return Plan(
        coordinator, review, recommendation, health, case_worker(agency=health), police, case_worker(agency=police)
    )


def _action(plan: Plan, agency: Agency, *, due_on: date, description: str = "Train front-line staff.") -> ReviewAction:
    return review_action_add(
        actor=plan.coordinator,
        recommendation=plan.recommendation,
        assigned_agency=agency,
        lead="Safeguarding lead",
        description=description,
        due_on=due_on,
    )


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _date(field: str, day: date) -> dict[str, str]:
    return {f"{field}_day": str(day.day), f"{field}_month": str(day.month), f"{field}_year": str(day.year)}


def _url(action: ReviewAction) -> str:
    return reverse("dhr-action-update", kwargs={"pk": action.pk})


# --- My agency's actions -----------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(plan, client):
    """Both pages ask an anonymous visitor to sign in."""
    action = _action(plan, plan.health, due_on=date(2026, 11, 1))
    for url in (reverse("dhr-agency-actions"), _url(action)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_user_with_no_role_is_refused_the_list(plan):
    """Without a role: 403."""
    assert _client(UserFactory(agency=plan.health)).get(reverse("dhr-agency-actions")).status_code == 403


def test_the_agency_sees_its_actions_open_overdue_and_all(plan):
    """Open by default; overdue only those past their target; all includes the done; never another agency's."""
    late = _action(plan, plan.health, due_on=date(2026, 10, 1), description="Late action.")
    _action(plan, plan.health, due_on=date(2026, 11, 1), description="Upcoming action.")
    done = _action(plan, plan.health, due_on=date(2026, 11, 2), description="Finished action.")
    agency_action_complete(actor=plan.nurse, action=done, on=TODAY)
    _action(plan, plan.police, due_on=date(2026, 10, 2), description="Police action.")
    client = _client(plan.nurse)
    url = reverse("dhr-agency-actions")

    shown = {show: client.get(url, {"show": show} if show else {}).content.decode() for show in ("", "overdue", "all")}

    assert "My agency's DHR actions" in shown[""]
    assert "Late action." in shown[""]
    assert "Upcoming action." in shown[""]
    assert "Finished action." not in shown[""]
    assert "Late action." in shown["overdue"]
    assert "Upcoming action." not in shown["overdue"]
    assert ">Overdue<" in shown["overdue"]
    assert "Finished action." in shown["all"]
    assert all("Police action." not in content for content in shown.values())
    assert _url(late) in shown[""]
    assert "Safeguarding lead" in shown[""]
    assert "1. Ask about coercive control." in shown[""]
    assert AccessLog.objects.filter(action=AccessLog.Action.LIST, object_type="dhr.reviewaction").exists()


def test_the_review_is_linked_only_for_an_agency_that_may_see_it(plan):
    """Health (not on the panel) sees the reference as text; the police (on the panel) get a link."""
    _action(plan, plan.health, due_on=date(2026, 11, 1))
    _action(plan, plan.police, due_on=date(2026, 11, 1))
    review_url = reverse("dhr-review-detail", kwargs={"pk": plan.review.pk})

    health_page = _client(plan.nurse).get(reverse("dhr-agency-actions")).content.decode()
    police_page = _client(plan.officer).get(reverse("dhr-agency-actions")).content.decode()

    assert plan.review.reference in health_page
    assert review_url not in health_page
    assert review_url in police_page


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_list_query_count_does_not_grow_with_rows(plan):
    """One action or several, over several reviews: the same number of queries."""
    _action(plan, plan.police, due_on=date(2026, 11, 1))
    client = _client(plan.officer)
    url = reverse("dhr-agency-actions")
    one = _queries(client, url)
    for day in range(2, 8):
        review = commissioned_review(plan.coordinator, notified_on=date(2026, 9, day))
        recommendation = recommendation_add(actor=plan.coordinator, review=review, text="Share information.")
        review_action_add(
            actor=plan.coordinator,
            recommendation=recommendation,
            assigned_agency=plan.police,
            lead="Lead",
            description="Audit referrals.",
            due_on=date(2026, 11, day),
        )
    several = _queries(client, url)
    assert several == one
    assert "7 actions" in client.get(url).content.decode()


@override_settings(DASV_REVIEW_TERMINOLOGY="dardr")
def test_the_list_uses_the_terminology_setting(plan):
    """With the DARDR setting: "My agency's DARDR actions", never "DHR" in the words."""
    _action(plan, plan.health, due_on=date(2026, 11, 1))
    content = _client(plan.nurse).get(reverse("dhr-agency-actions")).content.decode()
    assert "My agency's DARDR actions" in content
    assert "Domestic Abuse Related Death Reviews" in content
    assert "Domestic Homicide Review" not in content
    assert " DHR " not in content


# --- An action's page ---------------------------------------------------------------------------------------------


def test_the_owning_agency_records_progress_done_and_evidence(plan):
    """A progress note, done on a day, then the evidence."""
    action = _action(plan, plan.health, due_on=date(2026, 11, 1))
    client = _client(plan.nurse)

    response = client.post(_url(action), {"form": "progress", "progress-text": "Training booked."}, follow=True)

    content = response.content.decode()
    assert "Progress note added." in content
    assert '<h1 class="govuk-heading-l">DHR action</h1>' in content
    client.post(_url(action), {"form": "done", **_date("done-on", TODAY)})
    client.post(_url(action), {"form": "evidence", "evidence-evidence": "Attendance records."})

    action.refresh_from_db()
    assert action.updates[0]["text"] == "Training booked."
    assert (action.status, action.completed_on, action.evidence) == ("done", TODAY, "Attendance records.")
    assert "Sign off the action" not in client.get(_url(action)).content.decode()


def test_the_owning_agency_records_not_done_with_why(plan):
    """Not done needs its reason: refused without, recorded with."""
    action = _action(plan, plan.health, due_on=date(2026, 11, 1))
    client = _client(plan.nurse)

    refused = client.post(_url(action), {"form": "not_done", **_date("not_done-on", TODAY)})

    assert "Select why it was not done" in refused.content.decode()
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.OPEN
    client.post(
        _url(action), {"form": "not_done", "not_done-reason": "circumstances_changed", **_date("not_done-on", TODAY)}
    )
    action.refresh_from_db()
    assert (action.status, action.not_done_reason) == ("not_done", "circumstances_changed")


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"form": "done"}, "Enter date it was done"),
        ({"form": "done", **_date("done-on", date(2026, 10, 9))}, "The date cannot be in the future."),
        ({"form": "progress", "progress-text": ""}, "Say what has been done"),
        ({"form": "evidence", "evidence-evidence": ""}, "Describe the evidence"),
    ],
)
def test_bad_action_steps_are_refused_and_write_nothing(plan, answers, message):
    """The error names the field; the action is unchanged."""
    action = _action(plan, plan.health, due_on=date(2026, 11, 1))
    response = _client(plan.nurse).post(_url(action), answers)
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert message in content
    action.refresh_from_db()
    assert (action.status, action.updates, action.evidence) == ("open", [], "")


def test_the_coordinator_signs_off_a_done_action_with_evidence(plan):
    """The sign-off form appears once the action is done with evidence; signing off records who and when."""
    action = _action(plan, plan.health, due_on=date(2026, 11, 1))
    client = _client(plan.coordinator)
    assert "Sign off the action" not in client.get(_url(action)).content.decode()
    agency_action_complete(actor=plan.nurse, action=action, on=TODAY)
    review_action_evidence_record(actor=plan.nurse, action=action, evidence="Attendance records.")

    page = client.get(_url(action)).content.decode()
    assert "Sign off the action" in page
    assert "Mark as done" not in page
    client.post(_url(action), {"form": "sign_off", **_date("sign_off-on", TODAY)})

    action.refresh_from_db()
    assert (action.signed_off_on, action.signed_off_by) == (TODAY, plan.coordinator)
    detail = client.get(reverse("dhr-review-detail", kwargs={"pk": plan.review.pk})).content.decode()
    assert "Attendance records." in detail
    assert "4 Oct 2026" in detail


def test_a_sign_off_in_the_future_is_refused(plan):
    """The service's error on the date; nothing signed off."""
    action = _action(plan, plan.health, due_on=date(2026, 11, 1))
    agency_action_complete(actor=plan.nurse, action=action, on=TODAY)
    review_action_evidence_record(actor=plan.nurse, action=action, evidence="Records.")
    response = _client(plan.coordinator).post(
        _url(action), {"form": "sign_off", **_date("sign_off-on", date(2026, 10, 10))}
    )
    assert "The date cannot be in the future." in response.content.decode()
    action.refresh_from_db()
    assert action.signed_off_on is None


@pytest.mark.parametrize(
    ("who", "get_status", "post_status"),
    [("health", 200, 302), ("police", 404, 404), ("outsider", 404, 404), ("coordinator", 200, 403)],
)
def test_only_the_owning_agency_posts_the_action_steps(plan, who, get_status, post_status):
    """Another agency (even one on the panel) gets 404; the coordinator sees it but may not update it (403)."""
    action = _action(plan, plan.health, due_on=date(2026, 11, 1))
    users = {
        "health": lambda: plan.nurse,
        "police": lambda: plan.officer,
        "outsider": case_worker,
        "coordinator": lambda: plan.coordinator,
    }
    client = _client(users[who]())

    assert client.get(_url(action)).status_code == get_status
    assert client.post(_url(action), {"form": "progress", "progress-text": "Tried."}).status_code == post_status

    action.refresh_from_db()
    assert bool(action.updates) == (who == "health")


def test_only_a_coordinator_signs_off(plan):
    """The owning agency posting a sign-off gets 403; nothing is signed off."""
    action = _action(plan, plan.health, due_on=date(2026, 11, 1))
    agency_action_complete(actor=plan.nurse, action=action, on=TODAY)
    review_action_evidence_record(actor=plan.nurse, action=action, evidence="Records.")
    response = _client(plan.nurse).post(_url(action), {"form": "sign_off", **_date("sign_off-on", TODAY)})
    assert response.status_code == 403
    action.refresh_from_db()
    assert action.signed_off_on is None


def test_the_action_page_has_no_conditional_reveals(plan):
    """The not-done reasons are plain radios in a fieldset."""
    action = _action(plan, plan.health, due_on=date(2026, 11, 1))
    content = _client(plan.nurse).get(_url(action)).content.decode()
    assert "Why was it not done?" in content
    assert "aria-expanded" not in content
    assert "Save the evidence" in content
