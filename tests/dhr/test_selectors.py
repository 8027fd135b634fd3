"""Who sees which reviews, recommendations and actions: coordinators and partnership administrators see
all; a panel agency (any role, or its API key) sees the reviews it sits on; an action's agency sees its
actions and their recommendations, not the review; anyone else nothing. Lists keep a constant query count."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.http import Http404

from agencies.actors import ApiKeyActor
from agencies.models import Agency, Role, User
from dhr.models import PanelMembership, Recommendation, Review, ReviewAction
from dhr.selectors import (
    linked_case_visible,
    recommendation_get,
    recommendation_list,
    review_action_get,
    review_action_list,
    review_detail,
    review_get,
    review_list,
    review_list_with_progress,
    sees_every_review,
    visible_reviews,
)
from dhr.services import panel_membership_set, review_decide, review_update
from tests.factories.agencies import AgencyFactory, UserFactory, api_key_for
from tests.factories.cases import make_case
from tests.factories.dhr import commissioned_review, dhr_coordinator, notified_review, recommendation_with_action

pytestmark = pytest.mark.django_db


@dataclass
class Reviews:
    """Two reviews: `on_panel` with the panel agency on it and an action for the action agency; `other` with
    an action for the panel agency's neighbour. And the people around them."""

    coordinator: User
    admin: User
    panel_agency: Agency
    action_agency: Agency
    on_panel: Review
    other: Review
    recommendation: Recommendation
    action: ReviewAction
    other_recommendation: Recommendation
    other_action: ReviewAction


@pytest.fixture
def reviews() -> Reviews:
    coordinator = dhr_coordinator()
    panel_agency = AgencyFactory(kind=Agency.Kind.POLICE)
    action_agency = AgencyFactory(kind=Agency.Kind.HEALTH)
    on_panel = commissioned_review(coordinator)
    other = commissioned_review(coordinator)
    panel_membership_set(actor=coordinator, review=on_panel, agency=panel_agency)
    recommendation, action = recommendation_with_action(coordinator, on_panel, agency=action_agency)
    other_recommendation, other_action = recommendation_with_action(coordinator, other)
    return Reviews(
        coordinator=coordinator,
        admin=UserFactory(roles=[Role.PARTNERSHIP_ADMIN]),
        panel_agency=panel_agency,
        action_agency=action_agency,
        on_panel=on_panel,
        other=other,
        recommendation=recommendation,
        action=action,
        other_recommendation=other_recommendation,
        other_action=other_action,
    )


def pks(queryset) -> set[int]:
    return {row.pk for row in queryset}


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_coordinators_and_partnership_admins_see_every_review(reviews, who):
    """Coordinators and administrators see every review, recommendation and action."""
    actor = getattr(reviews, who)
    assert sees_every_review(actor)
    assert pks(review_list(actor=actor)) == {reviews.on_panel.pk, reviews.other.pk}
    assert review_get(actor=actor, pk=reviews.other.pk) == reviews.other
    assert review_detail(actor=actor, pk=reviews.on_panel.pk) == reviews.on_panel
    assert pks(recommendation_list(actor=actor)) == {reviews.recommendation.pk, reviews.other_recommendation.pk}
    assert pks(review_action_list(actor=actor)) == {reviews.action.pk, reviews.other_action.pk}


@pytest.mark.parametrize(
    "role", [Role.AGENCY_REP, Role.IDVA, Role.IDVA_MANAGER, Role.MARAC_COORDINATOR, Role.PANEL_MEMBER, Role.ANALYST]
)
def test_a_panel_agency_user_sees_only_the_reviews_it_sits_on(reviews, role):
    """A user of a panel agency, with any role, sees that review and nothing else: the other is 404."""
    user = UserFactory(agency=reviews.panel_agency, roles=[role])
    assert not sees_every_review(user)
    assert pks(review_list(actor=user)) == {reviews.on_panel.pk}
    assert review_get(actor=user, pk=reviews.on_panel.pk) == reviews.on_panel
    assert review_detail(actor=user, pk=reviews.on_panel.pk) == reviews.on_panel
    with pytest.raises(Http404):
        review_get(actor=user, pk=reviews.other.pk)
    with pytest.raises(Http404):
        review_detail(actor=user, pk=reviews.other.pk)
    # The recommendations of its review; no actions of its own.
    assert pks(recommendation_list(actor=user)) == {reviews.recommendation.pk}
    assert pks(review_action_list(actor=user)) == set()
    with pytest.raises(Http404):
        recommendation_get(actor=user, pk=reviews.other_recommendation.pk)


