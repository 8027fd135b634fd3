"""The perpetrator panel's writes: opening a panel case (entry score, derived flags, reasons, cases and
referrals checked), changing it, the tactical plan, meetings, attendance, case reviews, actions, compliance,
and the shared action steps on a panel action. Every refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from agencies.actors import ApiKeyActor
from agencies.models import Agency, AgencyAction, Role
from agencies.services import agency_action_complete, agency_action_not_done, agency_action_update
from cases.models import Relationship
from cases.services import PartyInput, case_create, case_party_add
from perpetrator_panel.models import (
    CaseReview,
    PanelAction,
    PanelAttendance,
    PanelCase,
    PanelMeeting,
    PlanItem,
    StatusChange,
    TacticalOption,
)
from perpetrator_panel.services import (
    case_review_record,
    panel_action_compliance_record,
    panel_action_create,
    panel_attendance_record,
    panel_case_open,
    panel_case_update,
    panel_meeting_create,
    plan_item_add,
    plan_item_update,
)
from referrals.services import referral_create
from tests.factories.agencies import AgencyFactory, UserFactory, api_key_for
from tests.factories.cases import PersonFactory, add_incident, case_worker, idva_service
from tests.factories.panel import open_panel_case, panel_member, perpetrator_with_history, police_agency

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def ago(days: int):
    return today() - timedelta(days=days)


@pytest.fixture
def member():
    return panel_member()


@pytest.fixture
def police_worker():
    return case_worker(police_agency())


def validation_fields(excinfo: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(excinfo.value.message_dict)


def nothing_written() -> bool:
    return not PanelCase.objects.exists() and not StatusChange.objects.exists()


# --- Opening a panel case ----------------------------------------------------------------------------


def test_open_records_the_entry_score_on_the_day_taken_and_the_score_now(member):
    """Taken 20 days ago, the entry score counts only the incident before then (40 days ago: 10 + 2 + 1 + 5 =
    18); the score now counts both (10 days: 10, 2 x 2, 1 + 1, 2 x 5 = 26)."""
    perpetrator, cases = perpetrator_with_history(incidents=((0, 10), (1, 40)))
    panel_case = panel_case_open(
        actor=member, perpetrator=perpetrator, opened_on=ago(20), cases=cases, reasons=["serial"]
    )
    assert panel_case.entry_score == Decimal("18.00")
    assert panel_case.entry_score_parts["frequency"] == {"incidents": 1, "points": "2.00"}
    assert panel_case.entry_score_parts["on"] == ago(20).isoformat()
    assert panel_case.score_now == Decimal("26.00")
    assert panel_case.score_now_on == today()
    assert panel_case.status == PanelCase.Status.ACTIVE
    assert panel_case.status_changed_on == ago(20)
    assert panel_case.last_incident_on == ago(10)
    assert panel_case.reference == f"PP-{ago(20).year}-{panel_case.pk:05d}"
    assert set(panel_case.cases.all()) == set(cases)
    assert panel_case.created_by == member
    change = StatusChange.objects.get(panel_case=panel_case)
    assert (change.on, change.status, change.score) == (ago(20), "active", Decimal("18.00"))
    assert change.reason == "Taken by the panel."


def test_open_today_scores_entry_and_now_alike(member):
    """Taken today: the entry score and the score now are the same 26."""
    perpetrator, cases = perpetrator_with_history()
    panel_case = panel_case_open(
        actor=member, perpetrator=perpetrator, opened_on=today(), cases=cases, reasons=["serial"]
    )
    assert panel_case.entry_score == panel_case.score_now == Decimal("26.00")
    assert panel_case.entry_score_parts == panel_case.score_now_parts


def test_open_in_the_past_with_incidents_since_stays_active(member):
    """Taken 120 days ago after an incident 130 days ago, with another incident 10 days ago: the status is
    decided on the latest incident (10 days ago), so the case is active, not closed at opening."""
    perpetrator, cases = perpetrator_with_history(incidents=((0, 130), (1, 10)))
    panel_case = panel_case_open(
        actor=member, perpetrator=perpetrator, opened_on=ago(120), cases=cases, reasons=["serial"]
    )
    panel_case.refresh_from_db()
    assert panel_case.status == PanelCase.Status.ACTIVE
    assert panel_case.exited_on is None
    assert panel_case.last_incident_on == ago(10)
    assert panel_case.entry_score_parts["frequency"]["incidents"] == 1
    assert StatusChange.objects.filter(panel_case=panel_case).count() == 1


def test_open_for_a_day_long_past_with_no_incident_since_is_inactive_at_once(member):
    """Taken 190 days ago, last incident 200 days ago: inactive from the opening plus 3 months, with the exit
    score of that day (the incidents then 110 days old: recency 5, 2 x 2, 1 + 1, 2 x 5 = 21)."""
    perpetrator, cases = perpetrator_with_history(incidents=((0, 200), (1, 200)))
    opened_on = ago(190)
    panel_case = panel_case_open(
        actor=member, perpetrator=perpetrator, opened_on=opened_on, cases=cases, reasons=["serial"]
    )
    panel_case.refresh_from_db()
    exit_day = opened_on + relativedelta(months=3)
    assert panel_case.status == PanelCase.Status.INACTIVE
    assert panel_case.exited_on == exit_day
    assert panel_case.status_changed_on == exit_day
    assert 91 < (exit_day - ago(200)).days <= 182  # the recency band worth 5
    assert panel_case.exit_score == Decimal("21.00")
    rows = list(StatusChange.objects.filter(panel_case=panel_case).values_list("on", "status"))
    assert rows == [(opened_on, "active"), (exit_day, "inactive")]


@pytest.mark.parametrize(
    ("case_flags", "crime_type", "expected"),
    [
        ({"stalking": True}, "", {"stalking"}),
        ({"strangulation": True}, "", {"strangulation"}),
        ({}, "Stalking", {"stalking"}),
        ({}, "Non-fatal strangulation", {"strangulation"}),
        ({}, "Attempted suffocation", {"strangulation"}),
        ({}, "Common assault", set()),
        ({"stalking": True, "strangulation": True}, "", {"stalking", "strangulation"}),
    ],
)
def test_open_derives_stalking_and_strangulation(member, case_flags, crime_type, expected):
    """The stalking and strangulation flags come from the cases' flags or their crime types."""
    perpetrator, cases = perpetrator_with_history(crime_type=crime_type, **case_flags)
    panel_case = open_panel_case(member, perpetrator=perpetrator, cases=cases)
    flags = {"stalking", "strangulation", "violence_against_parent", "no_fixed_abode"}
    assert {flag for flag in flags if getattr(panel_case, flag)} == expected


