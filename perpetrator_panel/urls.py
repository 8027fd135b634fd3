"""URLs of the perpetrator panel pages."""

from django.urls import path

from perpetrator_panel.views import actions, candidates, cases, meetings

urlpatterns = [
    # Candidates and referrals (views/candidates.py).
    path("panel/candidates/", candidates.candidate_list_view, name="panel-candidate-list"),
    path("panel/candidates/<int:person_id>/", candidates.candidate_detail_view, name="panel-candidate-detail"),
    path("panel/candidates/<int:person_id>/open/", candidates.panel_case_open_view, name="panel-case-open"),
    path("panel/refer/", candidates.panel_referral_view, name="panel-referral-add"),
    # Panel cases, their plans and actions (views/cases.py).
    path("panel/cases/", cases.panel_case_list_view, name="panel-case-list"),
    path("panel/cases/<int:pk>/", cases.panel_case_detail_view, name="panel-case-detail"),
    path("panel/cases/<int:pk>/edit/", cases.panel_case_edit_view, name="panel-case-edit"),
    path("panel/cases/<int:pk>/plan/add/", cases.plan_item_add_view, name="panel-plan-add"),
    path("panel/plan-items/<int:pk>/", cases.plan_item_update_view, name="panel-plan-item"),
    path("panel/cases/<int:pk>/actions/add/", cases.panel_action_add_view, name="panel-action-add"),
    # Meetings (views/meetings.py).
    path("panel/meetings/", meetings.meeting_list_view, name="panel-meeting-list"),
    path("panel/meetings/add/", meetings.meeting_add_view, name="panel-meeting-add"),
    path("panel/meetings/<int:pk>/", meetings.meeting_detail_view, name="panel-meeting-detail"),
    # An agency's panel actions (views/actions.py).
    path("panel/actions/", actions.agency_actions_view, name="panel-agency-actions"),
    path("panel/actions/<int:pk>/", actions.action_update_view, name="panel-action-update"),
]
