"""Who sees what of the perpetrator panel, and the reads behind its pages: the candidate list (ranking,
filters, pending agency referrals, a fixed number of queries), a candidate's detail, panel cases (never a
victim's safe contact), meetings and panel actions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.actors import ApiKeyActor
from agencies.models import Agency, Role
from cases.services import PartyInput, case_party_add, safe_contact_save
from perpetrator_panel.models import GravityRating, PanelAction, PanelConfiguration, TacticalOption
from perpetrator_panel.selectors import (
    can_see_panel,
    candidate_detail,
    candidate_list,
    linked_victims,
    meeting_get,
    meeting_list,
    panel_action_get,
    panel_action_list,
    panel_case_detail,
    panel_case_get,
    panel_case_list,
    perpetrator_incidents,
    scoring_rules,
)
from perpetrator_panel.services import (
    case_review_record,
    panel_action_create,
    panel_meeting_create,
    panel_statuses_recompute,
    plan_item_add,
)
from referrals.services import referral_create
from tests.factories.agencies import AgencyFactory, UserFactory, api_key_for
from tests.factories.cases import PersonFactory, add_incident, case_worker, idva_service, submit_dash
from tests.factories.panel import open_panel_case, panel_member, perpetrator_with_history, police_agency

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


def years_ago(years: int) -> int:
    """Days in `years` years plus a margin (to place an incident just outside a look-back)."""
    return 366 * years + 5


def actor_for(who: str):  # noqa: PLR0911 (one actor per name)
    if who == "panel_member":
        return panel_member()
    if who == "police_case_worker":
        return case_worker(police_agency())
    if who == "police_idva_manager":
        return case_worker(police_agency(), role=Role.IDVA_MANAGER)
    if who == "police_api_key":
        return ApiKeyActor(api_key_for(police_agency())[0])
    if who == "police_analyst":
        return UserFactory(agency=police_agency(), roles=[Role.ANALYST])
    if who == "other_agency_case_worker":
        return case_worker(AgencyFactory(kind=Agency.Kind.HOUSING))
    if who == "other_agency_api_key":
        return ApiKeyActor(api_key_for(AgencyFactory(kind=Agency.Kind.HOUSING))[0])
    if who == "analyst":
        return UserFactory(roles=[Role.ANALYST])
    if who == "inactive_panel_member":
        return panel_member(is_active=False)
    if who == "inactive_police_case_worker":
        agency = AgencyFactory(kind=Agency.Kind.POLICE, active=False)
        return case_worker(agency)
    if who == "anonymous":
        return AnonymousUser()
    raise AssertionError(who)


SEES_PANEL = {
    "panel_member": True,
    "police_case_worker": True,
    "police_idva_manager": True,
    "police_api_key": True,
    "police_analyst": False,
    "other_agency_case_worker": False,
    "other_agency_api_key": False,
    "analyst": False,
    "inactive_panel_member": False,
    "inactive_police_case_worker": False,
    "anonymous": False,
}


@pytest.mark.parametrize(("who", "sees"), SEES_PANEL.items())
def test_can_see_panel(who, sees):
    """Panel members and the police's case workers and API keys see the panel; nobody else does."""
    assert can_see_panel(actor_for(who)) is sees


@pytest.mark.parametrize(("who", "sees"), SEES_PANEL.items())
def test_panel_cases_and_meetings_by_actor(who, sees):
    """Those who see the panel get its cases and meetings; anyone else gets none and a 404 for one."""
    member = panel_member()
    panel_case = open_panel_case(member)
    meeting = panel_meeting_create(actor=member, held_on=today())
    actor = actor_for(who)
    assert list(panel_case_list(actor=actor)) == ([panel_case] if sees else [])
    assert list(meeting_list(actor=actor)) == ([meeting] if sees else [])
    if sees:
        assert panel_case_get(actor=actor, pk=panel_case.pk) == panel_case
        assert meeting_get(actor=actor, pk=meeting.pk) == meeting
    else:
        with pytest.raises(Http404):
            panel_case_get(actor=actor, pk=panel_case.pk)
        with pytest.raises(Http404):
            panel_case_detail(actor=actor, pk=panel_case.pk)
        with pytest.raises(Http404):
            meeting_get(actor=actor, pk=meeting.pk)


