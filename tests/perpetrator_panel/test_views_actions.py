"""The perpetrator panel's action pages: the actions assigned to the user's agency, and the page where that
agency records progress, done or not done, and the perpetrator's compliance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from agencies.models import Agency, AgencyAction, Role, User
from audit.models import AccessLog
from perpetrator_panel.models import PanelAction, PanelCase
from perpetrator_panel.services import panel_action_create
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import case_worker
from tests.factories.panel import open_panel_case, panel_member, police_agency

pytestmark = pytest.mark.django_db

LIST = reverse("panel-agency-actions")


@dataclass
class Panel:
    """A panel case opened 30 days ago; a housing agency and a children's services agency (neither sees the
    panel); a police officer (sees it, is no panel member) and a panel member."""

    member: User
    officer: User
    housing: Agency
    housing_officer: User
    childrens_services: Agency
    social_worker: User
    panel_case: PanelCase


@pytest.fixture
def panel() -> Panel:
    member = panel_member()
    housing = AgencyFactory(kind=Agency.Kind.HOUSING)
    childrens_services = AgencyFactory(kind=Agency.Kind.CHILDRENS_SOCIAL_CARE)
    panel_case = open_panel_case(member, opened_on=timezone.localdate() - timedelta(days=30))
    return Panel(
        member,
        case_worker(police_agency()),
        housing,
        case_worker(housing),
        childrens_services,
        case_worker(childrens_services),
        panel_case,
    )


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _action(
    panel: Panel,
    agency: Agency,
    *,
    due_in: int = 14,
    agreed_days_ago: int = 0,
    description: str = "Serve notice of tenancy breach.",
) -> PanelAction:
    today = timezone.localdate()
    return panel_action_create(
        actor=panel.member,
        panel_case=panel.panel_case,
        assigned_agency=agency,
        description=description,
        due_on=today + timedelta(days=due_in),
        agreed_on=today - timedelta(days=agreed_days_ago),
    )


def _url(action: PanelAction) -> str:
    return reverse("panel-action-update", kwargs={"pk": action.pk})


def _date(field: str, day: date) -> dict[str, str]:
    return {f"{field}_day": str(day.day), f"{field}_month": str(day.month), f"{field}_year": str(day.year)}


# --- The agency's list -----------------------------------------------------------------------------------


def test_agency_actions_list_filters_open_overdue_and_all(panel):
    """Open by default; overdue only those past due; all includes the done; never another agency's."""
    late = _action(panel, panel.housing, due_in=-2, agreed_days_ago=10, description="Late action.")
    _action(panel, panel.housing, due_in=10, description="Upcoming action.")
    done = _action(panel, panel.housing, due_in=5, description="Finished action.")
    done.status, done.completed_on = AgencyAction.Status.DONE, timezone.localdate()
    done.save()
    _action(panel, panel.childrens_services, description="Other agency action.")
    client = _client(panel.housing_officer)

    shown = {show: client.get(LIST, {"show": show} if show else {}).content.decode() for show in ("", "overdue", "all")}

    assert "Late action." in shown[""]
    assert "Upcoming action." in shown[""]
    assert "Finished action." not in shown[""]
    assert "Late action." in shown["overdue"]
    assert "Upcoming action." not in shown["overdue"]
    assert ">Overdue<" in shown["overdue"]
    assert "Finished action." in shown["all"]
    assert all("Other agency action." not in content for content in shown.values())
    assert _url(late) in shown[""]
    assert panel.panel_case.reference in shown[""]
    assert escape(panel.panel_case.perpetrator.full_name) in shown[""]
    for case in panel.panel_case.cases.select_related("victim"):
        assert escape(case.victim.full_name) not in shown["all"]
    assert AccessLog.objects.filter(action=AccessLog.Action.LIST, object_type="perpetrator_panel.panelaction").exists()


def test_panel_member_sees_only_their_own_agency_on_this_list(panel):
    """A panel member sees every action elsewhere, but this page lists only their agency's."""
    _action(panel, panel.member.agency, description="Probation's action.")
    _action(panel, panel.housing, description="Housing's action.")
    content = _client(panel.member).get(LIST).content.decode()
    assert "Probation&#x27;s action." in content
    assert "Housing&#x27;s action." not in content


def test_agency_actions_query_count_is_constant(panel, django_assert_num_queries):
    """One action or several: the same number of queries."""
    _action(panel, panel.housing, due_in=1)
    client = _client(panel.housing_officer)
    client.get(LIST, {"show": "all"})
    with CaptureQueriesContext(connection) as one:
        client.get(LIST, {"show": "all"})
    for day in range(2, 9):
        _action(panel, panel.housing, due_in=day)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(LIST, {"show": "all"})
    assert response.content.decode().count("Serve notice of tenancy breach.") == 8


@pytest.mark.parametrize(("who", "status_code"), [("housing_officer", 200), ("analyst", 403)])
def test_who_may_see_the_agency_actions(panel, who, status_code):
    """Any case worker sees the list (of their agency's actions); an analyst gets 403."""
    user = (
        panel.housing_officer if who == "housing_officer" else UserFactory(agency=panel.housing, roles=[Role.ANALYST])
    )
    assert _client(user).get(LIST).status_code == status_code


@pytest.mark.parametrize("page", ["list", "update"])
def test_anonymous_users_are_sent_to_sign_in(panel, client, page):
    """Both pages ask an anonymous visitor to sign in."""
    url = LIST if page == "list" else _url(_action(panel, panel.housing))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Updating an action ---------------------------------------------------------------------------------------


