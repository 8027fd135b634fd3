"""URLs (filled in by the pages and API of this app)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