def test_open_derives_violence_against_a_parent_and_no_fixed_abode(member, police_worker):
    """A child-to-parent relationship in a linked case gives violence against a parent; the perpetrator's
    no fixed abode is copied."""
    perpetrator = PersonFactory(gender="male", no_fixed_abode=True)
    case = case_create(
        actor=police_worker,
        area=police_worker.agency.areas.first(),
        victim=PersonFactory(),
        perpetrators=[PartyInput(relationship=Relationship.CHILD_TO_PARENT, person=perpetrator)],
    )
    add_incident(police_worker, case, occurred_on=ago(3), perpetrator=perpetrator)
    panel_case = open_panel_case(member, perpetrator=perpetrator, cases=[case])
    assert panel_case.violence_against_parent is True
    assert panel_case.no_fixed_abode is True
    assert (panel_case.stalking, panel_case.strangulation) == (False, False)


def test_flags_come_only_from_the_cases_linked_and_his_own_incidents(member, police_worker):
    """A stalking case of his that is not linked, and a stalking crime in a linked case naming another
    perpetrator, give no flag."""
    perpetrator, linked = perpetrator_with_history(incidents=((0, 5),))
    perpetrator_with_history(perpetrator=perpetrator, incidents=((0, 6),), stalking=True)
    other = PersonFactory(gender="male")
    case_party_add(actor=police_worker, case=linked[0], party=PartyInput(relationship="ex_partner", person=other))
    add_incident(police_worker, linked[0], occurred_on=ago(2), perpetrator=other, is_crime=True, crime_type="Stalking")
    panel_case = open_panel_case(member, perpetrator=perpetrator, cases=linked)
    assert panel_case.stalking is False