# --- Candidates --------------------------------------------------------------------------------------


def young_person():
    born = today() - relativedelta(years=15, days=1)
    return PersonFactory(gender="male", date_of_birth=born, family_name="Young")


@pytest.fixture
def ranked():
    """Four perpetrators (scores by hand, default configuration):
    - high: one victim, three criminal damage crimes 5-7 days ago: 10 + 3 x 2 + 3 x 3 + 5 = 30, not serial;
    - serial: two victims 5 and 6 days ago: 10 + 2 x 2 + 2 + 2 x 5 = 26, serial;
    - young: the same 26 but aged 15, not serial (ranked after the serial one);
    - low: one incident 400 days ago (the band up to 730 days): 1 + 2 + 1 + 5 = 9."""
    recorder = case_worker(police_agency())
    high, _ = perpetrator_with_history(
        recorder=recorder, incidents=((0, 5), (0, 6), (0, 7)), crime_type="Criminal damage"
    )
    serial, _ = perpetrator_with_history(
        recorder=recorder, incidents=((0, 5), (1, 6)), perpetrator=PersonFactory(gender="male", family_name="Zed")
    )
    young, _ = perpetrator_with_history(recorder=recorder, incidents=((0, 5), (1, 6)), perpetrator=young_person())
    low, _ = perpetrator_with_history(recorder=recorder, incidents=((0, 400),))
    return {"high": high, "serial": serial, "young": young, "low": low, "recorder": recorder}


def test_candidates_ranked_by_score_serial_first_among_equals(ranked):
    """Highest RFGV first; among equal scores the serial perpetrator first (whatever the names)."""
    candidates = candidate_list(actor=panel_member())
    assert [c.person for c in candidates] == [ranked["high"], ranked["serial"], ranked["young"], ranked["low"]]
    assert [c.score.total for c in candidates] == [Decimal(30), Decimal(26), Decimal(26), Decimal(9)]
    assert [c.serial.is_serial for c in candidates] == [False, True, False, False]
    assert candidates[2].serial.reason == "aged 15, under 16"


def test_candidates_serial_only(ranked):
    """The serial filter keeps serial perpetrators only."""
    assert [c.person for c in candidate_list(actor=panel_member(), serial_only=True)] == [ranked["serial"]]


def test_candidates_exclude_active_panel_cases_but_not_closed_ones(ranked):
    """A perpetrator with an active panel case is no candidate; one whose panel case closed is, with it."""
    member = panel_member()
    open_panel_case(member, perpetrator=ranked["high"], reasons=["high_rfgv"])
    assert ranked["high"] not in [c.person for c in candidate_list(actor=member)]
    closed = open_panel_case(member, perpetrator=ranked["low"], opened_on=today() - timedelta(days=200))
    closed.refresh_from_db()
    assert closed.status == "inactive"
    low = next(c for c in candidate_list(actor=member) if c.person == ranked["low"])
    assert low.former_panel_case == closed


