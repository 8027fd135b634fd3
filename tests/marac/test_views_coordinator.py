"""The MARAC coordinator's pages: meetings, a meeting's agenda, building and publishing agendas, changing an
agenda item, the research matrix, the agenda downloads and the SafeLives return."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Area, Role, User
from audit.models import AccessLog
from marac.models import AgendaItem, MaracAction, MaracMeeting, MeetingSchedule, Research
from marac.services import agenda_build, agenda_publish, meetings_generate
from referrals.models import Referral
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# The clock stands at 17:00 on Tuesday 24 March 2026; meetings are Mondays, Wednesdays and Fridays at 10:00.
TODAY = date(2026, 3, 24)
WEDNESDAY, FRIDAY = date(2026, 3, 25), date(2026, 3, 27)


@dataclass
class Marac:
    """An area's MARAC: its coordinator, a police officer of a member agency, its meetings (two cases
    each) for the next two weeks, and three MARAC referrals waiting (the second with children)."""

    area: Area
    coordinator: User
    officer: User
    meetings: dict[date, MaracMeeting]
    referrals: list[Referral]

    def meeting(self, day: date) -> MaracMeeting:
        return MaracMeeting.objects.get(pk=self.meetings[day].pk)


@pytest.fixture
def marac(time_machine) -> Marac:
    area = AreaFactory()
    coordinator = UserFactory(agency=idva_service(area), roles=[Role.MARAC_COORDINATOR])
    officer = case_worker(agency=AgencyFactory(kind=Agency.Kind.POLICE, areas=[area]))
    schedule = MeetingSchedule.objects.create(
        area=area, weekdays=[1, 3, 5], starts_at=time(10, 0), capacity=2, effective_from=date(2026, 1, 1), weeks_ahead=2
    )
    meetings = {meeting.scheduled_on: meeting for meeting in meetings_generate(schedule=schedule, today=TODAY)}
    time_machine.move_to(datetime.combine(TODAY, time(17, 0), tzinfo=LONDON), tick=False)
    referrals = [
        _marac_referral(officer, area, received_on=date(2026, 3, day), children=children)
        for day, children in ((16, ()), (17, (4, 7)), (18, ()))
    ]
    return Marac(area, coordinator, officer, meetings, referrals)


@pytest.fixture
def built(marac) -> MaracMeeting:
    """The agendas built: Wednesday's meeting lists the two oldest (children first), Friday's the third."""
    agenda_build(actor=marac.coordinator, area=marac.area)
    return marac.meeting(WEDNESDAY)


@dataclass
class Elsewhere:
    """Another area's meeting, with one case on its agenda."""

    meeting: MaracMeeting
    item: AgendaItem


@pytest.fixture
def elsewhere(marac) -> Elsewhere:
    area = AreaFactory()
    meeting = MaracMeeting.objects.create(
        area=area, starts_at=datetime.combine(WEDNESDAY, time(14, 0), tzinfo=LONDON), capacity=5
    )
    referral = _marac_referral(marac.officer, area, received_on=date(2026, 3, 10))
    return Elsewhere(meeting, AgendaItem.objects.create(meeting=meeting, referral=referral, position=1))


def _overdue_action(marac: Marac, *, description: str) -> MaracAction:
    """An open action from a meeting held on 2 March 2026, due on 10 March: overdue now."""
    held = MaracMeeting.objects.create(
        area=marac.area, starts_at=datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), capacity=5, status="minutes_approved"
    )
    referral = _marac_referral(marac.officer, marac.area, received_on=date(2026, 2, 20))
    item = AgendaItem.objects.create(meeting=held, referral=referral, position=1, outcome="heard")
    return MaracAction.objects.create(
        agenda_item=item, assigned_agency=marac.officer.agency, description=description, due_on=date(2026, 3, 10)
    )


