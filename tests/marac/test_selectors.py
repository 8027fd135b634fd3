"""What each actor sees of MARAC: areas, meetings, agenda items, actions, research, the research matrix and
the chase list; coordinators see their areas, member agencies published agendas and their own work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from agencies.actors import ApiKeyActor
from agencies.models import Agency, Area, Role, User
from agencies.services import object_permission_revoke
from cases.models import Case
from cases.selectors import VIEW_CASE
from marac.models import AgendaItem, MaracAction, MaracMeeting, MeetingKind, MeetingSchedule
from marac.selectors import (
    ResearchState,
    action_get_for,
    action_list_for,
    agenda_item_get_for,
    agenda_items_for,
    chase_list,
    incomplete_actions_for_meeting,
    marac_areas_for,
    meeting_get_for,
    meeting_list_for,
    research_for,
    research_matrix,
)
from marac.services import agenda_build, agenda_publish, meetings_generate, research_save
from referrals.models import Referral
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory, api_key_for
from tests.factories.cases import case_worker, idva_service, make_case
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 3, 24)


@dataclass
class Marac:
    """An area (with a district inside it) whose MARAC has one published agenda and one still scheduled,
    another area's MARAC, and the people and agencies around them."""

    area: Area
    district: Area
    coordinator: User
    police: Agency
    officer: User
    childrens_services: Agency
    social_worker: User
    housing_not_member: Agency
    housing_officer: User
    analyst: User
    other_area: Area
    other_coordinator: User
    other_police_officer: User
    published: MaracMeeting
    scheduled: MaracMeeting
    other_meeting: MaracMeeting
    cases: list[Case]


def listed_cases(coordinator: User, officer: User, area: Area, received: list[date]) -> list[Case]:
    """MARAC referrals of new cases in the area, recorded by the officer, placed by the coordinator."""
    cases = []
    for day in received:
        case = make_case(officer, area=area)
        police_referral(
            service=Referral.Service.MARAC,
            referrer=officer,
            case=case,
            received_on=day,
            receiving_agency=coordinator.agency,
        )
        cases.append(case)
    agenda_build(actor=coordinator, area=area)
    return cases


def build_marac(time_machine) -> Marac:
    """The MARAC of `marac`, built through the services on Tuesday 24 March 2026."""
    area = AreaFactory()
    district = AreaFactory(kind=Area.Kind.DISTRICT, parent=area)
    coordinator = UserFactory(agency=idva_service(area), roles=[Role.MARAC_COORDINATOR])
    police = AgencyFactory(kind=Agency.Kind.POLICE, areas=[area])
    childrens_services = AgencyFactory(kind=Agency.Kind.CHILDRENS_SOCIAL_CARE, areas=[area])
    housing = AgencyFactory(kind=Agency.Kind.HOUSING, areas=[area], is_marac_member=False)
    other_area = AreaFactory()
    other_coordinator_agency = AgencyFactory(kind=Agency.Kind.IDVA_SERVICE, areas=[other_area])
    other_coordinator = UserFactory(agency=other_coordinator_agency, roles=[Role.MARAC_COORDINATOR])
    other_police = AgencyFactory(kind=Agency.Kind.POLICE, areas=[other_area])
    for where in (area, other_area):
        schedule = MeetingSchedule.objects.create(
            area=where,
            weekdays=[1, 3, 5],
            starts_at=time(10, 0),
            capacity=2,
            effective_from=date(2026, 1, 1),
            weeks_ahead=2,
        )
        meetings_generate(schedule=schedule, today=date(2026, 3, 23))
    time_machine.move_to(datetime(2026, 3, 24, 17, 0, tzinfo=LONDON), tick=False)
    officer = case_worker(agency=police)
    other_officer = case_worker(agency=other_police)
    cases = listed_cases(coordinator, officer, area, [date(2026, 3, 16), date(2026, 3, 17)])
    published = AgendaItem.objects.get(referral__case=cases[0]).meeting
    agenda_publish(actor=coordinator, meeting=published)
    # A third case goes onto the next meeting (capacity two), whose agenda stays unpublished.
    cases += listed_cases(coordinator, officer, area, [date(2026, 3, 18)])
    scheduled = AgendaItem.objects.get(referral__case=cases[2]).meeting
    listed_cases(other_coordinator, other_officer, other_area, [date(2026, 3, 16)])
    other_meeting = AgendaItem.objects.get(meeting__area=other_area).meeting
    agenda_publish(actor=other_coordinator, meeting=other_meeting)
    return Marac(
        area=area,
        district=district,
        coordinator=coordinator,
        police=police,
        officer=officer,
        childrens_services=childrens_services,
        social_worker=case_worker(agency=childrens_services),
        housing_not_member=housing,
        housing_officer=case_worker(agency=housing),
        analyst=UserFactory(agency=police, roles=[Role.ANALYST]),
        other_area=other_area,
        other_coordinator=other_coordinator,
        other_police_officer=other_officer,
        published=published,
        scheduled=scheduled,
        other_meeting=other_meeting,
        cases=cases,
    )


