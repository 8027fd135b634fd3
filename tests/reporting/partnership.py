"""A hand-made partnership for the annual report tests, built through the apps' services: financial year
2024-25 and the year before in Demo County (with its districts North and South) and, beside it, Elsewhere.

Every row is noted with the figures it adds; tests/reporting/test_figures.py writes the totals out by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from agencies.models import Agency, Area, Role, User
from agencies.services import agency_action_complete
from cases.models import Case, Person
from dhr.models import LearningTheme, Review
from dhr.services import recommendation_add, review_action_add, review_decide
from marac.models import AgendaItem, MaracMeeting, MeetingKind
from marac.services import (
    agenda_item_add,
    agenda_item_outcome_record,
    agenda_publish,
    meeting_cancel,
    meeting_confidentiality_confirm,
    meeting_held,
)
from perpetrator_panel.services import FLAGS, panel_action_create, panel_case_open
from referrals.models import Referral
from referrals.services import (
    contact_attempt_record,
    referral_allocate,
    referral_close,
    referral_create,
    referral_engagement_record,
)
from reporting.models import ServiceMetric
from reporting.services import population_estimates_load, service_return_submit
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.cases import PersonFactory, add_incident, case_worker, idva_service, make_case
from tests.factories.dhr import dhr_coordinator, notified_review
from tests.factories.panel import panel_member
from tests.factories.referrals import idva_manager, idva_user

LONDON = ZoneInfo("Europe/London")
ADULT = date(1985, 1, 1)
ADULT_PERPETRATOR = date(1980, 1, 1)


@dataclass
class Partnership:
    county: Area
    north: Area
    south: Area
    elsewhere: Area
    police: User
    health: User
    housing: User
    manager: User
    generic: User
    young_people: User
    a8: User
    coordinator: User
    panel: User
    dhr: User
    extra: dict[str, Any] = field(default_factory=dict)

    # Cases -------------------------------------------------------------------------------------------

    def case(
        self,
        actor: User,
        area: Area,
        *,
        victim: dict[str, Any] | None = None,
        perpetrator: dict[str, Any] | None = None,
        children: tuple[int, ...] = (),
    ) -> Case:
        """A case of the area recorded by `actor`, victim and perpetrator with known adult birth dates
        unless given."""
        victim_person = PersonFactory(**{"date_of_birth": ADULT, **(victim or {})})
        perpetrator_person = PersonFactory(
            **{"gender": "male", "date_of_birth": ADULT_PERPETRATOR, **(perpetrator or {})}
        )
        return make_case(actor, victim=victim_person, perpetrators=[perpetrator_person], children=children, area=area)

    # IDVA --------------------------------------------------------------------------------------------

    def idva_referral(
        self,
        actor: User,
        area: Area,
        received_on: date,
        *,
        case: Case | None = None,
        idva: User | None = None,
        contact: bool = False,
        engagement: str = "",
        close: tuple[str, date, str] | None = None,
    ) -> Referral:
        """An IDVA referral by `actor`'s agency, allocated to `idva`, contacted the next day, with the
        engagement outcome the day after and closed as `close` (outcome, day, victim's view of risk)."""
        referral = referral_create(
            actor=actor, case=case or self.case(actor, area), service=Referral.Service.IDVA, received_on=received_on
        )
        if idva is None:
            return referral
        referral = referral_allocate(actor=self.manager, referral=referral, idva=idva, on=received_on)
        if contact or engagement:
            contact_attempt_record(
                actor=idva,
                referral=referral,
                made_on=received_on + timedelta(days=1),
                method="phone_call",
                safe_to_leave_message=False,
                outcome="spoke_to_victim",
            )
        if engagement:
            referral = referral_engagement_record(
                actor=idva,
                referral=referral,
                outcome=engagement,
                on=received_on + timedelta(days=2),
                reason="declined" if engagement == "not_engaged" else "",
            )
        if close:
            outcome, on, victim_view = close
            referral = referral_close(
                actor=idva, referral=referral, outcome=outcome, on=on, risk_reduced_victim_view=victim_view
            )
        return referral

    # MARAC -------------------------------------------------------------------------------------------

    def marac_referral(self, actor: User, case: Case, received_on: date, service: str = Referral.Service.MARAC):
        return referral_create(actor=actor, case=case, service=service, received_on=received_on)

    def meeting(self, area: Area, day: date, hour: int = 10, minute: int = 0, kind: str = MeetingKind.MARAC):
        """A scheduled meeting (meetings come from schedules; a one-off is made directly)."""
        return MaracMeeting.objects.create(
            area=area, kind=kind, starts_at=datetime.combine(day, time(hour, minute), tzinfo=LONDON), capacity=10
        )

    def list_on(self, meeting: MaracMeeting, *referrals: Referral) -> list[AgendaItem]:
        return [agenda_item_add(actor=self.coordinator, meeting=meeting, referral=referral) for referral in referrals]

    def hold(self, meeting: MaracMeeting, outcomes: dict[int, str]) -> MaracMeeting:
        """Publish the agenda, hold the meeting and record each listed referral's outcome (by referral id;
        an item not named stays pending)."""
        agenda_publish(actor=self.coordinator, meeting=meeting)
        meeting_confidentiality_confirm(actor=self.coordinator, meeting=meeting)
        for item in meeting.agenda_items.all():
            outcome = outcomes.get(item.referral_id)
            if outcome:
                agenda_item_outcome_record(
                    actor=self.coordinator,
                    item=item,
                    outcome=outcome,
                    deferred_reason="Police research missing." if outcome == AgendaItem.Outcome.DEFERRED else "",
                )
        return meeting_held(actor=self.coordinator, meeting=meeting)

    def heard_meeting(self, area: Area, day: date, referrals: dict[Referral, str], **kwargs: Any) -> MaracMeeting:
        meeting = self.meeting(area, day, **kwargs)
        self.list_on(meeting, *referrals)
        return self.hold(meeting, {referral.pk: outcome for referral, outcome in referrals.items()})

    # Returns -----------------------------------------------------------------------------------------

    def submit(self, kind: str, code: str, area: Area, *period_and_value: Any) -> None:
        """A service return (first day, last day, value) by a user of a new agency of `kind`."""
        start, end, value = period_and_value
        user = UserFactory(agency=AgencyFactory(kind=kind, areas=[area]), roles=[Role.AGENCY_REP])
        service_return_submit(
            actor=user,
            metric=ServiceMetric.objects.get(code=code),
            area=area,
            period_start=start,
            period_end=end,
            value=value,
        )


def partnership_base() -> Partnership:
    """The areas, agencies and people of the partnership, with no activity yet."""
    county = AreaFactory(name="Demo County", slug="demo-county", kind=Area.Kind.COUNTY)
    north = AreaFactory(name="North", slug="north", kind=Area.Kind.DISTRICT, parent=county)
    south = AreaFactory(name="South", slug="south", kind=Area.Kind.DISTRICT, parent=county)
    elsewhere = AreaFactory(name="Elsewhere", slug="elsewhere", kind=Area.Kind.COUNTY)
    every = [county, north, south, elsewhere]
    idva = idva_service(area=county)
    idva.areas.set(every)
    police = case_worker(AgencyFactory(kind=Agency.Kind.POLICE, slug="police", name="Police", areas=every))
    health = case_worker(AgencyFactory(kind=Agency.Kind.HEALTH, slug="health", name="Health", areas=every))
    housing = case_worker(AgencyFactory(kind=Agency.Kind.HOUSING, slug="housing", name="Housing", areas=every))
    return Partnership(
        county=county,
        north=north,
        south=south,
        elsewhere=elsewhere,
        police=police,
        health=health,
        housing=housing,
        manager=idva_manager(idva),
        generic=idva_user(idva),
        young_people=idva_user(idva, specialist_post="young_people"),
        a8=idva_user(idva, specialist_post="a8"),
        coordinator=UserFactory(agency=idva, roles=[Role.MARAC_COORDINATOR]),
        panel=panel_member(),
        dhr=dhr_coordinator(),
    )


def build_partnership() -> Partnership:
    """Financial years 2023-24 and 2024-25 of the partnership (see test_figures for the totals)."""
    p = partnership_base()
    build_population(p)
    build_idva(p)
    build_marac(p)
    build_incidents(p)
    build_panel(p)
    build_reviews(p)
    build_returns(p)
    return p


def build_population(p: Partnership) -> None:
    """Mid-2024: the county 3,000 (1,600 adult females), Elsewhere none. Mid-2023: no county figure, its
    districts 1,800 + 1,200 (700 + 500 adult females). Nothing for 2020-2022."""
    rows = [
        ("demo-county", 2024, 3000, 1600),
        ("north", 2023, 1800, 700),
        ("south", 2023, 1200, 500),
        ("north", 2024, 10, 5),  # the county's own figure is used, not its districts' sum
    ]
    population_estimates_load(
        rows=[
            {"area": area, "year": year, "all_ages": all_ages, "adult_females": females, "source": "ONS"}
            for area, year, all_ages, females in rows
        ]
    )


def build_idva(p: Partnership) -> None:
    """IDVA referrals. 2024-25 in the county: R1, R2, R3, R4, R5, R9. 2023-24: R7, R10, R11."""
    county, north = p.county, p.north
    # R1: first day; police; generic IDVA; engaged; closed 1 June 2024, support completed, risk reduced.
    p.idva_referral(
        p.police, county, date(2024, 4, 1), idva=p.generic, engagement="engaged",
        close=("support_completed", date(2024, 6, 1), "yes"),
    )  # fmt: skip
    # R2: last day; health; not allocated.
    p.idva_referral(p.health, county, date(2025, 3, 31))
    # R3: police; young people's IDVA; not engaged; closed 1 July 2024 as not engaged, view not known.
    repeat_case = p.case(p.police, county)
    p.idva_referral(
        p.police, county, date(2024, 5, 10), case=repeat_case, idva=p.young_people, engagement="not_engaged",
        close=("not_engaged", date(2024, 7, 1), "not_known"),
    )  # fmt: skip
    # R4: the same case again ten days later: a repeat; A8 IDVA; engaged, still open.
    p.idva_referral(p.police, county, date(2024, 5, 20), case=repeat_case, idva=p.a8, engagement="engaged")
    # R5: health; generic IDVA; contacted, no outcome yet.
    p.idva_referral(p.health, county, date(2024, 12, 15), idva=p.generic, contact=True)
    # R6: the day after the year: not counted (nor in 2023-24).
    p.idva_referral(p.police, county, date(2025, 4, 1))
    # R7: the last day of 2023-24; engaged; closed 15 April 2024 (closed in 2024-25), risk reduced.
    p.idva_referral(
        p.police, county, date(2024, 3, 31), idva=p.generic, engagement="engaged",
        close=("support_completed", date(2024, 4, 15), "yes"),
    )  # fmt: skip
    # R8: Elsewhere: not the county's.
    p.idva_referral(p.police, p.elsewhere, date(2024, 6, 1), idva=p.generic, engagement="not_engaged")
    # R9: the North district (within the county); generic IDVA; engaged; closed the day after the year.
    p.idva_referral(
        p.police, north, date(2024, 8, 1), idva=p.generic, engagement="engaged",
        close=("support_completed", date(2025, 4, 1), "yes"),
    )  # fmt: skip
    # R10, R11: 2023-24, first day and October, no outcome.
    p.idva_referral(p.police, county, date(2023, 4, 1))
    p.idva_referral(p.health, county, date(2023, 10, 10))


def build_marac(p: Partnership) -> None:
    """MARAC. 2024-25: A and B at M1, C at M2 (D deferred, E pending), I and J at M6 (I moved there from
    the cancelled M5): 5 cases heard at 3 meetings. 2023-24: L and N at M9, P at M10: 3 at 2 meetings."""
    county, north = p.county, p.north
    heard, escalated = AgendaItem.Outcome.HEARD, AgendaItem.Outcome.ESCALATED
    # Case of A and J: Black victim, two children.
    a_case = p.case(p.police, county, victim={"ethnicity": Person.Ethnicity.BLACK}, children=(3, 7))
    a = p.marac_referral(p.police, a_case, date(2024, 3, 20))
    # B: health; bisexual victim whose 18th birthday is the meeting day (1 April 2024, local time).
    b = p.marac_referral(
        p.health, p.case(p.health, county, victim={"sexuality": "bisexual", "date_of_birth": date(2006, 4, 1)}),
        date(2024, 3, 25),
    )  # fmt: skip
    # M1: 00:30 on 1 April 2024, British Summer Time (23:30 UTC on 31 March): in 2024-25.
    p.heard_meeting(county, date(2024, 4, 1), {a: heard, b: escalated}, hour=0, minute=30)
    # C: North; trans victim 16 on the meeting day, perpetrator 17 (18 the day after).
    c = p.marac_referral(
        p.police,
        p.case(
            p.police, north, victim={"trans": "yes", "date_of_birth": date(2009, 3, 31)},
            perpetrator={"date_of_birth": date(2007, 4, 1)},
        ),
        date(2025, 3, 1),
    )  # fmt: skip
    d = p.marac_referral(p.police, p.case(p.police, north), date(2025, 3, 2))
    e = p.marac_referral(p.police, p.case(p.police, north), date(2025, 3, 3))
    # M2: North, the last day of the year, in the evening (British Summer Time).
    p.heard_meeting(north, date(2025, 3, 31), {c: heard, d: AgendaItem.Outcome.DEFERRED, e: ""}, hour=18)
    # M3: the day after the year.
    f = p.marac_referral(p.police, p.case(p.police, county), date(2025, 3, 10))
    p.heard_meeting(county, date(2025, 4, 1), {f: heard})
    # M4: MARAC Plus, not counted.
    g = p.marac_referral(p.police, p.case(p.police, county), date(2024, 5, 1), Referral.Service.MARAC_PLUS)
    p.heard_meeting(county, date(2024, 6, 1), {g: heard}, kind=MeetingKind.MARAC_PLUS)
    # M5 (10 September 2024) is cancelled and its agenda (I) moves to M6 (8 October 2024), with J.
    i = p.marac_referral(
        p.housing,
        p.case(p.housing, county, victim={"gender": "male", "disability": "yes"}, children=(5,)),
        date(2024, 9, 1),
    )
    j = p.marac_referral(p.police, a_case, date(2024, 9, 20))  # the second MARAC referral of A's case: a repeat
    m5, m6 = p.meeting(county, date(2024, 9, 10)), p.meeting(county, date(2024, 10, 8))
    p.list_on(m5, i)
    meeting_cancel(actor=p.coordinator, meeting=m5, reason="Chair unwell.", move_agenda_to=m6)
    p.list_on(m6, j)
    p.hold(m6, {i.pk: heard, j.pk: heard})
    # M7 (5 November 2024): held, then recorded as cancelled (a correction made in the database): its case
    # and the meeting are not counted.
    k = p.marac_referral(p.police, p.case(p.police, county), date(2024, 10, 20))
    m7 = p.heard_meeting(county, date(2024, 11, 5), {k: heard})
    MaracMeeting.objects.filter(pk=m7.pk).update(status=MaracMeeting.Status.CANCELLED, cancellation_reason="Error.")
    # M8: Elsewhere.
    other = p.marac_referral(p.police, p.case(p.police, p.elsewhere), date(2024, 6, 20))
    p.heard_meeting(p.elsewhere, date(2024, 7, 1), {other: heard})
    # M11: a meeting of the year not (yet) held, with nothing heard.
    p.meeting(county, date(2025, 2, 1))
    # 2023-24. M9 (15 May 2023): L (one child) and N; M10 (23:30 on 31 March 2024): P, L's case again.
    l_case = p.case(p.police, county, children=(2,))
    l_referral = p.marac_referral(p.police, l_case, date(2023, 5, 1))
    n = p.marac_referral(p.police, p.case(p.police, county), date(2023, 5, 2))
    p.heard_meeting(county, date(2023, 5, 15), {l_referral: heard, n: heard})
    p_referral = p.marac_referral(p.police, l_case, date(2024, 3, 1))
    p.heard_meeting(county, date(2024, 3, 31), {p_referral: heard}, hour=23, minute=30)


def build_incidents(p: Partnership) -> None:
    """Incidents reported to the police in the county (numbered as in test_figures), and two that never
    count for the county."""
    county_case, north_case = p.case(p.police, p.county), p.case(p.police, p.north)
    incidents = [
        (county_case, date(2020, 6, 1), False),  # 1: 2020-21; police year 2019/20
        (county_case, date(2023, 4, 1), False),  # 2: 2023-24; 2022/23
        (north_case, date(2023, 11, 30), True),  # 3: 2023-24; 2022/23
        (county_case, date(2023, 12, 1), True),  # 4: 2023-24; 2023/24
        (county_case, date(2024, 3, 31), True),  # 5: 2023-24; 2023/24
        (county_case, date(2024, 4, 1), True),  # 6: 2024-25; 2023/24
        (north_case, date(2024, 11, 30), True),  # 7: 2024-25; 2023/24
        (county_case, date(2024, 12, 1), False),  # 8: 2024-25; 2024/25
        (county_case, date(2025, 3, 31), False),  # 9: 2024-25; 2024/25
        (county_case, date(2025, 4, 1), True),  # 10: 2025-26; 2024/25
    ]
    for case, day, crime in incidents:
        add_incident(p.police, case, occurred_on=day, is_crime=crime, crime_type="Assault" if crime else "")
    add_incident(p.police, p.case(p.police, p.elsewhere), occurred_on=date(2024, 6, 1), is_crime=True)
    add_incident(p.health, p.case(p.health, p.county), occurred_on=date(2024, 6, 1))  # reported to health


def build_panel(p: Partnership) -> None:
    """Perpetrator panel cases: P1 and P2 have actions agreed in 2024-25; P3 in 2023-24; P4 is Elsewhere's;
    P5's action is the day after the year."""
    police_agency = p.police.agency

    def panel_case(area: Area, opened_on: date, agreed_on: date, *, gender: str = "male", **flags: bool) -> None:
        case = p.case(p.police, area, perpetrator={"gender": gender})
        perpetrator = case.parties.get().person
        panel_case = panel_case_open(
            actor=p.panel,
            perpetrator=perpetrator,
            opened_on=opened_on,
            cases=[case],
            reasons=["serial"],
            flags=dict.fromkeys(FLAGS, False) | flags,
        )
        panel_action_create(
            actor=p.panel,
            panel_case=panel_case,
            assigned_agency=police_agency,
            description="Check bail conditions.",
            due_on=agreed_on + timedelta(days=30),
            agreed_on=agreed_on,
        )

    panel_case(p.county, date(2024, 4, 10), date(2024, 4, 20), stalking=True, no_fixed_abode=True)  # P1
    panel_case(
        p.north, date(2024, 5, 1), date(2025, 3, 31), gender="female", strangulation=True, violence_against_parent=True
    )  # P2
    panel_case(p.county, date(2023, 6, 1), date(2023, 7, 1))  # P3
    panel_case(p.elsewhere, date(2024, 6, 1), date(2024, 6, 2), stalking=True)  # P4
    panel_case(p.county, date(2025, 4, 1), date(2025, 4, 1), stalking=True)  # P5


def build_reviews(p: Partnership) -> None:
    """Reviews: D1, D2 and D4 meet the criteria in 2024-25; D6 in 2023-24; D3 the day after; D5 does not
    meet them; D7 is Elsewhere's. Recommendations and actions made on the days they were."""

    def review(area: Area, notified_on: date, death_type: str, gender: str, *decision_on: Any) -> Review:
        decision, decided_on = decision_on
        notified = notified_review(
            p.dhr, notified_on=notified_on, death_type=death_type, deceased_gender=gender, area=area
        )
        return review_decide(actor=p.dhr, review=notified, decision=decision, on=decided_on, rationale="Criteria.")

    commission, homicide, suicide = Review.Decision.COMMISSION, Review.DeathType.HOMICIDE, Review.DeathType.SUICIDE
    d1 = review(p.county, date(2024, 4, 1), homicide, "female", commission, date(2024, 4, 10))
    review(p.north, date(2025, 3, 31), suicide, "male", commission, date(2025, 4, 2))  # D2
    review(p.county, date(2025, 4, 1), homicide, "female", commission, date(2025, 4, 3))  # D3
    review(p.county, date(2024, 6, 1), homicide, "female", Review.Decision.CHILD_DEATH_REVIEW, date(2024, 6, 10))  # D4
    review(p.south, date(2024, 7, 1), suicide, "female", Review.Decision.NOT_COMMISSIONED, date(2024, 7, 5))  # D5
    d6 = review(p.county, date(2023, 5, 1), homicide, "female", commission, date(2023, 5, 10))
    review(p.elsewhere, date(2024, 5, 1), homicide, "female", commission, date(2024, 5, 5))  # D7
    health_agency = p.health.agency
    theme = LearningTheme.objects.get(name="Risk assessment")
    with time_machine.travel(datetime(2024, 9, 1, 12, tzinfo=LONDON), tick=False):
        recommendation = recommendation_add(actor=p.dhr, review=d1, text="Ask about risk.", themes=[theme])
        for due_on in (date(2025, 3, 30), date(2025, 4, 15), date(2024, 9, 1)):
            action = review_action_add(
                actor=p.dhr,
                recommendation=recommendation,
                assigned_agency=health_agency,
                lead="Safeguarding lead",
                description="Train staff.",
                due_on=due_on,
            )
        agency_action_complete(actor=p.health, action=action, on=date(2024, 9, 1))
    with time_machine.travel(datetime(2023, 12, 1, 12, tzinfo=LONDON), tick=False):
        recommendation = recommendation_add(actor=p.dhr, review=d6, text="Share information.")
        review_action_add(
            actor=p.dhr,
            recommendation=recommendation,
            assigned_agency=health_agency,
            lead="Safeguarding lead",
            description="Agree a protocol.",
            due_on=date(2024, 1, 31),
        )


def build_returns(p: Partnership) -> None:
    """Service returns, and the seed report's adult safeguarding total of 601 against its MASH teams' 479
    and 200."""
    total = ServiceMetric.objects.create(
        code="adult_safeguarding_referrals", name="Adult safeguarding referrals (DA or SV)", position=200
    )
    ServiceMetric.objects.create(code="mash_north_referrals", name="North MASH referrals", part_of=total, position=201)
    ServiceMetric.objects.create(code="mash_south_referrals", name="South MASH referrals", part_of=total, position=202)
    year, county, kinds = (date(2024, 4, 1), date(2025, 3, 31)), p.county, Agency.Kind
    p.submit(kinds.REFUGE, "refuge_women_housed", county, *year, 35)
    p.submit(kinds.REFUGE, "refuge_women_housed", county, date(2025, 1, 1), date(2025, 6, 30), 40)  # straddles
    p.submit(kinds.OUTREACH, "outreach_referrals", p.north, date(2024, 7, 1), date(2024, 9, 30), 10)
    p.submit(kinds.OUTREACH, "outreach_referrals", p.elsewhere, date(2024, 7, 1), date(2024, 9, 30), 99)
    p.submit(kinds.VICTIM_HUB, "victim_hub_victims_supported", county, *year, 1000)
    p.submit(kinds.VICTIM_HUB, "victim_hub_da_victims_supported", county, *year, 250)
    p.submit(kinds.ISVA_SERVICE, "isva_service_referrals", county, *year, 150)
    p.submit(kinds.ISVA_SERVICE, "isva_referrals", county, *year, 100)
    p.submit(kinds.ISVA_SERVICE, "chisva_referrals", county, *year, 50)
    p.submit(kinds.CHILDRENS_SOCIAL_CARE, "children_supported", county, date(2024, 4, 1), date(2024, 6, 30), 120)
    p.submit(kinds.COMMUNITY, "children_supported", p.south, date(2024, 10, 1), date(2025, 3, 31), 300)
    p.submit(kinds.ADULT_SAFEGUARDING, "adult_safeguarding_referrals", county, *year, 601)
    p.submit(kinds.ADULT_SAFEGUARDING, "mash_north_referrals", county, *year, 479)
    p.submit(kinds.ADULT_SAFEGUARDING, "mash_south_referrals", county, *year, 200)
    p.submit(kinds.COMMUNITY, "champions_members", county, *year, 30)
    ServiceMetric.objects.filter(code="champions_members").update(active=False)  # retired: not reported
    before = (date(2023, 4, 1), date(2024, 3, 31))
    p.submit(kinds.ISVA_SERVICE, "isva_service_referrals", county, *before, 120)
    p.submit(kinds.ISVA_SERVICE, "isva_referrals", county, *before, 70)
    p.submit(kinds.ISVA_SERVICE, "chisva_referrals", county, *before, 50)
    p.submit(kinds.CHILDRENS_SOCIAL_CARE, "children_supported", county, *before, 400)
    p.submit(kinds.VICTIM_HUB, "victim_hub_victims_supported", county, *before, 800)
    p.submit(kinds.VICTIM_HUB, "victim_hub_da_victims_supported", county, *before, 200)


def add_batch(p: Partnership, n: int) -> None:
    """`n` more of each kind of row in 2024-25 (for the query count): IDVA referrals, cases heard at a
    MARAC meeting, police incidents, service returns, panel cases and reviews."""
    day = date(2024, 7, 15)
    meeting = p.meeting(p.county, day + timedelta(days=n))
    referrals = {}
    for index in range(n):
        p.idva_referral(p.police, p.county, day, idva=p.generic, engagement="engaged")
        case = p.case(p.police, p.county, children=(4,))
        referrals[p.marac_referral(p.police, case, day)] = AgendaItem.Outcome.HEARD
        add_incident(p.police, case, occurred_on=day, is_crime=bool(index % 2))
        p.submit(Agency.Kind.REFUGE, "refuge_women_housed", p.north, day, day + timedelta(days=index), 3)
        notified_review(p.dhr, notified_on=day, area=p.county)
    p.list_on(meeting, *referrals)
    p.hold(meeting, {referral.pk: outcome for referral, outcome in referrals.items()})
