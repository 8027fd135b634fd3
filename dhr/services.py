"""Writes for reviews: the notification, the decision, the panel and its agencies, stage changes (each a
dated event with notes), Individual Management Reviews, the Home Office quality assurance panel, local
approval and publication, recommendations with learning themes and their action plans, and the nightly
notice of reviews passing a target.

DHR coordinators do this work (an API key never does). The agency an action is assigned to updates it
through the shared action services (agencies.services.agency_action_*) and records its evidence here; the
coordinator signs off what is done. Every service is atomic: a refusal writes nothing and names the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from agencies.actors import actor_user
from agencies.models import Agency, Area, Role, User
from cases.models import Case
from cases.selectors import visible_cases
from dhr.models import (
    ImrRequest,
    LearningTheme,
    PanelMembership,
    QaSubmission,
    Recommendation,
    Review,
    ReviewAction,
    Stage,
    StageEvent,
)
from dhr.rules import overdue_targets
from dhr.selectors import is_dhr_coordinator, review_action_get, review_dates, stage_list, stage_targets
from dhr.terminology import review_terms

if TYPE_CHECKING:
    from agencies.actors import Actor

# The stages the services move a review to by themselves (codes of the default stages: docs/dhr.md).
DECISION_STAGE = "decision"
AFTER_DECISION_STAGE = "panel_setup"
LOCAL_APPROVAL_STAGE = "local_approval"
QA_STAGE = "home_office_qa"
REVISIONS_STAGE = "overview_report"
PUBLICATION_STAGE = "publication"
ACTION_PLAN_STAGE = "action_plan"
FINAL_STAGE = "closed"


def _require_coordinator(actor: Actor | Any, message: str = "Only a DHR coordinator does this.") -> None:
    if not is_dhr_coordinator(actor):
        raise PermissionDenied(message)


def _stage(code: str) -> Stage:
    stage = Stage.objects.filter(code=code, active=True).first()
    if stage is None:
        raise ValidationError({NON_FIELD_ERRORS: [f"The stage {code!r} is not configured; ask an administrator."]})
    return stage


def _locked(review: Review) -> Review:
    return Review.objects.select_for_update(of=("self",)).select_related("stage").get(pk=review.pk)


def _check_day(on: date, *, field: str, not_before: date | None = None, before_what: str = "") -> None:
    if on > timezone.localdate():
        raise ValidationError({field: ["The date cannot be in the future."]})
    if not_before is not None and on < not_before:
        raise ValidationError({field: [f"The date cannot be before {before_what}."]})


def _enter(review: Review, stage: Stage, *, on: date, notes: str, actor: Actor | Any) -> None:
    """Move a (locked) review into a stage on a day, with a timeline event."""
    review.stage = stage
    review.stage_entered_on = on
    review.updated_by = actor_user(actor)
    review.save()
    StageEvent.objects.create(
        review=review, stage=stage, entered_on=on, notes=notes.strip(), recorded_by=actor_user(actor)
    )


def _reference(notified_on: date) -> str:
    """The next reference of the year, e.g. DHR-2026-03 (or DARDR-...), counting the year's reviews."""
    prefix = f"{review_terms().short}-{notified_on.year}-"
    taken = Review.objects.filter(reference__startswith=prefix).count()
    number = taken + 1
    while Review.objects.filter(reference=f"{prefix}{number:02d}").exists():
        number += 1
    return f"{prefix}{number:02d}"