def test_flags_given_override_the_derived_ones(member):
    """Flags given win over those derived; those not given stay derived."""
    perpetrator, cases = perpetrator_with_history(stalking=True)
    panel_case = open_panel_case(
        member, perpetrator=perpetrator, cases=cases, flags={"stalking": False, "no_fixed_abode": True}
    )
    assert (panel_case.stalking, panel_case.no_fixed_abode, panel_case.strangulation) == (False, True, False)


@pytest.mark.parametrize(
    ("reasons", "detail", "field"),
    [
        ([], "", "reasons"),
        (["serial", "nonsense"], "", "reasons"),
        (["other"], "", "reasons_detail"),
        (["other"], "   ", "reasons_detail"),
    ],
)
def test_open_refuses_bad_reasons_and_writes_nothing(member, reasons, detail, field):
    """At least one known reason; "other" needs a detail."""
    perpetrator, cases = perpetrator_with_history()
    with pytest.raises(ValidationError) as excinfo:
        panel_case_open(
            actor=member,
            perpetrator=perpetrator,
            opened_on=today(),
            cases=cases,
            reasons=reasons,
            reasons_detail=detail,
        )
    assert field in validation_fields(excinfo)
    assert nothing_written()


def test_open_with_other_and_a_detail_keeps_reasons_once(member):
    """Repeated reasons are kept once, in order; the detail is stored trimmed."""
    perpetrator, cases = perpetrator_with_history()
    panel_case = panel_case_open(
        actor=member,
        perpetrator=perpetrator,
        opened_on=today(),
        cases=cases,
        reasons=["other", "serial", "other"],
        reasons_detail="  Escalating threats  ",
    )
    assert panel_case.reasons == ["other", "serial"]
    assert panel_case.reasons_detail == "Escalating threats"


def test_open_refuses_cases_that_are_not_his(member):
    """A case in which he is not a perpetrator, or no case at all, is refused on the cases field."""
    perpetrator, cases = perpetrator_with_history()
    _, stranger_cases = perpetrator_with_history()
    for chosen in ([*cases, *stranger_cases], []):
        with pytest.raises(ValidationError) as excinfo:
            panel_case_open(actor=member, perpetrator=perpetrator, opened_on=today(), cases=chosen, reasons=["serial"])
        assert validation_fields(excinfo) == {"cases"}
    assert nothing_written()


def test_open_links_his_panel_referrals_and_refuses_others(member, police_worker):
    """His own referral to the panel is linked; a referral to another service, or of another perpetrator to
    the panel, is refused on the referrals field."""
    idva_service()
    perpetrator, cases = perpetrator_with_history(recorder=police_worker)
    _, other_cases = perpetrator_with_history(recorder=police_worker)
    his = referral_create(actor=police_worker, case=cases[0], service="perpetrator_panel", received_on=today())
    not_panel = referral_create(actor=police_worker, case=cases[0], service="idva", received_on=today())
    not_his = referral_create(
        actor=police_worker, case=other_cases[0], service="perpetrator_panel", received_on=today()
    )
    assert his.perpetrator == perpetrator
    for wrong in (not_panel, not_his):
        with pytest.raises(ValidationError) as excinfo:
            panel_case_open(
                actor=member,
                perpetrator=perpetrator,
                opened_on=today(),
                cases=cases,
                reasons=["agency_referral"],
                referrals=[his, wrong],
            )
        assert validation_fields(excinfo) == {"referrals"}
        assert str(wrong.pk) in excinfo.value.message_dict["referrals"][0]
    assert nothing_written()
    panel_case = panel_case_open(
        actor=member,
        perpetrator=perpetrator,
        opened_on=today(),
        cases=cases,
        reasons=["agency_referral"],
        referrals=[his],
    )
    assert list(panel_case.referrals.all()) == [his]


def test_one_active_panel_case_per_perpetrator(member):
    """A second panel case for him while one is active is refused, and nothing more is written."""
    panel_case = open_panel_case(member)
    with pytest.raises(ValidationError) as excinfo:
        open_panel_case(member, perpetrator=panel_case.perpetrator)
    assert NON_FIELD_ERRORS in validation_fields(excinfo)
    assert PanelCase.objects.count() == 1
    assert StatusChange.objects.count() == 1


