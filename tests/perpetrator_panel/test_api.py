"""The perpetrator panel API: panel cases (read-only) for panel members and the police, panel actions for
them and for the agency each is assigned to, the shared action steps and compliance, with api.md's errors,
idempotency, access logging, constant query counts, and never a victim's safe contact."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency, ApiKey, User
from audit.models import AccessLog
from cases.models import Case, Person
from cases.services import safe_contact_save
from perpetrator_panel.models import PanelAction, PanelCase, PlanItem, TacticalOption
from perpetrator_panel.services import panel_action_create, plan_item_add
from referrals.models import Referral
from referrals.services import referral_create
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory
from tests.factories.cases import case_worker, submit_dash
from tests.factories.panel import open_panel_case, panel_member, perpetrator_with_history, police_agency

pytestmark = pytest.mark.django_db

API = "/api/v1/panel/"
CASE_FIELDS = {
    "id",
    "reference",
    "perpetrator",
    "opened_on",
    "status",
    "status_changed_on",
    "last_incident_on",
    "exited_on",
    "reasons",
    "reasons_detail",
    "entry_score",
    "score_now",
    "score_now_on",
    "exit_score",
    "flags",
    "cases",
    "open_actions",
    "updated_at",
}
CASE_DETAIL_FIELDS = CASE_FIELDS | {
    "entry_score_parts",
    "score_now_parts",
    "victims",
    "plan",
    "status_history",
    "referrals",
}
ACTION_FIELDS = {
    "id",
    "panel_case",
    "panel_case_reference",
    "meeting",
    "plan_item",
    "assigned_agency",
    "description",
    "agreed_on",
    "due_on",
    "status",
    "not_done_reason",
    "completed_on",
    "compliance",
    "updates",
    "updated_at",
}
SAFE_CONTACT = {
    "safe_address": "17 Hidden Orchard Lane, Nowhereton",
    "safe_phone": "07700 900 417",
    "safe_times": "Only on Tuesdays after three",
    "do_not_contact": "Never at the Mill Road office",
}
STEPS = {
    "update": {"text": "Visited the address."},
    "complete": {"note": "DVPN served."},
    "not-done": {"reason": "circumstances_changed"},
}


def today() -> date:
    return timezone.localdate()


@dataclass
class Panel:
    """A panel case of a serial perpetrator (two victims, a safe contact recorded for one), with a plan item,
    a police action and an overdue housing action; a member, the police and two other agencies."""

    member: User
    police: Agency
    police_worker: User
    housing: Agency
    health: Agency
    perpetrator: Person
    cases: list[Case]
    referral: Referral
    panel_case: PanelCase
    plan_item: PlanItem
    police_action: PanelAction
    housing_action: PanelAction


@pytest.fixture
def panel() -> Panel:
    police = police_agency()
    police_worker = case_worker(police)
    member = panel_member()
    perpetrator, cases = perpetrator_with_history(recorder=police_worker, incidents=((0, 40), (1, 60), (1, 10)))
    safe_contact_save(actor=police_worker, case=cases[0], data=SAFE_CONTACT)
    submit_dash(police_worker, cases[0], score=15, assessed_on=today() - timedelta(days=35), create_referrals=False)
    referral = referral_create(
        actor=police_worker, case=cases[0], service="perpetrator_panel", received_on=today() - timedelta(days=31)
    )
    panel_case = open_panel_case(
        member, perpetrator=perpetrator, cases=cases, opened_on=today() - timedelta(days=30), referrals=[referral]
    )
    plan_item = plan_item_add(
        actor=member, panel_case=panel_case, option=TacticalOption.objects.order_by("pk").first(), owning_agency=police
    )
    housing = AgencyFactory(kind=Agency.Kind.HOUSING)
    police_action = panel_action_create(
        actor=member,
        panel_case=panel_case,
        assigned_agency=police,
        description="Serve a DVPN.",
        due_on=today() + timedelta(days=7),
        plan_item=plan_item,
    )
    housing_action = panel_action_create(
        actor=member,
        panel_case=panel_case,
        assigned_agency=housing,
        description="Check his tenancy conditions.",
        agreed_on=today() - timedelta(days=20),
        due_on=today() - timedelta(days=5),
    )
    return Panel(
        member=member,
        police=police,
        police_worker=police_worker,
        housing=housing,
        health=AgencyFactory(kind=Agency.Kind.HEALTH),
        perpetrator=perpetrator,
        cases=cases,
        referral=referral,
        panel_case=panel_case,
        plan_item=plan_item,
        police_action=police_action,
        housing_action=housing_action,
    )


def as_user(user: User) -> APIClient:
    return sign_in(APIClient(), user)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- Who may call what -------------------------------------------------------------------------------


def all_paths(panel: Panel) -> list[tuple[str, str]]:
    case, action = panel.panel_case.pk, panel.police_action.pk
    return [
        ("get", f"{API}cases/"),
        ("get", f"{API}cases/{case}/"),
        ("get", f"{API}actions/"),
        ("get", f"{API}actions/{action}/"),
        *[("post", f"{API}actions/{action}/{step}/") for step in (*STEPS, "compliance")],
    ]


def test_every_endpoint_needs_authentication(panel):
    """Without a key or a session every endpoint answers 401, and a POST writes nothing."""
    for method, path in all_paths(panel):
        response = getattr(APIClient(), method)(path, {})
        assert response.status_code == 401, (method, path)
    panel.police_action.refresh_from_db()
    assert panel.police_action.updates == []


@pytest.mark.parametrize("who", ["member", "police_key", "police_worker"])
def test_panel_members_and_the_police_list_every_panel_case(panel, key_client, who):
    """A panel member's session, the police's key and a police case worker list the panel case."""
    client = {
        "member": lambda: as_user(panel.member),
        "police_key": lambda: key_client(panel.police),
        "police_worker": lambda: as_user(panel.police_worker),
    }[who]()

    response = client.get(f"{API}cases/")

    assert ids(response) == [panel.panel_case.pk]
    row = response.json()["results"][0]
    assert set(row) == CASE_FIELDS
    assert row["reference"] == panel.panel_case.reference
    assert row["perpetrator"] == {
        "id": panel.perpetrator.pk,
        "given_name": panel.perpetrator.given_name,
        "family_name": panel.perpetrator.family_name,
        "date_of_birth": panel.perpetrator.date_of_birth.isoformat(),
        "gender": "male",
    }
    assert row["status"] == "active"
    assert row["reasons"] == ["serial"]
    assert row["entry_score"] == str(panel.panel_case.entry_score)
    assert row["exit_score"] is None
    assert set(row["flags"]) == {"stalking", "strangulation", "violence_against_parent", "no_fixed_abode"}
    assert sorted(row["cases"]) == sorted(case.pk for case in panel.cases)
    assert row["open_actions"] == 2


@pytest.mark.parametrize("agency", ["housing", "health"])
def test_other_agencies_see_no_panel_case(panel, key_client, agency):
    """Housing (with an action of the case) and health list no panel case; the case is a 404 for them."""
    client = key_client(getattr(panel, agency))

    assert ids(client.get(f"{API}cases/")) == []
    assert client.get(f"{API}cases/{panel.panel_case.pk}/").status_code == 404


def test_the_case_detail_has_its_victims_plan_history_and_referrals(panel, key_client):
    """The police key reads the detail: victims with current risk, the plan, the status history and the
    referral it answers; the view is access-logged."""
    response = key_client(panel.police).get(f"{API}cases/{panel.panel_case.pk}/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == CASE_DETAIL_FIELDS
    victims = {row["case"]: row for row in body["victims"]}
    assert set(victims) == {case.pk for case in panel.cases}
    first = victims[panel.cases[0].pk]
    assert set(first) == {"case", "case_reference", "victim", "risk_level", "assessed_on"}
    assert first["case_reference"] == panel.cases[0].reference
    assert first["victim"] == {
        "id": panel.cases[0].victim_id,
        "given_name": panel.cases[0].victim.given_name,
        "family_name": panel.cases[0].victim.family_name,
    }
    assert first["risk_level"] == "high"
    assert first["assessed_on"] == (today() - timedelta(days=35)).isoformat()
    assert victims[panel.cases[1].pk]["risk_level"] is None
    assert body["plan"] == [
        {
            "id": panel.plan_item.pk,
            "option": panel.plan_item.option.name,
            "category": panel.plan_item.option.category,
            "owning_agency": "police",
            "status": "planned",
            "chosen_on": today().isoformat(),
            "notes": "",
        }
    ]
    assert [(row["on"], row["status"]) for row in body["status_history"]] == [
        ((today() - timedelta(days=30)).isoformat(), "active")
    ]
    assert set(body["status_history"][0]) == {"on", "status", "reason", "last_incident_on", "score"}
    assert body["referrals"] == [panel.referral.pk]
    assert set(body["entry_score_parts"]) == set(panel.panel_case.entry_score_parts)
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, object_type="perpetrator_panel.panelcase", object_id=str(panel.panel_case.pk)
    ).exists()


def test_safe_contact_details_never_appear(panel):
    """The victim's safe address, phone, times and do-not-contact notes are in no panel case response."""
    client = as_user(panel.member)

    texts = [
        client.get(f"{API}cases/").content.decode(),
        client.get(f"{API}cases/{panel.panel_case.pk}/").content.decode(),
    ]

    assert panel.cases[0].victim.safe_contact.safe_address == SAFE_CONTACT["safe_address"]
    for text in texts:
        for value in SAFE_CONTACT.values():
            assert value not in text
        assert "safe_" not in text