def test_candidates_include_pending_panel_referrals(ranked):
    """An agency's referral of a perpetrator to the panel makes him a candidate even with no incident in the
    look-backs; the referred filter keeps only referred perpetrators; a referral answered by a panel case is
    no longer pending."""
    recorder = ranked["recorder"]
    old, old_cases = perpetrator_with_history(recorder=recorder, incidents=((0, years_ago(4)),))
    member = panel_member()
    assert old not in [c.person for c in candidate_list(actor=member)]
    referral = referral_create(
        actor=recorder, case=old_cases[0], service="perpetrator_panel", received_on=today(), perpetrator=old
    )
    candidates = candidate_list(actor=member)
    referred = next(c for c in candidates if c.person == old)
    assert (referred.referrals, referred.referred, referred.score.total) == ([referral], True, Decimal(0))
    assert [c.person for c in candidate_list(actor=member, referred_only=True)] == [old]
    assert candidate_list(actor=member, referred_only=True, serial_only=True) == []
    panel_case = open_panel_case(member, perpetrator=old, reasons=["agency_referral"], referrals=[referral])
    panel_statuses_recompute()
    panel_case.refresh_from_db()
    assert panel_case.status == "active"
    assert candidate_list(actor=member, referred_only=True) == []


def test_referral_names_the_perpetrator_when_the_case_has_several(ranked):
    """With two perpetrators in the case, the referral names which; only he becomes a referred candidate."""
    recorder = ranked["recorder"]
    _, cases = perpetrator_with_history(recorder=recorder, incidents=((0, years_ago(4)),))
    second = PersonFactory(gender="male")
    case_party_add(actor=recorder, case=cases[0], party=PartyInput(relationship="partner", person=second))
    referral_create(actor=recorder, case=cases[0], service="perpetrator_panel", received_on=today(), perpetrator=second)
    referred = [c.person for c in candidate_list(actor=panel_member(), referred_only=True)]
    assert referred == [second]


def test_old_incidents_alone_make_no_candidate():
    """Incidents older than both look-backs (4 years), two victims, no referral: no candidate."""
    perpetrator_with_history(incidents=((0, years_ago(4)), (1, years_ago(4) + 1)))
    assert candidate_list(actor=panel_member()) == []


def test_serial_by_the_three_year_look_back_alone_is_a_candidate():
    """Two victims 2.5 years ago: outside the RFGV look-back (score 0) but serial: a candidate."""
    perpetrator, _ = perpetrator_with_history(incidents=((0, 913), (1, 914)))
    [candidate] = candidate_list(actor=panel_member())
    assert (candidate.person, candidate.score.total, candidate.serial.is_serial) == (perpetrator, 0, True)


@pytest.mark.parametrize("who", [w for w, sees in SEES_PANEL.items() if not sees])
def test_candidates_empty_for_those_who_do_not_see_the_panel(ranked, who):
    """Other agencies, analysts and anonymous users get no candidate, and a 404 for one."""
    actor = actor_for(who)
    assert candidate_list(actor=actor) == []
    with pytest.raises(Http404):
        candidate_detail(actor=actor, person_id=ranked["serial"].pk)


@pytest.mark.parametrize("who", ["police_case_worker", "police_api_key"])
def test_the_police_see_candidates(ranked, who):
    """The police's case workers and API keys see the candidate list."""
    assert len(candidate_list(actor=actor_for(who))) == 4


def test_unnamed_incidents_count_for_every_perpetrator_of_the_case_named_ones_only_for_him(ranked):
    """An incident naming nobody counts for each perpetrator of the case; one naming another does not."""
    recorder = ranked["recorder"]
    first, cases = perpetrator_with_history(recorder=recorder, incidents=((0, years_ago(4)),))
    second = PersonFactory(gender="male")
    case_party_add(actor=recorder, case=cases[0], party=PartyInput(relationship="partner", person=second))
    add_incident(recorder, cases[0], occurred_on=today() - timedelta(days=3), perpetrator=second)
    unnamed = add_incident(recorder, cases[0], occurred_on=today() - timedelta(days=2))
    histories = perpetrator_incidents(person_ids=[first.pk, second.pk], since=today() - timedelta(days=30))
    assert [fact.incident_id for fact in histories[first.pk]] == [unnamed.pk]
    assert len(histories[second.pk]) == 2