def test_open_refuses_a_future_date(member):
    """The panel cannot take a case tomorrow."""
    perpetrator, cases = perpetrator_with_history()
    with pytest.raises(ValidationError) as excinfo:
        panel_case_open(actor=member, perpetrator=perpetrator, opened_on=ago(-1), cases=cases, reasons=["serial"])
    assert validation_fields(excinfo) == {"opened_on"}
    assert nothing_written()


def test_open_refuses_an_unknown_flag(member):
    """A flag that is not one of the four is refused by name."""
    perpetrator, cases = perpetrator_with_history()
    with pytest.raises(ValidationError) as excinfo:
        open_panel_case(member, perpetrator=perpetrator, cases=cases, flags={"honour": True})
    assert validation_fields(excinfo) == {"flags"}
    assert nothing_written()


@pytest.mark.parametrize("who", ["police_case_worker", "police_api_key", "analyst", "inactive_panel_member"])
def test_only_panel_members_open_panel_cases(who):
    """Police case workers, API keys (even the police's), analysts and deactivated panel members may not."""
    perpetrator, cases = perpetrator_with_history()
    if who == "police_case_worker":
        actor = case_worker(police_agency())
    elif who == "police_api_key":
        actor = ApiKeyActor(api_key_for(police_agency())[0])
    elif who == "analyst":
        actor = UserFactory(roles=[Role.ANALYST])
    else:
        actor = panel_member(is_active=False)
    with pytest.raises(PermissionDenied):
        panel_case_open(actor=actor, perpetrator=perpetrator, opened_on=today(), cases=cases, reasons=["serial"])
    assert nothing_written()


# --- Changing a panel case ---------------------------------------------------------------------------


def test_update_changes_reasons_flags_and_cases(member):
    """Reasons, the flags given and the linked cases change; flags not given are kept."""
    perpetrator, cases = perpetrator_with_history(incidents=((0, 5), (1, 6)), stalking=True)
    panel_case = open_panel_case(member, perpetrator=perpetrator, cases=cases)
    other_member = panel_member()
    updated = panel_case_update(
        actor=other_member,
        panel_case=panel_case,
        reasons=["high_harm", "other"],
        reasons_detail=" Threats to a new partner ",
        flags={"strangulation": True, "stalking": False},
        cases=cases[:1],
    )
    updated.refresh_from_db()
    assert updated.reasons == ["high_harm", "other"]
    assert updated.reasons_detail == "Threats to a new partner"
    assert (updated.stalking, updated.strangulation, updated.no_fixed_abode) == (False, True, False)
    assert list(updated.cases.all()) == cases[:1]
    assert updated.updated_by == other_member


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reasons": []}, "reasons"),
        ({"reasons": ["other"], "reasons_detail": ""}, "reasons_detail"),
        ({"cases": []}, "cases"),
        ({"flags": {"pregnancy": True}}, "flags"),
    ],
)
def test_update_refuses_bad_input_and_writes_nothing(member, changes, field):
    """A bad reason, detail, case list or flag is refused by field; the case is unchanged."""
    panel_case = open_panel_case(member)
    before = PanelCase.objects.get(pk=panel_case.pk)
    arguments = {
        "reasons": ["serial"],
        "reasons_detail": "",
        "flags": {"stalking": True},
        "cases": list(panel_case.cases.all()),
    } | changes
    with pytest.raises(ValidationError) as excinfo:
        panel_case_update(actor=member, panel_case=panel_case, **arguments)
    assert field in validation_fields(excinfo)
    after = PanelCase.objects.get(pk=panel_case.pk)
    assert (after.reasons, after.stalking, after.updated_at) == (before.reasons, before.stalking, before.updated_at)
    assert after.cases.count() == before.cases.count()


def test_update_needs_a_panel_member(member, police_worker):
    """A police case worker may not change a panel case."""
    panel_case = open_panel_case(member)
    with pytest.raises(PermissionDenied):
        panel_case_update(
            actor=police_worker, panel_case=panel_case, reasons=["serial"], reasons_detail="", flags={}, cases=[]
        )


