"""The full demo's MARAC, on the demo seeded once for tests/demo (conftest.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.calendar import bank_holidays
from agencies.demo import demo_email
from agencies.models import Area, User
from cases.models import CaseAgencyPermission
from cases.selectors import can_see_safe_contact, visible_cases
from marac.models import (
    AgendaItem,
    Attendance,
    ClosureDate,
    MaracAccessGrant,
    MaracAction,
    MaracMeeting,
    MeetingKind,
    Research,
)
from marac.selectors import agenda_waiting_referrals
from referrals.models import Referral
from tests.marac.test_demo import _counts, _financial_years, _members, _seed


@pytest.mark.django_db
def test_full_seed_makes_about_150_marac_meetings_in_the_last_12_months(full_seed):
    """Three a week less bank holidays and closures: about 150 MARAC meetings in the twelve months to today."""
    today = timezone.localdate()
    year = MaracMeeting.objects.filter(
        kind=MeetingKind.MARAC, scheduled_on__gte=today - timedelta(days=365), scheduled_on__lt=today
    )
    assert 140 <= year.count() <= 160
    assert year.filter(status=MaracMeeting.Status.MINUTES_APPROVED).count() >= 0.95 * year.count()
    assert MaracMeeting.objects.filter(kind=MeetingKind.MARAC_PLUS).exists()
    assert "Demo MARAC:" in full_seed


@pytest.mark.django_db
def test_full_seed_meets_on_no_bank_holiday_or_closure_date(full_seed):
    """No meeting falls on an England bank holiday or a closure date, and each is on its schedule's weekday."""
    days = list(MaracMeeting.objects.values_list("scheduled_on", "starts_at", "schedule__weekdays"))
    holidays = bank_holidays(years=range(min(day for day, _, _ in days).year, max(day for day, _, _ in days).year + 1))
    closures = set(ClosureDate.objects.values_list("on", flat=True))
    assert closures
    for day, starts_at, weekdays in days:
        assert day not in holidays
        assert day not in closures
        assert timezone.localdate(starts_at) == day
        assert day.isoweekday() in weekdays


@pytest.mark.django_db
def test_full_seed_agendas_are_within_capacity_and_children_first(full_seed):
    """Each agenda fits its meeting, is numbered from 1, lists cases with children first and each referral
    received at least two working days before the meeting."""
    agendas: dict[MaracMeeting, list[AgendaItem]] = defaultdict(list)
    for item in AgendaItem.objects.select_related("meeting", "referral").order_by("meeting", "position"):
        agendas[item.meeting].append(item)
    assert len(agendas) >= 140
    for meeting, items in agendas.items():
        assert len(items) <= meeting.capacity
        assert [item.position for item in items] == list(range(1, len(items) + 1))
        children = [item.has_children for item in items]
        assert children == sorted(children, reverse=True)
        for item in items:
            assert (meeting.scheduled_on - item.referral.received_on).days >= 2


@pytest.mark.django_db
def test_full_seed_lists_the_year_s_marac_referrals(full_seed):
    """Every MARAC referral of the demo received in the twelve months to a week ago is on an agenda."""
    today = timezone.localdate()
    received = Referral.objects.filter(
        service=Referral.Service.MARAC, received_on__range=(today - timedelta(days=358), today - timedelta(days=7))
    )
    assert received.count() > 300
    assert not received.filter(agenda_items__isnull=True).exists()


@pytest.mark.django_db
def test_full_seed_held_meetings_have_attendance_research_outcomes_and_actions(full_seed):
    """A meeting held in the last twelve months has every member agency's attendance (mostly present), its
    confidentiality confirmed, research on each item submitted before it, an outcome for every item, and
    actions for the cases heard."""
    members = {agency.pk for agency in _members()}
    held = MaracMeeting.objects.filter(
        status=MaracMeeting.Status.MINUTES_APPROVED, scheduled_on__gte=timezone.localdate() - timedelta(days=365)
    )
    attendance: dict[int, set[int]] = defaultdict(set)
    for meeting_id, agency_id in Attendance.objects.values_list("meeting_id", "agency_id"):
        attendance[meeting_id].add(agency_id)
    research: dict[int, list] = defaultdict(list)
    for item_id, submitted_at in Research.objects.values_list("agenda_item_id", "submitted_at"):
        research[item_id].append(submitted_at)
    actions = Counter(MaracAction.objects.values_list("agenda_item_id", flat=True))
    for meeting in held:
        assert meeting.confidentiality_confirmed
        assert meeting.minutes_approved_at > meeting.starts_at
        assert attendance[meeting.pk] == members
    items = AgendaItem.objects.filter(meeting__in=held).select_related("meeting")
    assert items.count() > 300
    for item in items:
        assert item.outcome != AgendaItem.Outcome.PENDING
        assert len(research[item.pk]) >= 2
        assert all(submitted_at < item.meeting.starts_at for submitted_at in research[item.pk])
        if item.outcome == AgendaItem.Outcome.DEFERRED:
            assert item.deferred_reason
            assert not actions[item.pk]
        else:
            assert item.discussion_summary
            assert item.risk_after_discussion
            assert 1 <= actions[item.pk] <= 3
    statuses = list(Attendance.objects.filter(meeting__in=held).values_list("status", flat=True))
    assert statuses.count(Attendance.Status.PRESENT) > 0.8 * len(statuses)
    assert Attendance.Status.APOLOGIES in statuses


