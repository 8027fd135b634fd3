"""Session lifetime, sign-in required for every page, and no caching of pages about people."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse
from rest_framework.views import APIView

from audit.models import AccessLog
from audit.services import access_log_record

LOGIN_AT = "dasv_login_at"
LAST_ACTIVITY = "dasv_last_activity"
# Refreshing the activity time on every request would write the session row every time.
ACTIVITY_WRITE_INTERVAL = 60


class SessionTimeoutMiddleware:
    """Sign out after a period without activity, and in any case after an absolute lifetime."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            login_at = session.setdefault(LOGIN_AT, now)
            last_activity = session.get(LAST_ACTIVITY, now)
            idle_limit = settings.DASV_SESSION_IDLE_MINUTES * 60
            max_age = settings.DASV_SESSION_MAX_HOURS * 3600
            if now - last_activity > idle_limit or now - login_at > max_age:
                user = request.user
                reason = "inactivity" if now - last_activity > idle_limit else "lifetime"
                auth.logout(request)
                access_log_record(
                    action=AccessLog.Action.SESSION_EXPIRED,
                    actor=user,
                    request=request,
                    detail={"reason": reason},
                )
                messages.info(request, "You have been signed out. Sign in again to continue.")
            elif now - last_activity >= ACTIVITY_WRITE_INTERVAL or LAST_ACTIVITY not in session:
                session[LAST_ACTIVITY] = now
        return self.get_response(request)


class VerifiedLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a user verified by a second factor, unless marked `login_not_required`.

    The API authenticates on its own (keys or verified sessions, deny by default), so DRF views are
    left to it; the API documentation sets `requires_ui_login` to stay behind the sign-in.
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        view_class = getattr(view_func, "cls", None)
        if view_class is not None and issubclass(view_class, APIView):
            # DRF marks its views login_not_required; they answer for themselves.
            if not getattr(view_class, "requires_ui_login", False):
                return None
        elif not getattr(view_func, "login_required", True):
            return None
        user = request.user
        if user.is_authenticated and user.is_verified():
            return None
        return self.handle_no_permission(request, view_func)


class NoStoreMiddleware:
    """No page or API answer may stay in a browser cache: victims and staff share computers.

    Static files are served before this middleware (WhiteNoise) and keep their long cache lifetime.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response