def action_for(item: AgendaItem, agency: Agency, *, due_on: date, **kwargs: object) -> MaracAction:
    """An action agreed for an item (written directly: the meeting is not yet held)."""
    return MaracAction.objects.create(
        agenda_item=item, assigned_agency=agency, description=f"{agency.name} to act", due_on=due_on, **kwargs
    )


@pytest.fixture
def marac(time_machine) -> Marac:
    return build_marac(time_machine)


def key_actor(agency: Agency) -> ApiKeyActor:
    key, _ = api_key_for(agency)
    return ApiKeyActor(api_key=key)


# --- Areas and meetings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("coordinator", {"area", "district"}),
        ("officer", {"area"}),
        ("police_key", {"area"}),
        ("social_worker", {"area"}),
        ("housing_officer", set()),
        ("analyst", set()),
        ("other_coordinator", {"other_area"}),
        ("other_police_officer", {"other_area"}),
    ],
)
def test_marac_areas_follow_role_and_membership(marac, who, expected):
    """A coordinator takes part in the areas their agency serves and those within; a member agency in
    the areas it serves; a non-member or an analyst in none."""
    actor = key_actor(marac.police) if who == "police_key" else getattr(marac, who)

    areas = set(marac_areas_for(actor))

    assert areas == {getattr(marac, name) for name in expected}


def test_an_inactive_member_agency_takes_part_in_no_marac(marac):
    """An agency no longer active is nobody's MARAC member, whatever its flag says."""
    Agency.objects.filter(pk=marac.police.pk).update(active=False)
    marac.officer.agency.refresh_from_db()

    assert not marac_areas_for(marac.officer).exists()


def test_meetings_are_those_of_the_actors_areas_with_agenda_size(marac):
    """The coordinator lists their area's meetings (earliest first, with agenda sizes), not another's."""
    meetings = list(meeting_list_for(actor=marac.coordinator))

    assert {meeting.area for meeting in meetings} == {marac.area}
    assert meetings == sorted(meetings, key=lambda meeting: meeting.starts_at)
    sizes = {meeting.pk: meeting.agenda_size for meeting in meetings}
    assert sizes[marac.published.pk] == 2
    assert sizes[marac.scheduled.pk] == 1
    assert not meeting_list_for(actor=marac.housing_officer).exists()
    assert not meeting_list_for(actor=marac.analyst).exists()


def test_meeting_filters_by_area_days_and_kind(marac):
    """`area`, `first`, `last` (both days included) and `kind` narrow the list."""
    day = marac.published.starts_at.astimezone(LONDON).date()

    on_the_day = meeting_list_for(actor=marac.coordinator, area=marac.area, first=day, last=day)

    assert list(on_the_day) == [marac.published]
    assert not meeting_list_for(actor=marac.coordinator, kind=MeetingKind.MARAC_PLUS).exists()
    assert not meeting_list_for(actor=marac.coordinator, area=marac.other_area).exists()
    later = meeting_list_for(actor=marac.coordinator, first=day + timedelta(days=1))
    assert marac.published not in later


