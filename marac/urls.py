"""URLs of the MARAC pages."""

from django.urls import path

from marac.views import agency, coordinator, meetings

urlpatterns = [
    # The coordinator's pages (views/coordinator.py).
    path("marac/meetings/", coordinator.meeting_list_view, name="marac-meeting-list"),
    path("marac/meetings/<int:pk>/", coordinator.meeting_detail_view, name="marac-meeting-detail"),
    path("marac/agenda/build/", coordinator.agenda_build_view, name="marac-agenda-build"),
    path("marac/meetings/<int:pk>/reschedule/", coordinator.meeting_reschedule_view, name="marac-meeting-reschedule"),
    path("marac/meetings/<int:pk>/publish/", coordinator.agenda_publish_view, name="marac-agenda-publish"),
    path("marac/agenda-items/<int:pk>/change/", coordinator.agenda_item_change_view, name="marac-agenda-item-change"),
    path("marac/meetings/<int:pk>/research/", coordinator.research_matrix_view, name="marac-research-matrix"),
    path("marac/meetings/<int:pk>/agenda.csv", coordinator.agenda_csv_view, name="marac-agenda-csv"),
    path("marac/meetings/<int:pk>/agenda.pdf", coordinator.agenda_pdf_view, name="marac-agenda-pdf"),
    path("marac/returns/safelives/", coordinator.safelives_return_view, name="marac-safelives-return"),
    # The meeting itself and its minutes (views/meetings.py).
    path("marac/meetings/<int:pk>/minutes/", meetings.minutes_view, name="marac-minutes"),
    path("marac/meetings/<int:pk>/minutes.pdf", meetings.minutes_pdf_view, name="marac-minutes-pdf"),
    path("marac/meetings/<int:pk>/minutes/approve/", meetings.minutes_approve_view, name="marac-minutes-approve"),
    # Member agencies and the chase list (views/agency.py).
    path("marac/my-cases/", agency.agency_cases_view, name="marac-agency-cases"),
    path("marac/agenda-items/<int:pk>/research/", agency.research_form_view, name="marac-research"),
    path("marac/actions/", agency.agency_actions_view, name="marac-agency-actions"),
    path("marac/actions/<int:pk>/", agency.action_update_view, name="marac-action-update"),
    path("marac/chase-list/", agency.chase_list_view, name="marac-chase-list"),
]