# --- The tactical plan -------------------------------------------------------------------------------


@pytest.fixture
def panel_case(member):
    return open_panel_case(member, opened_on=ago(30))


def an_option(name: str = "DVPN / DVPO") -> TacticalOption:
    return TacticalOption.objects.get(name=name)


def test_plan_item_add(member, panel_case):
    """A tactical option, owned by an agency, chosen on a day, with notes."""
    item = plan_item_add(
        actor=member,
        panel_case=panel_case,
        option=an_option(),
        owning_agency=police_agency(),
        chosen_on=ago(2),
        notes=" Apply at the magistrates' court ",
    )
    assert (item.status, item.chosen_on, item.notes) == (
        PlanItem.Status.PLANNED,
        ago(2),
        "Apply at the magistrates' court",
    )
    assert item.created_by == member


def test_plan_item_add_defaults_to_today(member, panel_case):
    """With no day given, the option is chosen today."""
    assert (
        plan_item_add(actor=member, panel_case=panel_case, option=an_option(), owning_agency=police_agency()).chosen_on
        == today()
    )


def test_plan_item_add_refusals(member, panel_case):
    """The same option twice, an option off the menu, an inactive agency, a future day or a day before the
    panel took the case are refused by field, writing nothing."""
    plan_item_add(actor=member, panel_case=panel_case, option=an_option(), owning_agency=police_agency())
    retired = an_option("Bail conditions")
    retired.active = False
    retired.save()
    closed = AgencyFactory(kind=Agency.Kind.HOUSING, active=False)
    cases = [
        ({"option": an_option()}, "option"),
        ({"option": retired}, "option"),
        ({"owning_agency": closed}, "owning_agency"),
        ({"chosen_on": ago(-1)}, "chosen_on"),
        ({"chosen_on": ago(31)}, "chosen_on"),
    ]
    for changes, field in cases:
        arguments = {"option": an_option("MAPPA referral"), "owning_agency": police_agency(), "chosen_on": ago(1)}
        with pytest.raises(ValidationError) as excinfo:
            plan_item_add(actor=member, panel_case=panel_case, **(arguments | changes))
        assert validation_fields(excinfo) == {field}, changes
    assert PlanItem.objects.count() == 1


def test_plan_item_add_on_the_opening_day_is_allowed(member, panel_case):
    """The option may be chosen on the day the panel took the case."""
    assert plan_item_add(
        actor=member, panel_case=panel_case, option=an_option(), owning_agency=police_agency(), chosen_on=ago(30)
    ).chosen_on == ago(30)


def test_plan_item_update(member, panel_case):
    """The status moves to in place and ended, with notes; an unknown status is refused."""
    item = plan_item_add(actor=member, panel_case=panel_case, option=an_option(), owning_agency=police_agency())
    item = plan_item_update(actor=member, plan_item=item, status=PlanItem.Status.IN_PLACE, notes=" Granted ")
    assert (item.status, item.notes) == ("in_place", "Granted")
    with pytest.raises(ValidationError) as excinfo:
        plan_item_update(actor=member, plan_item=item, status="cancelled")
    assert validation_fields(excinfo) == {"status"}
    item.refresh_from_db()
    assert item.status == "in_place"


def test_plan_needs_a_panel_member(member, panel_case, police_worker):
    """A police case worker may neither add to nor change the plan."""
    with pytest.raises(PermissionDenied):
        plan_item_add(actor=police_worker, panel_case=panel_case, option=an_option(), owning_agency=police_agency())
    item = plan_item_add(actor=member, panel_case=panel_case, option=an_option(), owning_agency=police_agency())
    with pytest.raises(PermissionDenied):
        plan_item_update(actor=police_worker, plan_item=item, status="ended")


# --- Meetings, attendance, reviews -----------------------------------------------------------------


