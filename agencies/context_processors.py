"""Template context shared by every page: the partnership's name and the user's roles and agency."""

from django.conf import settings
from django.http import HttpRequest


def partnership(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        "partnership_name": settings.DASV_PARTNERSHIP_NAME,
        "user_roles": user.roles if signed_in else frozenset(),
        "user_agency": user.agency if signed_in else None,
    }
