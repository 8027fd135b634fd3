"""A referral's journey in a real browser: a police officer refers without consent, the IDVA manager
allocates it to a specialist IDVA, the IDVA records a failed then a successful contact, engagement and
closure; with an axe check on every page visited, and the forms used by keyboard."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Role, User
from referrals.models import Referral
from referrals.services import (
    incident_report,
    referral_create,
    referral_engagement_record,
    referrals_contact_overdue_flag,
)
from tests.e2e.test_cases import _follow, _sign_in, _type_into
from tests.factories.agencies import UserFactory
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case
from tests.factories.referrals import referral_at

pytestmark = pytest.mark.e2e


def _sign_out(ui) -> None:
    _follow(ui, ui.page.get_by_role("button", name="Sign out"))


def _choose(page, group: str, option: str) -> None:
    """Pick a radio in a fieldset by keyboard: focus it and press space."""
    page.get_by_role("group", name=group).get_by_label(option, exact=True).focus()
    page.keyboard.press("Space")


def _fill_date(page, group: str, day) -> None:
    page.get_by_role("group", name=group).get_by_label("Day").focus()
    for part in (str(day.day), str(day.month), str(day.year)):
        page.keyboard.press("Control+A")
        page.keyboard.type(part)
        page.keyboard.press("Tab")


def test_police_referral_is_allocated_contacted_engaged_and_closed(ui, partnership_rule):
    """Police refers without consent (the reason is required), the manager allocates it to the Young
    People's IDVA the triage queue suggests, and that IDVA works it through to closure."""
    service = idva_service()
    manager = UserFactory(agency=service, roles=[Role.IDVA_MANAGER], given_name="Morwenna", family_name="Trevail")
    UserFactory(agency=service, roles=[Role.IDVA], given_name="Gethin", family_name="Probert")
    specialist = UserFactory(
        agency=service,
        roles=[Role.IDVA],
        given_name="Ffion",
        family_name="Rowlands",
        specialist_post=User.SpecialistPost.YOUNG_PEOPLE,
    )
    police = case_worker(given_name="Alun", family_name="Pengelly")
    today = timezone.localdate()
    victim = PersonFactory(given_name="Seren", family_name="Tregear", date_of_birth=today - timedelta(days=17 * 365))
    case = make_case(police, victim=victim)

    # The police officer makes the referral.
    _sign_in(ui, police)
    page = ui.page
    _follow(ui, page.get_by_role("link", name="Make a referral").first)
    _type_into(page, "Which case?", case.reference)
    _follow(ui, page.get_by_role("button", name="Search"))
    _follow(ui, page.get_by_role("link", name=re.compile(case.reference)))
    expect(page.get_by_role("heading", level=1)).to_contain_text("referral")
    _choose(page, "Which service are you referring to?", "IDVA service")
    _choose(page, "Has the victim consented to the referral?", "Not given: shared to protect")
    _type_into(page, "What should the service know? (optional)", "Second call-out this month; afraid to go home.")
    _follow(ui, page.get_by_role("button", name="Continue"))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link", name="Say why the referral is shared without consent")).to_be_visible()
    assert not Referral.objects.exists()
    reason = "If not given: why is the referral shared without consent?"
    _type_into(page, reason, "Risk to life: strangulation disclosed.")
    _follow(ui, page.get_by_role("button", name="Continue"))
    expect(page.get_by_role("heading", name=re.compile("Check your answers"))).to_be_visible()
    expect(page.get_by_text("Risk to life: strangulation disclosed.")).to_be_visible()
    assert not Referral.objects.exists()
    _follow(ui, page.get_by_role("button", name="Send referral"))
    referral = Referral.objects.get()
    assert referral.consent == Referral.Consent.NOT_GIVEN_SHARED_TO_PROTECT
    assert referral.receiving_agency == service
    expect(page.get_by_text("Received", exact=True).first).to_be_visible()
    _sign_out(ui)

    # The manager sees it on the triage queue with the Young People's suggestion, and allocates it.
    _sign_in(ui, manager)
    page = ui.page
    _follow(ui, page.get_by_role("link", name="Triage").first)
    row = page.get_by_role("row", name=re.compile(case.reference))
    expect(row).to_contain_text("Young People's IDVA")
    _follow(ui, row.get_by_role("link", name=re.compile("Allocate")))
    suggested = page.get_by_role("radio", name=re.compile("Ffion Rowlands"))
    suggested.focus()
    page.keyboard.press("Space")
    _follow(ui, page.get_by_role("button", name="Allocate"))
    referral.refresh_from_db()
    assert referral.allocated_to == specialist
    assert referral.status == Referral.Status.ALLOCATED
    _follow(ui, page.get_by_role("link", name="Caseloads").first)
    expect(page.get_by_role("row", name=re.compile("Ffion Rowlands"))).to_contain_text("1")
    _sign_out(ui)

    # The IDVA finds it on their caseload and works it.
    _sign_in(ui, specialist)
    page = ui.page
    _follow(ui, page.get_by_role("link", name="My caseload").first)
    _follow(ui, page.get_by_role("link", name=re.compile(case.reference)))
    expect(page.get_by_text("Risk to life: strangulation disclosed.")).to_be_visible()

    # A failed attempt: no answer, and not safe to leave a message.
    _follow(ui, page.get_by_role("button", name="Record a contact attempt"))
    _choose(page, "How did you try to make contact?", "Phone call")
    _choose(page, "Was it safe to leave a message?", "No")
    _choose(page, "What happened?", "No answer")
    _follow(ui, page.get_by_role("button", name="Record the attempt"))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CONTACTING

    # A successful attempt, then engagement.
    _follow(ui, page.get_by_role("button", name="Record a contact attempt"))
    _choose(page, "How did you try to make contact?", "Phone call")
    _choose(page, "Was it safe to leave a message?", "Yes")
    _choose(page, "What happened?", "Spoke to the victim")
    _follow(ui, page.get_by_role("button", name="Record the attempt"))
    _follow(ui, page.get_by_role("button", name="Record engagement"))
    _choose(page, "Did the victim engage with the service?", "Engaged")
    _follow(ui, page.get_by_role("button", name="Record the outcome"))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ENGAGED

    # Closure with its outcomes.
    _follow(ui, page.get_by_role("button", name="Close"))
    _choose(page, "Why is the referral closing?", "Support completed")
    _fill_date(page, "Date closed", today)
    _choose(page, "In your view, was the risk reduced?", "Yes")
    _choose(page, "In the victim's view, was the risk reduced?", "Yes")
    page.get_by_label("Sanctuary scheme").check()
    _choose(page, "Criminal justice outcome", "Charged, awaiting trial")
    _choose(page, "Civil justice outcome", "Non-molestation order granted")
    _choose(page, "Housing outcome", "Remained safely at home")
    _follow(ui, page.get_by_role("button", name="Close the referral"))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED
    assert referral.engagement == Referral.Engagement.ENGAGED
    assert list(referral.closure.safety_measures.values_list("code", flat=True)) == ["sanctuary-scheme"]
    assert [attempt.outcome for attempt in referral.contact_attempts.all()] == ["no_answer", "spoke_to_victim"]
    assert list(referral.events.values_list("kind", flat=True)) == [
        "received",
        "allocated",
        "contact_attempt",
        "contact_attempt",
        "engaged",
        "closed",
    ]
    timeline = page.get_by_role("table", name="What has happened to the referral, oldest first")
    expect(timeline).to_contain_text("Support completed")


