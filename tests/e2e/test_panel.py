"""The perpetrator panel in a real browser: a panel member opens a candidate, creates a panel case with a
tactical plan and an action, holds a meeting; the housing officer the action is assigned to completes it;
with an axe check on every page visited, and the forms used by keyboard."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Agency, Role
from perpetrator_panel.models import PanelAction, PanelCase, PanelMeeting, PlanItem
from tests.e2e.test_cases import _follow, _sign_in, _type_into
from tests.e2e.test_referrals import _choose, _fill_date, _sign_out
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import make_case
from tests.factories.panel import open_panel_case, perpetrator_with_history, police_agency

pytestmark = pytest.mark.e2e


def test_panel_member_opens_a_case_with_a_plan_and_an_agency_completes_its_action(ui):
    """Candidate -> panel case with a tactical option and an action -> the housing officer marks it done."""
    start = timezone.make_aware(datetime.combine(date(2026, 6, 1), time(9, 0)))
    with time_machine.travel(start, tick=True) as clock:
        police = police_agency()
        housing = AgencyFactory(name="Vale Homes", kind=Agency.Kind.HOUSING)
        member = UserFactory(agency=police, roles=[Role.PANEL_MEMBER])
        officer = UserFactory(agency=housing, roles=[Role.AGENCY_REP])
        perpetrator, cases = perpetrator_with_history(
            incidents=((0, 12), (1, 60), (1, 200)), crime_type="Stalking", stalking=True
        )
        name = f"{perpetrator.given_name} {perpetrator.family_name}"

        # The panel member finds him at the top of the candidates and reads why he scores what he does.
        _sign_in(ui, member)
        page = ui.page
        _follow(ui, page.get_by_role("link", name="Candidates").first)
        expect(page.get_by_role("link", name=name)).to_be_visible()
        _follow(ui, page.get_by_role("link", name=name))
        expect(page.get_by_text("Recency").first).to_be_visible()
        _follow(ui, page.get_by_role("link", name="Open a panel case"))
        _fill_date(page, "Date the panel took the case", start.date())
        _follow(ui, page.get_by_role("button", name="Open the panel case"))
        panel_case = PanelCase.objects.get()
        assert panel_case.perpetrator == perpetrator
        assert set(panel_case.cases.all()) == set(cases)
        assert panel_case.stalking
        assert panel_case.reasons == [PanelCase.Reason.SERIAL]
        expect(page.get_by_text(panel_case.reference).first).to_be_visible()

        # A tactical option owned by housing, and an action for housing.
        _follow(ui, page.get_by_role("link", name="Add a tactical option"))
        option = "Housing enforcement (tenancy action) (usually housing)"
        page.get_by_label("Tactical option").select_option(label=option)
        page.get_by_label("Agency that owns it").select_option(label="Vale Homes")
        _fill_date(page, "Date the option was chosen", start.date())
        _follow(ui, page.get_by_role("button", name="Add to the plan"))
        item = PlanItem.objects.get()
        assert item.owning_agency == housing
        _follow(ui, page.get_by_role("link", name="Add an action"))
        _type_into(page, "What is the agency to do?", "Serve notice of breach of tenancy for threats to neighbours.")
        page.get_by_label("Agency", exact=True).select_option(label="Vale Homes")
        _fill_date(page, "Due date", start.date() + timedelta(days=21))
        _follow(ui, page.get_by_role("button", name="Add the action"))
        action = PanelAction.objects.get()
        assert action.assigned_agency == housing
        assert action.status == PanelAction.Status.OPEN

        # The panel's meetings and cases lists.
        _follow(ui, page.get_by_role("link", name="Panel meetings").first)
        _follow(ui, page.get_by_role("link", name="Panel cases").first)
        expect(page.get_by_role("link", name=re.compile(panel_case.reference))).to_be_visible()
        _sign_out(ui)

        # A week later the housing officer completes the action; the panel case itself stays out of sight.
        done_on = start.date() + timedelta(days=7)
        clock.move_to(timezone.make_aware(datetime.combine(done_on, time(10, 0))))
        _sign_in(ui, officer)
        page = ui.page
        _follow(ui, page.get_by_role("link", name="My agency's panel actions"))
        _follow(ui, page.get_by_role("link", name=re.compile("Update")).first)
        expect(page.get_by_text(cases[0].victim.family_name)).to_have_count(0)
        _choose(page, "Did he comply?", "Complied")
        _follow(ui, page.get_by_role("button", name="Save compliance"))
        _fill_date(page, "Date it was done", done_on)
        _follow(ui, page.get_by_role("button", name="Mark as done"))
        action.refresh_from_db()
        assert action.status == PanelAction.Status.DONE
        assert action.completed_on == done_on
        assert action.compliance == PanelAction.Compliance.COMPLIED
        ui.goto(f"/panel/cases/{panel_case.pk}/", status=404)


def test_referral_meeting_and_case_review(ui):
    """A police officer refers a perpetrator; the panel member sees him among the referred candidates,
    arranges a meeting, records attendance and a case review there."""
    start = timezone.make_aware(datetime.combine(date(2026, 6, 4), time(9, 0)))
    with time_machine.travel(start, tick=True):
        police = police_agency()
        member = UserFactory(agency=police, roles=[Role.PANEL_MEMBER])
        officer = UserFactory(agency=police, roles=[Role.AGENCY_REP])
        case = make_case(officer)
        referred = case.parties.get().person
        panel_case = open_panel_case(member)

        _sign_in(ui, officer)
        page = ui.page
        _follow(ui, page.get_by_role("link", name="Refer a perpetrator to the panel"))
        _type_into(page, "What is the case reference?", case.reference)
        _follow(ui, page.get_by_role("button", name="Continue"))
        _type_into(page, "Why should the panel consider him?", "Three partners in two years; escalating threats.")
        _fill_date(page, "Date of the referral", start.date())
        _choose(page, "Has the victim consented to the referral?", "Given")
        _follow(ui, page.get_by_role("button", name="Send the referral"))
        assert case.referrals.get(service="perpetrator_panel").perpetrator == referred
        _sign_out(ui)

        _sign_in(ui, member)
        page = ui.page
        _follow(ui, page.get_by_role("link", name="Candidates").first)
        _follow(ui, page.get_by_role("link", name="Referred by an agency"))
        expect(page.get_by_role("link", name=f"{referred.given_name} {referred.family_name}")).to_be_visible()
        _follow(ui, page.get_by_role("link", name="Panel meetings").first)
        _follow(ui, page.get_by_role("link", name="Arrange a meeting"))
        _fill_date(page, "Date of the meeting", start.date())
        _type_into(page, "Chair (optional)", "DI for domestic abuse and the partnership manager")
        _follow(ui, page.get_by_role("button", name="Arrange the meeting"))
        meeting = PanelMeeting.objects.get()
        page.get_by_text("Record attendance").click()
        _choose(page, police.name, "Attended")
        _type_into(page, f"Representative of {police.name} (optional)", "DS Example")
        _follow(ui, page.get_by_role("button", name="Save attendance"))
        assert meeting.attendance.get().attended
        page.get_by_text("Record a case review").click()
        page.get_by_label("Panel case").first.select_option(value=str(panel_case.pk))
        _type_into(page, "Live investigations (optional)", "Charged with harassment; bail conditions in place.")
        _follow(ui, page.get_by_role("button", name="Record the review"))
        assert meeting.reviews.get().panel_case == panel_case