def _marac_referral(officer: User, area: Area, *, received_on: date, children: tuple[int, ...] = (), **case_kwargs):
    return police_referral(
        service=Referral.Service.MARAC,
        referrer=officer,
        case=make_case(officer, area=area, children=children, **case_kwargs),
        received_on=received_on,
    )


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _queries(client: Client, url: str, *, most: int) -> tuple[int, str]:
    """The number of queries a page runs (at most `most`: session, user, roles and second factor
    included, and on PostgreSQL the access log's advisory lock), and its content."""
    client.get(url)  # warm the session and the user's roles
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    assert len(context.captured_queries) <= most
    return len(context.captured_queries), response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _agenda(meeting: MaracMeeting) -> list[int]:
    return list(meeting.agenda_items.order_by("position").values_list("referral_id", flat=True))


# --- Who may see each page ----------------------------------------------------------------------------------


def _url(name: str, marac: Marac, meeting: MaracMeeting, item: AgendaItem) -> str:
    if name in {"marac-meeting-list", "marac-agenda-build", "marac-safelives-return"}:
        return reverse(name)
    if name == "marac-agenda-item-change":
        return reverse(name, kwargs={"pk": item.pk})
    return reverse(name, kwargs={"pk": meeting.pk})


PAGES = [
    "marac-meeting-list",
    "marac-meeting-detail",
    "marac-agenda-build",
    "marac-agenda-item-change",
    "marac-research-matrix",
    "marac-agenda-csv",
    "marac-agenda-pdf",
    "marac-safelives-return",
]
OBJECT_PAGES = [
    name for name in PAGES if name not in {"marac-meeting-list", "marac-agenda-build", "marac-safelives-return"}
]


@pytest.mark.parametrize("name", PAGES)
def test_coordinator_opens_each_page(marac, built, name):
    """The coordinator of the area gets each page."""
    url = _url(name, marac, built, built.agenda_items.first())
    assert _client(marac.coordinator).get(url).status_code == 200


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["police_rep", "analyst", "idva"])
def test_other_roles_are_refused_each_page(marac, built, name, who):
    """A police agency representative, an analyst and an IDVA get 403 on every coordinator page."""
    users = {
        "police_rep": marac.officer,
        "analyst": UserFactory(agency=idva_service(), roles=[Role.ANALYST]),
        "idva": UserFactory(agency=idva_service(), roles=[Role.IDVA]),
    }
    url = _url(name, marac, built, built.agenda_items.first())
    assert _client(users[who]).get(url).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, marac, built, name):
    """Nobody signed in is redirected to the sign-in page."""
    response = client.get(_url(name, marac, built, built.agenda_items.first()))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", OBJECT_PAGES)
def test_another_areas_meeting_is_not_found(marac, elsewhere, name):
    """A meeting or agenda item outside the coordinator's areas is a 404, not a 403."""
    url = _url(name, marac, elsewhere.meeting, elsewhere.item)
    assert _client(marac.coordinator).get(url).status_code == 404


def test_another_areas_meeting_cannot_be_published(marac, elsewhere):
    """Publishing another area's meeting is a 404 and changes nothing."""
    response = _client(marac.coordinator).post(reverse("marac-agenda-publish", kwargs={"pk": elsewhere.meeting.pk}))
    assert response.status_code == 404
    elsewhere.meeting.refresh_from_db()
    assert elsewhere.meeting.status == MaracMeeting.Status.SCHEDULED


# --- The meeting list -------------------------------------------------------------------------------------


def test_meeting_list_shows_upcoming_meetings_with_their_agenda_size(marac, built, elsewhere):
    """Upcoming meetings of the coordinator's areas only, earliest first, with cases listed of capacity."""
    response = _client(marac.coordinator).get(reverse("marac-meeting-list"))
    meetings = list(response.context["page"].object_list)
    assert meetings[0].pk == built.pk
    assert all(meeting.area_id == marac.area.pk for meeting in meetings)
    assert all(timezone.localdate(meeting.starts_at) >= TODAY for meeting in meetings)
    assert "2 of 2" in response.content.decode()
    assert "Scheduled" in response.content.decode()