def test_a_panel_agency_api_key_sees_the_reviews_it_sits_on(reviews):
    """The panel agency's system sees the same as its users."""
    key = ApiKeyActor(api_key_for(reviews.panel_agency)[0])
    assert pks(review_list(actor=key)) == {reviews.on_panel.pk}
    with pytest.raises(Http404):
        review_get(actor=key, pk=reviews.other.pk)


def test_leaving_the_panel_hides_the_review(reviews):
    """An agency taken off the panel no longer sees the review."""
    user = UserFactory(agency=reviews.panel_agency, roles=[Role.AGENCY_REP])
    panel_membership_set(actor=reviews.coordinator, review=reviews.on_panel, agency=reviews.panel_agency, member=False)
    assert pks(review_list(actor=user)) == set()
    with pytest.raises(Http404):
        review_get(actor=user, pk=reviews.on_panel.pk)


@pytest.mark.parametrize("by_key", [False, True])
def test_an_action_agency_sees_its_actions_and_their_recommendations_not_the_review(reviews, by_key):
    """The agency an action is assigned to sees the action and its recommendation (with only its own
    actions), but not the review, which is 404."""
    other_action_same_recommendation = ReviewAction.objects.create(
        recommendation=reviews.recommendation,
        assigned_agency=AgencyFactory(),
        lead="Someone else",
        description="Another agency's action.",
        due_on=reviews.action.due_on,
    )
    actor = (
        ApiKeyActor(api_key_for(reviews.action_agency)[0])
        if by_key
        else UserFactory(agency=reviews.action_agency, roles=[Role.AGENCY_REP])
    )
    assert pks(review_action_list(actor=actor)) == {reviews.action.pk}
    assert review_action_get(actor=actor, pk=reviews.action.pk) == reviews.action
    with pytest.raises(Http404):
        review_action_get(actor=actor, pk=reviews.other_action.pk)
    with pytest.raises(Http404):
        review_action_get(actor=actor, pk=other_action_same_recommendation.pk)
    (recommendation,) = recommendation_list(actor=actor)
    assert recommendation == reviews.recommendation
    assert [action.pk for action in recommendation.actions.all()] == [reviews.action.pk]
    assert recommendation_get(actor=actor, pk=reviews.recommendation.pk) == reviews.recommendation
    assert pks(review_list(actor=actor)) == set()
    with pytest.raises(Http404):
        review_get(actor=actor, pk=reviews.on_panel.pk)


def test_a_coordinator_sees_every_action_of_a_recommendation(reviews):
    """The coordinator sees all the actions of a recommendation."""
    ReviewAction.objects.create(
        recommendation=reviews.recommendation,
        assigned_agency=AgencyFactory(),
        lead="Someone else",
        description="Another agency's action.",
        due_on=reviews.action.due_on,
    )
    recommendation = recommendation_get(actor=reviews.coordinator, pk=reviews.recommendation.pk)
    assert len(recommendation.actions.all()) == 2


def test_someone_with_no_role_or_another_agency_sees_nothing(reviews):
    """A user of the panel agency with no role, a user of another agency, an inactive coordinator, or a
    user of an inactive panel agency, sees no review, recommendation or action."""
    inactive_agency = AgencyFactory(active=False)
    panel_membership_set(actor=reviews.coordinator, review=reviews.other, agency=AgencyFactory())
    actors = [
        UserFactory(agency=reviews.panel_agency),
        UserFactory(agency=reviews.action_agency),
        UserFactory(roles=[Role.AGENCY_REP]),
        dhr_coordinator(is_active=False),
        UserFactory(agency=inactive_agency, roles=[Role.AGENCY_REP]),
    ]
    PanelMembership.objects.create(review=reviews.other, agency=inactive_agency)
    for actor in actors:
        assert pks(visible_reviews(actor)) == set()
        assert pks(recommendation_list(actor=actor)) == set()
        assert pks(review_action_list(actor=actor)) == set()
        with pytest.raises(Http404):
            review_get(actor=actor, pk=reviews.on_panel.pk)