@pytest.mark.django_db
def test_full_seed_defers_and_escalates_a_few_cases(full_seed):
    """A few items are deferred (and listed again at a later meeting) and a few escalated to MARAC Plus
    with a MARAC Plus referral that a MARAC Plus meeting lists."""
    deferred = AgendaItem.objects.filter(outcome=AgendaItem.Outcome.DEFERRED).select_related("meeting")
    assert deferred.exists()
    for item in deferred:
        assert AgendaItem.objects.filter(
            referral=item.referral_id, meeting__starts_at__gt=item.meeting.starts_at
        ).exists()
    escalated = AgendaItem.objects.filter(outcome=AgendaItem.Outcome.ESCALATED)
    assert escalated.exists()
    plus = Referral.objects.filter(service=Referral.Service.MARAC_PLUS)
    assert plus.count() == escalated.count()
    assert set(escalated.values_list("escalation_referral", flat=True)) == set(plus.values_list("pk", flat=True))
    assert AgendaItem.objects.filter(meeting__kind=MeetingKind.MARAC_PLUS, referral__in=plus).exists()


@pytest.mark.django_db
def test_full_seed_actions_are_mostly_done_with_some_overdue(full_seed):
    """Most actions due by today are done; some were not done (with the reason), some are open and overdue."""
    today = timezone.localdate()
    due = MaracAction.objects.filter(due_on__lte=today)
    done = due.filter(status=MaracAction.Status.DONE).count()
    assert done > 0.7 * due.count()
    assert due.filter(status=MaracAction.Status.NOT_DONE).exclude(not_done_reason="").exists()
    assert MaracAction.objects.filter(status=MaracAction.Status.OPEN, due_on__lt=today).count() >= 10
    assert not MaracAction.objects.filter(completed_on__gt=today).exists()
    assert not MaracAction.objects.filter(
        status=MaracAction.Status.OPEN, due_on__lt=today, overdue_notified_on__isnull=True
    ).exists()
    agencies = set(MaracAction.objects.values_list("assigned_agency__slug", flat=True))
    assert {"police", "idva-service", "housing", "health", "childrens-social-care"} <= agencies


@pytest.mark.django_db
def test_full_seed_publishes_the_next_meetings_for_member_agencies(full_seed):
    """The next meeting's agenda is published: the police representative sees its cases, with a grant for
    each member agency, but not the safe contact of a case the police did not record."""
    meeting = MaracMeeting.objects.filter(kind=MeetingKind.MARAC, status=MaracMeeting.Status.AGENDA_PUBLISHED).first()
    assert meeting is not None
    assert meeting.scheduled_on >= timezone.localdate()
    police = User.objects.select_related("agency").get(email=demo_email("police"))
    cases = {item.referral.case for item in meeting.agenda_items.select_related("referral__case")}
    visible = set(visible_cases(police).filter(pk__in=[case.pk for case in cases]))
    assert visible == cases
    grants = MaracAccessGrant.objects.filter(meeting=meeting)
    assert grants.count() == len(cases) * len(_members())
    granted = grants.filter(agency=police.agency, had_access_before=False)
    assert granted.exists()
    for grant in granted:
        assert not can_see_safe_contact(actor=police, case=grant.case)
        reason = CaseAgencyPermission.objects.get(
            group=police.agency.group, permission__codename="view_case", content_object=grant.case
        ).reason
        assert reason.startswith("On the agenda of the MARAC")


@pytest.mark.django_db
def test_full_seed_writes_nothing_after_today_on_future_meetings(full_seed):
    """Scheduled meetings ahead (about eight weeks) have no research, attendance or actions; nothing recorded
    is dated after now."""
    today, now = timezone.localdate(), timezone.now()
    ahead = MaracMeeting.objects.filter(status=MaracMeeting.Status.SCHEDULED)
    assert ahead.filter(scheduled_on__gt=today + timedelta(weeks=7)).exists()
    assert not ahead.filter(scheduled_on__lt=today).exists()
    assert not MaracMeeting.objects.filter(scheduled_on__gt=today + timedelta(weeks=8)).exists()
    assert not Research.objects.filter(agenda_item__meeting__in=ahead).exists()
    assert not Attendance.objects.filter(meeting__in=ahead).exists()
    assert not MaracAction.objects.filter(agenda_item__meeting__in=ahead).exists()
    assert not Research.objects.filter(submitted_at__gt=now).exists()
    assert not MaracMeeting.objects.filter(minutes_approved_at__gt=now).exists()
    assert not AgendaItem.objects.filter(meeting__starts_at__gt=now).exclude(outcome="pending").exists()


