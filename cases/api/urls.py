"""URLs of the cases API: cases, people, incidents."""

from django.urls import path

from cases.api import views

urlpatterns = [
    path("cases/", views.CaseListApi.as_view(), name="api-case-list"),
    path("cases/<int:pk>/", views.CaseDetailApi.as_view(), name="api-case-detail"),
    path("people/", views.PersonListApi.as_view(), name="api-person-list"),
    path("people/<int:pk>/", views.PersonDetailApi.as_view(), name="api-person-detail"),
    path("incidents/", views.IncidentListApi.as_view(), name="api-incident-list"),
    path("incidents/bulk/", views.IncidentBulkApi.as_view(), name="api-incident-bulk"),
    path("incidents/<int:pk>/", views.IncidentDetailApi.as_view(), name="api-incident-detail"),
]
