"""The referral page, the IDVA workflow's step pages, and the referrals on the case page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from agencies.models import Agency, Role, User
from agencies.services import object_permission_grant
from audit.models import AccessLog
from cases.selectors import VIEW_CASE
from cases.services import safe_contact_save
from referrals.models import Closure, ContactAttempt, Referral, ReferralEvent, SafetyMeasure
from referrals.services import contact_attempt_record, referral_allocate, referral_close
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import PersonFactory, case_worker, make_case
from tests.factories.referrals import ReferralSetup, idva_manager, idva_user, police_referral, referral_at

pytestmark = pytest.mark.django_db

SAFE_PHONE = "07700 900456"


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _url(name: str, referral: Referral) -> str:
    return reverse(name, kwargs={"pk": referral.pk})


def _date(field: str, day: date) -> dict[str, str]:
    return {f"{field}_day": str(day.day), f"{field}_month": str(day.month), f"{field}_year": str(day.year)}


def _today(field: str = "on") -> dict[str, str]:
    return _date(field, timezone.localdate())


def _written() -> tuple[int, int, int]:
    """Rows the workflow writes: timeline events, contact attempts and closures."""
    return ReferralEvent.objects.count(), ContactAttempt.objects.count(), Closure.objects.count()


def _person(setup: ReferralSetup, who: str) -> User:
    """Someone in relation to the referral: its people, or others of the IDVA service or outside it."""
    idva_service = setup.referral.receiving_agency
    people: dict[str, Callable[[], User]] = {
        "manager": lambda: setup.manager,
        "allocated_idva": lambda: setup.idva,
        "other_idva": lambda: idva_user(idva_service),
        "marac_coordinator": lambda: UserFactory(agency=idva_service, roles=[Role.MARAC_COORDINATOR]),
        "referrer": lambda: setup.referrer,
        "other_agency": case_worker,
        "analyst": lambda: UserFactory(agency=idva_service, roles=[Role.ANALYST]),
    }
    return people[who]()


# --- The referral page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status_code"),
    [
        ("manager", 200),
        ("allocated_idva", 200),
        ("marac_coordinator", 200),
        ("referrer", 200),
        ("other_idva", 404),
        ("other_agency", 404),
        ("analyst", 404),
    ],
)
def test_who_may_see_the_referral_page(who, status_code):
    """The manager, the allocated IDVA, the MARAC coordinator and the referrer see it; others get 404."""
    setup = referral_at(Referral.Status.CONTACTING)
    response = _client(_person(setup, who)).get(_url("referral-detail", setup.referral))
    assert response.status_code == status_code
    logged = AccessLog.objects.filter(action=AccessLog.Action.VIEW, object_type="referrals.referral")
    assert logged.count() == (1 if status_code == 200 else 0)


def test_referral_page_shows_the_referral_and_its_timeline():
    """The summary, the contact attempts and the timeline in date order, with who recorded each step."""
    setup = referral_at(Referral.Status.ENGAGED)
    referral = setup.referral
    content = _client(setup.idva).get(_url("referral-detail", referral)).content.decode()
    for text in (
        referral.case.reference,
        reverse("case-detail", kwargs={"pk": referral.case_id}),
        escape(referral.case.victim.full_name),
        "IDVA service referral",
        escape(referral.referring_agency.name),
        escape(referral.referrer_name),
        referral.referrer_email,
        "Given",
        escape(setup.idva.get_full_name()),
        "Spoke to the victim",
        "Engaged on",
        'id="timeline"',
        escape(f"{setup.manager.get_full_name()}, {referral.receiving_agency.name}"),
    ):
        assert text in content, text
    timeline = content[content.index('id="timeline"') :]
    kinds = ["Referral received", "Allocated", "Contact attempt", "Engaged"]
    positions = [timeline.index(f'<td class="govuk-table__cell">{kind}</td>') for kind in kinds]
    assert positions == sorted(positions)
    assert "style=" not in content


def test_referral_page_shows_consent_reasons_and_the_repeat_tag():
    """Sharing without consent shows its reason; the MARAC criteria are named; a repeat is tagged."""
    referrer = case_worker()
    case = make_case(referrer)
    police_referral(referrer=referrer, case=case, received_on=timezone.localdate() - timedelta(days=60))
    referral = police_referral(
        referrer=referrer,
        case=case,
        consent=Referral.Consent.NOT_GIVEN_SHARED_TO_PROTECT,
        consent_reason="Children at risk of significant harm.",
        reasons=["visible_high_risk"],
        details="He has threatened to take the children abroad.",
    )
    content = _client(referrer).get(_url("referral-detail", referral)).content.decode()
    for text in (
        "Not given: shared to protect",
        "Children at risk of significant harm.",
        "Visible high risk",
        "He has threatened to take the children abroad.",
        "Repeat referral",
        "Not allocated",
    ):
        assert text in content, text


def test_closed_referral_shows_its_outcomes():
    """A closed referral shows the closure's outcome, risk views, safety measures, justice and housing."""
    setup = referral_at(Referral.Status.ENGAGED)
    measure = SafetyMeasure.objects.filter(active=True).first()
    referral_close(
        actor=setup.idva,
        referral=setup.referral,
        outcome="support_completed",
        on=timezone.localdate(),
        risk_reduced_idva_view="yes",
        risk_reduced_victim_view="no",
        safety_measures=[measure.code],
        criminal_justice_outcome="convicted",
        civil_justice_outcome="non_molestation_order",
        housing_outcome="rehoused",
        notes="Moved to a new tenancy.",
    )
    content = _client(setup.manager).get(_url("referral-detail", setup.referral)).content.decode()
    for text in (
        "Support completed",
        "Outcomes at closure",
        measure.name,
        "Convicted",
        "Non-molestation order granted",
        "Rehoused",
        "Moved to a new tenancy.",
    ):
        assert text in content, text
    assert 'data-module="govuk-button">Close</a>' not in content