def test_candidate_list_query_count_is_constant(ranked, django_assert_num_queries):
    """The candidate list takes the same number of queries with 4 candidates as with 9 (and referrals)."""
    member = panel_member()
    assert can_see_panel(member)  # the member's roles, read once and kept
    with CaptureQueriesContext(connection) as few:
        assert len(candidate_list(actor=member)) == 4
    recorder = ranked["recorder"]
    for _ in range(4):
        perpetrator_with_history(recorder=recorder, incidents=((0, 3), (1, 50), (2, 500)))
    _, cases = perpetrator_with_history(recorder=recorder, incidents=((0, years_ago(4)),))
    referral_create(actor=recorder, case=cases[0], service="perpetrator_panel", received_on=today())
    open_panel_case(member, perpetrator=ranked["low"])
    with django_assert_num_queries(len(few.captured_queries)):
        candidates = candidate_list(actor=member)
        assert len(candidates) == 8
        for candidate in candidates:
            for referral in candidate.referrals:
                assert referral.referring_agency.name
                assert referral.case.reference


def test_candidate_detail_explains_the_score(ranked):
    """Every incident in the longer look-back is listed with its gravity and which look-backs hold it."""
    recorder = ranked["recorder"]
    person, cases = perpetrator_with_history(
        recorder=recorder, incidents=((0, 5), (1, 900)), crime_type="Common assault"
    )
    perpetrator_with_history(recorder=recorder, perpetrator=person, incidents=((0, years_ago(4)),))
    detail = candidate_detail(actor=panel_member(), person_id=person.pk)
    assert [
        (line.days_before, line.gravity, line.in_rfgv_look_back, line.in_serial_look_back) for line in detail.incidents
    ] == [
        (5, 4, True, True),
        (900, 0, False, True),
    ]
    # 10 + 2 + 4 + 5: only the recent incident is in the RFGV look-back.
    assert detail.candidate.score.total == Decimal(21)
    assert detail.candidate.serial.is_serial is True
    assert set(cases) < set(detail.cases)
    assert len(detail.cases) == 3
    assert detail.active_panel_case is None


def test_candidate_detail_404s(ranked):
    """A person who is no perpetrator (a victim) and an unknown id are 404."""
    member = panel_member()
    victim = ranked["serial"].case_parties.first().case.victim
    with pytest.raises(Http404):
        candidate_detail(actor=member, person_id=victim.pk)
    with pytest.raises(Http404):
        candidate_detail(actor=member, person_id=10_000_000)


def test_candidate_detail_shows_his_active_panel_case(ranked):
    """With an active panel case, the detail names it and no former case."""
    member = panel_member()
    panel_case = open_panel_case(member, perpetrator=ranked["serial"])
    detail = candidate_detail(actor=member, person_id=ranked["serial"].pk)
    assert (detail.active_panel_case, detail.candidate.former_panel_case) == (panel_case, None)


# --- Panel cases: never a safe contact --------------------------------------------------------------


def panel_case_with_everything(member, recorder):
    perpetrator, cases = perpetrator_with_history(recorder=recorder, incidents=((0, 5), (1, 6)))
    for case in cases:
        safe_contact_save(
            actor=recorder, case=case, data={"safe_address": "1 Secret Road", "safe_phone": "07700900000"}
        )
        submit_dash(recorder, case, score=18)
    panel_case = open_panel_case(member, perpetrator=perpetrator, cases=cases)
    item = plan_item_add(
        actor=member, panel_case=panel_case, option=TacticalOption.objects.first(), owning_agency=police_agency()
    )
    meeting = panel_meeting_create(actor=member, held_on=today())
    case_review_record(actor=member, meeting=meeting, panel_case=panel_case, investigations="Charged")
    panel_action_create(
        actor=member,
        panel_case=panel_case,
        assigned_agency=police_agency(),
        description="Arrest",
        due_on=today() + timedelta(days=7),
        meeting=meeting,
        plan_item=item,
    )
    return panel_case


