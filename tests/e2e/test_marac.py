"""The MARAC journey in a real browser: the coordinator builds and publishes an agenda, a police officer
adds research, the coordinator minutes the meeting with an action for the police, and the officer later
completes it; with an axe check on every page visited, and the forms used by keyboard."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Agency, Role
from marac.models import AgendaItem, MaracAction, MaracMeeting, MeetingSchedule, Research
from marac.services import agenda_build, meetings_generate
from referrals.services import referral_create
from tests.e2e.test_cases import _follow, _sign_in, _type_into
from tests.e2e.test_referrals import _choose, _fill_date, _sign_out
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.cases import idva_service, make_case

pytestmark = pytest.mark.e2e

# A Monday: the MARAC meets on Wednesdays; the referral arrives the week before.
MONDAY = date(2026, 6, 1)


def test_coordinator_publishes_police_research_minutes_and_action(ui, partnership_rule):
    """Build and publish an agenda; police research; minutes with an action; the action completed."""
    with time_machine.travel(timezone.make_aware(datetime.combine(MONDAY, time(9, 0))), tick=True) as clock:
        area = AreaFactory(name="Demo Vale", slug="demo-vale")
        service = idva_service(area)
        service.areas.add(area)
        police = AgencyFactory(name="Vale Police", kind=Agency.Kind.POLICE, is_marac_member=True, areas=[area])
        coordinator = UserFactory(agency=service, roles=[Role.MARAC_COORDINATOR])
        officer = UserFactory(agency=police, roles=[Role.AGENCY_REP])
        case = make_case(officer, area=area, children=[4])
        referral_create(actor=officer, case=case, service="marac", received_on=MONDAY - timedelta(days=5))
        schedule = MeetingSchedule.objects.create(
            area=area, weekdays=[3], starts_at=time(10, 0), capacity=10, effective_from=MONDAY, weeks_ahead=2
        )
        meetings_generate(schedule=schedule)

        # The coordinator builds the agendas and publishes Wednesday's.
        _sign_in(ui, coordinator)
        page = ui.page
        _follow(ui, page.get_by_role("link", name="MARAC meetings").first)
        _follow(ui, page.get_by_role("link", name="Build agendas"))
        _choose(page, "Which area's MARAC?", "Demo Vale")
        _follow(ui, page.get_by_role("button", name="Build the agendas"))
        item = AgendaItem.objects.get()
        meeting = item.meeting
        assert meeting.starts_at.date() == MONDAY + timedelta(days=2)
        assert item.has_children
        _follow(ui, page.get_by_role("link", name=re.compile(r"Wed 3 Jun 2026")).first)
        expect(page.get_by_text(case.reference).first).to_be_visible()
        _follow(ui, page.get_by_role("button", name="Publish the agenda"))
        meeting.refresh_from_db()
        assert meeting.status == MaracMeeting.Status.AGENDA_PUBLISHED
        _follow(ui, page.get_by_role("link", name="Research by agency"))
        _sign_out(ui)

        # The police officer researches the case.
        _sign_in(ui, officer)
        page = ui.page
        _follow(ui, page.get_by_role("link", name="MARAC cases").first)
        _follow(ui, page.get_by_role("link", name=re.compile("Research")).first)
        _choose(page, "Does your agency hold relevant information?", "Yes")
        _type_into(page, "Facts", "Two call-outs in May; bail conditions in place until July.")
        _follow(ui, page.get_by_role("button", name="Submit research"))
        assert Research.objects.get(agency=police).submitted_at is not None
        _sign_out(ui)

        # The meeting takes place; the coordinator minutes it.
        clock.move_to(timezone.make_aware(datetime.combine(meeting.starts_at.date(), time(12, 0))))
        _sign_in(ui, coordinator)
        page = ui.goto(f"/marac/meetings/{meeting.pk}/minutes/")
        for agency in (service, police):
            _choose(page, agency.name, "Present")
        _follow(ui, page.get_by_role("button", name="Save attendance"))
        _follow(ui, page.get_by_role("button", name="Confirmed by those present"))
        _choose(page, "Outcome", "Heard")
        _type_into(page, "Summary of the discussion (optional)", "Safety plan agreed; target hardening.")
        _follow(ui, page.get_by_role("button", name="Save the outcome"))
        page.get_by_text("Add an action").first.click()
        page.get_by_label("Agency", exact=True).select_option(label="Vale Police")
        _type_into(page, "Action", "Flag the address for an urgent response.")
        _fill_date(page, "Due date", meeting.starts_at.date() + timedelta(days=14))
        _follow(ui, page.get_by_role("button", name="Add the action"))
        action = MaracAction.objects.get()
        _follow(ui, page.get_by_role("button", name="Mark the meeting as held"))
        _follow(ui, page.get_by_role("button", name="Approve the minutes"))
        meeting.refresh_from_db()
        assert meeting.status == MaracMeeting.Status.MINUTES_APPROVED
        _sign_out(ui)

        # A week later the police officer completes the action.
        done_on = meeting.starts_at.date() + timedelta(days=7)
        clock.move_to(timezone.make_aware(datetime.combine(done_on, time(9, 0))))
        _sign_in(ui, officer)
        page = ui.page
        _follow(ui, page.get_by_role("link", name="Actions").first)
        _follow(ui, page.get_by_role("link", name=re.compile("Update")).first)
        _fill_date(page, "Date it was done", done_on)
        _follow(ui, page.get_by_role("button", name="Mark as done"))
        action.refresh_from_db()
        assert action.status == MaracAction.Status.DONE
        assert action.completed_on == done_on


def test_coordinator_pages_for_changes_chase_list_and_return(ui, partnership_rule):
    """The agenda item change page, the chase list, moving a meeting and the SafeLives return pass axe."""
    with time_machine.travel(timezone.make_aware(datetime.combine(MONDAY, time(9, 0))), tick=True):
        area = AreaFactory(name="Demo Fen", slug="demo-fen")
        service = idva_service(area)
        service.areas.add(area)
        police = AgencyFactory(name="Fen Police", kind=Agency.Kind.POLICE, is_marac_member=True, areas=[area])
        coordinator = UserFactory(agency=service, roles=[Role.MARAC_COORDINATOR])
        officer = UserFactory(agency=police, roles=[Role.AGENCY_REP])
        case = make_case(officer, area=area)
        referral_create(actor=officer, case=case, service="marac", received_on=MONDAY - timedelta(days=5))
        schedule = MeetingSchedule.objects.create(
            area=area, weekdays=[3, 5], starts_at=time(10, 0), capacity=10, effective_from=MONDAY, weeks_ahead=2
        )
        meetings_generate(schedule=schedule)
        agenda_build(actor=coordinator, area=area)
        item = AgendaItem.objects.get()

        _sign_in(ui, coordinator)
        page = ui.goto(f"/marac/agenda-items/{item.pk}/change/")
        _choose(page, "What do you want to do?", "Take it off the agenda")
        _type_into(page, "Why does it come off the agenda?", "Heard at MARAC Plus instead.")
        _follow(ui, page.get_by_role("button", name="Save the change"))
        assert not AgendaItem.objects.exists()
        ui.goto("/marac/chase-list/")
        friday = MaracMeeting.objects.filter(status="scheduled").order_by("starts_at").first()
        page = ui.goto(f"/marac/meetings/{friday.pk}/reschedule/")
        _choose(page, "What do you want to do?", "Move the meeting to another day or time")
        _fill_date(page, "New day", friday.starts_at.date() + timedelta(days=3))
        _type_into(page, "New start time", "14:00")
        _follow(ui, page.get_by_role("button", name="Save the change"))
        friday.refresh_from_db()
        assert timezone.localtime(friday.starts_at).hour == 14
        page = ui.goto("/marac/returns/safelives/")
        _follow(ui, page.get_by_role("button", name="Show the figures"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("SafeLives")