def test_panel_cases_filter_by_status_flag_and_updated_since(panel):
    """`status`, `flag` and `updated_since` narrow the list."""
    PanelCase.objects.filter(pk=panel.panel_case.pk).update(stalking=True, strangulation=False)
    client = as_user(panel.member)
    later = (timezone.now() + timedelta(minutes=5)).isoformat()
    earlier = (timezone.now() - timedelta(days=1)).isoformat()

    assert ids(client.get(f"{API}cases/", {"status": "active"})) == [panel.panel_case.pk]
    assert ids(client.get(f"{API}cases/", {"status": "inactive"})) == []
    assert ids(client.get(f"{API}cases/", {"flag": "stalking"})) == [panel.panel_case.pk]
    assert ids(client.get(f"{API}cases/", {"flag": "strangulation"})) == []
    assert ids(client.get(f"{API}cases/", {"updated_since": earlier})) == [panel.panel_case.pk]
    assert ids(client.get(f"{API}cases/", {"updated_since": later})) == []


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("cases/", {"status": "dormant"}, "status"),
        ("cases/", {"flag": "bald"}, "flag"),
        ("cases/", {"updated_since": "last week"}, "updated_since"),
        ("actions/", {"status": "late"}, "status"),
        ("actions/", {"overdue": "perhaps"}, "overdue"),
        ("actions/", {"updated_since": "yesterday"}, "updated_since"),
        ("actions/", {"panel_case": "999999"}, "panel_case"),
        ("actions/", {"panel_case": "9" * 30}, "panel_case"),
    ],
)
def test_bad_filters_are_400_naming_the_field(panel, path, query, field):
    """A bad filter answers 400 with that field's errors."""
    response = as_user(panel.member).get(f"{API}{path}", query)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_case_list_is_access_logged_once(panel, key_client):
    """One list request writes one access-log row, with its filters."""
    key_client(panel.police).get(f"{API}cases/", {"status": "active"})

    rows = AccessLog.objects.filter(action=AccessLog.Action.LIST, object_type="perpetrator_panel.panelcase")
    assert rows.count() == 1
    assert rows.get().detail["filters"] == {"status": "active"}


