"""URLs of the reviews API: reviews, recommendations, and the action-plan actions with the owning agency's
steps on them."""

from django.urls import path

from dhr.api import views

urlpatterns = [
    path("reviews/", views.ReviewListApi.as_view(), name="api-dhr-review-list"),
    path("reviews/<int:pk>/", views.ReviewDetailApi.as_view(), name="api-dhr-review-detail"),
    path("recommendations/", views.RecommendationListApi.as_view(), name="api-dhr-recommendation-list"),
    path("recommendations/<int:pk>/", views.RecommendationDetailApi.as_view(), name="api-dhr-recommendation-detail"),
    path("actions/", views.ReviewActionListApi.as_view(), name="api-dhr-action-list"),
    path("actions/<int:pk>/", views.ReviewActionDetailApi.as_view(), name="api-dhr-action-detail"),
    path("actions/<int:pk>/update/", views.ReviewActionUpdateApi.as_view(), name="api-dhr-action-update"),
    path("actions/<int:pk>/complete/", views.ReviewActionCompleteApi.as_view(), name="api-dhr-action-complete"),
    path("actions/<int:pk>/not-done/", views.ReviewActionNotDoneApi.as_view(), name="api-dhr-action-not-done"),
    path("actions/<int:pk>/evidence/", views.ReviewActionEvidenceApi.as_view(), name="api-dhr-action-evidence"),
]
