"""The admin site: staff verified by two-factor sign-in only; signing in goes through the main login."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class DasvAdminSite(OTPAdminSite):
    """OTPAdminSite refuses users whose session was not verified with a second factor."""

    site_header = "Administration"
    site_title = "Administration"
    index_title = "Agencies, users, keys and settings"

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        context["site_header"] = f"{settings.DASV_PARTNERSHIP_NAME}: administration"
        return context

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """There is one way in: the main sign-in, with its password, code and lockout.

        Someone already signed in with two factors who lands here is not an administrator.
        """
        if request.user.is_authenticated and request.user.is_verified():
            raise PermissionDenied
        next_url = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': next_url})}")