@transaction.atomic
def review_notify(
    *,
    actor: Actor | Any,
    deceased_gender: str,
    deceased_age_band: str,
    relationship: str,
    death_type: str,
    date_of_death: date,
    notified_on: date,
    notified_by: Agency,
    community_safety_partnership: Area,
    notes: str = "",
    criminal_proceedings_pending: bool = False,
    case: Case | None = None,
) -> Review:
    """Record the notification of a death that may meet the criteria: the review starts at the first stage."""
    _require_coordinator(actor, "Only a DHR coordinator records a notification.")
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if date_of_death > today:
        errors["date_of_death"] = ["The date of death cannot be in the future."]
    if notified_on > today:
        errors["notified_on"] = ["The date cannot be in the future."]
    elif notified_on < date_of_death:
        errors["notified_on"] = ["The notification cannot be before the death."]
    if case is not None and not visible_cases(actor).filter(pk=case.pk).exists():
        errors["case"] = ["No case with this reference that you can see."]
    if errors:
        raise ValidationError(errors)
    stages = stage_list()
    if not stages:
        raise ValidationError({NON_FIELD_ERRORS: ["No review stages are configured; ask an administrator."]})
    by = actor_user(actor)
    review = Review(
        reference=_reference(notified_on),
        deceased_gender=deceased_gender,
        deceased_age_band=deceased_age_band,
        relationship=relationship,
        death_type=death_type,
        date_of_death=date_of_death,
        notified_on=notified_on,
        notified_by=notified_by,
        notification_notes=notes.strip(),
        community_safety_partnership=community_safety_partnership,
        criminal_proceedings_pending=criminal_proceedings_pending,
        case=case,
        stage=stages[0],
        stage_entered_on=notified_on,
        created_by=by,
        updated_by=by,
    )
    review.full_clean()
    review.save()
    StageEvent.objects.create(
        review=review, stage=stages[0], entered_on=notified_on, notes=notes.strip() or "Notified.", recorded_by=by
    )
    return review


@transaction.atomic
def review_update(
    *,
    actor: Actor | Any,
    review: Review,
    independent_chair: str,
    author: str,
    criminal_proceedings_pending: bool,
    case: Case | None = None,
    keep_case: bool = True,
) -> Review:
    """Change a review's chair, author, criminal proceedings and link to the victim's case. The link can be
    set only to a case the coordinator may see; `keep_case` leaves a link the coordinator cannot see as it is."""
    _require_coordinator(actor)
    review = _locked(review)
    if case is not None and not visible_cases(actor).filter(pk=case.pk).exists():
        raise ValidationError({"case": ["No case with this reference that you can see."]})
    review.independent_chair = independent_chair.strip()
    review.author = author.strip()
    review.criminal_proceedings_pending = criminal_proceedings_pending
    if case is not None or not keep_case:
        review.case = case
    review.updated_by = actor_user(actor)
    review.save()
    return review


@transaction.atomic
def review_decide(
    *,
    actor: Actor | Any,
    review: Review,
    decision: str,
    on: date,
    rationale: str,
    home_office_informed_on: date | None = None,
) -> Review:
    """The Community Safety Partnership's decision, with its date and rationale (the Home Office is informed).
    A commissioned review moves on to appointing the chair and panel; one not commissioned, or reviewed as
    a child death instead, is closed."""
    _require_coordinator(actor, "Only a DHR coordinator records the decision.")
    review = _locked(review)
    errors: dict[str, list[str]] = {}
    if review.decision != Review.Decision.PENDING:
        errors[NON_FIELD_ERRORS] = ["The decision has been recorded already."]
    if decision not in Review.Decision.values or decision == Review.Decision.PENDING:
        errors["decision"] = ["Choose whether a review is commissioned."]
    if not rationale.strip():
        errors["rationale"] = ["Give the rationale for the decision."]
    try:
        _check_day(on, field="on", not_before=review.stage_entered_on, before_what="the review's current stage began")
    except ValidationError as error:
        errors.update(error.message_dict)
    if home_office_informed_on is not None and (
        home_office_informed_on < on or home_office_informed_on > timezone.localdate()
    ):
        errors["home_office_informed_on"] = [
            "The Home Office is informed on or after the decision, and not in the future."
        ]
    if errors:
        raise ValidationError(errors)
    review.decision = decision
    review.decision_on = on
    review.decision_rationale = rationale.strip()
    review.home_office_informed_on = home_office_informed_on
    label = Review.Decision(decision).label
    next_stage = _stage(AFTER_DECISION_STAGE if decision == Review.Decision.COMMISSION else FINAL_STAGE)
    _enter(review, next_stage, on=on, notes=f"Decision: {label}. {rationale.strip()}", actor=actor)
    return review


