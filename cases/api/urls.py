"""URLs of the cases API: cases, people, one incident (recording incidents is routed by referrals.api)."""

from django.urls import path

from cases.api import views

urlpatterns = [
    path("cases/", views.CaseListApi.as_view(), name="api-case-list"),
    path("cases/<int:pk>/", views.CaseDetailApi.as_view(), name="api-case-detail"),
    path("people/", views.PersonListApi.as_view(), name="api-person-list"),
    path("people/<int:pk>/", views.PersonDetailApi.as_view(), name="api-person-detail"),
    # incidents/ and incidents/bulk/ are routed in referrals.api.urls, to views that raise repeat-MARAC alerts.
    path("incidents/<int:pk>/", views.IncidentDetailApi.as_view(), name="api-incident-detail"),
]
