"""The member agencies' MARAC pages (their cases on agendas, research, their actions) and the
coordinator's chase list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from agencies.models import Agency, AgencyAction, Area, Role, User
from audit.models import AccessLog
from cases.services import safe_contact_save
from marac.models import AgendaItem, MaracAction, MaracMeeting, MeetingSchedule, Research
from marac.services import agenda_build, agenda_publish, marac_action_create, meetings_generate
from referrals.models import Referral
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.cases import case_worker, idva_service, make_case
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = date(2026, 3, 25)
SAFE_PHONE = "07700 900456"


@dataclass
class Marac:
    """An area's MARAC: Wednesday 25 March 2026's agenda (two cases) published; it is the evening before."""

    area: Area
    coordinator: User
    police: Agency
    officer: User
    childrens_services: Agency
    social_worker: User
    housing_not_member: Agency
    meeting: MaracMeeting
    items: list[AgendaItem]


@pytest.fixture
def marac(time_machine) -> Marac:
    area = AreaFactory()
    coordinator = UserFactory(agency=idva_service(area), roles=[Role.MARAC_COORDINATOR])
    police = AgencyFactory(kind=Agency.Kind.POLICE, areas=[area])
    childrens_services = AgencyFactory(kind=Agency.Kind.CHILDRENS_SOCIAL_CARE, areas=[area])
    housing = AgencyFactory(kind=Agency.Kind.HOUSING, areas=[area], is_marac_member=False)
    schedule = MeetingSchedule.objects.create(
        area=area, weekdays=[1, 3, 5], starts_at=time(10, 0), capacity=2, effective_from=date(2026, 1, 1), weeks_ahead=2
    )
    meetings_generate(schedule=schedule, today=date(2026, 3, 23))
    time_machine.move_to(datetime(2026, 3, 24, 17, 0, tzinfo=LONDON), tick=False)
    officer = case_worker(agency=police)
    for received in (16, 17):
        case = make_case(officer, area=area)
        police_referral(
            service=Referral.Service.MARAC, referrer=officer, case=case, received_on=date(2026, 3, received)
        )
        safe_contact_save(actor=officer, case=case, data={"safe_phone": SAFE_PHONE})
    agenda_build(actor=coordinator, area=area)
    meeting = MaracMeeting.objects.get(area=area, scheduled_on=WEDNESDAY)
    agenda_publish(actor=coordinator, meeting=meeting)
    meeting.refresh_from_db()
    social_worker = case_worker(agency=childrens_services)
    items = list(meeting.agenda_items.order_by("position"))
    return Marac(area, coordinator, police, officer, childrens_services, social_worker, housing, meeting, items)


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _research_url(item: AgendaItem) -> str:
    return reverse("marac-research", kwargs={"pk": item.pk})


def _action(marac: Marac, agency: Agency, *, due_on: date, description: str = "Share the safety plan.") -> MaracAction:
    return marac_action_create(
        actor=marac.coordinator, item=marac.items[0], assigned_agency=agency, description=description, due_on=due_on
    )


def _date(field: str, day: date) -> dict[str, str]:
    return {f"{field}_day": str(day.day), f"{field}_month": str(day.month), f"{field}_year": str(day.year)}


# --- Who may open which page -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status_code"),
    [("police", 200), ("childrens_services", 200), ("housing_not_member", 403), ("analyst", 403)],
)
def test_who_may_see_the_agency_cases(marac, who, status_code):
    """Case workers of member agencies see their MARAC cases; non-members and analysts get 403."""
    users = {
        "police": lambda: marac.officer,
        "childrens_services": lambda: marac.social_worker,
        "housing_not_member": lambda: case_worker(agency=marac.housing_not_member),
        "analyst": lambda: UserFactory(agency=marac.police, roles=[Role.ANALYST]),
    }
    response = _client(users[who]()).get(reverse("marac-agency-cases"))
    assert response.status_code == status_code


@pytest.mark.parametrize(
    "name", ["marac-agency-cases", "marac-agency-actions", "marac-chase-list", "marac-research", "marac-action-update"]
)
def test_anonymous_users_are_sent_to_sign_in(marac, client, name):
    """Every page asks an anonymous visitor to sign in."""
    kwargs = {"pk": marac.items[0].pk} if name in {"marac-research", "marac-action-update"} else {}
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("who", "status_code"), [("coordinator", 200), ("police", 403), ("analyst", 403)])
def test_only_a_coordinator_sees_the_chase_list(marac, who, status_code):
    """The chase list is the coordinator's."""
    users = {
        "coordinator": lambda: marac.coordinator,
        "police": lambda: marac.officer,
        "analyst": lambda: UserFactory(agency=marac.coordinator.agency, roles=[Role.ANALYST]),
    }
    assert _client(users[who]()).get(reverse("marac-chase-list")).status_code == status_code