@transaction.atomic
def review_stage_move(*, actor: Actor | Any, review: Review, stage: Stage, on: date, notes: str = "") -> Review:
    """Move a review to another stage on a day, with notes (a dated event on its timeline). A review not
    commissioned cannot go past the decision; stages before the decision cannot be re-entered after it."""
    _require_coordinator(actor)
    review = _locked(review)
    errors: dict[str, list[str]] = {}
    if stage.pk == review.stage_id:
        errors["stage"] = [f"The review is already at {stage.name}."]
    elif not stage.active:
        errors["stage"] = [f"{stage.name} is no longer a stage."]
    decision_stage = Stage.objects.filter(code=DECISION_STAGE).first()
    decision_position = decision_stage.position if decision_stage else 0
    if "stage" not in errors and not stage.is_final:
        if review.decision == Review.Decision.PENDING and stage.position > decision_position:
            errors["stage"] = ["Record the decision to commission a review first."]
        elif review.decision not in (Review.Decision.PENDING, Review.Decision.COMMISSION):
            errors["stage"] = ["No review was commissioned: the review is closed."]
        elif review.decision == Review.Decision.COMMISSION and stage.position <= decision_position:
            errors["stage"] = ["The decision has been made: the review cannot go back before it."]
    try:
        _check_day(on, field="on", not_before=review.stage_entered_on, before_what="the review's current stage began")
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    _enter(review, stage, on=on, notes=notes, actor=actor)
    return review


@transaction.atomic
def panel_membership_set(
    *, actor: Actor | Any, review: Review, agency: Agency, representative: str = "", member: bool = True
) -> PanelMembership | None:
    """Put an agency on a review's panel (or take it off): its users then see the review."""
    _require_coordinator(actor)
    if not member:
        PanelMembership.objects.filter(review=review, agency=agency).delete()
        return None
    if not agency.active:
        raise ValidationError({"agency": [f"{agency.name} is no longer active."]})
    by = actor_user(actor)
    membership, _ = PanelMembership.objects.update_or_create(
        review=review,
        agency=agency,
        defaults={"representative": representative.strip(), "updated_by": by},
        create_defaults={"representative": representative.strip(), "created_by": by, "updated_by": by},
    )
    return membership


@transaction.atomic
def imr_request(*, actor: Actor | Any, review: Review, agency: Agency, requested_on: date, due_on: date) -> ImrRequest:
    """Ask an agency for its Individual Management Review, by a day; the agency joins the panel."""
    _require_coordinator(actor)
    review = _locked(review)
    errors: dict[str, list[str]] = {}
    if requested_on > timezone.localdate():
        errors["requested_on"] = ["The date cannot be in the future."]
    elif (
        review.decision != Review.Decision.COMMISSION or review.decision_on is None or requested_on < review.decision_on
    ):
        errors["requested_on"] = ["IMRs are requested once the review is commissioned."]
    if due_on < requested_on:
        errors["due_on"] = ["The IMR cannot be due before it was requested."]
    if ImrRequest.objects.filter(review=review, agency=agency).exists():
        errors["agency"] = [f"An IMR has been requested of {agency.name} already."]
    if errors:
        raise ValidationError(errors)
    by = actor_user(actor)
    imr = ImrRequest.objects.create(
        review=review, agency=agency, requested_on=requested_on, due_on=due_on, created_by=by, updated_by=by
    )
    if not PanelMembership.objects.filter(review=review, agency=agency).exists():
        PanelMembership.objects.create(review=review, agency=agency, created_by=by, updated_by=by)
    return imr


@transaction.atomic
def imr_receive(*, actor: Actor | Any, imr: ImrRequest, received_on: date) -> ImrRequest:
    """Record an IMR received."""
    _require_coordinator(actor)
    imr = ImrRequest.objects.select_for_update().get(pk=imr.pk)
    if imr.received_on is not None:
        raise ValidationError({NON_FIELD_ERRORS: ["This IMR has been received already."]})
    _check_day(received_on, field="received_on", not_before=imr.requested_on, before_what="it was requested")
    imr.received_on = received_on
    imr.updated_by = actor_user(actor)
    imr.save()
    return imr