def test_referral_page_warns_when_first_contact_is_overdue():
    """A referral flagged by the nightly job shows the overdue warning."""
    setup = referral_at(Referral.Status.ALLOCATED)
    Referral.objects.filter(pk=setup.referral.pk).update(contact_overdue_since=date(2026, 3, 4))
    content = _client(setup.manager).get(_url("referral-detail", setup.referral)).content.decode()
    assert "The first contact attempt is overdue: it was due before 4 March 2026." in content


@pytest.mark.parametrize(
    ("status", "who", "buttons"),
    [
        ("received", "manager", {"Allocate"}),
        ("allocated", "manager", {"Reallocate", "Record a contact attempt", "Record engagement"}),
        ("allocated", "allocated_idva", {"Record a contact attempt", "Record engagement"}),
        ("contacting", "allocated_idva", {"Record a contact attempt", "Record engagement"}),
        ("engaged", "allocated_idva", {"Record a contact attempt", "Close"}),
        ("not_engaged", "allocated_idva", {"Re-open", "Close"}),
        ("closed", "manager", set()),
        ("contacting", "referrer", set()),
        ("contacting", "marac_coordinator", set()),
    ],
)
def test_referral_page_offers_only_the_steps_the_user_may_take_now(status, who, buttons):
    """Each step's button shows only when the user's role may take it and the referral's status allows it."""
    setup = referral_at(status)
    content = _client(_person(setup, who)).get(_url("referral-detail", setup.referral)).content.decode()
    all_buttons = {"Allocate", "Reallocate", "Record a contact attempt", "Record engagement", "Re-open", "Close"}
    shown = {label for label in all_buttons if f'data-module="govuk-button">{label}</a>' in content}
    assert shown == buttons


def test_unallocated_referral_shows_the_specialist_suggestion():
    """While a referral waits for allocation the page suggests the specialist post it suits."""
    referrer = case_worker()
    today = timezone.localdate()
    victim = PersonFactory(date_of_birth=date(today.year - 16, 1, 1))
    referral = police_referral(referrer=referrer, case=make_case(referrer, victim=victim))
    manager = idva_manager(referral.receiving_agency)
    content = _client(manager).get(_url("referral-detail", referral)).content.decode()
    assert "Suggested specialist IDVA: Young People&#x27;s IDVA." in content