def test_meeting_attendance_and_review(member, panel_case):
    """A meeting is arranged; attendance is recorded (again: replaced); reviewing a case marks it held."""
    meeting = panel_meeting_create(actor=member, held_on=ago(1), chair=" DI Smith ")
    assert (meeting.status, meeting.chair) == (PanelMeeting.Status.SCHEDULED, "DI Smith")
    police = police_agency()
    panel_attendance_record(actor=member, meeting=meeting, agency=police, attended=True, representative="DS Jones")
    panel_attendance_record(actor=member, meeting=meeting, agency=police, attended=False)
    attendance = PanelAttendance.objects.get(meeting=meeting, agency=police)
    assert (attendance.attended, attendance.representative) == (False, "")
    review = case_review_record(actor=member, meeting=meeting, panel_case=panel_case, investigations="Charged")
    case_review_record(actor=member, meeting=meeting, panel_case=panel_case, intelligence="New partner")
    review.refresh_from_db()
    assert (review.investigations, review.intelligence) == ("", "New partner")
    assert CaseReview.objects.count() == 1
    meeting.refresh_from_db()
    assert meeting.status == PanelMeeting.Status.HELD
    assert meeting.updated_by == member
    assert meeting.history.first().status == PanelMeeting.Status.HELD


def test_attendance_needs_a_representative_and_a_meeting_that_happened(member):
    """Attended with no representative, or at a future meeting, is refused and writes nothing."""
    police = police_agency()
    past = panel_meeting_create(actor=member, held_on=ago(1))
    future = panel_meeting_create(actor=member, held_on=ago(-7))
    with pytest.raises(ValidationError) as excinfo:
        panel_attendance_record(actor=member, meeting=past, agency=police, attended=True, representative=" ")
    assert validation_fields(excinfo) == {"representative"}
    with pytest.raises(ValidationError):
        panel_attendance_record(actor=member, meeting=future, agency=police, attended=False)
    assert not PanelAttendance.objects.exists()


def test_review_refusals(member, panel_case):
    """A review at a future meeting, or with nothing noted, is refused; the meeting stays scheduled."""
    future = panel_meeting_create(actor=member, held_on=ago(-1))
    with pytest.raises(ValidationError) as excinfo:
        case_review_record(actor=member, meeting=future, panel_case=panel_case, investigations="x")
    assert NON_FIELD_ERRORS in validation_fields(excinfo)
    past = panel_meeting_create(actor=member, held_on=today())
    with pytest.raises(ValidationError) as excinfo:
        case_review_record(actor=member, meeting=past, panel_case=panel_case, investigations="  ")
    assert validation_fields(excinfo) == {"investigations"}
    assert not CaseReview.objects.exists()
    assert set(PanelMeeting.objects.values_list("status", flat=True)) == {PanelMeeting.Status.SCHEDULED}


def test_meetings_need_a_panel_member(member, panel_case, police_worker):
    """A police case worker may not arrange meetings, record attendance or reviews."""
    meeting = panel_meeting_create(actor=member, held_on=ago(1))
    with pytest.raises(PermissionDenied):
        panel_meeting_create(actor=police_worker, held_on=ago(1))
    with pytest.raises(PermissionDenied):
        panel_attendance_record(actor=police_worker, meeting=meeting, agency=police_agency(), attended=False)
    with pytest.raises(PermissionDenied):
        case_review_record(actor=police_worker, meeting=meeting, panel_case=panel_case, investigations="x")


# --- Actions -----------------------------------------------------------------------------------------


def test_action_between_meetings(member, panel_case):
    """An action agreed between meetings on a day, assigned to an agency, due later."""
    housing = AgencyFactory(kind=Agency.Kind.HOUSING)
    action = panel_action_create(
        actor=member,
        panel_case=panel_case,
        assigned_agency=housing,
        description=" Serve a notice ",
        due_on=ago(-14),
        agreed_on=ago(3),
    )
    assert (action.description, action.agreed_on, action.meeting, action.status) == (
        "Serve a notice",
        ago(3),
        None,
        AgencyAction.Status.OPEN,
    )


def test_action_at_a_meeting_is_agreed_on_its_day(member, panel_case):
    """At a meeting, the action is agreed on the meeting's day whatever day is given."""
    meeting = panel_meeting_create(actor=member, held_on=ago(5))
    item = plan_item_add(actor=member, panel_case=panel_case, option=an_option(), owning_agency=police_agency())
    action = panel_action_create(
        actor=member,
        panel_case=panel_case,
        assigned_agency=police_agency(),
        description="Apply for a DVPO",
        due_on=ago(-1),
        agreed_on=ago(1),
        meeting=meeting,
        plan_item=item,
    )
    assert (action.agreed_on, action.meeting, action.plan_item) == (ago(5), meeting, item)


