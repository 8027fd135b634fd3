"""The project's URLs plus a page that fails, to show the server error page in a browser."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("A deliberate failure for the server error page test.")


urlpatterns = [
    path("test-only/fail/", failing_view),
    path("", include("dasv.urls")),
]