@transaction.atomic
def qa_submit(*, actor: Actor | Any, review: Review, submitted_on: date, notes: str = "") -> QaSubmission:
    """Submit the overview report to the Home Office Quality Assurance Panel (again, after revisions): the
    review moves to the QA stage. Local approval comes first."""
    _require_coordinator(actor)
    review = _locked(review)
    if review.decision != Review.Decision.COMMISSION:
        raise ValidationError({NON_FIELD_ERRORS: ["Only a commissioned review goes to the Home Office."]})
    if review.local_approval_on is None:
        raise ValidationError({NON_FIELD_ERRORS: ["Record the local approval before submitting."]})
    if QaSubmission.objects.filter(review=review, feedback="").exists():
        raise ValidationError({NON_FIELD_ERRORS: ["The last submission is still awaiting feedback."]})
    if QaSubmission.objects.filter(review=review, feedback=QaSubmission.Feedback.ACCEPTED).exists():
        raise ValidationError({NON_FIELD_ERRORS: ["The Home Office has accepted the report already."]})
    _check_day(
        submitted_on, field="submitted_on", not_before=review.stage_entered_on, before_what="the current stage began"
    )
    by = actor_user(actor)
    submission = QaSubmission.objects.create(review=review, submitted_on=submitted_on, created_by=by, updated_by=by)
    again = QaSubmission.objects.filter(review=review).count() > 1
    text = "Resubmitted to the Home Office after revisions." if again else "Submitted to the Home Office."
    _enter(review, _stage(QA_STAGE), on=submitted_on, notes=f"{text} {notes}".strip(), actor=actor)
    return submission


@transaction.atomic
def qa_feedback_record(
    *, actor: Actor | Any, submission: QaSubmission, feedback: str, on: date, notes: str = ""
) -> QaSubmission:
    """The Home Office panel's feedback: accepted (the review moves to publication) or revisions requested
    (it goes back to the overview report, for resubmission)."""
    _require_coordinator(actor)
    submission = QaSubmission.objects.select_for_update().get(pk=submission.pk)
    review = _locked(submission.review)
    errors: dict[str, list[str]] = {}
    if submission.feedback:
        errors[NON_FIELD_ERRORS] = ["Feedback on this submission has been recorded already."]
    if feedback not in (QaSubmission.Feedback.ACCEPTED, QaSubmission.Feedback.REVISIONS_REQUESTED):
        errors["feedback"] = ["Choose accepted or revisions requested."]
    elif feedback == QaSubmission.Feedback.REVISIONS_REQUESTED and not notes.strip():
        errors["notes"] = ["Say what revisions the panel asked for."]
    try:
        _check_day(on, field="on", not_before=submission.submitted_on, before_what="the submission")
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    submission.feedback = feedback
    submission.feedback_on = on
    submission.feedback_notes = notes.strip()
    submission.updated_by = actor_user(actor)
    submission.save()
    if feedback == QaSubmission.Feedback.ACCEPTED:
        _enter(
            review, _stage(PUBLICATION_STAGE), on=on, notes=f"Accepted by the Home Office. {notes}".strip(), actor=actor
        )
    else:
        _enter(
            review,
            _stage(REVISIONS_STAGE),
            on=on,
            notes=f"Home Office asked for revisions: {notes.strip()}",
            actor=actor,
        )
    return submission


@transaction.atomic
def local_approval_record(*, actor: Actor | Any, review: Review, on: date) -> Review:
    """The overview report approved locally (by the Community Safety Partnership): the review is at local
    approval until it is submitted to the Home Office (the completion target: six months from the
    decision)."""
    _require_coordinator(actor)
    review = _locked(review)
    if review.decision != Review.Decision.COMMISSION:
        raise ValidationError({NON_FIELD_ERRORS: ["Only a commissioned review is approved."]})
    if review.local_approval_on is not None:
        raise ValidationError({NON_FIELD_ERRORS: ["The report has been approved locally already."]})
    _check_day(on, field="on", not_before=review.stage_entered_on, before_what="the review's current stage began")
    review.local_approval_on = on
    stage = _stage(LOCAL_APPROVAL_STAGE)
    if review.stage_id == stage.pk:
        review.updated_by = actor_user(actor)
        review.save()
        StageEvent.objects.create(
            review=review, stage=stage, entered_on=on, notes="Approved locally.", recorded_by=actor_user(actor)
        )
    else:
        _enter(review, stage, on=on, notes="Approved locally.", actor=actor)
    return review


