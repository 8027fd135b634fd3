"""URLs of the referrals API: risk assessments."""

from django.urls import path

from referrals.api import views

urlpatterns = [
    path("risk-assessments/", views.RiskAssessmentListApi.as_view(), name="api-risk-assessment-list"),
    path("risk-assessments/<int:pk>/", views.RiskAssessmentDetailApi.as_view(), name="api-risk-assessment-detail"),
]
