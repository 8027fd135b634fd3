"""URLs of the MARAC API: meetings, agenda items, actions and their steps, research."""

from django.urls import path

from marac.api import views

urlpatterns = [
    path("meetings/", views.MeetingListApi.as_view(), name="api-marac-meeting-list"),
    path("meetings/<int:pk>/", views.MeetingDetailApi.as_view(), name="api-marac-meeting-detail"),
    path("agenda-items/", views.AgendaItemListApi.as_view(), name="api-marac-agenda-item-list"),
    path("agenda-items/<int:pk>/", views.AgendaItemDetailApi.as_view(), name="api-marac-agenda-item-detail"),
    path("actions/", views.ActionListApi.as_view(), name="api-marac-action-list"),
    path("actions/<int:pk>/", views.ActionDetailApi.as_view(), name="api-marac-action-detail"),
    path("actions/<int:pk>/update/", views.ActionUpdateApi.as_view(), name="api-marac-action-update"),
    path("actions/<int:pk>/complete/", views.ActionCompleteApi.as_view(), name="api-marac-action-complete"),
    path("actions/<int:pk>/not-done/", views.ActionNotDoneApi.as_view(), name="api-marac-action-not-done"),
    path("research/", views.ResearchListApi.as_view(), name="api-marac-research-list"),
]