@transaction.atomic
def review_publish(*, actor: Actor | Any, review: Review, published_on: date, url: str) -> Review:
    """Publication, with its date and link; the review moves on to its action plan."""
    _require_coordinator(actor)
    review = _locked(review)
    if not QaSubmission.objects.filter(review=review, feedback=QaSubmission.Feedback.ACCEPTED).exists():
        raise ValidationError({NON_FIELD_ERRORS: ["The Home Office has not accepted the report yet."]})
    if not url.strip():
        raise ValidationError({"url": ["Give the link to the published report."]})
    try:
        URLValidator(schemes=["http", "https"])(url.strip())
    except ValidationError:
        raise ValidationError({"url": ["Enter the full link, starting https://."]}) from None
    _check_day(
        published_on, field="published_on", not_before=review.stage_entered_on, before_what="the current stage began"
    )
    review.published_on = published_on
    review.publication_url = url.strip()
    review.full_clean(exclude=["stage", "notified_by", "community_safety_partnership", "case", "reference"])
    _enter(review, _stage(ACTION_PLAN_STAGE), on=published_on, notes="Published.", actor=actor)
    return review


# --- Recommendations and the action plan ---------------------------------------------------------------


@transaction.atomic
def recommendation_add(
    *, actor: Actor | Any, review: Review, text: str, themes: Iterable[LearningTheme] = ()
) -> Recommendation:
    """Add the review's next recommendation, tagged with learning themes."""
    _require_coordinator(actor)
    review = _locked(review)
    if review.decision != Review.Decision.COMMISSION:
        raise ValidationError({NON_FIELD_ERRORS: ["Only a commissioned review makes recommendations."]})
    if not text.strip():
        raise ValidationError({"text": ["Enter the recommendation."]})
    inactive = [theme.name for theme in themes if not theme.active]
    if inactive:
        raise ValidationError({"themes": [f"No longer a learning theme: {', '.join(inactive)}."]})
    number = (Recommendation.objects.filter(review=review).aggregate(last=Max("number"))["last"] or 0) + 1
    by = actor_user(actor)
    recommendation = Recommendation.objects.create(
        review=review, number=number, text=text.strip(), created_by=by, updated_by=by
    )
    recommendation.themes.set(list(themes))
    return recommendation


@transaction.atomic
def recommendation_update(
    *, actor: Actor | Any, recommendation: Recommendation, text: str, themes: Iterable[LearningTheme]
) -> Recommendation:
    _require_coordinator(actor)
    if not text.strip():
        raise ValidationError({"text": ["Enter the recommendation."]})
    themes = list(themes)
    # A theme retired since it was tagged may stay; it cannot be newly added.
    kept = set(recommendation.themes.values_list("pk", flat=True))
    inactive = [theme.name for theme in themes if not theme.active and theme.pk not in kept]
    if inactive:
        raise ValidationError({"themes": [f"No longer a learning theme: {', '.join(inactive)}."]})
    recommendation.text = text.strip()
    recommendation.updated_by = actor_user(actor)
    recommendation.save()
    recommendation.themes.set(themes)
    return recommendation


@transaction.atomic
def review_action_add(
    *,
    actor: Actor | Any,
    recommendation: Recommendation,
    assigned_agency: Agency,
    lead: str,
    description: str,
    due_on: date,
) -> ReviewAction:
    """Add an action to a recommendation's plan: the owning agency, its lead and the target date."""
    _require_coordinator(actor)
    errors: dict[str, list[str]] = {}
    if not description.strip():
        errors["description"] = ["Say what the agency is to do."]
    if not lead.strip():
        errors["lead"] = ["Name the lead in the owning agency."]
    if not assigned_agency.active:
        errors["assigned_agency"] = [f"{assigned_agency.name} is no longer active."]
    if due_on < timezone.localdate(recommendation.created_at):
        errors["due_on"] = ["The target date cannot be before the recommendation was made."]
    if errors:
        raise ValidationError(errors)
    by = actor_user(actor)
    action = ReviewAction(
        recommendation=recommendation,
        assigned_agency=assigned_agency,
        lead=lead.strip(),
        description=description.strip(),
        due_on=due_on,
        created_by=by,
        updated_by=by,
    )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def review_action_evidence_record(*, actor: Actor | Any, action: ReviewAction, evidence: str) -> ReviewAction:
    """The owning agency records the evidence that the action is delivered."""
    action = review_action_get(actor=actor, pk=action.pk)
    if action.assigned_agency_id != actor.agency.pk:
        raise PermissionDenied("Only the agency the action is assigned to records its evidence.")
    if not evidence.strip():
        raise ValidationError({"evidence": ["Describe the evidence."]})
    if action.signed_off_on is not None:
        raise ValidationError({NON_FIELD_ERRORS: ["The action has been signed off."]})
    ReviewAction.objects.filter(pk=action.pk).update(
        evidence=evidence.strip(), updated_by=actor_user(actor), updated_at=timezone.now()
    )
    action.refresh_from_db()
    return action


