"""The MARAC API: meetings, agenda items, actions (and the assigned agency's steps on them) and research,
each scoped to the caller, with api.md's fields, filters, errors, idempotency and constant query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from agencies.models import ApiKey, User
from audit.models import AccessLog
from marac.models import AgendaItem, MaracAction, MaracMeeting, Research
from marac.services import research_save
from tests.conftest import sign_in
from tests.factories.cases import make_case
from tests.factories.referrals import police_referral
from tests.marac.test_selectors import LONDON, TODAY, Marac, action_for, build_marac

pytestmark = pytest.mark.django_db

API = "/api/v1/marac/"
MEETING_FIELDS = {"id", "area", "kind", "starts_at", "capacity", "status", "agenda_size"}
AGENDA_ITEM_FIELDS = {
    "id",
    "meeting",
    "referral",
    "case",
    "position",
    "has_children",
    "is_repeat",
    "twelve_month_notice",
    "outcome",
}
ACTION_FIELDS = {
    "id",
    "agenda_item",
    "assigned_agency",
    "description",
    "due_on",
    "status",
    "not_done_reason",
    "completed_on",
    "updates",
}
RESEARCH_FIELDS = {
    "id",
    "agenda_item",
    "agency",
    "holds_information",
    "facts",
    "opinion",
    "withheld",
    "submitted_at",
    "updated_at",
}


@pytest.fixture
def marac(time_machine) -> Marac:
    return build_marac(time_machine)


@pytest.fixture
def item(marac) -> AgendaItem:
    """The first item of the published agenda."""
    return AgendaItem.objects.filter(meeting=marac.published).order_by("position").first()


@pytest.fixture
def police_action(marac, item) -> MaracAction:
    return action_for(item, marac.police, due_on=date(2026, 3, 20))


@pytest.fixture
def childrens_action(marac, item) -> MaracAction:
    return action_for(item, marac.childrens_services, due_on=date(2026, 4, 3))


def as_user(user: User) -> APIClient:
    return sign_in(APIClient(), user)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- Meetings --------------------------------------------------------------------------------------


def test_meetings_list_has_api_md_fields(marac, key_client):
    """A member agency's key lists its MARAC's meetings with exactly the fields of api.md."""
    response = key_client(marac.police).get(f"{API}meetings/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    rows = {row["id"]: row for row in body["results"]}
    assert set(rows) == set(MaracMeeting.objects.filter(area=marac.area).values_list("pk", flat=True))
    published = rows[marac.published.pk]
    assert set(published) == MEETING_FIELDS
    assert published["area"] == marac.area.slug
    assert published["kind"] == "marac"
    assert published["status"] == "agenda_published"
    assert published["agenda_size"] == 2
    assert published["capacity"] == 2


def test_meetings_filter_by_area_days_and_kind(marac):
    """`area` (slug), `from` and `to` (days, both included) and `kind` narrow the list."""
    client = as_user(marac.coordinator)
    day = marac.published.starts_at.astimezone(LONDON).date().isoformat()

    on_the_day = client.get(f"{API}meetings/", {"area": marac.area.slug, "from": day, "to": day})
    plus = client.get(f"{API}meetings/", {"kind": "marac_plus"})

    assert ids(on_the_day) == {marac.published.pk}
    assert ids(plus) == set()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-04-02", "to": "2026-04-01"}, "to"),
        ({"from": "1 April"}, "from"),
        ({"area": "no-such-area"}, "area"),
        ({"kind": "weekly"}, "kind"),
    ],
)
def test_bad_meeting_filters_are_400_in_the_house_format(marac, query, field):
    """A bad filter answers 400 with the field's errors."""
    response = as_user(marac.coordinator).get(f"{API}meetings/", query)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_another_areas_meeting_is_404(marac, key_client):
    """A meeting of another area's MARAC is not found; the caller's own is, and the view is logged."""
    client = key_client(marac.police)

    assert client.get(f"{API}meetings/{marac.other_meeting.pk}/").status_code == 404
    response = client.get(f"{API}meetings/{marac.published.pk}/")
    assert response.status_code == 200
    assert set(response.json()) == MEETING_FIELDS
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, object_id=str(marac.published.pk)).exists()