def test_meeting_list_shows_past_meetings_when_asked(marac):
    """The past toggle lists the meetings before today instead, latest first."""
    monday = MaracMeeting.objects.create(
        area=marac.area, starts_at=datetime(2026, 3, 23, 10, 0, tzinfo=LONDON), capacity=2, status="held"
    )
    client = _client(marac.coordinator)
    upcoming = client.get(reverse("marac-meeting-list")).context["page"].object_list
    past = client.get(reverse("marac-meeting-list"), {"past": "on"}).context["page"].object_list
    assert monday not in upcoming
    assert list(past) == [monday]


def test_meeting_list_filters_by_kind_and_area(marac):
    """Filtering by MARAC Plus shows none (the area has no MARAC Plus schedule); by the area, all of them."""
    client = _client(marac.coordinator)
    plus = client.get(reverse("marac-meeting-list"), {"kind": "marac_plus"})
    assert list(plus.context["page"].object_list) == []
    by_area = client.get(reverse("marac-meeting-list"), {"area": marac.area.pk})
    assert len(by_area.context["page"].object_list) == len([d for d in marac.meetings if d >= TODAY])


def test_meeting_list_runs_a_fixed_number_of_queries(marac, built):
    """More meetings, more cases listed: the same number of queries."""
    client = _client(marac.coordinator)
    before, _ = _queries(client, reverse("marac-meeting-list"), most=8)
    for day in range(1, 6):
        MaracMeeting.objects.create(
            area=marac.area, starts_at=datetime.combine(date(2026, 5, day), time(10, 0), tzinfo=LONDON), capacity=3
        )
    after, content = _queries(client, reverse("marac-meeting-list"), most=8)
    assert "May 2026" in content
    assert after == before


# --- The meeting and its agenda -------------------------------------------------------------------------


def test_meeting_detail_shows_the_agenda_in_order_for_the_coordinator(marac, built):
    """Cases with children first, each with reference, victim name, referring agency and flags; logged."""
    response = _client(marac.coordinator).get(reverse("marac-meeting-detail", kwargs={"pk": built.pk}))
    content = response.content.decode()
    items = response.context["items"]
    assert [item.referral_id for item in items] == [marac.referrals[1].pk, marac.referrals[0].pk]
    first_case = marac.referrals[1].case
    assert first_case.reference in content
    assert first_case.victim.full_name in content
    assert marac.officer.agency.name in content
    assert "Children" in content
    assert "Publish the agenda" in content
    assert reverse("marac-minutes", kwargs={"pk": built.pk}) in content
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, object_type="marac.maracmeeting", object_id=str(built.pk), user=marac.coordinator
    ).exists()


def test_meeting_detail_lists_incomplete_actions_from_earlier_meetings(marac, built):
    """An open action past its due date from an earlier meeting shows with its case, agency and due day."""
    action = _overdue_action(marac, description="Fit a lock to the back door.")
    response = _client(marac.coordinator).get(reverse("marac-meeting-detail", kwargs={"pk": built.pk}))
    content = response.content.decode()
    assert [shown.pk for shown in response.context["incomplete_actions"]] == [action.pk]
    assert "Fit a lock to the back door." in content
    assert action.agenda_item.referral.case.reference in content
    assert "10 Mar 2026" in content


def test_meeting_detail_runs_a_fixed_number_of_queries(marac, built):
    """A longer agenda costs no more queries."""
    client = _client(marac.coordinator)
    url = reverse("marac-meeting-detail", kwargs={"pk": built.pk})
    before, _ = _queries(client, url, most=14)
    MaracMeeting.objects.filter(pk=built.pk).update(capacity=10)
    for day in (19, 20, 21):
        referral = _marac_referral(marac.officer, marac.area, received_on=date(2026, 3, day), children=(2,))
        AgendaItem.objects.create(meeting=built, referral=referral, position=day, has_children=True, is_repeat=True)
    for number in (1, 2):
        _overdue_action(marac, description=f"Check the address, number {number}.")
    after, content = _queries(client, url, most=14)
    assert content.count("Repeat</strong>") == 3
    assert "Check the address, number 2." in content
    assert after == before


