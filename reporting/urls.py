"""URLs of the reporting pages."""

from django.urls import path

from reporting.views import runs, service_returns

urlpatterns = [
    # Running the annual report, each run and its downloads (views/runs.py).
    path("reports/", runs.report_index_view, name="report-index"),
    path("reports/runs/<int:pk>/", runs.report_run_detail_view, name="report-run-detail"),
    path("reports/runs/<int:pk>/progress/", runs.report_run_progress_view, name="report-run-progress"),
    path("reports/runs/<int:pk>/again/", runs.report_run_again_view, name="report-run-again"),
    path("reports/runs/<int:pk>/download/<str:fmt>/", runs.report_run_download_view, name="report-run-download"),
    # Service returns (views/service_returns.py).
    path("reports/service-returns/", service_returns.service_return_list_view, name="service-return-list"),
    path("reports/service-returns/new/", service_returns.service_return_new_view, name="service-return-new"),
]
