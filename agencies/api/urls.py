"""URLs of the agencies API."""

from django.urls import path

from agencies.api import views

urlpatterns = [
    path("agencies/", views.AgencyListApi.as_view(), name="api-agency-list"),
    path("me/", views.MeApi.as_view(), name="api-me"),
    path("staff/", views.StaffListApi.as_view(), name="api-staff-list"),
]