@pytest.mark.parametrize("path", ["meetings/", "agenda-items/", "actions/", "research/"])
def test_the_marac_api_needs_authentication(path):
    """Without a key or a session every list answers 401."""
    assert APIClient().get(f"{API}{path}").status_code == 401


def test_a_non_member_agency_sees_no_meetings_or_agendas(marac, key_client):
    """Housing (not a MARAC member) lists nothing, and an item of the area's agenda is a 404 for it."""
    client = key_client(marac.housing_not_member)
    item = AgendaItem.objects.filter(meeting=marac.published).first()

    assert ids(client.get(f"{API}meetings/")) == set()
    assert ids(client.get(f"{API}agenda-items/")) == set()
    assert client.get(f"{API}agenda-items/{item.pk}/").status_code == 404


# --- Agenda items ----------------------------------------------------------------------------------


def test_agencies_list_only_published_agenda_items(marac, key_client):
    """The police key lists the published agenda's items (api.md fields); the coordinator every item."""
    response = key_client(marac.police).get(f"{API}agenda-items/")
    everything = as_user(marac.coordinator).get(f"{API}agenda-items/")

    published = set(AgendaItem.objects.filter(meeting=marac.published).values_list("pk", flat=True))
    assert ids(response) == published
    row = response.json()["results"][0]
    assert set(row) == AGENDA_ITEM_FIELDS
    first = AgendaItem.objects.select_related("referral").get(pk=row["id"])
    assert row["case"] == first.referral.case_id
    assert row["meeting"] == marac.published.pk
    assert row["position"] == 1
    assert row["outcome"] == "pending"
    assert ids(everything) == set(AgendaItem.objects.filter(meeting__area=marac.area).values_list("pk", flat=True))


def test_an_unpublished_agenda_item_is_404_for_an_agency(marac, key_client):
    """An item of a meeting whose agenda is not yet published is not found by a member agency."""
    unpublished = AgendaItem.objects.get(meeting=marac.scheduled)

    assert key_client(marac.police).get(f"{API}agenda-items/{unpublished.pk}/").status_code == 404
    assert as_user(marac.coordinator).get(f"{API}agenda-items/{unpublished.pk}/").status_code == 200


def test_agenda_items_filter_by_meeting(marac):
    """`meeting` narrows to one meeting; a meeting the caller cannot see is a 400 on the filter."""
    client = as_user(marac.coordinator)

    response = client.get(f"{API}agenda-items/", {"meeting": marac.scheduled.pk})
    other = client.get(f"{API}agenda-items/", {"meeting": marac.other_meeting.pk})

    assert ids(response) == {AgendaItem.objects.get(meeting=marac.scheduled).pk}
    assert other.status_code == 400
    assert other.json()["errors"]["meeting"] == ["No such meeting."]


# --- Actions ---------------------------------------------------------------------------------------


def test_agencies_list_only_their_own_actions(marac, police_action, childrens_action, key_client):
    """Police list the police action (api.md fields); children's services theirs; the coordinator both."""
    response = key_client(marac.police).get(f"{API}actions/")

    assert ids(response) == {police_action.pk}
    row = response.json()["results"][0]
    assert set(row) == ACTION_FIELDS
    assert row["assigned_agency"] == marac.police.slug
    assert row["due_on"] == "2026-03-20"
    assert row["status"] == "open"
    assert row["updates"] == []
    assert ids(key_client(marac.childrens_services).get(f"{API}actions/")) == {childrens_action.pk}
    assert ids(as_user(marac.coordinator).get(f"{API}actions/")) == {police_action.pk, childrens_action.pk}
    assert ids(as_user(marac.analyst).get(f"{API}actions/")) == set()


def test_actions_filter_by_overdue_and_status(marac, police_action, childrens_action):
    """`overdue=true` lists open actions past due; `status=done` none yet."""
    client = as_user(marac.coordinator)

    assert ids(client.get(f"{API}actions/", {"overdue": "true"})) == {police_action.pk}
    assert ids(client.get(f"{API}actions/", {"overdue": "false"})) == {childrens_action.pk}
    assert ids(client.get(f"{API}actions/", {"status": "done"})) == set()
    assert client.get(f"{API}actions/", {"status": "late"}).status_code == 400


