"""Pages of the agencies app: signing in with two factors, signing out, the home page, health check."""

from __future__ import annotations

import time
from base64 import b32encode
from typing import Any

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from agencies.forms import CodeForm, LoginForm
from agencies.middleware import LAST_ACTIVITY, LOGIN_AT
from agencies.models import Role, User
from agencies.services import totp_device_for_enrolment, two_factor_enrol
from audit.models import AccessLog
from audit.services import access_log_record

PENDING_LOGIN = "dasv_pending_login"
BACKUP_CODES = "dasv_backup_codes"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _pending_user(request: HttpRequest) -> tuple[User | None, str]:
    """The user who gave a correct password moments ago, and where they were going."""
    pending = request.session.get(PENDING_LOGIN)
    if not pending or time.time() - pending["at"] > settings.DASV_LOGIN_PENDING_SECONDS:
        request.session.pop(PENDING_LOGIN, None)
        return None, ""
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    return user, pending.get("next", "")


def _locked_out(request: HttpRequest, email: str) -> HttpResponse:
    access_log_record(action=AccessLog.Action.LOCKOUT, request=request, detail={"email": email})
    request.session.pop(PENDING_LOGIN, None)
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
        status=429,
    )


def _complete_login(request: HttpRequest, user: User, device: Any, next_url: str) -> HttpResponseRedirect:
    request.session.pop(PENDING_LOGIN, None)
    auth.login(request, user, backend=MODEL_BACKEND)  # a new session key: no fixation
    otp_login(request, device)
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[LAST_ACTIVITY] = now
    access_log_record(action=AccessLog.Action.LOGIN, actor=user, request=request)
    return redirect(_safe_next(request, next_url))


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Step one of signing in: email address and password."""
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(_safe_next(request, request.GET.get("next")))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        user = auth.authenticate(request, email=email, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request, email)
        if user is None:
            access_log_record(
                action=AccessLog.Action.LOGIN_FAILED,
                request=request,
                detail={"email": email, "step": "password"},
            )
            form.add_error(None, "Enter a correct email address and password")
        else:
            request.session[PENDING_LOGIN] = {
                "user_id": user.pk,
                "at": time.time(),
                "next": request.POST.get("next") or request.GET.get("next", ""),
            }
            if user_has_device(user, confirmed=True):
                return redirect("login-code")
            return redirect("login-setup")
    return render(request, "agencies/login.html", {"form": form, "next": request.GET.get("next", "")})


def _code_step_failed(request: HttpRequest, user: User, form: CodeForm, step: str) -> HttpResponse | None:
    """Count a wrong code towards the lockout, exactly as a wrong password counts."""
    user_login_failed.send(sender=__name__, credentials={"email": user.email}, request=request)
    access_log_record(action=AccessLog.Action.LOGIN_FAILED, request=request, detail={"email": user.email, "step": step})
    if getattr(request, "axes_locked_out", False):
        return _locked_out(request, user.email)
    form.add_error("code", "The security code is not correct")
    return None


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def login_code_view(request: HttpRequest) -> HttpResponse:
    """Step two: the code from the user's authenticator app, or a backup code."""
    user, next_url = _pending_user(request)
    if user is None:
        messages.info(request, "Sign in again to continue.")
        return redirect("login")
    if not user_has_device(user, confirmed=True):
        return redirect("login-setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if AxesProxyHandler.is_locked(request, {"email": user.email}):
            return _locked_out(request, user.email)
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            return _complete_login(request, user, device, next_url)
        response = _code_step_failed(request, user, form, "code")
        if response is not None:
            return response
    return render(request, "agencies/login_code.html", {"form": form})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return svg.split("?>", 1)[-1].strip()


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def login_setup_view(request: HttpRequest) -> HttpResponse:
    """First sign-in: set up an authenticator app by scanning a QR code, then confirm a code from it."""
    user, next_url = _pending_user(request)
    if user is None:
        messages.info(request, "Sign in again to continue.")
        return redirect("login")
    if user_has_device(user, confirmed=True):
        return redirect("login-code")
    device = totp_device_for_enrolment(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if AxesProxyHandler.is_locked(request, {"email": user.email}):
            return _locked_out(request, user.email)
        if device.verify_token(form.cleaned_data["code"]):
            codes = two_factor_enrol(device=device, by=user)
            _complete_login(request, user, device, next_url)
            request.session[BACKUP_CODES] = codes
            return redirect("backup-codes")
        response = _code_step_failed(request, user, form, "setup")
        if response is not None:
            return response
    secret = b32encode(device.bin_key).decode("ascii")
    context = {
        "form": form,
        "qr_svg": mark_safe(_qr_svg(device.config_url)),  # generated by qrcode from our own data
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
    }
    return render(request, "agencies/login_setup.html", context)


@never_cache
@require_GET
def backup_codes_view(request: HttpRequest) -> HttpResponse:
    """The backup codes issued at set-up, shown once."""
    codes = request.session.pop(BACKUP_CODES, None)
    if not codes:
        return redirect("home")
    return render(request, "agencies/backup_codes.html", {"codes": codes})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only, so a link on another site cannot sign anyone out)."""
    access_log_record(action=AccessLog.Action.LOGOUT, request=request)
    auth.logout(request)
    messages.success(request, "You have signed out.")
    return redirect("login")


ROLE_HOME = {
    Role.IDVA: [
        "Log referrals and record DASH risk assessments with victims.",
        "Contact victims safely using their safe contact details.",
        "Record engagement, safety measures and outcomes on your caseload.",
    ],
    Role.IDVA_MANAGER: [
        "Triage new referrals and allocate them to IDVAs, including the specialist posts.",
        "See each IDVA's open caseload against the safe range.",
    ],
    Role.MARAC_COORDINATOR: [
        "Build MARAC agendas from high-risk referrals and publish them to member agencies.",
        "See which agencies have researched each case, minute meetings and chase actions.",
    ],
    Role.AGENCY_REP: [
        "See the cases your agency is involved in and those on your MARAC's agendas.",
        "Add your agency's research and update the actions assigned to your agency.",
    ],
    Role.PANEL_MEMBER: [
        "Review candidates for the perpetrator panel and manage panel cases and tactical plans.",
    ],
    Role.DHR_COORDINATOR: [
        "Track domestic homicide reviews from notification to publication, and their action plans.",
    ],
    Role.ANALYST: [
        "Run and download the partnership's statistics (aggregate figures only, no names).",
    ],
    Role.PARTNERSHIP_ADMIN: [
        "Manage areas, agencies, users, roles, API keys and routing policies in the administration site.",
    ],
}


@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    """What the signed-in user can do, role by role."""
    user: User = request.user  # type: ignore[assignment]
    sections = [
        {"role": role, "label": role.label, "abilities": ROLE_HOME[role]} for role in Role if user.has_role(role)
    ]
    return render(request, "agencies/home.html", {"sections": sections})


@login_not_required
@require_GET
def healthz_view(request: HttpRequest) -> HttpResponse:
    """For load balancers and container health checks: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