def test_panel_cases_are_read_only(panel):
    """There is no POST on panel cases (they are opened in the panel's pages): 405, nothing written."""
    response = as_user(panel.member).post(f"{API}cases/", {"perpetrator": panel.perpetrator.pk})

    assert response.status_code == 405
    assert PanelCase.objects.count() == 1


# --- Actions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "police_key"])
def test_the_panel_and_the_police_list_every_action(panel, key_client, who):
    """A panel member and the police key list both actions, earliest due first, with the API's fields."""
    client = as_user(panel.member) if who == "member" else key_client(panel.police)

    response = client.get(f"{API}actions/")

    assert ids(response) == [panel.housing_action.pk, panel.police_action.pk]
    police_row = response.json()["results"][1]
    assert set(police_row) == ACTION_FIELDS
    assert police_row["panel_case"] == panel.panel_case.pk
    assert police_row["panel_case_reference"] == panel.panel_case.reference
    assert police_row["assigned_agency"] == "police"
    assert police_row["plan_item"] == panel.plan_item.pk
    assert police_row["meeting"] is None
    assert police_row["agreed_on"] == today().isoformat()
    assert police_row["status"] == "open"
    assert police_row["compliance"] == ""
    assert police_row["updates"] == []


def test_another_agency_sees_only_its_own_actions(panel, key_client):
    """Housing lists and reads its action only; the police action is a 404 for it; health sees none."""
    housing = key_client(panel.housing)
    health = key_client(panel.health)

    assert ids(housing.get(f"{API}actions/")) == [panel.housing_action.pk]
    assert housing.get(f"{API}actions/{panel.housing_action.pk}/").status_code == 200
    assert housing.get(f"{API}actions/{panel.police_action.pk}/").status_code == 404
    assert ids(health.get(f"{API}actions/")) == []
    assert health.get(f"{API}actions/{panel.housing_action.pk}/").status_code == 404