def test_action_refusals(member, panel_case):
    """No description, an inactive agency, a future agreement (or future meeting), an agreement before the
    panel took the case, a due day before the agreement, or a plan item of another case: refused by field,
    nothing written."""
    other_case = open_panel_case(member)
    foreign_item = plan_item_add(actor=member, panel_case=other_case, option=an_option(), owning_agency=police_agency())
    future_meeting = panel_meeting_create(actor=member, held_on=ago(-2))
    closed = AgencyFactory(kind=Agency.Kind.HOUSING, active=False)
    cases = [
        ({"description": "  "}, "description"),
        ({"assigned_agency": closed}, "assigned_agency"),
        ({"agreed_on": ago(-1), "due_on": ago(-5)}, "agreed_on"),
        ({"meeting": future_meeting, "due_on": ago(-5)}, "meeting"),
        ({"agreed_on": ago(31)}, "agreed_on"),
        ({"due_on": ago(3)}, "due_on"),
        ({"plan_item": foreign_item}, "plan_item"),
    ]
    for changes, field in cases:
        arguments = {
            "assigned_agency": police_agency(),
            "description": "Arrest",
            "due_on": ago(-7),
            "agreed_on": ago(2),
        } | changes
        with pytest.raises(ValidationError) as excinfo:
            panel_action_create(actor=member, panel_case=panel_case, **arguments)
        assert validation_fields(excinfo) == {field}, changes
    assert not PanelAction.objects.exists()


def test_action_due_on_the_day_agreed_is_allowed(member, panel_case):
    """An action due the day it is agreed (on the day the panel took the case) is fine."""
    action = panel_action_create(
        actor=member,
        panel_case=panel_case,
        assigned_agency=police_agency(),
        description="Visit",
        due_on=ago(30),
        agreed_on=ago(30),
    )
    assert action.due_on == action.agreed_on == ago(30)


def test_actions_need_a_panel_member(panel_case, police_worker):
    """Police case workers and API keys do not agree panel actions."""
    for actor in (police_worker, ApiKeyActor(api_key_for(police_agency())[0])):
        with pytest.raises(PermissionDenied):
            panel_action_create(
                actor=actor, panel_case=panel_case, assigned_agency=police_agency(), description="x", due_on=today()
            )
    assert not PanelAction.objects.exists()


@pytest.fixture
def housing_action(member, panel_case):
    housing = AgencyFactory(kind=Agency.Kind.HOUSING)
    return panel_action_create(
        actor=member, panel_case=panel_case, assigned_agency=housing, description="Tenancy warning", due_on=ago(-7)
    )


def test_compliance_by_the_assigned_agency_its_key_or_the_panel(member, housing_action):
    """The assigned agency's case worker, its API key, and a panel member record compliance."""
    housing = housing_action.assigned_agency
    worker = case_worker(housing)
    action = panel_action_compliance_record(actor=worker, action=housing_action, compliance="partly")
    assert (action.compliance, action.updated_by) == ("partly", worker)
    action = panel_action_compliance_record(
        actor=ApiKeyActor(api_key_for(housing)[0]), action=housing_action, compliance="complied"
    )
    assert action.compliance == "complied"
    action = panel_action_compliance_record(actor=member, action=housing_action, compliance="did_not_comply")
    assert (action.compliance, action.updated_by) == ("did_not_comply", member)
    assert action.history.count() == 4  # created, then three compliance changes


def test_compliance_refusals(housing_action):
    """The police (who see every action) get 403; another agency does not see it (404); a bad value is
    refused by field. Nothing changes."""
    with pytest.raises(PermissionDenied):
        panel_action_compliance_record(actor=case_worker(police_agency()), action=housing_action, compliance="complied")
    with pytest.raises(Http404):
        panel_action_compliance_record(
            actor=case_worker(AgencyFactory(kind=Agency.Kind.HEALTH)), action=housing_action, compliance="complied"
        )
    with pytest.raises(ValidationError) as excinfo:
        panel_action_compliance_record(
            actor=case_worker(housing_action.assigned_agency), action=housing_action, compliance="maybe"
        )
    assert validation_fields(excinfo) == {"compliance"}
    housing_action.refresh_from_db()
    assert housing_action.compliance == ""