def test_navigation_offers_marac_pages_by_role(marac):
    """The coordinator gets meetings and the chase list; a member agency's worker its cases and actions."""
    coordinator_page = _client(marac.coordinator).get(reverse("home")).content.decode()
    assert reverse("marac-meeting-list") in coordinator_page
    assert reverse("marac-chase-list") in coordinator_page
    officer_page = _client(marac.officer).get(reverse("home")).content.decode()
    assert reverse("marac-agency-cases") in officer_page
    assert reverse("marac-agency-actions") in officer_page
    assert reverse("marac-chase-list") not in officer_page
    housing_page = _client(case_worker(agency=marac.housing_not_member)).get(reverse("home")).content.decode()
    assert reverse("marac-agency-cases") not in housing_page


# --- The agency's cases and research ------------------------------------------------------------------------


def test_agency_cases_list_each_case_with_its_research_status(marac):
    """Both cases, with the agency's own research state: submitted, or not started."""
    Research.objects.create(
        agenda_item=marac.items[0], agency=marac.police, facts="Call-outs.", submitted_at=marac.meeting.starts_at
    )
    Research.objects.create(agenda_item=marac.items[1], agency=marac.childrens_services, facts="Open case.")

    content = _client(marac.officer).get(reverse("marac-agency-cases")).content.decode()

    for item in marac.items:
        assert item.referral.case.reference in content
        assert _research_url(item) in content
        assert escape(item.referral.case.victim.full_name) in content
    assert content.count(">Submitted<") == 1
    assert content.count(">Not started<") == 1
    assert ">Draft<" not in content
    assert AccessLog.objects.filter(action=AccessLog.Action.LIST, object_type="marac.agendaitem").exists()


def test_agency_cases_query_count_is_constant(marac, django_assert_max_num_queries):
    """The list, its research states and the page's frame load in a fixed number of queries."""
    for item in marac.items:
        Research.objects.create(agenda_item=item, agency=marac.police, facts="Call-outs.")
    client = _client(marac.officer)
    client.get(reverse("marac-agency-cases"))
    # One more on PostgreSQL: the access log's advisory lock (ADR 5).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("marac-agency-cases"))
    assert response.content.decode().count(">Draft<") == 2


def test_research_page_shows_the_case_facts_but_never_the_safe_contact(marac):
    """Reference, meeting date and victim name; the safe phone number nowhere; the view is logged."""
    item = marac.items[0]
    content = _client(marac.social_worker).get(_research_url(item)).content.decode()

    for text in (item.referral.case.reference, escape(item.referral.case.victim.full_name), "25 March 2026"):
        assert text in content, text
    assert SAFE_PHONE not in content
    assert "Does your agency hold relevant information?" in content
    assert "aria-expanded" not in content
    assert "style=" not in content
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, object_type="cases.case", object_id=str(item.referral.case_id)
    ).exists()


def test_police_save_research_as_a_draft_then_submit_it(marac):
    """Save as draft keeps it unsubmitted; submit stamps it; the form shows what was saved."""
    item = marac.items[0]
    client = _client(marac.officer)
    answers = {"holds_information": "yes", "facts": "Three call-outs since January.", "opinion": "Escalating."}

    response = client.post(_research_url(item), {**answers, "submit": "draft"})

    assert response.status_code == 302
    research = Research.objects.get(agenda_item=item, agency=marac.police)
    assert research.submitted_at is None
    assert (research.facts, research.opinion) == ("Three call-outs since January.", "Escalating.")
    assert "Three call-outs since January." in client.get(_research_url(item)).content.decode()

    client.post(_research_url(item), {**answers, "withheld": "A sealed court order.", "submit": "submit"})

    research.refresh_from_db()
    assert research.submitted_at is not None
    assert research.withheld == "A sealed court order."
    assert Research.objects.count() == 1


