"""URLs of the referrals API: risk assessments, referrals and their workflow steps, recording incidents."""

from django.urls import path

from referrals.api import views

urlpatterns = [
    path("risk-assessments/", views.RiskAssessmentListApi.as_view(), name="api-risk-assessment-list"),
    path("risk-assessments/<int:pk>/", views.RiskAssessmentDetailApi.as_view(), name="api-risk-assessment-detail"),
    path("referrals/", views.ReferralListApi.as_view(), name="api-referral-list"),
    path("referrals/<int:pk>/", views.ReferralDetailApi.as_view(), name="api-referral-detail"),
    path("referrals/<int:pk>/allocate/", views.ReferralAllocateApi.as_view(), name="api-referral-allocate"),
    path(
        "referrals/<int:pk>/contact-attempts/",
        views.ReferralContactAttemptApi.as_view(),
        name="api-referral-contact-attempts",
    ),
    path("referrals/<int:pk>/engagement/", views.ReferralEngagementApi.as_view(), name="api-referral-engagement"),
    path("referrals/<int:pk>/close/", views.ReferralCloseApi.as_view(), name="api-referral-close"),
    path("referrals/<int:pk>/reopen/", views.ReferralReopenApi.as_view(), name="api-referral-reopen"),
    # Recording incidents lives here, not in cases.api: a new incident may raise a repeat-MARAC alert,
    # which only the referrals service knows of. One incident (incidents/<pk>/) stays with cases.api.
    path("incidents/", views.ReferralsIncidentListApi.as_view(), name="api-incident-list"),
    path("incidents/bulk/", views.ReferralsIncidentBulkApi.as_view(), name="api-incident-bulk"),
]