def test_shared_action_steps_by_the_assigned_agency(housing_action):
    """The assigned agency adds progress and completes the panel action through the shared services."""
    worker = case_worker(housing_action.assigned_agency)
    action = agency_action_update(actor=worker, action=housing_action, text="Letter sent")
    action = agency_action_complete(actor=worker, action=action, on=today(), note="Warning served")
    action.refresh_from_db()
    assert isinstance(action, PanelAction)
    assert (action.status, action.completed_on) == (AgencyAction.Status.DONE, today())
    assert [update["text"] for update in action.updates] == ["Letter sent", "Warning served"]


def test_shared_action_steps_refused_for_another_agency(member, housing_action):
    """The police, another agency and the panel member may not step an action assigned to housing."""
    for actor in (case_worker(police_agency()), case_worker(AgencyFactory(kind=Agency.Kind.HEALTH)), member):
        with pytest.raises(PermissionDenied):
            agency_action_complete(actor=actor, action=housing_action, on=today())
        with pytest.raises(PermissionDenied):
            agency_action_not_done(actor=actor, action=housing_action, reason="agency_did_not_act", on=today())
    housing_action.refresh_from_db()
    assert (housing_action.status, housing_action.updates) == (AgencyAction.Status.OPEN, [])


def test_not_done_by_the_assigned_agency(housing_action):
    """The assigned agency records the action not done, with why."""
    worker = case_worker(housing_action.assigned_agency)
    action = agency_action_not_done(actor=worker, action=housing_action, reason="circumstances_changed", on=today())
    assert (action.status, action.not_done_reason) == (AgencyAction.Status.NOT_DONE, "circumstances_changed")


def test_an_action_agreed_at_a_past_meeting_can_be_done_from_the_meeting_day(member):
    """Steps are dated from the day the panel agreed the action (a meeting recorded later), not the day it
    was recorded; a day before the meeting is still refused."""
    panel_case = open_panel_case(member, opened_on=ago(30))
    meeting = panel_meeting_create(actor=member, held_on=ago(20))
    housing = AgencyFactory(kind=Agency.Kind.HOUSING)
    action = panel_action_create(
        actor=member,
        panel_case=panel_case,
        assigned_agency=housing,
        description="Tenancy warning",
        due_on=ago(10),
        meeting=meeting,
    )
    worker = case_worker(housing)
    with pytest.raises(ValidationError) as excinfo:
        agency_action_complete(actor=worker, action=action, on=ago(21))
    assert validation_fields(excinfo) == {"on"}
    action = agency_action_complete(actor=worker, action=action, on=ago(15))
    assert (action.status, action.completed_on) == (AgencyAction.Status.DONE, ago(15))


def test_plan_item_without_an_owner_goes_to_an_agency_of_the_option_s_usual_kind(member, panel_case):
    """No owning agency given: the first active agency (by name) of the kind that usually owns the option;
    none of that kind is refused on the field, and nothing is written."""
    AgencyFactory(kind=Agency.Kind.HOUSING, name="Zeta Homes")
    first = AgencyFactory(kind=Agency.Kind.HOUSING, name="Alpha Homes")
    AgencyFactory(kind=Agency.Kind.HOUSING, name="Aardvark Homes", active=False)
    item = plan_item_add(
        actor=member,
        panel_case=panel_case,
        option=an_option("Housing enforcement (tenancy action)"),
        owning_agency=None,
    )
    assert item.owning_agency == first
    Agency.objects.filter(kind=Agency.Kind.MENTAL_HEALTH).update(active=False)
    with pytest.raises(ValidationError) as excinfo:
        plan_item_add(
            actor=member, panel_case=panel_case, option=an_option("Mental health assessment"), owning_agency=None
        )
    assert validation_fields(excinfo) == {"owning_agency"}
    assert PlanItem.objects.filter(panel_case=panel_case).count() == 1
