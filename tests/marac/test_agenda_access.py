"""Access follows the agenda: publishing gives member agencies view of the listed cases (never the safe
contact), and the nightly job takes it back a set number of days after the meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies.models import Agency, Area, Role, User
from agencies.selectors import agency_has_object_permission
from agencies.services import object_permission_grant
from audit.models import AccessLog
from cases.models import Case, CaseAgencyPermission
from cases.selectors import VIEW_CASE, VIEW_SAFECONTACT, visible_cases
from marac.models import MaracAccessGrant, MaracAction, MaracMeeting, MeetingSchedule
from marac.services import agenda_build, agenda_publish, marac_access_expire, meetings_generate
from marac.tasks import marac_access_expire as nightly_task
from referrals.models import Referral
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.cases import case_worker, idva_service, make_case
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = date(2026, 3, 25)


@dataclass
class Marac:
    """An area's MARAC with its agencies, and Wednesday 25 March 2026's agenda built (two cases)."""

    area: Area
    coordinator: User
    police: Agency
    childrens_services: Agency
    housing_not_member: Agency
    other_area_probation: Agency
    inactive_member: Agency
    meeting: MaracMeeting
    cases: list[Case]


@pytest.fixture
def marac(time_machine) -> Marac:
    area = AreaFactory()
    coordinator = UserFactory(agency=idva_service(area), roles=[Role.MARAC_COORDINATOR])
    police = AgencyFactory(kind=Agency.Kind.POLICE, areas=[area])
    childrens_services = AgencyFactory(kind=Agency.Kind.CHILDRENS_SOCIAL_CARE, areas=[area])
    housing = AgencyFactory(kind=Agency.Kind.HOUSING, areas=[area], is_marac_member=False)
    probation = AgencyFactory(kind=Agency.Kind.PROBATION, areas=[AreaFactory()])
    inactive = AgencyFactory(kind=Agency.Kind.HEALTH, areas=[area], active=False)
    schedule = MeetingSchedule.objects.create(
        area=area, weekdays=[1, 3, 5], starts_at=time(10, 0), capacity=2, effective_from=date(2026, 1, 1), weeks_ahead=2
    )
    meetings_generate(schedule=schedule, today=date(2026, 3, 23))
    time_machine.move_to(datetime(2026, 3, 24, 17, 0, tzinfo=LONDON), tick=False)
    officer = case_worker(agency=police)
    cases = []
    for received in (16, 17):
        case = make_case(officer, area=area)
        police_referral(
            service=Referral.Service.MARAC, referrer=officer, case=case, received_on=date(2026, 3, received)
        )
        cases.append(case)
    agenda_build(actor=coordinator, area=area)
    meeting = MaracMeeting.objects.get(area=area, scheduled_on=WEDNESDAY)
    return Marac(area, coordinator, police, childrens_services, housing, probation, inactive, meeting, cases)


def sees(agency: Agency, case: Case, perm: str = VIEW_CASE) -> bool:
    return agency_has_object_permission(agency=agency, perm=perm, obj=case)


def test_publishing_lets_the_areas_member_agencies_see_the_listed_cases(marac):
    """Children's services get view of both cases, never the safe contact; the meeting is published."""
    assert not any(sees(marac.childrens_services, case) for case in marac.cases)

    meeting = agenda_publish(actor=marac.coordinator, meeting=marac.meeting)

    assert meeting.status == MaracMeeting.Status.AGENDA_PUBLISHED
    assert all(sees(marac.childrens_services, case) for case in marac.cases)
    assert not any(sees(marac.childrens_services, case, VIEW_SAFECONTACT) for case in marac.cases)
    rep = UserFactory(agency=marac.childrens_services, roles=[Role.AGENCY_REP])
    assert set(visible_cases(rep)) == set(marac.cases)


def test_publishing_passes_over_non_members_other_areas_and_inactive_agencies(marac):
    """A non-member, another area's member and an inactive member get nothing."""
    agenda_publish(actor=marac.coordinator, meeting=marac.meeting)

    for agency in (marac.housing_not_member, marac.other_area_probation, marac.inactive_member):
        assert not any(sees(agency, case) for case in marac.cases)
        assert not MaracAccessGrant.objects.filter(agency=agency).exists()


def test_each_grant_is_recorded_with_its_reason_and_logged(marac):
    """A grant row per agency and case; the permission's reason names the meeting; the access log has it."""
    agenda_publish(actor=marac.coordinator, meeting=marac.meeting)

    grants = MaracAccessGrant.objects.filter(meeting=marac.meeting, agency=marac.childrens_services)
    assert sorted(grant.case_id for grant in grants) == sorted(case.pk for case in marac.cases)
    assert not any(grant.had_access_before for grant in grants)
    reason = CaseAgencyPermission.objects.get(
        group=marac.childrens_services.group, permission__codename="view_case", content_object=marac.cases[0]
    ).reason
    assert reason == f"On the agenda of the MARAC of {marac.area} on 25 March 2026 ({marac.meeting.pk})"
    logged = AccessLog.objects.filter(
        action=AccessLog.Action.PERMISSION_GRANT, detail__agency=marac.childrens_services.slug
    )
    assert logged.count() == 2


def test_agencies_that_already_saw_the_case_keep_their_own_reason(marac):
    """The police who recorded the cases, and the IDVA service, are recorded as having had access."""
    agenda_publish(actor=marac.coordinator, meeting=marac.meeting)

    for agency in (marac.police, idva_service()):
        grants = MaracAccessGrant.objects.filter(meeting=marac.meeting, agency=agency)
        assert [grant.had_access_before for grant in grants] == [True, True]
    reason = CaseAgencyPermission.objects.get(
        group=marac.police.group, permission__codename="view_case", content_object=marac.cases[0]
    ).reason
    assert reason == "Recorded the case"