def test_full_meeting_capacity_is_overridden_with_a_reason(marac, built):
    """A full meeting offers the override; without a reason it is refused, with one it is recorded."""
    client = _client(marac.coordinator)
    url = reverse("marac-meeting-detail", kwargs={"pk": built.pk})
    assert "List beyond capacity" in client.get(url).content.decode()

    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 200
    assert "Say why the meeting may list more cases than its capacity" in refused.content.decode()
    assert marac.meeting(WEDNESDAY).capacity_override_reason == ""

    response = client.post(url, {"reason": "Two urgent cases after a weekend incident."}, follow=True)
    assert marac.meeting(WEDNESDAY).capacity_override_reason == "Two urgent cases after a weekend incident."
    assert "List beyond capacity" not in response.content.decode()


# --- Building and publishing --------------------------------------------------------------------------------


def test_building_agendas_through_the_page(marac):
    """The build page lists the waiting referrals and says how many went on how many meetings."""
    client = _client(marac.coordinator)
    page = client.get(reverse("marac-agenda-build"))
    assert marac.area.name in page.content.decode()

    response = client.post(reverse("marac-agenda-build"), {"area": marac.area.pk, "kind": "marac"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("marac-meeting-list")
    assert _messages(response) == ["3 referrals placed on 2 meetings; 0 still waiting."]
    assert _agenda(marac.meeting(WEDNESDAY)) == [marac.referrals[1].pk, marac.referrals[0].pk]
    assert _agenda(marac.meeting(FRIDAY)) == [marac.referrals[2].pk]

    again = client.post(reverse("marac-agenda-build"), {"area": marac.area.pk, "kind": "marac"}, follow=True)
    assert _messages(again) == ["0 referrals placed on 0 meetings; 0 still waiting."]


def test_building_needs_one_of_the_coordinators_areas(marac, elsewhere):
    """Another area, or none, is a form error and lists nothing."""
    client = _client(marac.coordinator)
    for data in ({"kind": "marac"}, {"area": elsewhere.meeting.area_id, "kind": "marac"}):
        response = client.post(reverse("marac-agenda-build"), data)
        assert response.status_code == 200
        assert response.context["form"].errors["area"]
    assert not AgendaItem.objects.filter(meeting__area=marac.area).exists()


def test_publishing_through_the_page(marac, built):
    """Publishing a scheduled agenda marks it published; publishing it again is refused with a message."""
    client = _client(marac.coordinator)
    url = reverse("marac-agenda-publish", kwargs={"pk": built.pk})

    response = client.post(url, follow=True)

    assert response.redirect_chain[-1][0] == reverse("marac-meeting-detail", kwargs={"pk": built.pk})
    assert marac.meeting(WEDNESDAY).status == MaracMeeting.Status.AGENDA_PUBLISHED
    assert "Agenda published" in _messages(response)[0]
    assert "Publish the agenda" not in response.content.decode()

    again = client.post(url, follow=True)
    assert _messages(again) == ["The meeting is agenda published: its agenda cannot be published."]


def test_publishing_is_post_only(marac, built):
    """A GET does not publish."""
    response = _client(marac.coordinator).get(reverse("marac-agenda-publish", kwargs={"pk": built.pk}))
    assert response.status_code == 405
    assert marac.meeting(WEDNESDAY).status == MaracMeeting.Status.SCHEDULED


def test_publishing_an_empty_agenda_is_refused(marac):
    """An empty agenda stays scheduled, with the service's reason shown."""
    response = _client(marac.coordinator).post(
        reverse("marac-agenda-publish", kwargs={"pk": marac.meetings[WEDNESDAY].pk}), follow=True
    )
    assert _messages(response) == ["The agenda is empty: list cases before publishing it."]
    assert marac.meeting(WEDNESDAY).status == MaracMeeting.Status.SCHEDULED


# --- Changing an agenda item -------------------------------------------------------------------------------


def _change(client: Client, item: AgendaItem, data: dict[str, object]):
    return client.post(reverse("marac-agenda-item-change", kwargs={"pk": item.pk}), data)


def _item(built: MaracMeeting, referral: Referral) -> AgendaItem:
    return built.agenda_items.get(referral=referral)


def test_item_moves_to_another_meeting(marac, built):
    """Moving an item puts it on Friday's agenda and back to the meeting page."""
    item = _item(built, marac.referrals[0])
    friday = marac.meetings[FRIDAY]
    response = _change(_client(marac.coordinator), item, {"change": "move", "meeting": friday.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("marac-meeting-detail", kwargs={"pk": built.pk})
    assert _agenda(marac.meeting(FRIDAY)) == [marac.referrals[0].pk, marac.referrals[2].pk]


def test_item_is_not_moved_to_a_full_meeting(marac, built):
    """Friday full: the service's refusal shows on the meeting field and nothing moves."""
    friday = marac.meeting(FRIDAY)
    referral = _marac_referral(marac.officer, marac.area, received_on=date(2026, 3, 19))
    AgendaItem.objects.create(meeting=friday, referral=referral, position=2)
    item = _item(built, marac.referrals[0])

    response = _change(_client(marac.coordinator), item, {"change": "move", "meeting": friday.pk})

    assert response.status_code == 200
    assert "The meeting is full (2 cases)" in response.context["form"].errors["meeting"][0]
    assert "There is a problem" in response.content.decode()
    item.refresh_from_db()
    assert item.meeting_id == built.pk


def test_item_is_pinned_at_a_position(marac, built):
    """Putting the adult-only case first pins it there, ahead of the case with children."""
    item = _item(built, marac.referrals[0])
    response = _change(_client(marac.coordinator), item, {"change": "reorder", "position": 1})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.position, item.position_pinned) == (1, True)
    assert _agenda(marac.meeting(WEDNESDAY)) == [marac.referrals[0].pk, marac.referrals[1].pk]


def test_item_is_taken_off_with_a_reason(marac, built):
    """Removing an item with a reason deletes it; the referral waits again."""
    item = _item(built, marac.referrals[0])
    response = _change(_client(marac.coordinator), item, {"change": "remove", "reason": "Victim moved away."})
    assert response.status_code == 302
    assert not AgendaItem.objects.filter(pk=item.pk).exists()
    assert _agenda(marac.meeting(WEDNESDAY)) == [marac.referrals[1].pk]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "change", "Select what you want to do"),
        ({"change": "move"}, "meeting", "Select the meeting to move it to"),
        ({"change": "reorder"}, "position", "Enter the position to put it at"),
        ({"change": "reorder", "position": 3}, "position", "Choose a position from 1 to 2."),
        ({"change": "reorder", "position": "first"}, "position", "Enter the position as a number, like 3"),
        ({"change": "remove", "reason": "   "}, "reason", "Say why the case comes off the agenda"),
    ],
)
def test_item_change_errors_write_nothing(marac, built, data, field, message):
    """Each incomplete or refused change shows its error on its field and leaves the agenda as it was."""
    item = _item(built, marac.referrals[0])
    before = list(built.agenda_items.order_by("pk").values("pk", "meeting_id", "position", "position_pinned"))

    response = _change(_client(marac.coordinator), item, data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert list(built.agenda_items.order_by("pk").values("pk", "meeting_id", "position", "position_pinned")) == before


def test_item_cannot_move_to_another_areas_meeting(marac, built, elsewhere):
    """Another area's meeting is not a choice: nothing moves."""
    item = _item(built, marac.referrals[0])
    response = _change(_client(marac.coordinator), item, {"change": "move", "meeting": elsewhere.meeting.pk})
    assert response.context["form"].errors["meeting"] == ["Select a meeting from the list"]
    item.refresh_from_db()
    assert item.meeting_id == built.pk


def test_published_agenda_items_do_not_change(marac, built):
    """Once the agenda is published the service refuses the change, shown in the error summary."""
    agenda_publish(actor=marac.coordinator, meeting=built)
    item = _item(built, marac.referrals[0])
    response = _change(_client(marac.coordinator), item, {"change": "remove", "reason": "No longer needed."})
    assert response.status_code == 200
    assert "its agenda cannot change" in response.context["form"].non_field_errors()[0]
    assert AgendaItem.objects.filter(pk=item.pk).exists()


# --- The research matrix ------------------------------------------------------------------------------------


def test_research_matrix_shows_submitted_draft_and_missing(marac, built):
    """Each item by each member agency: submitted, a draft, or missing."""
    first, second = built.agenda_items.order_by("position")
    police = marac.officer.agency
    Research.objects.create(agenda_item=first, agency=police, facts="Two call-outs.", submitted_at=timezone.now())
    Research.objects.create(agenda_item=second, agency=police, facts="Draft.")

    response = _client(marac.coordinator).get(reverse("marac-research-matrix", kwargs={"pk": built.pk}))
    content = response.content.decode()

    states = [[cell["state"] for cell in row["cells"]] for row in response.context["rows"]]
    agencies = [agency.pk for agency in response.context["agencies"]]
    police_column = agencies.index(police.pk)
    assert [row[police_column] for row in states] == ["submitted", "draft"]
    assert "<caption" in content
    assert 'scope="row"' in content
    assert "Missing" in content


def test_research_matrix_runs_a_fixed_number_of_queries(marac, built):
    """More items and more agencies' research: the same number of queries."""
    client = _client(marac.coordinator)
    url = reverse("marac-research-matrix", kwargs={"pk": built.pk})
    before, _ = _queries(client, url, most=9)
    MaracMeeting.objects.filter(pk=built.pk).update(capacity=10)
    for day in (19, 20):
        referral = _marac_referral(marac.officer, marac.area, received_on=date(2026, 3, day))
        item = AgendaItem.objects.create(meeting=built, referral=referral, position=day)
        Research.objects.create(agenda_item=item, agency=marac.officer.agency, submitted_at=timezone.now())
    AgencyFactory(kind=Agency.Kind.HOUSING, areas=[marac.area])
    after, _ = _queries(client, url, most=9)
    assert after == before


# --- Downloads --------------------------------------------------------------------------------------------


def test_agenda_csv_download(marac, built):
    """An attachment named for the area and day, references and initials only, logged as an export."""
    response = _client(marac.coordinator).get(reverse("marac-agenda-csv", kwargs={"pk": built.pk}))

    assert response["Content-Type"].startswith("text/csv")
    filename = f"marac-agenda-{marac.area.slug}-2026-03-25.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    content = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [row["case_reference"] for row in rows] == [
        marac.referrals[1].case.reference,
        marac.referrals[0].case.reference,
    ]
    for referral in marac.referrals[:2]:
        assert referral.case.victim.full_name not in content
    assert AccessLog.objects.filter(
        action=AccessLog.Action.EXPORT, object_type="marac.maracmeeting", object_id=str(built.pk)
    ).exists()