def read_everything(panel_case) -> list[str | None]:
    """Everything the panel case page shows; returns the victims' current risk levels."""
    victims = linked_victims(panel_case)
    for victim in victims:
        assert victim.case.victim.family_name
        assert victim.case.area.name
    for item in panel_case.plan_items.all():
        assert item.option.name
        assert item.owning_agency.name
    for action in panel_case.actions.all():
        assert action.assigned_agency.name
        assert action.meeting.held_on
        assert action.plan_item.option.name
    for review in panel_case.reviews.all():
        assert review.meeting.held_on
    assert panel_case.status_changes.all()
    for referral in panel_case.referrals.all():
        assert referral.referring_agency.name
    assert panel_case.perpetrator.family_name
    return [victim.risk_level for victim in victims]


def test_panel_case_detail_never_reads_a_safe_contact(django_assert_num_queries):
    """Reading a panel case's page data (victims, risk, plan, actions, reviews, history) never touches the
    safe contact table, in a fixed number of queries."""
    idva_service()
    member = panel_member()
    recorder = case_worker(police_agency())
    panel_case = panel_case_with_everything(member, recorder)
    with CaptureQueriesContext(connection) as queries:
        assert read_everything(panel_case_detail(actor=member, pk=panel_case.pk)) == ["high", "high"]
    assert not [q["sql"] for q in queries.captured_queries if "safecontact" in q["sql"].lower()]
    # As many queries with more linked cases.
    _, more_cases = perpetrator_with_history(
        recorder=recorder, perpetrator=panel_case.perpetrator, incidents=((5, 1), (6, 2))
    )
    panel_case.cases.add(*more_cases)
    with django_assert_num_queries(len(queries.captured_queries)):
        levels = read_everything(panel_case_detail(actor=member, pk=panel_case.pk))
    assert sorted(levels, key=lambda level: level or "") == [None, None, "high", "high"]


def test_panel_case_list_annotations_and_filters():
    """The list counts open actions and linked cases; it filters by status, flag and search."""
    member = panel_member()
    panel_case = open_panel_case(member, flags={"stalking": True})
    other = open_panel_case(member)
    panel_action_create(
        actor=member, panel_case=panel_case, assigned_agency=police_agency(), description="A", due_on=today()
    )
    rows = {row.pk: row for row in panel_case_list(actor=member)}
    assert (rows[panel_case.pk].open_actions, rows[panel_case.pk].cases_count) == (1, 2)
    assert rows[other.pk].open_actions == 0
    assert list(panel_case_list(actor=member, flag="stalking")) == [panel_case]
    assert list(panel_case_list(actor=member, status="inactive")) == []
    assert list(panel_case_list(actor=member, search=panel_case.reference.lower())) == [panel_case]
    assert other in panel_case_list(actor=member, search=other.perpetrator.family_name.upper())
    assert list(panel_case_list(actor=member, search="No-such-name-at-all")) == []


# --- Panel actions -----------------------------------------------------------------------------------


@pytest.fixture
def actions():
    member = panel_member()
    housing = AgencyFactory(kind=Agency.Kind.HOUSING)
    health = AgencyFactory(kind=Agency.Kind.HEALTH)
    panel_case = open_panel_case(member, opened_on=today() - timedelta(days=30))

    def action(agency, due_days):
        return panel_action_create(
            actor=member,
            panel_case=panel_case,
            assigned_agency=agency,
            description="Do it",
            due_on=today() + timedelta(days=due_days),
            agreed_on=today() - timedelta(days=20),
        )

    return {
        "member": member,
        "housing": housing,
        "housing_late": action(housing, -2),
        "housing_later": action(housing, 10),
        "health": action(health, 5),
        "police": action(police_agency(), 1),
        "panel_case": panel_case,
    }


def test_panel_action_list_for_the_panel_and_the_police(actions):
    """Panel members and the police see every panel action, earliest due first."""
    expected = [actions["housing_late"], actions["police"], actions["health"], actions["housing_later"]]
    for actor in (actions["member"], case_worker(police_agency()), ApiKeyActor(api_key_for(police_agency())[0])):
        assert list(panel_action_list(actor=actor)) == expected