def test_another_areas_meeting_is_not_found(marac):
    """A meeting of another area's MARAC is a 404 for the coordinator and for member agencies."""
    for actor in (marac.coordinator, marac.officer, marac.housing_officer):
        with pytest.raises(Http404):
            meeting_get_for(actor=actor, pk=marac.other_meeting.pk)
    assert meeting_get_for(actor=marac.other_coordinator, pk=marac.other_meeting.pk) == marac.other_meeting


# --- Agenda items --------------------------------------------------------------------------------------


def test_coordinators_see_every_item_and_agencies_only_published_agendas(marac):
    """The coordinator sees both agendas; member agencies only the published one; others nothing."""
    coordinator_items = agenda_items_for(actor=marac.coordinator)
    officer_items = agenda_items_for(actor=marac.officer)

    assert {item.meeting for item in coordinator_items} == {marac.published, marac.scheduled}
    assert {item.meeting for item in officer_items} == {marac.published}
    assert {item.meeting for item in agenda_items_for(actor=marac.social_worker)} == {marac.published}
    assert {item.meeting for item in agenda_items_for(actor=key_actor(marac.police))} == {marac.published}
    for outsider in (marac.housing_officer, marac.analyst, marac.other_police_officer):
        assert not agenda_items_for(actor=outsider).filter(meeting__area=marac.area).exists()


def test_an_agency_whose_access_was_taken_back_no_longer_sees_the_items(marac):
    """Access follows the agenda: once children's services lose view of a case, its item goes from their
    list; the police, who recorded it, keep theirs."""
    case = marac.cases[0]
    object_permission_revoke(agency=marac.childrens_services, perm=VIEW_CASE, obj=case, reason="Expired")

    assert case not in {item.referral.case for item in agenda_items_for(actor=marac.social_worker)}
    assert case in {item.referral.case for item in agenda_items_for(actor=marac.officer)}


def test_an_unpublished_agenda_item_is_not_found_by_agencies(marac):
    """An item of a scheduled meeting is a 404 for a member agency, and found by the coordinator."""
    item = AgendaItem.objects.get(meeting=marac.scheduled)

    with pytest.raises(Http404):
        agenda_item_get_for(actor=marac.officer, pk=item.pk)
    assert agenda_item_get_for(actor=marac.coordinator, pk=item.pk) == item


def test_agenda_items_filter_by_meeting_in_agenda_order(marac):
    """Filtered by meeting, the items come in their agenda positions."""
    items = list(agenda_items_for(actor=marac.coordinator, meeting=marac.published))

    assert [item.position for item in items] == [1, 2]
    assert {item.referral.case for item in items} == set(marac.cases[:2])


# --- Actions ---------------------------------------------------------------------------------------


@pytest.fixture
def actions(marac) -> dict[str, MaracAction]:
    item = AgendaItem.objects.filter(meeting=marac.published).first()
    return {
        "police_late": action_for(item, marac.police, due_on=date(2026, 3, 20)),
        "police_later": action_for(item, marac.police, due_on=date(2026, 3, 10)),
        "police_done": action_for(
            item, marac.police, due_on=date(2026, 3, 1), status=MaracAction.Status.DONE, completed_on=TODAY
        ),
        "childrens": action_for(item, marac.childrens_services, due_on=date(2026, 4, 3)),
        "other_area": action_for(
            AgendaItem.objects.get(meeting=marac.other_meeting), marac.other_police_officer.agency, due_on=TODAY
        ),
    }


def test_agencies_see_only_their_own_actions_and_coordinators_their_areas(marac, actions):
    """Police see the police actions; the coordinator every action of the area; an analyst none."""
    police = {action.pk for action in action_list_for(actor=marac.officer)}
    coordinator = {action.pk for action in action_list_for(actor=marac.coordinator)}

    assert police == {actions[name].pk for name in ("police_late", "police_later", "police_done")}
    assert coordinator == {action.pk for name, action in actions.items() if name != "other_area"}
    assert not action_list_for(actor=marac.analyst).exists()
    assert {action.pk for action in action_list_for(actor=key_actor(marac.childrens_services))} == {
        actions["childrens"].pk
    }