def test_the_assigned_agency_completes_its_action(marac, police_action, key_client):
    """The police key completes its action: done on the day, with the note."""
    response = key_client(marac.police).post(
        f"{API}actions/{police_action.pk}/complete/", {"on": TODAY.isoformat(), "note": "Marker placed."}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "done"
    assert body["completed_on"] == TODAY.isoformat()
    assert body["updates"][-1]["text"] == "Marker placed."


@pytest.mark.parametrize(
    ("who", "expected"),
    [("officer", 200), ("coordinator", 403), ("social_worker", 404), ("other_coordinator", 404), ("analyst", 404)],
)
def test_only_the_assigned_agency_updates_an_action(marac, police_action, who, expected):
    """The police may; the coordinator, who sees it, is refused (403); agencies who cannot see it get 404."""
    response = as_user(getattr(marac, who)).post(
        f"{API}actions/{police_action.pk}/update/", {"text": "Visited.", "on": TODAY.isoformat()}
    )

    assert response.status_code == expected, response.content
    police_action.refresh_from_db()
    assert len(police_action.updates) == (1 if expected == 200 else 0)


def test_a_read_only_key_may_not_update_an_action(marac, police_action, key_client):
    """A read-scoped key of the assigned agency answers 403 and writes nothing."""
    response = key_client(marac.police, scope=ApiKey.Scope.READ).post(
        f"{API}actions/{police_action.pk}/update/", {"text": "Visited."}
    )

    assert response.status_code == 403
    police_action.refresh_from_db()
    assert police_action.updates == []


def test_not_done_needs_a_reason(marac, police_action, key_client):
    """Without a known reason the step is a 400 on `reason`; with one, the action is not done."""
    client = key_client(marac.police)
    url = f"{API}actions/{police_action.pk}/not-done/"

    refused = client.post(url, {"reason": "busy", "on": TODAY.isoformat()})
    done = client.post(url, {"reason": "circumstances_changed", "on": TODAY.isoformat()})

    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]
    assert done.status_code == 200
    assert done.json()["status"] == "not_done"
    assert done.json()["not_done_reason"] == "circumstances_changed"


def test_completing_a_closed_action_is_400(marac, police_action, key_client):
    """A second completion is refused in `non_field_errors`; a future date on `on`."""
    client = key_client(marac.police)
    url = f"{API}actions/{police_action.pk}/complete/"
    future = (TODAY + timedelta(days=1)).isoformat()

    assert client.post(url, {"on": future}).json()["errors"]["on"]
    assert client.post(url, {"on": TODAY.isoformat()}).status_code == 200
    again = client.post(url, {"on": TODAY.isoformat()})
    assert again.status_code == 400
    assert again.json()["errors"]["non_field_errors"]


def test_an_action_update_with_an_idempotency_key_is_made_once(marac, police_action, key_client):
    """The same key and body replays the first response and adds no second note."""
    client = key_client(marac.police)
    url = f"{API}actions/{police_action.pk}/update/"
    body = {"text": "Called the victim's GP.", "on": TODAY.isoformat()}

    first = client.post(url, body, HTTP_IDEMPOTENCY_KEY="update-1")
    second = client.post(url, body, HTTP_IDEMPOTENCY_KEY="update-1")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    police_action.refresh_from_db()
    assert len(police_action.updates) == 1


# --- Research --------------------------------------------------------------------------------------