def test_another_agency_sees_only_its_assigned_actions(actions):
    """Housing sees only the actions assigned to housing (its case workers and its API key); the health
    action is 404 to it; an agency with none sees none; an analyst none."""
    housing = actions["housing"]
    for actor in (case_worker(housing), ApiKeyActor(api_key_for(housing)[0])):
        assert list(panel_action_list(actor=actor)) == [actions["housing_late"], actions["housing_later"]]
        with pytest.raises(Http404):
            panel_action_get(actor=actor, pk=actions["health"].pk)
        assert panel_action_get(actor=actor, pk=actions["housing_late"].pk) == actions["housing_late"]
    assert list(panel_action_list(actor=case_worker(AgencyFactory(kind=Agency.Kind.EDUCATION)))) == []
    assert list(panel_action_list(actor=UserFactory(agency=housing, roles=[Role.ANALYST]))) == []
    assert list(panel_action_list(actor=AnonymousUser())) == []


def test_panel_action_list_filters(actions):
    """Filters: status, overdue (open and due before today) and not overdue, agency, panel case."""
    member = actions["member"]
    assert list(panel_action_list(actor=member, overdue=True)) == [actions["housing_late"]]
    assert actions["housing_late"] not in list(panel_action_list(actor=member, overdue=False))
    assert list(panel_action_list(actor=member, assigned_agency=actions["health"].assigned_agency)) == [
        actions["health"]
    ]
    assert list(panel_action_list(actor=member, status=PanelAction.Status.DONE)) == []
    other_case = open_panel_case(member)
    assert list(panel_action_list(actor=member, panel_case=other_case)) == []
    assert len(panel_action_list(actor=member, panel_case=actions["panel_case"])) == 4


def test_panel_action_list_query_count_is_constant(actions, django_assert_num_queries):
    """Reading the action list with its agency, case, perpetrator, meeting and option takes one query
    however many actions there are."""
    member = actions["member"]

    def read() -> int:
        rows = list(panel_action_list(actor=member))
        for row in rows:
            assert row.assigned_agency.name
            assert row.panel_case.perpetrator.family_name
            assert (row.meeting, row.plan_item) == (None, None)
        return len(rows)

    with CaptureQueriesContext(connection) as few:
        assert read() == 4
    for _ in range(3):
        panel_action_create(
            actor=member,
            panel_case=open_panel_case(member),
            assigned_agency=actions["housing"],
            description="More",
            due_on=today(),
        )
    with django_assert_num_queries(len(few.captured_queries)):
        assert read() == 7


def test_scores_follow_the_configuration_and_gravity_ratings():
    """The scoring rules are read from the configuration row and the gravity ratings: victims weighted 10
    and criminal damage rated 9 make 10 + 2 + 9 + 10 = 31 of an incident 5 days ago."""
    perpetrator, _ = perpetrator_with_history(incidents=((0, 5),), crime_type="Criminal damage")
    PanelConfiguration.objects.update(weight_victims=Decimal(10))
    GravityRating.objects.filter(crime_type="Criminal damage").update(gravity=9)
    rules = scoring_rules()
    assert (rules.weight_victims, rules.gravity_by_crime_type["criminal damage"]) == (Decimal(10), 9)
    [candidate] = candidate_list(actor=panel_member())
    assert (candidate.person, candidate.score.total) == (perpetrator, Decimal(31))


def test_a_missing_configuration_row_is_made_again_with_the_defaults():
    """With the configuration row deleted, the documented defaults apply."""
    PanelConfiguration.objects.all().delete()
    assert scoring_rules().recency_bands == ((30, 10), (91, 7), (182, 5), (365, 3), (730, 1))
    assert PanelConfiguration.objects.count() == 1