def test_actions_filter_by_status_overdue_updated_since_and_panel_case(panel, key_client):
    """The filters narrow the list; housing may filter by the panel case of its own action."""
    other = open_panel_case(panel.member)
    other_action = panel_action_create(
        actor=panel.member,
        panel_case=other,
        assigned_agency=panel.police,
        description="Check bail conditions.",
        due_on=today() + timedelta(days=3),
    )
    client = as_user(panel.member)
    later = (timezone.now() + timedelta(minutes=5)).isoformat()

    assert ids(client.get(f"{API}actions/", {"overdue": "true"})) == [panel.housing_action.pk]
    assert ids(client.get(f"{API}actions/", {"overdue": "false"})) == [other_action.pk, panel.police_action.pk]
    assert ids(client.get(f"{API}actions/", {"status": "done"})) == []
    assert ids(client.get(f"{API}actions/", {"updated_since": later})) == []
    assert ids(client.get(f"{API}actions/", {"panel_case": other.pk})) == [other_action.pk]
    housing = key_client(panel.housing)
    assert ids(housing.get(f"{API}actions/", {"panel_case": panel.panel_case.pk})) == [panel.housing_action.pk]
    refused = housing.get(f"{API}actions/", {"panel_case": other.pk})
    assert refused.status_code == 400
    assert refused.json()["errors"]["panel_case"] == ["No such panel case."]


def test_the_action_detail_is_access_logged(panel, key_client):
    """Reading one action writes a view row."""
    response = key_client(panel.housing).get(f"{API}actions/{panel.housing_action.pk}/")

    assert response.status_code == 200
    assert set(response.json()) == ACTION_FIELDS
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW,
        object_type="perpetrator_panel.panelaction",
        object_id=str(panel.housing_action.pk),
    ).exists()


# --- Steps -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", list(STEPS))
def test_the_assigned_agency_takes_each_step(panel, key_client, step):
    """The police key takes each step on its action and gets the action back."""
    body = {**STEPS[step], "on": today().isoformat()}

    response = key_client(panel.police).post(f"{API}actions/{panel.police_action.pk}/{step}/", body)

    assert response.status_code == 200, response.content
    data = response.json()
    assert set(data) == ACTION_FIELDS
    expected = {"update": "open", "complete": "done", "not-done": "not_done"}[step]
    assert data["status"] == expected
    assert len(data["updates"]) == 1
    panel.police_action.refresh_from_db()
    assert panel.police_action.status == expected


OUTSIDERS = [
    ("member_on_police", 403),
    ("police_on_housing", 403),
    ("housing_on_police", 404),
    ("health_on_police", 404),
]


