"""URLs of the referrals pages: the case page, recording risk assessments, and routing results."""

from django.urls import path

from referrals import views

urlpatterns = [
    path("cases/<int:pk>/", views.case_detail_view, name="case-detail"),
    path(
        "cases/<int:case_pk>/risk-assessments/new/",
        views.dash_create_view,
        name="risk-assessment-create",
    ),
    path(
        "cases/<int:case_pk>/risk-assessments/external/",
        views.external_grade_create_view,
        name="risk-assessment-external",
    ),
    path("risk-assessments/<int:pk>/", views.risk_assessment_detail_view, name="risk-assessment-detail"),
]