@pytest.mark.django_db
def test_full_seed_twice_creates_nothing(full_seed):
    """A second full run finds every meeting and creates no row in any MARAC table."""
    before = _counts()
    out = _seed()
    assert _counts() == before
    assert "Demo MARAC: every meeting to date exists, none new." in out


@pytest.mark.django_db
def test_full_seed_holds_about_150_marac_meetings_every_financial_year_since_2018(full_seed):
    """Every financial year from 2018-19 has about 150 MARAC meetings held (minutes approved), none on a bank
    holiday, and MARAC Plus meetings too."""
    years = _financial_years()
    assert len(years) >= 7
    held = MaracMeeting.objects.filter(status=MaracMeeting.Status.MINUTES_APPROVED)
    holidays = bank_holidays(years=range(2018, timezone.localdate().year + 1), subdivision="ENG")
    for first, last in years:
        marac = held.filter(kind=MeetingKind.MARAC, scheduled_on__range=(first, last))
        assert 135 <= marac.count() <= 160, (first.year, marac.count())
        assert not marac.filter(scheduled_on__in=holidays).exists()
        assert held.filter(kind=MeetingKind.MARAC_PLUS, scheduled_on__range=(first, last)).exists()
    cancelled = MaracMeeting.objects.filter(status=MaracMeeting.Status.CANCELLED)
    assert not cancelled.filter(cancellation_reason="").exists()


@pytest.mark.django_db
def test_full_seed_history_is_light(full_seed):
    """Meetings held before the last twelve months have attendance and outcomes, but no research, actions or
    access grants."""
    older = MaracMeeting.objects.filter(scheduled_on__lt=timezone.localdate() - timedelta(days=366))
    assert older.filter(status=MaracMeeting.Status.MINUTES_APPROVED).count() > 1000
    assert Attendance.objects.filter(meeting__in=older).exists()
    assert not AgendaItem.objects.filter(meeting__in=older, outcome=AgendaItem.Outcome.PENDING).exists()
    assert AgendaItem.objects.filter(meeting__in=older, outcome=AgendaItem.Outcome.DEFERRED).exists()
    assert AgendaItem.objects.filter(meeting__in=older, outcome=AgendaItem.Outcome.ESCALATED).exists()
    assert AgendaItem.objects.filter(meeting__in=older, meeting__kind=MeetingKind.MARAC_PLUS).exists()
    assert not Research.objects.filter(agenda_item__meeting__in=older).exists()
    assert not MaracAction.objects.filter(agenda_item__meeting__in=older).exists()
    assert not MaracAccessGrant.objects.filter(meeting__in=older).exists()


@pytest.mark.django_db
def test_full_seed_leaves_no_referral_older_than_12_months_waiting(full_seed):
    """No MARAC referral of Demo County or its districts received before the last twelve months still waits
    for an agenda: Build agendas would not fill the next meetings with old cases."""
    cutoff = timezone.localdate() - timedelta(days=365)
    areas = Area.objects.filter(slug__in=["demo-county", "demo-north", "demo-south"])
    assert areas.count() == 3
    assert Referral.objects.filter(service=Referral.Service.MARAC, received_on__lt=cutoff).count() > 3000
    for area in areas:
        waiting = agenda_waiting_referrals(area=area, kind=MeetingKind.MARAC)
        assert not waiting.filter(received_on__lt=cutoff).exists(), area.slug


@pytest.mark.django_db
def test_full_seed_hears_each_year_s_marac_referrals(full_seed):
    """The MARAC items heard (or escalated) in each financial year are close to that year's MARAC referrals,
    so the drop from 2019-20 to 2020-21 under the 2020 threshold shows."""
    done = (AgendaItem.Outcome.HEARD, AgendaItem.Outcome.ESCALATED)
    heard = {}
    for first, last in _financial_years():
        referrals = Referral.objects.filter(service=Referral.Service.MARAC, received_on__range=(first, last)).count()
        items = AgendaItem.objects.filter(
            meeting__kind=MeetingKind.MARAC, meeting__scheduled_on__range=(first, last), outcome__in=done
        ).count()
        assert abs(items - referrals) <= 0.03 * referrals + 10, (first.year, items, referrals)
        heard[first.year] = items
    assert heard[2020] < 0.9 * heard[2019]
