"""URLs of the reports API (under /api/v1/reports/): annual report runs, service returns and the metrics
an agency reports."""

from django.urls import path

from reporting.api import views

urlpatterns = [
    path("annual/", views.ReportRunListApi.as_view(), name="api-report-run-list"),
    path("annual/<int:pk>/", views.ReportRunDetailApi.as_view(), name="api-report-run-detail"),
    path("service-returns/", views.ServiceReturnListApi.as_view(), name="api-service-return-list"),
    path("service-metrics/", views.ServiceMetricListApi.as_view(), name="api-service-metric-list"),
]