def test_research_holding_nothing_keeps_nothing_typed_under_yes(marac):
    """ "No" records that the agency holds nothing; text typed under "Yes" is dropped."""
    item = marac.items[1]
    _client(marac.social_worker).post(
        _research_url(item), {"holds_information": "no", "facts": "Typed by mistake.", "submit": "submit"}
    )
    research = Research.objects.get(agenda_item=item, agency=marac.childrens_services)
    assert (research.holds_information, research.facts) == (False, "")


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"facts": "Something."}, "Select yes if your agency holds relevant information"),
        ({"holds_information": "yes"}, "Record the relevant facts the agency holds."),
    ],
)
def test_incomplete_research_is_refused_and_writes_nothing(marac, answers, message):
    """No answer, or "yes" without facts: the error summary says what is missing; nothing is written."""
    response = _client(marac.officer).post(_research_url(marac.items[0]), {**answers, "submit": "submit"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert message in content
    assert not Research.objects.exists()


@pytest.mark.parametrize(
    ("who", "status_code"), [("housing_not_member", 404), ("other_area_police", 404), ("analyst", 403)]
)
def test_research_is_refused_outside_the_marac(marac, who, status_code):
    """A non-member agency and another area's agency get 404 (reading or writing); an analyst 403."""
    users = {
        "housing_not_member": lambda: case_worker(agency=marac.housing_not_member),
        "other_area_police": lambda: case_worker(agency=AgencyFactory(kind=Agency.Kind.POLICE)),
        "analyst": lambda: UserFactory(agency=marac.police, roles=[Role.ANALYST]),
    }
    client = _client(users[who]())
    assert client.get(_research_url(marac.items[0])).status_code == status_code
    response = client.post(
        _research_url(marac.items[0]), {"holds_information": "yes", "facts": "x", "submit": "submit"}
    )
    assert response.status_code == status_code
    assert not Research.objects.exists()


# --- Actions -------------------------------------------------------------------------------------------------


def test_agency_actions_list_filters_open_overdue_and_all(marac, time_machine):
    """Open by default; overdue only those past due; all includes the done; never another agency's."""
    time_machine.move_to(datetime(2026, 4, 10, 12, 0, tzinfo=LONDON), tick=False)
    late = _action(marac, marac.police, due_on=date(2026, 4, 1), description="Late action.")
    _action(marac, marac.police, due_on=date(2026, 4, 30), description="Upcoming action.")
    done = _action(marac, marac.police, due_on=date(2026, 4, 20), description="Finished action.")
    done.status, done.completed_on = AgencyAction.Status.DONE, date(2026, 4, 10)
    done.save()
    _action(marac, marac.childrens_services, due_on=date(2026, 4, 2), description="Other agency action.")
    client = _client(marac.officer)
    url = reverse("marac-agency-actions")

    shown = {show: client.get(url, {"show": show} if show else {}).content.decode() for show in ("", "overdue", "all")}

    assert "Late action." in shown[""]
    assert "Upcoming action." in shown[""]
    assert "Finished action." not in shown[""]
    assert "Late action." in shown["overdue"]
    assert "Upcoming action." not in shown["overdue"]
    assert ">Overdue<" in shown["overdue"]
    assert "Finished action." in shown["all"]
    assert all("Other agency action." not in content for content in shown.values())
    assert reverse("marac-action-update", kwargs={"pk": late.pk}) in shown[""]


def test_agency_actions_query_count_is_constant(marac, time_machine, django_assert_max_num_queries):
    """Many actions load in a fixed number of queries."""
    time_machine.move_to(datetime(2026, 3, 25, 12, 0, tzinfo=LONDON), tick=False)
    for day in range(1, 9):
        _action(marac, marac.police, due_on=date(2026, 4, day))
    client = _client(marac.officer)
    client.get(reverse("marac-agency-actions"))
    with django_assert_max_num_queries(12):  # 11, and the access log's lock on PostgreSQL
        response = client.get(reverse("marac-agency-actions"), {"show": "all"})
    assert response.content.decode().count("Share the safety plan.") == 8


def test_the_assigned_agency_adds_progress_then_marks_done(marac, time_machine):
    """A progress note, then done on a day: both kept in the action's notes."""
    time_machine.move_to(datetime(2026, 3, 25, 12, 0, tzinfo=LONDON), tick=False)
    action = _action(marac, marac.police, due_on=date(2026, 4, 1))
    client = _client(marac.officer)
    url = reverse("marac-action-update", kwargs={"pk": action.pk})

    response = client.post(url, {"form": "progress", "progress-text": "Marker placed on the address."}, follow=True)

    assert "Progress note added." in response.content.decode()
    action.refresh_from_db()
    assert action.updates[-1]["text"] == "Marker placed on the address."

    client.post(url, {"form": "done", **_date("done-on", date(2026, 3, 25)), "done-note": "Done."})

    action.refresh_from_db()
    assert (action.status, action.completed_on) == (AgencyAction.Status.DONE, date(2026, 3, 25))
    assert 'value="done"' not in client.get(url).content.decode()


def test_not_done_needs_its_reason(marac, time_machine):
    """Without a reason it is refused and nothing changes; with one it is recorded."""
    time_machine.move_to(datetime(2026, 3, 26, 12, 0, tzinfo=LONDON), tick=False)
    action = _action(marac, marac.childrens_services, due_on=date(2026, 4, 1))
    client = _client(marac.social_worker)
    url = reverse("marac-action-update", kwargs={"pk": action.pk})

    refused = client.post(url, {"form": "not_done", **_date("not_done-on", date(2026, 3, 26))})

    assert refused.status_code == 200
    assert "Select why it was not done" in refused.content.decode()
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.OPEN

    client.post(
        url, {"form": "not_done", "not_done-reason": "circumstances_changed", **_date("not_done-on", date(2026, 3, 26))}
    )

    action.refresh_from_db()
    assert (action.status, action.not_done_reason) == (AgencyAction.Status.NOT_DONE, "circumstances_changed")


def test_a_date_in_the_future_is_refused_by_the_service(marac, time_machine):
    """The service's error comes back on the date field; the action stays open."""
    time_machine.move_to(datetime(2026, 3, 25, 12, 0, tzinfo=LONDON), tick=False)
    action = _action(marac, marac.police, due_on=date(2026, 4, 1))
    response = _client(marac.officer).post(
        reverse("marac-action-update", kwargs={"pk": action.pk}),
        {"form": "done", **_date("done-on", date(2026, 3, 30))},
    )
    assert "The date cannot be in the future." in response.content.decode()
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.OPEN


@pytest.mark.parametrize(("who", "status_code"), [("police", 200), ("childrens_services", 404), ("coordinator", 403)])
def test_only_the_assigned_agency_updates_an_action(marac, time_machine, who, status_code):
    """Another agency cannot see the action (404); the coordinator sees it but may not update it (403)."""
    time_machine.move_to(datetime(2026, 3, 25, 12, 0, tzinfo=LONDON), tick=False)
    action = _action(marac, marac.police, due_on=date(2026, 4, 1))
    users = {"police": marac.officer, "childrens_services": marac.social_worker, "coordinator": marac.coordinator}
    client = _client(users[who])
    url = reverse("marac-action-update", kwargs={"pk": action.pk})

    assert client.get(url).status_code == status_code
    client.post(url, {"form": "progress", "progress-text": "Tried to update."})

    action.refresh_from_db()
    assert bool(action.updates) == (who == "police")


# --- The chase list ------------------------------------------------------------------------------------------


def test_chase_list_shows_overdue_open_actions_oldest_due_first(marac, time_machine, django_assert_max_num_queries):
    """Only open actions past due, oldest first, with their agency and meeting; in fixed queries."""
    time_machine.move_to(datetime(2026, 4, 10, 12, 0, tzinfo=LONDON), tick=False)
    _action(marac, marac.childrens_services, due_on=date(2026, 4, 3), description="Second oldest.")
    _action(marac, marac.police, due_on=date(2026, 3, 30), description="Oldest.")
    _action(marac, marac.police, due_on=date(2026, 4, 20), description="Not yet due.")
    done = _action(marac, marac.police, due_on=date(2026, 3, 31), description="Done already.")
    done.status, done.completed_on = AgencyAction.Status.DONE, date(2026, 4, 1)
    done.save()
    client = _client(marac.coordinator)
    client.get(reverse("marac-chase-list"))

    with django_assert_max_num_queries(12):  # 11, and the access log's lock on PostgreSQL
        content = client.get(reverse("marac-chase-list")).content.decode()

    assert content.index("Oldest.") < content.index("Second oldest.")
    assert "Not yet due." not in content
    assert "Done already." not in content
    assert escape(marac.childrens_services.name) in content
    assert reverse("marac-minutes", kwargs={"pk": marac.meeting.pk}) in content
    assert "11 days late" in content
