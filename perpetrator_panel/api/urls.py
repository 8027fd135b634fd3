"""URLs of the perpetrator panel API: panel cases, and panel actions with their steps."""

from django.urls import path

from perpetrator_panel.api import views

urlpatterns = [
    path("cases/", views.PanelCaseListApi.as_view(), name="api-panel-case-list"),
    path("cases/<int:pk>/", views.PanelCaseDetailApi.as_view(), name="api-panel-case-detail"),
    path("actions/", views.PanelActionListApi.as_view(), name="api-panel-action-list"),
    path("actions/<int:pk>/", views.PanelActionDetailApi.as_view(), name="api-panel-action-detail"),
    path("actions/<int:pk>/update/", views.PanelActionUpdateApi.as_view(), name="api-panel-action-update"),
    path("actions/<int:pk>/complete/", views.PanelActionCompleteApi.as_view(), name="api-panel-action-complete"),
    path("actions/<int:pk>/not-done/", views.PanelActionNotDoneApi.as_view(), name="api-panel-action-not-done"),
    path(
        "actions/<int:pk>/compliance/",
        views.PanelActionComplianceApi.as_view(),
        name="api-panel-action-compliance",
    ),
]