def test_linked_case_is_shown_only_to_those_who_may_see_it(reviews):
    """The victim's case linked to a review is given only to a viewer who can see the case; others get
    None, not a hint."""
    police_officer = UserFactory(agency=reviews.panel_agency, roles=[Role.AGENCY_REP])
    case = make_case(police_officer)
    linker = UserFactory(agency=reviews.panel_agency, roles=[Role.DHR_COORDINATOR, Role.AGENCY_REP])
    review_update(
        actor=linker,
        review=reviews.on_panel,
        independent_chair="",
        author="",
        criminal_proceedings_pending=False,
        case=case,
    )
    reviews.on_panel.refresh_from_db()
    assert linked_case_visible(actor=police_officer, review=reviews.on_panel) == case
    assert linked_case_visible(actor=reviews.coordinator, review=reviews.on_panel) is None
    assert linked_case_visible(actor=reviews.admin, review=reviews.on_panel) is None
    assert linked_case_visible(actor=UserFactory(roles=[Role.AGENCY_REP]), review=reviews.on_panel) is None
    assert linked_case_visible(actor=police_officer, review=reviews.other) is None


def test_review_list_filters(reviews):
    """Stage and open filters; the open action count."""
    coordinator = reviews.coordinator
    closed = notified_review(coordinator)
    review_decide(actor=coordinator, review=closed, decision="not_commissioned", on=closed.notified_on, rationale="No.")
    assert pks(review_list(actor=coordinator, is_open=True)) == {reviews.on_panel.pk, reviews.other.pk}
    assert pks(review_list(actor=coordinator, is_open=False)) == {closed.pk}
    assert pks(review_list(actor=coordinator, stage=reviews.on_panel.stage)) == {reviews.on_panel.pk, reviews.other.pk}
    counts = {review.pk: review.open_actions for review in review_list(actor=coordinator)}
    assert counts == {reviews.on_panel.pk: 1, reviews.other.pk: 1, closed.pk: 0}


def add_rows(coordinator: User, panel_agency: Agency, action_agency: Agency, n: int) -> None:
    for _ in range(n):
        review = commissioned_review(coordinator)
        panel_membership_set(actor=coordinator, review=review, agency=panel_agency)
        for _ in range(2):
            recommendation_with_action(coordinator, review, agency=action_agency)


@pytest.mark.parametrize("who", ["coordinator", "panel", "action", "key"])
def test_list_query_counts_are_constant_as_rows_grow(reviews, django_assert_num_queries, who):
    """review_list (1 query), review_list_with_progress (2), review_action_list (1) and recommendation_list
    (3: with themes and actions) do not grow with rows."""
    actor = {
        "coordinator": reviews.coordinator,
        "panel": UserFactory(agency=reviews.panel_agency, roles=[Role.AGENCY_REP]),
        "action": UserFactory(agency=reviews.action_agency, roles=[Role.AGENCY_REP]),
        "key": ApiKeyActor(api_key_for(reviews.action_agency)[0]),
    }[who]
    sees_every_review(actor)  # the user's roles, read once per request

    def read_all() -> list[int]:
        sizes = []
        with django_assert_num_queries(1):
            sizes.append(len(list(review_list(actor=actor))))
        with django_assert_num_queries(2):
            sizes.append(len(review_list_with_progress(actor=actor)))
        with django_assert_num_queries(1):
            sizes.append(len(list(review_action_list(actor=actor))))
        with django_assert_num_queries(3):
            recommendations = list(recommendation_list(actor=actor))
            for recommendation in recommendations:
                list(recommendation.themes.all())
                list(recommendation.actions.all())
            sizes.append(len(recommendations))
        return sizes

    few = read_all()
    add_rows(reviews.coordinator, reviews.panel_agency, reviews.action_agency, 3)
    many = read_all()
    assert sum(many) > sum(few)
    assert all(after > before for before, after in zip(few, many, strict=True) if before)