def test_referral_page_query_count_is_constant():
    """The page takes as many queries for a referral with many events and attempts as with few."""
    few = referral_at(Referral.Status.CLOSED)
    many = referral_at(Referral.Status.ENGAGED)
    today = timezone.localdate()
    for days in range(6):
        contact_attempt_record(
            actor=many.idva,
            referral=many.referral,
            made_on=today - timedelta(days=days),
            method="text_message",
            safe_to_leave_message=True,
            outcome="message_left",
            notes=f"Attempt {days}",
        )
    referral_allocate(actor=many.manager, referral=many.referral, idva=idva_user(many.referral.receiving_agency))
    measures = list(SafetyMeasure.objects.filter(active=True).values_list("code", flat=True)[:3])
    referral_close(
        actor=many.manager, referral=many.referral, outcome="support_completed", on=today, safety_measures=measures
    )
    client = _client(few.manager)

    def queries_for(setup: ReferralSetup) -> int:
        url = _url("referral-detail", setup.referral)
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    assert ContactAttempt.objects.filter(referral=many.referral).count() == 7
    assert ReferralEvent.objects.filter(referral=many.referral).count() > 2 * few.referral.events.count()
    assert queries_for(few) == queries_for(many)


def test_the_referral_page_never_shows_the_safe_contact():
    """Safe contact details stay on the case page and the contact attempt page, not the referral page."""
    setup = referral_at(Referral.Status.ALLOCATED)
    safe_contact_save(actor=setup.referrer, case=setup.case, data={"safe_phone": SAFE_PHONE})
    for user in (setup.referrer, setup.idva, setup.manager):
        content = _client(user).get(_url("referral-detail", setup.referral)).content.decode()
        assert SAFE_PHONE not in content


# --- Who may open the step pages --------------------------------------------------------------------

# Each step page: the status it can be taken from, and a valid form for it (its date is added when sent).
STEPS: dict[str, tuple[str, dict[str, str]]] = {
    "referral-allocate": ("allocated", {}),
    "referral-contact-attempt": (
        "allocated",
        {"method": "phone_call", "safe_to_leave_message": "no", "outcome": "no_answer"},
    ),
    "referral-engagement": ("contacting", {"outcome": "engaged"}),
    "referral-reopen": ("not_engaged", {"detail": "She phoned the helpline."}),
    "referral-close": (
        "engaged",
        {
            "outcome": "support_completed",
            "risk_reduced_idva_view": "yes",
            "risk_reduced_victim_view": "yes",
            "criminal_justice_outcome": "none",
            "civil_justice_outcome": "none",
            "housing_outcome": "safe_at_home",
        },
    ),
}


def _dated(name: str, data: dict[str, str], *, days_ahead: int = 0) -> dict[str, str]:
    """A step's form with its date: today, or `days_ahead` days from today."""
    field = "made_on" if name == "referral-contact-attempt" else "on"
    return {**_date(field, timezone.localdate() + timedelta(days=days_ahead)), **data}


def _step_matrix() -> list[tuple[str, str, int]]:
    work = {
        "manager": 200,
        "allocated_idva": 200,
        "marac_coordinator": 403,
        "referrer": 403,
        "other_idva": 404,
        "other_agency": 404,
        "analyst": 404,
    }
    allocate = {**work, "allocated_idva": 403}
    return [
        (name, who, code) for name in STEPS for who, code in (allocate if name == "referral-allocate" else work).items()
    ]


@pytest.mark.parametrize(("name", "who", "status_code"), _step_matrix())
def test_who_may_open_each_step_page(name, who, status_code):
    """The manager allocates; the manager and the allocated IDVA work the referral; whoever else can see
    it gets 403, and everyone else 404, whether they open the page or send the form (nothing is written)."""
    status, data = STEPS[name]
    setup = referral_at(status)
    client = _client(_person(setup, who))
    url = _url(name, setup.referral)
    assert client.get(url).status_code == status_code
    if status_code != 200:
        before = _written()
        assert client.post(url, _dated(name, {**data, "idva": str(setup.idva.pk)})).status_code == status_code
        assert _written() == before