def test_agenda_pdf_download(marac, built):
    """A PDF attachment named for the area and day, logged as an export."""
    response = _client(marac.coordinator).get(reverse("marac-agenda-pdf", kwargs={"pk": built.pk}))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    filename = f"marac-agenda-{marac.area.slug}-2026-03-25.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, object_id=str(built.pk)).count() == 1


def test_agenda_downloads_run_a_fixed_number_of_queries(marac, built):
    """The CSV costs the same whatever the number of cases and their children."""
    client = _client(marac.coordinator)
    url = reverse("marac-agenda-csv", kwargs={"pk": built.pk})
    before, _ = _queries(client, url, most=14)
    MaracMeeting.objects.filter(pk=built.pk).update(capacity=10)
    for day in (19, 20):
        referral = _marac_referral(marac.officer, marac.area, received_on=date(2026, 3, day), children=(1, 2, 3))
        AgendaItem.objects.create(meeting=built, referral=referral, position=day, has_children=True)
    after, _ = _queries(client, url, most=14)
    assert after == before


# --- The SafeLives return -------------------------------------------------------------------------------


@pytest.fixture
def quarter(marac) -> Marac:
    """January to March 2026 (2025-26 Q4): two cases heard at one meeting, one police-referred with two
    children, one referred by housing about a male victim; and one case heard in April, outside it."""
    housing_worker = case_worker(agency=AgencyFactory(kind=Agency.Kind.HOUSING, areas=[marac.area]))
    held = MaracMeeting.objects.create(
        area=marac.area,
        starts_at=datetime(2026, 2, 11, 10, 0, tzinfo=LONDON),
        capacity=5,
        status=MaracMeeting.Status.MINUTES_APPROVED,
    )
    later = MaracMeeting.objects.create(
        area=marac.area,
        starts_at=datetime(2026, 4, 8, 10, 0, tzinfo=LONDON),
        capacity=5,
        status=MaracMeeting.Status.MINUTES_APPROVED,
    )
    police_case = _marac_referral(marac.officer, marac.area, received_on=date(2026, 2, 2), children=(3, 5))
    housing_case = _marac_referral(
        housing_worker, marac.area, received_on=date(2026, 2, 3), victim=PersonFactory(gender="male")
    )
    for position, referral in enumerate((police_case, housing_case), start=1):
        AgendaItem.objects.create(meeting=held, referral=referral, position=position, outcome="heard")
    AgendaItem.objects.create(meeting=later, referral=marac.referrals[0], position=1, outcome="heard")
    return marac


