"""URLs of the case pages. The case page itself (cases/<id>/) is in referrals.urls: it shows routing
outcomes and referrals, which the cases app knows nothing of."""

from django.urls import path

from cases import views

urlpatterns = [
    path("cases/", views.case_search_view, name="case-search"),
    path("cases/new/", views.case_create_view, name="case-create"),
    path("cases/<int:pk>/safe-contact/", views.safe_contact_view, name="case-safe-contact"),
    path("cases/<int:pk>/perpetrators/new/", views.case_party_add_view, name="case-party-add"),
]
