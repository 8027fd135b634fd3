"""URLs of the review pages."""

from django.urls import path

from dhr.views import actions, reviews

urlpatterns = [
    # The tracker and each review (views/reviews.py).
    path("dhr/reviews/", reviews.review_list_view, name="dhr-review-list"),
    path("dhr/reviews/notify/", reviews.review_notify_view, name="dhr-review-notify"),
    path("dhr/reviews/<int:pk>/", reviews.review_detail_view, name="dhr-review-detail"),
    path("dhr/reviews/<int:pk>/decision/", reviews.review_decide_view, name="dhr-review-decide"),
    path("dhr/reviews/<int:pk>/stage/", reviews.review_stage_view, name="dhr-review-stage"),
    path("dhr/reviews/<int:pk>/edit/", reviews.review_edit_view, name="dhr-review-edit"),
    path("dhr/reviews/<int:pk>/imrs/", reviews.review_imrs_view, name="dhr-review-imrs"),
    path("dhr/reviews/<int:pk>/qa/", reviews.review_qa_view, name="dhr-review-qa"),
    path("dhr/reviews/<int:pk>/recommendations/add/", reviews.recommendation_add_view, name="dhr-recommendation-add"),
    path("dhr/recommendations/<int:pk>/actions/add/", reviews.review_action_add_view, name="dhr-action-add"),
    # The action plans: each agency's actions (views/actions.py).
    path("dhr/actions/", actions.agency_actions_view, name="dhr-agency-actions"),
    path("dhr/actions/<int:pk>/", actions.action_update_view, name="dhr-action-update"),
]
