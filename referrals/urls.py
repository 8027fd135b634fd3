"""URLs of the referrals pages: the case page, risk assessments, making referrals, the referral page and
its workflow steps, caseloads, the triage queue and repeat-MARAC alerts."""

from django.urls import path

from referrals.views import cases, intake, queues, workflow

urlpatterns = [
    # The case page and risk assessments (views/cases.py).
    path("cases/<int:pk>/", cases.case_detail_view, name="case-detail"),
    path("cases/<int:case_pk>/risk-assessments/new/", cases.dash_create_view, name="risk-assessment-create"),
    path(
        "cases/<int:case_pk>/risk-assessments/external/",
        cases.external_grade_create_view,
        name="risk-assessment-external",
    ),
    path("risk-assessments/<int:pk>/", cases.risk_assessment_detail_view, name="risk-assessment-detail"),
    # Making a referral (views/intake.py).
    path("referrals/new/", intake.referral_start_view, name="referral-start"),
    path("cases/<int:case_pk>/referrals/new/", intake.referral_create_view, name="referral-create"),
    path("cases/<int:case_pk>/referrals/check/", intake.referral_check_view, name="referral-check"),
    # The referral page and its steps (views/workflow.py).
    path("referrals/<int:pk>/", workflow.referral_detail_view, name="referral-detail"),
    path("referrals/<int:pk>/allocate/", workflow.referral_allocate_view, name="referral-allocate"),
    path(
        "referrals/<int:pk>/contact-attempts/new/",
        workflow.contact_attempt_create_view,
        name="referral-contact-attempt",
    ),
    path("referrals/<int:pk>/engagement/", workflow.referral_engagement_view, name="referral-engagement"),
    path("referrals/<int:pk>/reopen/", workflow.referral_reopen_view, name="referral-reopen"),
    path("referrals/<int:pk>/close/", workflow.referral_close_view, name="referral-close"),
    # Caseloads, triage and alerts (views/queues.py).
    path("caseload/", queues.caseload_view, name="caseload"),
    path("triage/", queues.triage_queue_view, name="triage-queue"),
    path("caseloads/", queues.idva_caseloads_view, name="idva-caseloads"),
    path("repeat-marac-alerts/", queues.repeat_alert_list_view, name="repeat-alert-list"),
    path("repeat-marac-alerts/<int:pk>/", queues.repeat_alert_decide_view, name="repeat-alert-decide"),
]