def test_publishing_is_refused_twice_empty_or_by_another_role(marac):
    """Only a coordinator publishes, once, an agenda with cases on it."""
    with pytest.raises(PermissionDenied):
        agenda_publish(actor=UserFactory(agency=idva_service(), roles=[Role.IDVA_MANAGER]), meeting=marac.meeting)
    agenda_publish(actor=marac.coordinator, meeting=marac.meeting)
    with pytest.raises(ValidationError):
        agenda_publish(actor=marac.coordinator, meeting=marac.meeting)
    empty = MaracMeeting.objects.get(area=marac.area, scheduled_on=date(2026, 3, 27))
    with pytest.raises(ValidationError) as error:
        agenda_publish(actor=marac.coordinator, meeting=empty)
    assert error.value.messages == ["The agenda is empty: list cases before publishing it."]


# --- Expiry -----------------------------------------------------------------------------------------------


def test_access_ends_the_set_number_of_days_after_the_meeting(marac, settings):
    """With 30 days, access holds on 23 April 2026 and goes on 24 April; running again changes nothing."""
    settings.DASV_MARAC_ACCESS_DAYS_AFTER = 30
    agenda_publish(actor=marac.coordinator, meeting=marac.meeting)

    assert marac_access_expire(today=date(2026, 4, 23)) == {"revoked": 0, "kept": 0}
    assert all(sees(marac.childrens_services, case) for case in marac.cases)

    assert marac_access_expire(today=date(2026, 4, 24)) == {"revoked": 2, "kept": 0}
    assert not any(sees(marac.childrens_services, case) for case in marac.cases)
    assert MaracAccessGrant.objects.filter(revoked_at__isnull=True).count() == 0
    assert AccessLog.objects.filter(action=AccessLog.Action.PERMISSION_REVOKE).count() == 2
    assert marac_access_expire(today=date(2026, 4, 25)) == {"revoked": 0, "kept": 0}


def test_agencies_that_saw_the_case_before_keep_it(marac):
    """The recording police and the IDVA service keep their access when MARAC's ends."""
    agenda_publish(actor=marac.coordinator, meeting=marac.meeting)

    marac_access_expire(today=date(2026, 6, 1))

    assert all(sees(marac.police, case) for case in marac.cases)
    assert all(sees(idva_service(), case) for case in marac.cases)


def test_an_open_action_keeps_the_access_until_it_is_closed(marac):
    """Children's services keep the case they have an open action on; the other case goes."""
    agenda_publish(actor=marac.coordinator, meeting=marac.meeting)
    action = MaracAction.objects.create(
        agenda_item=marac.meeting.agenda_items.get(referral__case=marac.cases[0]),
        assigned_agency=marac.childrens_services,
        description="Child protection strategy discussion",
        due_on=date(2026, 4, 1),
    )

    assert marac_access_expire(today=date(2026, 6, 1)) == {"revoked": 1, "kept": 1}
    assert sees(marac.childrens_services, marac.cases[0])
    assert not sees(marac.childrens_services, marac.cases[1])

    MaracAction.objects.filter(pk=action.pk).update(status="done", completed_on=date(2026, 6, 2))
    assert marac_access_expire(today=date(2026, 6, 3)) == {"revoked": 1, "kept": 0}
    assert not sees(marac.childrens_services, marac.cases[0])


def test_access_given_since_for_another_reason_is_kept(marac):
    """If the agency is later given the case for its own work, the MARAC expiry does not take it."""
    agenda_publish(actor=marac.coordinator, meeting=marac.meeting)
    object_permission_grant(
        agency=marac.childrens_services, perm=VIEW_CASE, obj=marac.cases[0], reason="Referral to children's services"
    )

    assert marac_access_expire(today=date(2026, 6, 1)) == {"revoked": 1, "kept": 0}
    assert sees(marac.childrens_services, marac.cases[0])


def test_a_later_meetings_access_keeps_the_case_open(marac, time_machine):
    """A case heard again at a later meeting stays visible until that meeting's period ends."""
    agenda_publish(actor=marac.coordinator, meeting=marac.meeting)
    later = MaracMeeting.objects.create(
        area=marac.area, starts_at=datetime(2026, 4, 22, 10, 0, tzinfo=LONDON), capacity=5
    )
    case = marac.cases[0]
    time_machine.move_to(datetime(2026, 4, 20, 9, 0, tzinfo=LONDON), tick=False)
    item = marac.meeting.agenda_items.get(referral__case=case)
    item.pk = None
    item.meeting = later
    item.save()
    agenda_publish(actor=marac.coordinator, meeting=later)
    assert MaracAccessGrant.objects.get(meeting=later, agency=marac.childrens_services).had_access_before is False

    marac_access_expire(today=date(2026, 4, 30))
    assert sees(marac.childrens_services, case)
    assert not sees(marac.childrens_services, marac.cases[1])

    marac_access_expire(today=date(2026, 5, 22))
    assert not sees(marac.childrens_services, case)


def test_the_nightly_task_is_scheduled_and_expires_from_todays_date(marac, time_machine, settings):
    """The beat schedule runs marac.tasks.marac_access_expire, which counts the days from today."""
    agenda_publish(actor=marac.coordinator, meeting=marac.meeting)
    time_machine.move_to(datetime(2026, 4, 24, 2, 0, tzinfo=LONDON), tick=False)

    assert "marac.tasks.marac_access_expire" in {job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()}
    assert nightly_task() == {"revoked": 2, "kept": 0}