@pytest.mark.parametrize("name", ["referral-detail", *STEPS])
def test_anonymous_users_are_sent_to_sign_in(client, name):
    """Signed-out visitors are sent to sign in."""
    response = client.get(reverse(name, kwargs={"pk": 1}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_step_pages_have_a_back_link_to_the_referral():
    """Each step page links back to the referral page."""
    setup = referral_at(Referral.Status.ALLOCATED)
    back = f'<a href="{_url("referral-detail", setup.referral)}" class="govuk-back-link">Back</a>'
    for name in ("referral-allocate", "referral-contact-attempt", "referral-engagement"):
        assert back in _client(setup.manager).get(_url(name, setup.referral)).content.decode(), name


def test_a_step_that_cannot_be_taken_now_says_why():
    """Opening the close page before an engagement outcome explains why instead of showing the form."""
    setup = referral_at(Referral.Status.CONTACTING)
    content = _client(setup.idva).get(_url("referral-close", setup.referral)).content.decode()
    assert "Record an engagement outcome before closing the referral." in content
    assert '<form method="post" action="/referrals/' not in content


# --- Taking the steps -------------------------------------------------------------------------------


def test_manager_allocates_a_referral():
    """The manager chooses an IDVA: the referral is allocated, the timeline says so, and the page confirms."""
    setup = referral_at(Referral.Status.RECEIVED)
    client = _client(setup.manager)
    url = _url("referral-allocate", setup.referral)
    assert escape(setup.idva.get_full_name()) in client.get(url).content.decode()
    response = client.post(url, {"idva": str(setup.idva.pk), **_today()}, follow=True)
    assert response.redirect_chain == [(_url("referral-detail", setup.referral), 302)]
    setup.referral.refresh_from_db()
    assert (setup.referral.status, setup.referral.allocated_to) == ("allocated", setup.idva)
    assert setup.referral.allocated_on == timezone.localdate()
    assert ReferralEvent.objects.filter(referral=setup.referral, kind="allocated").exists()
    assert escape(f"Referral allocated to {setup.idva.get_full_name()}.") in response.content.decode()


def test_allocation_date_is_optional():
    """Left empty, the allocation is dated today."""
    setup = referral_at(Referral.Status.RECEIVED)
    data = {"idva": str(setup.idva.pk), "on_day": "", "on_month": "", "on_year": ""}
    assert _client(setup.manager).post(_url("referral-allocate", setup.referral), data).status_code == 302
    setup.referral.refresh_from_db()
    assert setup.referral.allocated_on == timezone.localdate()


def test_allocation_lists_suggested_specialists_first_with_their_caseloads(settings):
    """IDVAs in the suggested specialist post come first, marked; each shows open cases against the safe
    range, tagged when above or below it; the IDVA already allocated is not offered again."""
    settings.DASV_IDVA_CASELOAD_MIN, settings.DASV_IDVA_CASELOAD_MAX = 1, 1
    setup = referral_at(Referral.Status.RECEIVED)
    agency = setup.referral.receiving_agency
    busy = UserFactory(agency=agency, roles=[Role.IDVA], given_name="Aled", family_name="Abbott")
    for _ in range(2):
        referral_allocate(actor=setup.manager, referral=police_referral(), idva=busy)
    young_people = UserFactory(
        agency=agency, roles=[Role.IDVA], given_name="Zara", family_name="Zeller", specialist_post="young_people"
    )
    today = timezone.localdate()
    victim = PersonFactory(date_of_birth=date(today.year - 15, 1, 1))
    referral = police_referral(referrer=setup.referrer, case=make_case(setup.referrer, victim=victim))
    content = _client(setup.manager).get(_url("referral-allocate", referral)).content.decode()
    assert content.index("Zara Zeller") < content.index("Aled Abbott")
    assert 'Zara Zeller <strong class="govuk-tag govuk-tag--green">Suggested</strong>' in content
    assert "2 open (safe range 1\u20131)" in content
    assert "Above the safe range" in content
    assert "Below the safe range" in content
    assert "Young People&#x27;s IDVA." in content
    referral_allocate(actor=setup.manager, referral=referral, idva=young_people)
    content = _client(setup.manager).get(_url("referral-allocate", referral)).content.decode()
    assert f'value="{young_people.pk}"' not in content
    assert "Reallocate the referral" in content


def test_idva_records_a_contact_attempt():
    """The allocated IDVA logs an attempt; the referral moves to contacting."""
    setup = referral_at(Referral.Status.ALLOCATED)
    data = {
        **_today("made_on"),
        "method": "text_message",
        "safe_to_leave_message": "yes",
        "outcome": "message_left",
        "notes": "Texted from the safe number at 11am.",
    }
    response = _client(setup.idva).post(_url("referral-contact-attempt", setup.referral), data)
    assert response.status_code == 302
    attempt = ContactAttempt.objects.get(referral=setup.referral)
    assert (attempt.method, attempt.safe_to_leave_message, attempt.outcome) == ("text_message", True, "message_left")
    assert attempt.made_by == setup.idva
    setup.referral.refresh_from_db()
    assert setup.referral.status == "contacting"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"outcome": "engaged"}, "engaged"),
        ({"outcome": "not_engaged", "reason": "could_not_contact_safely"}, "not_engaged"),
        ({"outcome": "not_engaged", "reason": "other", "detail": "Moved in with her sister."}, "not_engaged"),
    ],
)
def test_idva_records_engagement(data, status):
    """The allocated IDVA records the outcome, with the reason when the victim did not engage."""
    setup = referral_at(Referral.Status.CONTACTING)
    response = _client(setup.idva).post(_url("referral-engagement", setup.referral), {**_today(), **data})
    assert response.status_code == 302
    setup.referral.refresh_from_db()
    assert setup.referral.status == status
    assert setup.referral.not_engaged_reason == data.get("reason", "")
    assert setup.referral.not_engaged_detail == data.get("detail", "")