@transaction.atomic
def review_action_sign_off(*, actor: Actor | Any, action: ReviewAction, on: date) -> ReviewAction:
    """The coordinator signs off an action the agency has done, with its evidence."""
    _require_coordinator(actor, "Only a DHR coordinator signs actions off.")
    action = ReviewAction.objects.select_for_update().get(pk=action.pk)
    errors: dict[str, list[str]] = {}
    if action.status != ReviewAction.Status.DONE:
        errors[NON_FIELD_ERRORS] = ["Only an action that is done is signed off."]
    elif action.signed_off_on is not None:
        errors[NON_FIELD_ERRORS] = ["The action has been signed off already."]
    elif not action.evidence:
        errors[NON_FIELD_ERRORS] = ["The owning agency has not recorded evidence yet."]
    else:
        try:
            _check_day(on, field="on", not_before=action.completed_on, before_what="the action was done")
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    action.signed_off_on = on
    action.signed_off_by = actor_user(actor)
    action.updated_by = actor_user(actor)
    action.save()
    return action


# --- The nightly notice --------------------------------------------------------------------------------


@transaction.atomic
def reviews_overdue_notify(*, today: date | None = None) -> int:
    """Nightly: email the DHR coordinators the reviews that have passed a target since they were last told
    (each target once: running it again the same day, or the next, sends nothing new). Returns how many
    reviews were in the email. The email names the review's reference and stage, not the deceased.

    The reviews are marked as told in the same transaction as the email is sent: if sending fails, nothing
    is marked and the next run (or the task's retry) tells them; a run alongside waits on the marked rows
    and then finds them told."""
    today = today or timezone.localdate()
    stages = stage_list()
    targets = stage_targets(stages)
    position = {stage.pk: stage.position for stage in stages}
    names = {stage.code: stage.name for stage in stages}
    newly: list[tuple[Review, str, str]] = []
    for review in Review.objects.filter(stage__is_final=False).select_related("stage").order_by("notified_on", "pk"):
        if review.stage_id not in position:
            continue
        overdue = overdue_targets(targets, review_dates(review, position[review.stage_id]), today=today)
        if not overdue:
            continue
        # The latest target passed: a review already late for one target that passes another is told again.
        latest = overdue[-1]
        key = f"{latest.stage_code}:{latest.due_on.isoformat()}"
        if review.overdue_notified == key:
            continue
        updated = Review.objects.filter(pk=review.pk).exclude(overdue_notified=key).update(overdue_notified=key)
        if updated:
            newly.append((review, names.get(latest.stage_code, latest.stage_code), latest.due_on.isoformat()))
    if not newly:
        return 0
    recipients = list(
        User.objects.filter(groups__name=Role.DHR_COORDINATOR, is_active=True)
        .values_list("email", flat=True)
        .distinct()
    )
    if recipients:
        terms = review_terms()
        lines = [
            f"- {review.reference}: {stage} was due by {due} (now at {review.stage.name})"
            for review, stage, due in newly
        ]
        send_mail(
            subject=f"{len(newly)} {terms.short}{'s' if len(newly) != 1 else ''} past a target",
            message=f"These {terms.plural} have passed a target:\n\n" + "\n".join(lines),
            from_email=None,
            recipient_list=recipients,
        )
    return len(newly)