def test_an_agency_submits_research_and_lists_only_its_own(marac, item, key_client):
    """The police key submits research (201); it lists its own, not children's services'."""
    research_save(actor=marac.social_worker, agenda_item=item, holds_information=False)
    client = key_client(marac.police)

    response = client.post(
        f"{API}research/",
        {
            "agenda_item": item.pk,
            "holds_information": True,
            "facts": "Three call-outs since January.",
            "opinion": "Escalating.",
            "withheld": "An ongoing investigation's detail.",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == RESEARCH_FIELDS
    assert body["agency"] == marac.police.slug
    assert body["submitted_at"] is not None
    assert ids(client.get(f"{API}research/")) == {body["id"]}
    assert len(ids(as_user(marac.coordinator).get(f"{API}research/", {"agenda_item": item.pk}))) == 2


def test_research_as_a_draft_and_its_errors(marac, item, key_client):
    """`submit` false keeps a draft; holding information with no facts is a 400 and writes nothing."""
    client = key_client(marac.police)

    refused = client.post(f"{API}research/", {"agenda_item": item.pk, "holds_information": True})
    draft = client.post(f"{API}research/", {"agenda_item": item.pk, "holds_information": False, "submit": False})

    assert refused.status_code == 400
    assert "facts" in refused.json()["errors"]
    assert draft.status_code == 201
    assert draft.json()["submitted_at"] is None
    assert Research.objects.count() == 1


@pytest.mark.parametrize("who", ["housing_not_member", "other_police"])
def test_research_on_an_agenda_item_the_agency_cannot_see_is_refused(marac, item, key_client, who):
    """A non-member or another area's agency gets "No such agenda item." and nothing is written."""
    agency = marac.housing_not_member if who == "housing_not_member" else marac.other_police_officer.agency

    response = key_client(agency).post(f"{API}research/", {"agenda_item": item.pk, "holds_information": False})

    assert response.status_code == 400
    assert response.json()["errors"]["agenda_item"] == ["No such agenda item."]
    assert not Research.objects.exists()


# --- Query counts ----------------------------------------------------------------------------------


def list_rows(marac: Marac, count: int) -> None:
    """`count` items on the published agenda (over capacity, as lists do not care), each with one police
    action and one police research."""
    meeting = marac.published
    for position in range(AgendaItem.objects.filter(meeting=meeting).count() + 1, count + 1):
        case = make_case(marac.officer, area=marac.area)
        referral = police_referral(
            service="marac",
            referrer=marac.officer,
            case=case,
            received_on=TODAY,
            receiving_agency=marac.coordinator.agency,
        )
        AgendaItem.objects.create(meeting=meeting, referral=referral, position=position)
    for item in AgendaItem.objects.filter(meeting=meeting):
        if not MaracAction.objects.filter(agenda_item=item).exists():
            action_for(item, marac.police, due_on=TODAY)
            Research.objects.create(agenda_item=item, agency=marac.police, facts="Held.")


@pytest.mark.parametrize("path", ["meetings/", "agenda-items/", "actions/", "research/"])
@pytest.mark.parametrize("who", ["coordinator", "officer"])
def test_list_query_counts_do_not_grow_with_rows(marac, django_assert_max_num_queries, path, who):
    """Ten rows take no more queries than two, for the coordinator and for a member agency's user."""
    client = as_user(getattr(marac, who))
    list_rows(marac, 2)
    with CaptureQueriesContext(connection) as few:
        first = client.get(f"{API}{path}")
    list_rows(marac, 10)
    MaracMeeting.objects.bulk_create(
        MaracMeeting(area=marac.area, starts_at=marac.published.starts_at + timedelta(hours=hours), capacity=5)
        for hours in range(1, 9)
    )

    with django_assert_max_num_queries(len(few)):
        response = client.get(f"{API}{path}")

    assert response.status_code == first.status_code == 200
    assert response.json()["count"] >= first.json()["count"] + 8


def test_the_schema_lists_the_marac_endpoints(marac):
    """The OpenAPI schema has every MARAC path; each step takes the Idempotency-Key."""
    schema = as_user(marac.coordinator).get("/api/v1/schema/", {"format": "json"}).json()

    for step in ("update", "complete", "not-done"):
        operation = schema["paths"][f"{API}actions/{{id}}/{step}/"]["post"]
        assert "Idempotency-Key" in {parameter["name"] for parameter in operation["parameters"]}
    for path in ("meetings/", "meetings/{id}/", "agenda-items/", "actions/", "research/"):
        assert f"{API}{path}" in schema["paths"]
    assert {"area", "from", "to", "kind"} <= {
        parameter["name"] for parameter in schema["paths"][f"{API}meetings/"]["get"]["parameters"]
    }