def test_a_reason_typed_before_choosing_engaged_is_left_out():
    """The hidden reason and detail are not sent to the service when the victim engaged."""
    setup = referral_at(Referral.Status.CONTACTING)
    data = {**_today(), "outcome": "engaged", "reason": "declined", "detail": "Changed her mind."}
    assert _client(setup.idva).post(_url("referral-engagement", setup.referral), data).status_code == 302
    setup.referral.refresh_from_db()
    assert (setup.referral.status, setup.referral.not_engaged_reason) == ("engaged", "")


def test_engagement_page_shows_the_reason_under_not_engaged():
    """The reason radios sit under the "Not engaged" radio, always shown (no invalid ARIA on radios)."""
    setup = referral_at(Referral.Status.CONTACTING)
    content = _client(setup.idva).get(_url("referral-engagement", setup.referral)).content.decode()
    assert "data-aria-controls" not in content
    assert 'class="govuk-radios__conditional" id="conditional-not-engaged"' in content
    assert 'name="reason" id="id_reason_0" value="could_not_contact_safely"' in content


def test_idva_reopens_a_referral_that_did_not_engage():
    """When the victim gets back in touch the referral returns to contacting, with how on the timeline."""
    setup = referral_at(Referral.Status.NOT_ENGAGED)
    data = {**_today(), "detail": "She phoned the helpline and asked for her IDVA."}
    assert _client(setup.idva).post(_url("referral-reopen", setup.referral), data).status_code == 302
    setup.referral.refresh_from_db()
    assert setup.referral.status == "contacting"
    event = ReferralEvent.objects.filter(referral=setup.referral).last()
    assert (event.kind, event.detail) == ("reopened", "She phoned the helpline and asked for her IDVA.")


def test_idva_closes_a_referral_with_its_outcomes():
    """Closing records the outcome, the risk views, the safety measures and the justice and housing outcomes."""
    setup = referral_at(Referral.Status.ENGAGED)
    codes = list(SafetyMeasure.objects.filter(active=True).values_list("code", flat=True)[:2])
    content = _client(setup.idva).get(_url("referral-close", setup.referral)).content.decode()
    for code in codes:
        assert f'value="{code}"' in content
    data = _dated("referral-close", {**STEPS["referral-close"][1], "notes": "Safety plan in place."})
    response = _client(setup.idva).post(_url("referral-close", setup.referral), {**data, "safety_measures": codes})
    assert response.status_code == 302
    setup.referral.refresh_from_db()
    assert (setup.referral.status, setup.referral.closure_outcome) == ("closed", "support_completed")
    closure = Closure.objects.get(referral=setup.referral)
    assert sorted(closure.safety_measures.values_list("code", flat=True)) == sorted(codes)
    assert (closure.housing_outcome, closure.notes) == ("safe_at_home", "Safety plan in place.")