def test_safelives_return_page_shows_the_quarters_figures(quarter):
    """The figures of 2025-26 Q4 count the two cases heard in it, as a summary list."""
    response = _client(quarter.coordinator).get(
        reverse("marac-safelives-return"), {"area": quarter.area.pk, "year": "2025-26", "quarter": "4"}
    )
    result = response.context["result"]
    assert (result.cases_discussed, result.children, result.police_referrals, result.partner_referrals) == (2, 2, 1, 1)
    assert result.male_victims == 1
    content = response.content.decode()
    assert "2025-26 Q4" in content
    assert "govuk-summary-list" in content
    assert "(50.0%)" in content
    assert "Housing" in content


def test_safelives_return_csv_download(quarter):
    """`format=csv` downloads the return as figure,value rows."""
    response = _client(quarter.coordinator).get(
        reverse("marac-safelives-return"),
        {"area": quarter.area.pk, "year": "2025-26", "quarter": "4", "format": "csv"},
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    figures = dict(csv.reader(io.StringIO(response.content.decode())))
    assert figures["cases_discussed"] == "2"
    assert figures["referrals_from_housing"] == "1"


def test_safelives_return_refuses_another_area_and_bad_quarters(marac, elsewhere):
    """Another area's return, an unknown year or quarter 5 are form errors with no figures."""
    client = _client(marac.coordinator)
    url = reverse("marac-safelives-return")
    for data, field in (
        ({"area": elsewhere.meeting.area_id, "year": "2025-26", "quarter": "1"}, "area"),
        ({"area": marac.area.pk, "year": "1999-00", "quarter": "1"}, "year"),
        ({"area": marac.area.pk, "year": "2025-26", "quarter": "5"}, "quarter"),
    ):
        response = client.get(url, data)
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert "result" not in response.context


def test_safelives_return_page_without_a_choice_shows_the_form(marac):
    """With nothing asked yet, the page shows the form and no errors."""
    response = _client(marac.coordinator).get(reverse("marac-safelives-return"))
    assert not response.context["form"].errors
    assert "Show the figures" in response.content.decode()


def test_coordinator_reminds_agencies_that_owe_research(marac, built, mailoutbox):
    """From the matrix, the coordinator sends one reminder to each agency owing research, once a day;
    the email names case references, never the victim."""
    agenda_publish(actor=marac.coordinator, meeting=built)
    client = _client(marac.coordinator)
    url = reverse("marac-research-matrix", kwargs={"pk": built.pk})
    assert "Remind the agencies that owe research" in client.get(url).content.decode()

    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == url
    police_mail = [mail for mail in mailoutbox if marac.officer.email in mail.to]
    assert len(police_mail) == 1
    item = built.agenda_items.select_related("referral__case__victim").first()
    assert item.referral.case.reference in police_mail[0].body
    assert item.referral.case.victim.family_name not in police_mail[0].body
    assert "Reminders sent" in response.content.decode()

    sent_before = len(mailoutbox)
    response = client.post(url, follow=True)
    assert len(mailoutbox) == sent_before
    assert "No reminder sent" in response.content.decode()


def test_only_the_coordinator_sends_research_reminders(marac, built, mailoutbox):
    """A police representative cannot send reminders (403) and nothing is sent."""
    agenda_publish(actor=marac.coordinator, meeting=built)
    response = _client(marac.officer).post(reverse("marac-research-matrix", kwargs={"pk": built.pk}))
    assert response.status_code == 403
    assert not mailoutbox


# --- Moving and cancelling a meeting ---------------------------------------------------------------------


def _reschedule_url(meeting: MaracMeeting) -> str:
    return reverse("marac-meeting-reschedule", kwargs={"pk": meeting.pk})


def test_coordinator_moves_a_meeting_and_its_agenda_goes_with_it(marac, built):
    """Moving Wednesday's meeting to Thursday 14:00 keeps its agenda on it."""
    items = set(built.agenda_items.values_list("pk", flat=True))
    response = _client(marac.coordinator).post(
        _reschedule_url(built),
        {
            "change": "move",
            "on_day": "26",
            "on_month": "3",
            "on_year": "2026",
            "at": "14:00",
            "reason": "Room unavailable",
        },
    )
    assert response.status_code == 302
    moved = MaracMeeting.objects.get(pk=built.pk)
    assert timezone.localtime(moved.starts_at) == datetime(2026, 3, 26, 14, 0, tzinfo=LONDON)
    assert set(moved.agenda_items.values_list("pk", flat=True)) == items


def test_coordinator_cancels_a_meeting_moving_its_agenda(marac, built):
    """Cancelling Wednesday's meeting with a reason moves its cases to Friday's."""
    friday = marac.meeting(FRIDAY)
    MaracMeeting.objects.filter(pk=friday.pk).update(capacity=10)
    response = _client(marac.coordinator).post(
        _reschedule_url(built), {"change": "cancel", "reason": "Chair unwell", "move_agenda_to": friday.pk}
    )
    assert response.status_code == 302
    cancelled = MaracMeeting.objects.get(pk=built.pk)
    assert cancelled.status == MaracMeeting.Status.CANCELLED
    assert not cancelled.agenda_items.exists()
    assert friday.agenda_items.count() == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "change"),
        ({"change": "move", "at": "14:00"}, "on"),
        ({"change": "move", "on_day": "26", "on_month": "3", "on_year": "2026"}, "at"),
        ({"change": "cancel"}, "reason"),
        ({"change": "cancel", "reason": "Chair unwell"}, None),
    ],
    ids=["nothing chosen", "no day", "no time", "no reason", "agenda not moved"],
)
def test_bad_reschedules_say_why_and_change_nothing(marac, built, data, field):
    """Each missing answer is named; cancelling a meeting with an agenda and nowhere to move it is refused."""
    before = MaracMeeting.objects.values("starts_at", "status").get(pk=built.pk)
    response = _client(marac.coordinator).post(_reschedule_url(built), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    if field:
        assert field in form.errors
    assert MaracMeeting.objects.values("starts_at", "status").get(pk=built.pk) == before


@pytest.mark.parametrize("who", ["officer", "elsewhere"])
def test_only_the_areas_coordinator_reschedules(marac, built, who):
    """A police representative gets 403; another area's coordinator gets 404."""
    if who == "officer":
        user, status = marac.officer, 403
    else:
        user = UserFactory(agency=AgencyFactory(kind=Agency.Kind.IDVA_SERVICE), roles=[Role.MARAC_COORDINATOR])
        status = 404
    assert _client(user).get(_reschedule_url(built)).status_code == status
