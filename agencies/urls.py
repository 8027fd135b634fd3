"""URLs of the agencies app's pages."""

from django.urls import path

from agencies import views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("sign-in/", views.login_view, name="login"),
    path("sign-in/code/", views.login_code_view, name="login-code"),
    path("sign-in/set-up/", views.login_setup_view, name="login-setup"),
    path("sign-in/backup-codes/", views.backup_codes_view, name="backup-codes"),
    path("sign-out/", views.logout_view, name="logout"),
    path("healthz", views.healthz_view, name="healthz"),
]