def test_coordinator_confirms_a_repeat_marac_and_an_idva_reopens_a_referral(ui, partnership_rule):
    """The MARAC coordinator's alert queue and decision page; the manager's overdue view; an IDVA re-opens a
    referral that did not engage when the victim gets back in touch."""

    service = idva_service()
    coordinator = UserFactory(agency=service, roles=[Role.MARAC_COORDINATOR])
    police = case_worker()
    case = make_case(police)
    today = timezone.localdate()
    referral_create(actor=police, case=case, service="marac", received_on=today - timedelta(days=40))
    incident_report(
        actor=police,
        case=case,
        occurred_on=today - timedelta(days=2),
        source_reference="CAD-E2E-1",
        perpetrator=case.parties.get().person,
    )

    _sign_in(ui, coordinator)
    page = ui.page
    _follow(ui, page.get_by_role("link", name="Repeat MARAC alerts").first)
    _follow(ui, page.get_by_role("link", name=re.compile(case.reference)).first)
    _choose(page, "Has the victim consented to the referral?", "Given")
    _follow(ui, page.get_by_role("button", name="Refer to MARAC as a repeat"))
    assert Referral.objects.filter(service="marac", reasons=["repeat"]).count() == 1
    _sign_out(ui)

    setup = referral_at(Referral.Status.ALLOCATED, received_on=today - timedelta(days=20))
    referrals_contact_overdue_flag()
    _sign_in(ui, setup.manager)
    page = ui.goto("/triage/?view=overdue")
    expect(page.get_by_role("link", name=re.compile(setup.referral.case.reference)).first).to_be_visible()
    referral_engagement_record(
        actor=setup.idva,
        referral=setup.referral,
        outcome="not_engaged",
        reason="could_not_contact_safely",
        on=today - timedelta(days=1),
    )
    _follow(ui, page.get_by_role("link", name="Triage").first)
    page = ui.goto(f"/referrals/{setup.referral.pk}/")
    _follow(ui, page.get_by_role("button", name="Re-open"))
    _type_into(page, "How did the victim get back in touch?", "She rang the service from a friend's phone.")
    _follow(ui, page.get_by_role("button", name=re.compile("Re-open")))
    setup.referral.refresh_from_db()
    assert setup.referral.status == Referral.Status.CONTACTING