@pytest.mark.parametrize(
    ("step", "who", "expected"),
    [
        (step, who, expected)
        for step in (*STEPS, "compliance")
        for who, expected in OUTSIDERS
        # A panel member records compliance on any action: see the compliance tests.
        if not (step == "compliance" and who == "member_on_police")
    ],
)
def test_callers_who_are_not_the_assigned_agency_may_not_take_steps(panel, key_client, step, who, expected):
    """A member (not of the police) and the police see an action of another agency but may not act on it
    (403); agencies that cannot see it get 404. Nothing is written."""
    client, action = {
        "member_on_police": (lambda: as_user(panel.member), panel.police_action),
        "police_on_housing": (lambda: key_client(panel.police), panel.housing_action),
        "housing_on_police": (lambda: key_client(panel.housing), panel.police_action),
        "health_on_police": (lambda: key_client(panel.health), panel.police_action),
    }[who]
    body = {**STEPS.get(step, {"compliance": "complied"}), "on": today().isoformat()}

    response = client().post(f"{API}actions/{action.pk}/{step}/", body)

    assert response.status_code == expected, response.content
    action.refresh_from_db()
    assert (action.status, action.updates, action.compliance) == ("open", [], "")


@pytest.mark.parametrize("step", [*STEPS, "compliance"])
def test_a_read_only_key_may_not_post(panel, key_client, step):
    """A read-scoped key of the assigned agency answers 403 to every step and writes nothing."""
    body = {**STEPS.get(step, {"compliance": "complied"}), "on": today().isoformat()}

    response = key_client(panel.police, scope=ApiKey.Scope.READ).post(
        f"{API}actions/{panel.police_action.pk}/{step}/", body
    )

    assert response.status_code == 403
    panel.police_action.refresh_from_db()
    assert (panel.police_action.status, panel.police_action.updates, panel.police_action.compliance) == (
        "open",
        [],
        "",
    )


@pytest.mark.parametrize(
    ("step", "body", "field"),
    [
        ("update", {"text": ""}, "text"),
        ("update", {"text": "Visited.", "on": "tomorrow"}, "on"),
        ("complete", {}, "on"),
        ("complete", {"on": "FUTURE"}, "on"),
        ("not-done", {"reason": "busy", "on": "TODAY"}, "reason"),
        ("not-done", {"reason": "agency_did_not_act"}, "on"),
        ("compliance", {"compliance": "mostly"}, "compliance"),
        ("compliance", {}, "compliance"),
    ],
)
def test_bad_step_input_is_400_naming_the_field(panel, key_client, step, body, field):
    """Bad input answers 400 with the field's errors, and the action is unchanged."""
    days = {"FUTURE": (today() + timedelta(days=1)).isoformat(), "TODAY": today().isoformat()}
    body = {name: days.get(value, value) for name, value in body.items()}

    response = key_client(panel.police).post(f"{API}actions/{panel.police_action.pk}/{step}/", body)

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    panel.police_action.refresh_from_db()
    assert (panel.police_action.status, panel.police_action.updates, panel.police_action.compliance) == (
        "open",
        [],
        "",
    )


def test_a_closed_action_cannot_be_completed_again(panel, key_client):
    """A second completion is refused in `non_field_errors`."""
    client = key_client(panel.police)
    url = f"{API}actions/{panel.police_action.pk}/complete/"

    assert client.post(url, {"on": today().isoformat()}).status_code == 200
    again = client.post(url, {"on": today().isoformat()})

    assert again.status_code == 400
    assert again.json()["errors"]["non_field_errors"]


@pytest.mark.parametrize("compliance", ["complied", "partly", "did_not_comply", ""])
def test_the_assigned_agency_records_compliance(panel, key_client, compliance):
    """Housing records the perpetrator's compliance with its action (any value, or back to not applicable)."""
    PanelAction.objects.filter(pk=panel.housing_action.pk).update(compliance="partly" if not compliance else "")

    response = key_client(panel.housing).post(
        f"{API}actions/{panel.housing_action.pk}/compliance/", {"compliance": compliance}
    )

    assert response.status_code == 200, response.content
    assert response.json()["compliance"] == compliance
    panel.housing_action.refresh_from_db()
    assert panel.housing_action.compliance == compliance


def test_a_panel_member_records_compliance_on_any_action(panel):
    """A panel member (not of the police) records compliance on the police action."""
    response = as_user(panel.member).post(
        f"{API}actions/{panel.police_action.pk}/compliance/", {"compliance": "did_not_comply"}
    )

    assert response.status_code == 200, response.content
    panel.police_action.refresh_from_db()
    assert panel.police_action.compliance == "did_not_comply"