def test_the_assigned_agency_sees_the_action_but_no_victim(panel):
    """The panel case reference, perpetrator and action; never a victim's name; the view is logged."""
    action = _action(panel, panel.housing)
    content = _client(panel.housing_officer).get(_url(action)).content.decode()

    assert panel.panel_case.reference in content
    assert escape(panel.panel_case.perpetrator.full_name) in content
    assert "Serve notice of tenancy breach." in content
    assert 'name="form" value="progress"' in content
    assert 'name="form" value="compliance"' in content
    # The housing officer may not see the panel case: no link to it.
    assert reverse("panel-case-detail", kwargs={"pk": panel.panel_case.pk}) not in content
    for case in panel.panel_case.cases.select_related("victim"):
        assert escape(case.victim.full_name) not in content
        assert case.reference not in content
    assert "aria-expanded" not in content
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, object_type="perpetrator_panel.panelaction", object_id=str(action.pk)
    ).exists()


def test_the_assigned_agency_adds_progress_then_marks_done(panel):
    """A progress note, then done on a day: both kept in the action's notes; the forms then go."""
    action = _action(panel, panel.housing)
    client = _client(panel.housing_officer)

    response = client.post(_url(action), {"form": "progress", "progress-text": "Visited the address."}, follow=True)

    assert "Progress note added." in response.content.decode()
    action.refresh_from_db()
    assert action.updates[-1]["text"] == "Visited the address."

    today = timezone.localdate()
    client.post(_url(action), {"form": "done", **_date("done-on", today), "done-note": "Notice served."})

    action.refresh_from_db()
    assert (action.status, action.completed_on) == (AgencyAction.Status.DONE, today)
    content = client.get(_url(action)).content.decode()
    assert 'value="done"' not in content
    assert "Visited the address." in content


def test_not_done_needs_its_reason(panel):
    """Without a reason it is refused and nothing changes; with one it is recorded."""
    action = _action(panel, panel.housing)
    client = _client(panel.housing_officer)
    today = timezone.localdate()

    refused = client.post(_url(action), {"form": "not_done", **_date("not_done-on", today)})

    assert refused.status_code == 200
    assert "Select why it was not done" in refused.content.decode()
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.OPEN

    client.post(
        _url(action), {"form": "not_done", "not_done-reason": "circumstances_changed", **_date("not_done-on", today)}
    )

    action.refresh_from_db()
    assert (action.status, action.not_done_reason) == (AgencyAction.Status.NOT_DONE, "circumstances_changed")


def test_a_date_in_the_future_is_refused_by_the_service(panel):
    """The service's error comes back on the date field; the action stays open."""
    action = _action(panel, panel.housing)
    response = _client(panel.housing_officer).post(
        _url(action), {"form": "done", **_date("done-on", timezone.localdate() + timedelta(days=3))}
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in response.content.decode()
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.OPEN


def test_the_assigned_agency_records_compliance(panel):
    """Complied, then back to not applicable."""
    action = _action(panel, panel.housing)
    client = _client(panel.housing_officer)

    response = client.post(_url(action), {"form": "compliance", "compliance-compliance": "partly"}, follow=True)

    assert "Compliance recorded." in response.content.decode()
    action.refresh_from_db()
    assert action.compliance == PanelAction.Compliance.PARTLY

    client.post(_url(action), {"form": "compliance", "compliance-compliance": "not_applicable"})
    action.refresh_from_db()
    assert action.compliance == ""


def test_compliance_needs_an_answer(panel):
    """No answer, or one not on the list: the field's error; nothing written."""
    action = _action(panel, panel.housing)
    client = _client(panel.housing_officer)
    for data in ({"form": "compliance"}, {"form": "compliance", "compliance-compliance": "maybe"}):
        response = client.post(_url(action), data)
        assert response.status_code == 200
        assert "Select whether he complied" in response.content.decode()
    action.refresh_from_db()
    assert action.compliance == ""


@pytest.mark.parametrize(
    ("who", "get_status", "progress_status", "compliance_status"),
    [
        ("housing_officer", 200, 302, 302),
        ("social_worker", 404, 404, 404),
        ("officer", 200, 403, 403),
        ("member", 200, 403, 302),
    ],
)
def test_who_may_see_and_update_an_action(panel, who, get_status, progress_status, compliance_status):
    """Another agency cannot see the action (404); the police see it but may not update it (403); a panel
    member sees it and records compliance, but not progress (403)."""
    action = _action(panel, panel.housing)
    client = _client(getattr(panel, who))

    assert client.get(_url(action)).status_code == get_status
    progress = client.post(_url(action), {"form": "progress", "progress-text": "Tried to update."})
    compliance = client.post(_url(action), {"form": "compliance", "compliance-compliance": "complied"})

    assert (progress.status_code, compliance.status_code) == (progress_status, compliance_status)
    action.refresh_from_db()
    assert bool(action.updates) == (who == "housing_officer")
    assert (action.compliance == "complied") == (who in {"housing_officer", "member"})


def test_a_panel_member_sees_no_step_forms_but_the_compliance_form(panel):
    """On another agency's action a panel member gets compliance, a link to the case, no progress form."""
    action = _action(panel, panel.housing)
    content = _client(panel.member).get(_url(action)).content.decode()
    assert 'name="form" value="progress"' not in content
    assert 'name="form" value="compliance"' in content
    assert reverse("panel-case-detail", kwargs={"pk": panel.panel_case.pk}) in content