def test_another_agencys_action_is_not_found(marac, actions):
    """Children's services get a 404 for a police action; the police find it."""
    with pytest.raises(Http404):
        action_get_for(actor=marac.social_worker, pk=actions["police_late"].pk)
    assert action_get_for(actor=marac.officer, pk=actions["police_late"].pk) == actions["police_late"]


def test_actions_filter_by_status_and_overdue(marac, actions):
    """`overdue` means open and past due on `today`; `status` narrows to one status."""
    overdue = action_list_for(actor=marac.officer, overdue=True, today=TODAY)
    not_overdue = action_list_for(actor=marac.officer, overdue=False, today=TODAY)
    done = action_list_for(actor=marac.officer, status=MaracAction.Status.DONE)

    assert list(overdue) == [actions["police_later"], actions["police_late"]]
    assert list(not_overdue) == [actions["police_done"]]
    assert list(done) == [actions["police_done"]]


def test_the_chase_list_is_the_coordinators_overdue_actions_oldest_first(marac, actions):
    """Open actions past due in the coordinator's areas, oldest due first; nobody else has a chase list."""
    chased = list(chase_list(actor=marac.coordinator, today=TODAY))

    assert chased == [actions["police_later"], actions["police_late"]]
    assert not chase_list(actor=marac.officer, today=TODAY).exists()
    assert list(chase_list(actor=marac.coordinator, today=date(2026, 4, 4))) == [
        actions["police_later"],
        actions["police_late"],
        actions["childrens"],
    ]


def test_incomplete_actions_are_those_of_earlier_meetings_of_the_area(marac, actions):
    """The next meeting's agenda lists the earlier meeting's overdue actions; the meeting itself does not."""
    later = list(incomplete_actions_for_meeting(meeting=marac.scheduled, today=TODAY))

    assert later == [actions["police_later"], actions["police_late"]]
    assert not incomplete_actions_for_meeting(meeting=marac.published, today=TODAY).exists()


# --- Research --------------------------------------------------------------------------------------


def test_agencies_see_their_own_research_and_coordinators_all(marac):
    """Each agency lists its own research; the coordinator everything of the area; an analyst nothing."""
    first, second = AgendaItem.objects.filter(meeting=marac.published)
    police = research_save(actor=marac.officer, agenda_item=first, holds_information=True, facts="Two call-outs.")
    childrens = research_save(actor=marac.social_worker, agenda_item=first, holds_information=False, submit=False)

    assert list(research_for(actor=marac.officer)) == [police]
    assert list(research_for(actor=marac.social_worker)) == [childrens]
    assert set(research_for(actor=marac.coordinator)) == {police, childrens}
    assert not research_for(actor=marac.coordinator, agenda_item=second).exists()
    assert not research_for(actor=marac.analyst).exists()
    assert not research_for(actor=marac.other_coordinator).exists()


def test_the_research_matrix_shows_submitted_draft_and_missing_in_three_queries(marac, django_assert_num_queries):
    """A row per item, a cell per member agency serving the area (not the non-member), in three queries."""
    first, second = AgendaItem.objects.filter(meeting=marac.published)
    research_save(actor=marac.officer, agenda_item=first, holds_information=True, facts="Two call-outs.")
    research_save(actor=marac.social_worker, agenda_item=first, holds_information=False, submit=False)

    with django_assert_num_queries(3):
        rows = research_matrix(actor=marac.coordinator, meeting=marac.published)

    assert [row["item"] for row in rows] == [first, second]
    states = [{cell["agency"]: cell["state"] for cell in row["cells"]} for row in rows]
    assert marac.housing_not_member not in states[0]
    assert states[0][marac.police] == ResearchState.SUBMITTED
    assert states[0][marac.childrens_services] == ResearchState.DRAFT
    assert states[1][marac.police] == ResearchState.MISSING
    assert rows[1]["missing"] == len(rows[1]["cells"])


def test_only_a_coordinator_sees_the_research_matrix(marac):
    """An agency's user is refused; another area's coordinator gets no rows."""
    with pytest.raises(PermissionDenied):
        research_matrix(actor=marac.officer, meeting=marac.published)
    assert research_matrix(actor=marac.other_coordinator, meeting=marac.published) == []