# --- Bad input --------------------------------------------------------------------------------------

CLOSE_FORM = STEPS["referral-close"][1]


NOT_SAFE_TO_LEAVE = {"method": "phone_call", "safe_to_leave_message": "no"}
FUTURE = ("The date cannot be in the future.",)


@pytest.mark.parametrize(
    ("name", "status", "data", "days_ahead", "error"),
    [
        (
            "referral-engagement",
            "contacting",
            {"outcome": "not_engaged"},
            0,
            ("reason", "Select why the victim did not engage"),
        ),
        (
            "referral-engagement",
            "contacting",
            {"outcome": "not_engaged", "reason": "other"},
            0,
            ("detail", "Say why the victim did not engage."),
        ),
        (
            "referral-engagement",
            "allocated",
            {"outcome": "engaged"},
            0,
            (None, "Record a contact attempt before recording that the victim engaged."),
        ),
        ("referral-engagement", "contacting", {"outcome": "engaged"}, 1, ("on", *FUTURE)),
        (
            "referral-contact-attempt",
            "allocated",
            {**NOT_SAFE_TO_LEAVE, "outcome": "message_left"},
            0,
            ("outcome", "A message was recorded as left, but it was not safe to leave a message."),
        ),
        (
            "referral-contact-attempt",
            "allocated",
            {**NOT_SAFE_TO_LEAVE, "outcome": "no_answer"},
            1,
            ("made_on", *FUTURE),
        ),
        (
            "referral-contact-attempt",
            "allocated",
            {"method": "phone_call", "outcome": "no_answer"},
            0,
            ("safe_to_leave_message", "Select yes if it was safe to leave a message"),
        ),
        (
            "referral-close",
            "contacting",
            CLOSE_FORM,
            0,
            (None, "Record an engagement outcome before closing the referral."),
        ),
        (
            "referral-close",
            "not_engaged",
            CLOSE_FORM,
            0,
            ("outcome", "The victim did not engage: close the referral as not engaged, or with another outcome."),
        ),
        (
            "referral-close",
            "engaged",
            {**CLOSE_FORM, "safety_measures": "not-a-measure"},
            0,
            ("safety_measures", "Select the safety measures from the list"),
        ),
        (
            "referral-close",
            "engaged",
            {"outcome": "support_completed"},
            0,
            ("housing_outcome", "Select the housing outcome"),
        ),
        ("referral-reopen", "not_engaged", {}, 0, ("detail", "Say how the victim got back in touch")),
        ("referral-reopen", "not_engaged", {"detail": "She phoned."}, 1, ("on", *FUTURE)),
        ("referral-allocate", "received", {}, 0, ("idva", "Select the IDVA to allocate the referral to")),
    ],
)
def test_bad_input_is_shown_on_its_field_and_writes_nothing(name, status, data, days_ahead, error):
    """A refused answer re-renders the page with the error on its field (or in the summary when it is
    the step itself that is refused), and nothing is written."""
    field, message = error
    setup = referral_at(status)
    before = _written()
    user = setup.manager if name == "referral-allocate" else setup.idva
    response = _client(user).post(_url(name, setup.referral), _dated(name, data, days_ahead=days_ahead))
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert '<h2 class="govuk-error-summary__title">There is a problem</h2>' in content
    if field:
        assert f'id="id_{field}_error"' in content
    assert content.count("<title>Error: ") == 1
    assert _written() == before
    setup.referral.refresh_from_db()
    assert setup.referral.status == status


# --- Safe contact on the contact attempt page ------------------------------------------------------


