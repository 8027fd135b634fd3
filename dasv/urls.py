"""Root URLs: the apps' pages, the administration site and the partner API (version 1)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from agencies.api.views import ApiDocsView

api_v1 = [
    path("", include("agencies.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("referrals.api.urls")),
    path("marac/", include("marac.api.urls")),
    path("panel/", include("perpetrator_panel.api.urls")),
    path("dhr/", include("dhr.api.urls")),
    path("reports/", include("reporting.api.urls")),
    # The schema is public: it describes an open-source API and holds no data.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", include("agencies.urls")),
    path("", include("cases.urls")),
    path("", include("referrals.urls")),
    path("", include("marac.urls")),
    path("", include("perpetrator_panel.urls")),
    path("", include("dhr.urls")),
    path("", include("reporting.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]
