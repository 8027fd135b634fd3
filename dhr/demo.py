"""The demo reviews: thirteen deaths notified to Demo County's Community Safety Partnership over the last
three years, each taken through the review services by the demo DHR coordinator, in date order.

Unless minimal. In the twelve months to today, ten notifications: two awaiting a decision (one past its
one-month target), one not commissioned, one reviewed as a child death instead, and six reviews under way
(panel set up; terms of reference; IMRs requested and some received; family and friends involved and the
overview report, both past the six-month completion target while criminal proceedings run; one at the Home
Office Quality Assurance Panel again after a revisions request). So the year has seven deaths meeting the
criteria, as in the seed report: four homicides and three suicides, five women and two men, one of them
reviewed as a child death. Before that, two reviews published with their action plans under way
(recommendations tagged with learning themes; actions done and signed off, done awaiting sign-off, not
done, open, and open past their target date) and one closed after its plan was delivered.

The agencies' steps on their actions are taken by each agency's demo user. Actions (and recommendations)
are made "now" by the services, so their `created_at` is moved back to the day of publication before the
agencies act on them in the past (as marac.demo dates its past actions). Synthetic text only: no names of
the deceased exist, and the chairs and authors are made up.

Idempotent: each demo review is known by its notification notes; one that exists is left as it is.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone
from faker import Faker

from agencies.demo import DEMO_AREA_SLUG, demo_email
from agencies.models import Agency, Area, User
from agencies.services import agency_action_complete, agency_action_not_done, agency_action_update
from dhr.models import LearningTheme, Recommendation, Review, ReviewAction, Stage
from dhr.services import (
    imr_receive,
    imr_request,
    local_approval_record,
    panel_membership_set,
    qa_feedback_record,
    qa_submit,
    recommendation_add,
    review_action_add,
    review_action_evidence_record,
    review_action_sign_off,
    review_decide,
    review_notify,
    review_publish,
    review_stage_move,
    review_update,
)

DHR_DEMO_SEED = 7011
COORDINATOR = "dhr"
# The demo user who acts for each agency that owns actions.
AGENCY_USERS = {
    "police": "police",
    "health": "health",
    "housing": "housing",
    "childrens-social-care": "childrens.services",
    "idva-service": "idva.manager",
    "dasv-partnership": "dhr",
}
REPRESENTATIVES = {
    "police": "Detective inspector, major crime review team",
    "health": "Designated nurse for safeguarding adults",
    "idva-service": "IDVA service manager",
    "housing": "Housing options manager",
    "childrens-social-care": "Head of safeguarding, children's services",
    "adult-safeguarding": "Safeguarding adults lead",
    "mental-health": "Head of safeguarding, mental health trust",
    "probation": "Senior probation officer",
    "substance-misuse": "Recovery service manager",
    "refuge": "Refuge manager",
    "education": "Education safeguarding officer",
}
# Days after the decision, for a commissioned review.
TERMS_OF_REFERENCE, IMRS, FAMILY, OVERVIEW = 30, 50, 120, 140
LOCAL_APPROVAL = 175
IMR_DUE = 60


@dataclass(frozen=True)
class _Action:
    agency: str
    lead: str
    description: str
    due: int  # days after publication
    outcome: str = "open"  # open, done, done_awaiting_sign_off, not_done
    done: int = 0  # days after publication
    signed_off: int = 0  # days after publication


@dataclass(frozen=True)
class _Recommendation:
    text: str
    themes: tuple[str, ...]
    actions: tuple[_Action, ...]


@dataclass(frozen=True)
class _Plan:
    """One demo review: the death, and how far the review has gone."""

    key: str
    ago: int  # notified this many days before today
    gender: str
    age_band: str
    relationship: str
    death_type: str
    area: str
    notified_by: str = "police"
    decision: str = Review.Decision.PENDING
    decide_after: int = 25
    # The last step reached: scoping, decided, panel_setup, terms_of_reference, imrs, family_involvement,
    # overview_report, qa_revised, published, closed.
    until: str = "scoping"
    criminal_proceedings: bool = False
    panel: tuple[str, ...] = ("police", "health", "idva-service", "housing")
    imrs_received: int = 99  # how many of the IMRs are in
    qa_revisions: bool = False
    published_after_acceptance: int = 35
    closed_after_publication: int = 330
    recommendations: tuple[_Recommendation, ...] = ()


def _notes(plan: _Plan) -> str:
    return f"Demo notification {plan.key}: the death was notified to the partnership; agencies are checking records."


PLANS: list[_Plan] = [
    _Plan("A", 12, "female", Review.AgeBand.AGE_25_34, Review.Relationship.EX_PARTNER, "homicide", "demo-north"),
    _Plan("B", 50, "male", Review.AgeBand.AGE_45_54, Review.Relationship.PARTNER, "suicide", "demo-county"),
    _Plan(
        "C",
        200,
        "male",
        Review.AgeBand.AGE_55_64,
        Review.Relationship.OTHER_FAMILY,
        "other",
        "demo-south",
        notified_by="health",
        decision=Review.Decision.NOT_COMMISSIONED,
        decide_after=28,
        until="decided",
    ),
    _Plan(
        "D",
        300,
        "female",
        Review.AgeBand.AGE_16_17,
        Review.Relationship.PARTNER,
        "homicide",
        "demo-county",
        decision=Review.Decision.CHILD_DEATH_REVIEW,
        decide_after=20,
        until="decided",
    ),
    _Plan(
        "E",
        40,
        "female",
        Review.AgeBand.AGE_35_44,
        Review.Relationship.PARTNER,
        "homicide",
        "demo-north",
        decision=Review.Decision.COMMISSION,
        decide_after=14,
        until="panel_setup",
        criminal_proceedings=True,
        panel=("police", "health", "idva-service", "childrens-social-care"),
    ),
    _Plan(
        "J",
        75,
        "female",
        Review.AgeBand.AGE_18_24,
        Review.Relationship.PARTNER,
        "suicide",
        "demo-south",
        decision=Review.Decision.COMMISSION,
        decide_after=20,
        until="terms_of_reference",
        panel=("police", "health", "mental-health", "idva-service", "education"),
    ),
    _Plan(
        "F",
        130,
        "female",
        Review.AgeBand.AGE_25_34,
        Review.Relationship.EX_PARTNER,
        "suicide",
        "demo-county",
        decision=Review.Decision.COMMISSION,
        until="imrs",
        panel=("police", "health", "mental-health", "housing", "substance-misuse"),
        imrs_received=2,
    ),
    _Plan(
        "G",
        240,
        "female",
        Review.AgeBand.AGE_65_74,
        Review.Relationship.PARENT,
        "homicide",
        "demo-north",
        decision=Review.Decision.COMMISSION,
        until="overview_report",
        criminal_proceedings=True,
        panel=("police", "health", "adult-safeguarding", "mental-health", "housing"),
    ),
    _Plan(
        "I",
        355,
        "male",
        Review.AgeBand.AGE_35_44,
        Review.Relationship.PARTNER,
        "homicide",
        "demo-south",
        decision=Review.Decision.COMMISSION,
        until="family_involvement",
        criminal_proceedings=True,
        panel=("police", "health", "probation", "substance-misuse", "idva-service"),
    ),
    _Plan(
        "H",
        330,
        "male",
        Review.AgeBand.AGE_25_34,
        Review.Relationship.EX_PARTNER,
        "suicide",
        "demo-county",
        decision=Review.Decision.COMMISSION,
        decide_after=21,
        until="qa_revised",
        panel=("police", "health", "mental-health", "housing"),
        qa_revisions=True,
    ),
    _Plan(
        "L",
        560,
        "female",
        Review.AgeBand.AGE_45_54,
        Review.Relationship.PARTNER,
        "suicide",
        "demo-south",
        decision=Review.Decision.COMMISSION,
        until="published",
        panel=("police", "health", "mental-health", "idva-service", "housing"),
        recommendations=(
            _Recommendation(
                "GP practices and the mental health trust ask about domestic abuse when a patient presents "
                "with suicidal thoughts, and refer to the IDVA service.",
                ("Suicide", "Mental health"),
                (
                    _Action(
                        "health",
                        "Named GP for safeguarding",
                        "Add routine enquiry about abuse to the suicide risk assessment template.",
                        due=60,
                        outcome="done",
                        done=55,
                        signed_off=70,
                    ),
                    _Action(
                        "police",
                        "Head of public protection",
                        "Train response officers to recognise suicide risk in victims of coercive control.",
                        due=90,
                    ),
                ),
            ),
            _Recommendation(
                "Agencies recognise coercive control where there is no physical violence.",
                ("Coercive control",),
                (
                    _Action(
                        "idva-service",
                        "IDVA service manager",
                        "Run coercive control briefings for partner agencies' front-line staff.",
                        due=150,
                        outcome="done_awaiting_sign_off",
                        done=140,
                    ),
                    _Action(
                        "dasv-partnership",
                        "DASV partnership manager",
                        "Audit a sample of MARAC referrals for recorded coercive control.",
                        due=330,
                    ),
                ),
            ),
            _Recommendation(
                "Housing staff identify economic abuse behind rent arrears.",
                ("Economic abuse", "Housing"),
                (
                    _Action(
                        "housing",
                        "Income collection manager",
                        "Add a domestic abuse question to the arrears procedure.",
                        due=200,
                    ),
                ),
            ),
        ),
    ),
    _Plan(
        "K",
        900,
        "female",
        Review.AgeBand.AGE_35_44,
        Review.Relationship.EX_PARTNER,
        "homicide",
        "demo-county",
        decision=Review.Decision.COMMISSION,
        until="published",
        criminal_proceedings=False,
        panel=("police", "health", "idva-service", "housing", "childrens-social-care", "probation"),
        recommendations=(
            _Recommendation(
                "Risk is reassessed after separation, when it rises, and the DASH is repeated on every new incident.",
                ("Risk assessment", "Coercive control"),
                (
                    _Action(
                        "police",
                        "Head of public protection",
                        "Make a repeat DASH mandatory for every incident after separation.",
                        due=90,
                        outcome="done",
                        done=80,
                        signed_off=100,
                    ),
                    _Action(
                        "idva-service",
                        "Senior IDVA",
                        "Review safety plans within a week of separation.",
                        due=120,
                        outcome="done",
                        done=130,
                        signed_off=150,
                    ),
                ),
            ),
            _Recommendation(
                "Agencies share information about stalking behaviour with the MARAC.",
                ("Information sharing", "Professional curiosity"),
                (
                    _Action(
                        "health",
                        "Named nurse for safeguarding",
                        "Add stalking to the emergency department's safeguarding referral form.",
                        due=180,
                        outcome="done_awaiting_sign_off",
                        done=170,
                    ),
                    _Action(
                        "housing",
                        "Tenancy services manager",
                        "Train neighbourhood officers to report stalking concerns.",
                        due=240,
                    ),
                ),
            ),
            _Recommendation(
                "Children living with abuse are seen and heard.",
                ("Children and young people", "Housing"),
                (
                    _Action(
                        "childrens-social-care",
                        "Head of safeguarding, children's services",
                        "Pilot a joint visit protocol with the police.",
                        due=200,
                        outcome="not_done",
                        done=210,
                    ),
                    _Action(
                        "housing",
                        "Housing options manager",
                        "Prioritise families fleeing abuse in the allocations policy review.",
                        due=600,
                    ),
                    _Action(
                        "dasv-partnership",
                        "DASV partnership manager",
                        "Publish a seven-minute briefing on the review for schools and early help.",
                        due=365,
                        outcome="done",
                        done=300,
                        signed_off=310,
                    ),
                ),
            ),
        ),
    ),
    _Plan(
        "M",
        1050,
        "female",
        Review.AgeBand.AGE_45_54,
        Review.Relationship.PARTNER,
        "homicide",
        "demo-north",
        decision=Review.Decision.COMMISSION,
        until="closed",
        panel=("police", "health", "idva-service", "childrens-social-care"),
        recommendations=(
            _Recommendation(
                "Police and health share repeat injuries with the IDVA service.",
                ("Information sharing", "Risk assessment"),
                (
                    _Action(
                        "police",
                        "Detective chief inspector, safeguarding",
                        "Flag repeat injury reports to the IDVA service within a day.",
                        due=90,
                        outcome="done",
                        done=85,
                        signed_off=100,
                    ),
                    _Action(
                        "health",
                        "Head of safeguarding, acute trust",
                        "Share emergency department attendances for domestic abuse with the MARAC.",
                        due=120,
                        outcome="done",
                        done=118,
                        signed_off=130,
                    ),
                ),
            ),
            _Recommendation(
                "Older children are asked about abuse at home.",
                ("Children and young people",),
                (
                    _Action(
                        "childrens-social-care",
                        "Principal social worker",
                        "Add a direct question for children over 12 to the assessment guidance.",
                        due=180,
                        outcome="done",
                        done=170,
                        signed_off=190,
                    ),
                ),
            ),
        ),
    ),
]


def _moment(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)), timezone.get_default_timezone())


@dataclass
class _Builder:
    today: date
    coordinator: User
    agencies: dict[str, Agency]
    areas: dict[str, Area]
    users: dict[str, User]
    stages: dict[str, Stage]
    themes: dict[str, LearningTheme]
    fake: Faker
    rng: random.Random
    created: Counter[str] = field(default_factory=Counter)

    def day(self, value: date) -> date:
        if value > self.today:
            raise ValueError(f"A demo review step falls after today ({value}): check dhr.demo.PLANS.")
        return value

    def build(self, plan: _Plan) -> Review:
        notified_on = self.today - timedelta(days=plan.ago)
        review = review_notify(
            actor=self.coordinator,
            deceased_gender=plan.gender,
            deceased_age_band=plan.age_band,
            relationship=plan.relationship,
            death_type=plan.death_type,
            date_of_death=notified_on - timedelta(days=self.rng.randint(0, 3)),
            notified_on=notified_on,
            notified_by=self.agencies[plan.notified_by],
            community_safety_partnership=self.areas[plan.area],
            notes=_notes(plan),
            criminal_proceedings_pending=plan.criminal_proceedings,
        )
        review = review_stage_move(
            actor=self.coordinator,
            review=review,
            stage=self.stages["scoping"],
            on=self.day(notified_on + timedelta(days=3)),
            notes="Agencies asked to check their records for contact with the people involved.",
        )
        if plan.decision == Review.Decision.PENDING:
            return review
        decided_on = self.day(notified_on + timedelta(days=plan.decide_after))
        review = review_decide(
            actor=self.coordinator,
            review=review,
            decision=plan.decision,
            on=decided_on,
            rationale=_RATIONALES[plan.decision],
            home_office_informed_on=self.day(decided_on + timedelta(days=2)),
        )
        if plan.decision != Review.Decision.COMMISSION:
            return review
        return self._review(plan, review, decided_on)

    def _review(self, plan: _Plan, review: Review, decided_on: date) -> Review:
        review = review_update(
            actor=self.coordinator,
            review=review,
            independent_chair=self.fake.name(),
            author=self.fake.name(),
            criminal_proceedings_pending=plan.criminal_proceedings,
        )
        for slug in plan.panel:
            panel_membership_set(
                actor=self.coordinator, review=review, agency=self.agencies[slug], representative=REPRESENTATIVES[slug]
            )
        if plan.until == "panel_setup":
            return review
        steps: list[tuple[str, int, Callable[[Review, date], Review]]] = [
            ("terms_of_reference", TERMS_OF_REFERENCE, self._move("terms_of_reference", "Terms of reference agreed.")),
            ("imrs", IMRS, self._imrs(plan)),
            (
                "family_involvement",
                FAMILY,
                self._move("family_involvement", "Family and friends invited to contribute."),
            ),
            ("overview_report", OVERVIEW, self._move("overview_report", "The author is writing the overview report.")),
        ]
        for name, after, step in steps:
            review = step(review, self.day(decided_on + timedelta(days=after)))
            if plan.until == name:
                return review
        approved_on = self.day(decided_on + timedelta(days=LOCAL_APPROVAL))
        review = local_approval_record(actor=self.coordinator, review=review, on=approved_on)
        submitted_on = self.day(approved_on + timedelta(days=21))
        submission = qa_submit(actor=self.coordinator, review=review, submitted_on=submitted_on)
        if plan.qa_revisions:
            feedback_on = self.day(submitted_on + timedelta(days=63))
            qa_feedback_record(
                actor=self.coordinator,
                submission=submission,
                feedback="revisions_requested",
                on=feedback_on,
                notes="Say more about the agencies' contact with the family; add an equality and diversity section.",
            )
            submitted_on = self.day(feedback_on + timedelta(days=42))
            submission = qa_submit(
                actor=self.coordinator, review=review, submitted_on=submitted_on, notes="Revised as the panel asked."
            )
            if plan.until == "qa_revised":
                return Review.objects.get(pk=review.pk)
        accepted_on = self.day(submitted_on + timedelta(days=56))
        qa_feedback_record(actor=self.coordinator, submission=submission, feedback="accepted", on=accepted_on)
        published_on = self.day(accepted_on + timedelta(days=plan.published_after_acceptance))
        review = review_publish(
            actor=self.coordinator,
            review=Review.objects.get(pk=review.pk),
            published_on=published_on,
            url=f"https://www.demo-county.example/community-safety/reviews/{review.reference.lower()}",
        )
        for recommendation in plan.recommendations:
            self._recommendation(review, recommendation, published_on)
        if plan.until == "closed":
            review = review_stage_move(
                actor=self.coordinator,
                review=review,
                stage=self.stages["closed"],
                on=self.day(published_on + timedelta(days=plan.closed_after_publication)),
                notes="The action plan is delivered and audited: the review is closed.",
            )
        return review

    def _move(self, code: str, notes: str) -> Callable[[Review, date], Review]:
        def move(review: Review, on: date) -> Review:
            return review_stage_move(actor=self.coordinator, review=review, stage=self.stages[code], on=on, notes=notes)

        return move

    def _imrs(self, plan: _Plan) -> Callable[[Review, date], Review]:
        def request(review: Review, on: date) -> Review:
            review = self._move("imrs", "IMRs requested from the panel's agencies.")(review, on)
            for number, slug in enumerate(plan.panel):
                imr = imr_request(
                    actor=self.coordinator,
                    review=review,
                    agency=self.agencies[slug],
                    requested_on=on,
                    due_on=on + timedelta(days=IMR_DUE),
                )
                self.created["IMRs"] += 1
                received_on = on + timedelta(days=30 + 8 * number)
                if number < plan.imrs_received and received_on <= self.today:
                    imr_receive(actor=self.coordinator, imr=imr, received_on=received_on)
            return review

        return request

    def _recommendation(self, review: Review, plan: _Recommendation, published_on: date) -> None:
        themes = [self.themes[name] for name in plan.themes if name in self.themes]
        recommendation = recommendation_add(actor=self.coordinator, review=review, text=plan.text, themes=themes)
        # Made with the published report: the action plan's target dates count from then.
        Recommendation.objects.filter(pk=recommendation.pk).update(created_at=_moment(published_on))
        recommendation.refresh_from_db()
        self.created["recommendations"] += 1
        for spec in plan.actions:
            self._action(recommendation, spec, published_on)

    def _action(self, recommendation: Recommendation, spec: _Action, published_on: date) -> None:
        due_on = published_on + timedelta(days=spec.due)
        action = review_action_add(
            actor=self.coordinator,
            recommendation=recommendation,
            assigned_agency=self.agencies[spec.agency],
            lead=spec.lead,
            description=spec.description,
            due_on=due_on,
        )
        ReviewAction.objects.filter(pk=action.pk).update(created_at=_moment(published_on, 11))
        action.refresh_from_db()
        self.created["actions"] += 1
        owner = self.users[spec.agency]
        if spec.outcome == "open":
            progress_on = min(published_on + timedelta(days=spec.due // 2), self.today)
            agency_action_update(actor=owner, action=action, text="Work started; a plan is agreed.", on=progress_on)
            if due_on < self.today:
                # The nightly chase told the coordinators the day after it fell due.
                ReviewAction.objects.filter(pk=action.pk).update(overdue_notified_on=due_on + timedelta(days=1))
            return
        done_on = self.day(published_on + timedelta(days=spec.done))
        if spec.outcome == "not_done":
            agency_action_not_done(
                actor=owner,
                action=action,
                reason=ReviewAction.NotDoneReason.CIRCUMSTANCES_CHANGED,
                on=done_on,
                note="Replaced by the new multi-agency safeguarding hub's joint working protocol.",
            )
            return
        agency_action_complete(actor=owner, action=action, on=done_on, note="Done.")
        review_action_evidence_record(
            actor=owner,
            action=action,
            evidence=f"{spec.description} Evidence: the updated procedure and a training log.",
        )
        if spec.outcome == "done":
            review_action_sign_off(
                actor=self.coordinator, action=action, on=self.day(published_on + timedelta(days=spec.signed_off))
            )


_RATIONALES: dict[str, str] = {
    Review.Decision.COMMISSION: "The death meets the criteria of the statutory guidance: a review is commissioned.",
    Review.Decision.NOT_COMMISSIONED: "No evidence of domestic abuse by a family or household member or partner: "
    "the criteria are not met.",
    Review.Decision.CHILD_DEATH_REVIEW: "The deceased was 17: the death is reviewed through the child safeguarding "
    "practice review, with the partnership's panel members taking part.",
}


def _users() -> dict[str, User]:
    emails = {demo_email(local_part): slug for slug, local_part in AGENCY_USERS.items()}
    users = User.objects.select_related("agency").prefetch_related("groups").filter(email__in=emails)
    return {emails[user.email]: user for user in users}


@transaction.atomic
def seed(*, minimal: bool, stdout: TextIO) -> None:
    """Unless minimal, the demo reviews at their stages, with recommendations and actions (idempotent)."""
    if minimal:
        return
    existing = set(
        Review.objects.filter(notification_notes__startswith="Demo notification ").values_list(
            "notification_notes", flat=True
        )
    )
    plans = [plan for plan in PLANS if _notes(plan) not in existing]
    if not plans:
        stdout.write(f"Demo reviews: all {len(PLANS)} exist, none new.\n")
        return
    coordinator = User.objects.select_related("agency").prefetch_related("groups").get(email=demo_email(COORDINATOR))
    county = Area.objects.get(slug=DEMO_AREA_SLUG)
    fake = Faker("en_GB")
    fake.seed_instance(DHR_DEMO_SEED)
    builder = _Builder(
        today=timezone.localdate(),
        coordinator=coordinator,
        agencies={agency.slug: agency for agency in Agency.objects.filter(active=True)},
        areas={area.slug: area for area in Area.objects.filter(pk=county.pk) | Area.objects.filter(parent=county)},
        users=_users(),
        stages={stage.code: stage for stage in Stage.objects.filter(active=True)},
        themes={theme.name: theme for theme in LearningTheme.objects.filter(active=True)},
        fake=fake,
        rng=random.Random(DHR_DEMO_SEED),  # noqa: S311 - reproducible demo data, not a secret
    )
    stages: Counter[str] = Counter()
    for plan in sorted(plans, key=lambda plan: -plan.ago):
        review = builder.build(plan)
        stages[review.stage.name] += 1
    summary = ", ".join(f"{count} at {name}" for name, count in stages.most_common())
    extras = ", ".join(f"{count} {name}" for name, count in builder.created.items() if count)
    stdout.write(f"Demo reviews: {len(plans)} new ({summary}); {extras}.\n")