@pytest.mark.parametrize("step", ["update", "compliance"])
def test_an_idempotency_key_replays_the_first_response(panel, key_client, step):
    """The same key and body replays the first response; the step is taken once."""
    client = key_client(panel.police)
    url = f"{API}actions/{panel.police_action.pk}/{step}/"
    body = (
        {"text": "Called his probation officer.", "on": today().isoformat()}
        if step == "update"
        else {"compliance": "complied"}
    )

    first = client.post(url, body, HTTP_IDEMPOTENCY_KEY=f"{step}-1")
    PanelAction.objects.filter(pk=panel.police_action.pk).update(compliance="partly")
    second = client.post(url, body, HTTP_IDEMPOTENCY_KEY=f"{step}-1")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    panel.police_action.refresh_from_db()
    assert len(panel.police_action.updates) == (1 if step == "update" else 0)
    # The replay did not record compliance again over the change made in between.
    assert panel.police_action.compliance == "partly"


# --- Query counts ------------------------------------------------------------------------------------


def more_rows(panel: Panel, count: int) -> None:
    """`count` more panel cases, each with an action for the police and one for housing."""
    for _ in range(count):
        perpetrator, cases = perpetrator_with_history(recorder=panel.police_worker)
        panel_case = open_panel_case(panel.member, perpetrator=perpetrator, cases=cases)
        for agency in (panel.police, panel.housing):
            panel_action_create(
                actor=panel.member,
                panel_case=panel_case,
                assigned_agency=agency,
                description="Share intelligence.",
                due_on=today() + timedelta(days=14),
            )


@pytest.mark.parametrize("path", ["cases/", "actions/"])
@pytest.mark.parametrize("who", ["member", "police_key", "housing_key"])
def test_list_query_counts_do_not_grow_with_rows(panel, key_client, django_assert_num_queries, path, who):
    """Several panel cases and actions take exactly as many queries as one, for each kind of caller."""
    client = {
        "member": lambda: as_user(panel.member),
        "police_key": lambda: key_client(panel.police),
        "housing_key": lambda: key_client(panel.housing),
    }[who]()
    client.get(f"{API}{path}")  # a key's first use records it: not part of the list's cost
    with CaptureQueriesContext(connection) as few:
        first = client.get(f"{API}{path}")
    more_rows(panel, 3)

    with django_assert_num_queries(len(few)):
        response = client.get(f"{API}{path}")

    assert response.status_code == first.status_code == 200
    if path == "cases/" and who == "housing_key":
        assert response.json()["count"] == 0
    else:
        assert response.json()["count"] == first.json()["count"] + 3 * (
            1 if path == "cases/" or who == "housing_key" else 2
        )


# --- The schema --------------------------------------------------------------------------------------


def test_the_schema_lists_the_panel_endpoints(panel):
    """The OpenAPI schema has every panel path; each POST takes the Idempotency-Key."""
    schema = as_user(panel.member).get("/api/v1/schema/", {"format": "json"}).json()

    for path in ("cases/", "cases/{id}/", "actions/", "actions/{id}/"):
        assert f"{API}{path}" in schema["paths"]
    for step in (*STEPS, "compliance"):
        operation = schema["paths"][f"{API}actions/{{id}}/{step}/"]["post"]
        assert "Idempotency-Key" in {parameter["name"] for parameter in operation["parameters"]}
    assert {"status", "flag", "updated_since"} <= {
        parameter["name"] for parameter in schema["paths"][f"{API}cases/"]["get"]["parameters"]
    }
    assert "post" not in schema["paths"][f"{API}cases/"]
    text = json.dumps(schema["components"]["schemas"]["PanelCaseDetailOutput"])
    assert "safe_" not in text


@pytest.mark.parametrize("path", ["cases/{big}/", "actions/{big}/"])
def test_an_id_too_large_for_the_database_is_404(panel, path):
    """An id beyond 64 bits is not found (not a server error)."""
    response = as_user(panel.member).get(f"{API}{path.format(big='9' * 30)}")

    assert response.status_code == 404