def test_contact_attempt_page_shows_the_safe_contact_to_the_idva_and_logs_it():
    """The IDVA service sees the victim's safe contact beside the form; the reading is logged."""
    setup = referral_at(Referral.Status.ALLOCATED)
    safe_contact_save(
        actor=setup.referrer,
        case=setup.case,
        data={"safe_phone": SAFE_PHONE, "safe_times": "Weekdays 10am to 2pm", "do_not_contact": "Never by letter"},
    )
    content = _client(setup.idva).get(_url("referral-contact-attempt", setup.referral)).content.decode()
    for text in (SAFE_PHONE, "Weekdays 10am to 2pm", "Never by letter"):
        assert text in content
    row = AccessLog.objects.get(action=AccessLog.Action.VIEW, object_type="cases.case")
    assert row.detail["section"] == "safe contact"


def test_contact_attempt_page_warns_when_no_safe_contact_is_recorded():
    """With no safe contact recorded the IDVA is told not to make contact until they know it is safe."""
    setup = referral_at(Referral.Status.ALLOCATED)
    content = _client(setup.idva).get(_url("referral-contact-attempt", setup.referral)).content.decode()
    assert "No safe contact details are recorded." in content


def test_an_agency_without_the_safe_contact_permission_works_the_referral_without_it():
    """A service other than the IDVA service (here outreach) receives the case but not the safe contact:
    its workers record attempts without seeing it, and the page says whom to ask."""
    AgencyFactory(kind=Agency.Kind.OUTREACH)
    referrer = case_worker()
    referral = police_referral(referrer=referrer, service=Referral.Service.OUTREACH)
    safe_contact_save(actor=referrer, case=referral.case, data={"safe_phone": SAFE_PHONE})
    outreach = referral.receiving_agency
    manager = UserFactory(agency=outreach, roles=[Role.IDVA_MANAGER])
    worker = UserFactory(agency=outreach, roles=[Role.IDVA])
    referral_allocate(actor=manager, referral=referral, idva=worker)
    for user in (worker, manager):
        response = _client(user).get(_url("referral-contact-attempt", referral))
        assert response.status_code == 200
        content = response.content.decode()
        assert SAFE_PHONE not in content
        assert "Your agency cannot see the victim's safe contact details." in content
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW, object_type="cases.case").exists()


# --- The referrals on the case page ----------------------------------------------------------------


def test_case_page_lists_referrals_with_status_repeat_and_links_for_those_the_user_may_open():
    """Each referral shows its status, a Repeat tag and the allocated IDVA; it links to the referral page
    only for users who may open it (the referrer's agency, the manager, the allocated IDVA)."""
    setup = referral_at(Referral.Status.ALLOCATED)
    repeat = police_referral(referrer=setup.referrer, case=setup.case, received_on=timezone.localdate())
    url = reverse("case-detail", kwargs={"pk": setup.case.pk})
    first_link = f'href="{_url("referral-detail", setup.referral)}"'
    repeat_link = f'href="{_url("referral-detail", repeat)}"'

    content = _client(setup.referrer).get(url).content.decode()
    assert '<strong class="govuk-tag govuk-tag--purple">Allocated</strong>' in content
    assert '<strong class="govuk-tag govuk-tag--light-blue">Received</strong>' in content
    assert '<strong class="govuk-tag govuk-tag--pink">Repeat</strong>' in content
    assert escape(setup.idva.get_full_name()) in content
    assert first_link in content
    assert repeat_link in content
    assert reverse("referral-create", kwargs={"case_pk": setup.case.pk}) in content

    content = _client(setup.idva).get(url).content.decode()
    assert first_link in content
    assert repeat_link not in content

    content = _client(idva_user(setup.referral.receiving_agency)).get(url).content.decode()
    assert first_link not in content
    assert repeat_link not in content
    assert "IDVA service" in content


def test_case_page_offers_a_referral_only_to_agencies_that_may_change_the_case():
    """An agency that may only view the case sees its referrals but no "Make a referral" button."""
    setup = referral_at(Referral.Status.RECEIVED)
    viewer = case_worker()
    object_permission_grant(agency=viewer.agency, perm=VIEW_CASE, obj=setup.case, reason="Test: view only")
    content = _client(viewer).get(reverse("case-detail", kwargs={"pk": setup.case.pk})).content.decode()
    assert "IDVA service" in content
    assert reverse("referral-create", kwargs={"case_pk": setup.case.pk}) not in content
    assert f'href="{_url("referral-detail", setup.referral)}"' not in content
