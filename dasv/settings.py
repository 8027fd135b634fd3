"""Settings for dasv, read from environment variables (see README, "Configuration").

Two modes: development (the default, for `make run` and tests: SQLite under var/ unless DATABASE_URL is
set, eager Celery unless CELERY_BROKER_URL is set) and production (DJANGO_ENV=production: every secret
must come from the environment and the process refuses to start without it).
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"


def _development_secret_key() -> str:
    """A random key kept under var/, so that development sessions survive a restart.

    Never a key written in the code: a leaked default key would sign sessions anywhere it was used.
    """
    VAR_DIR.mkdir(exist_ok=True)
    key_file = VAR_DIR / "secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _development_field_keys() -> list[str]:
    """Development's safe-contact encryption key, generated once and kept under var/."""
    from cryptography.fernet import Fernet

    VAR_DIR.mkdir(exist_ok=True)
    key_file = VAR_DIR / "field-keys"
    if not key_file.exists():
        key_file.write_text(Fernet.generate_key().decode("ascii"))
        key_file.chmod(0o600)
    return [key.strip() for key in key_file.read_text().split(",") if key.strip()]


if PRODUCTION:
    # env.str without a default raises ImproperlyConfigured: production refuses to start.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    # Fernet keys for safe contact details, newest first (rotation: docs/operations.md).
    DASV_FIELD_KEYS = env.list("DASV_FIELD_KEYS")
    if not DASV_FIELD_KEYS:
        raise ImproperlyConfigured("Set DASV_FIELD_KEYS in production.")
    DEBUG = False
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS in production.")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _development_secret_key()
    DASV_FIELD_KEYS = env.list("DASV_FIELD_KEYS", default=[]) or _development_field_keys()
    DEBUG = env.bool("DJANGO_DEBUG", default=True)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DASV_PARTNERSHIP_NAME = env.str("DASV_PARTNERSHIP_NAME", default="Demo County DASV Partnership")

# Demo data loaders run by `seed_demo`, ground floor first; each app adds its own when it has one.
DASV_DEMO_SEEDERS = [
    "agencies.demo.seed",
    "referrals.demo.seed",
    "marac.demo.seed",
    "perpetrator_panel.demo.seed",
    "dhr.demo.seed",
    "reporting.demo.seed",
]

# --- The IDVA service ---------------------------------------------------------------------------------

# SafeLives: a safe caseload is 60-80 open cases per full-time IDVA.
DASV_IDVA_CASELOAD_MIN = env.int("DASV_IDVA_CASELOAD_MIN", default=60)
DASV_IDVA_CASELOAD_MAX = env.int("DASV_IDVA_CASELOAD_MAX", default=80)
# A referral with no contact attempt this many working days after it was received is flagged overdue.
DASV_FIRST_CONTACT_WORKING_DAYS = env.int("DASV_FIRST_CONTACT_WORKING_DAYS", default=2)
# Bank holidays of the `holidays` package's United Kingdom subdivision: ENG (England and Wales share
# them), WLS, SCT or NIR.
DASV_BANK_HOLIDAY_SUBDIVISION = env.str("DASV_BANK_HOLIDAY_SUBDIVISION", default="ENG")

# --- MARAC --------------------------------------------------------------------------------------------

# Working days member agencies have to research a case before the meeting that hears it: a referral
# received fewer working days before a meeting goes on a later one.
DASV_MARAC_RESEARCH_WORKING_DAYS = env.int("DASV_MARAC_RESEARCH_WORKING_DAYS", default=2)
# Member agencies see the cases on a published agenda until this many days after the meeting (longer
# while they have an open action on the case); the nightly job then takes the access away.
DASV_MARAC_ACCESS_DAYS_AFTER = env.int("DASV_MARAC_ACCESS_DAYS_AFTER", default=30)

# --- Domestic Homicide Reviews -------------------------------------------------------------------------

# What the reviews are called everywhere: "dhr" (Domestic Homicide Review) or "dardr" (Domestic Abuse
# Related Death Review, the name announced in 2024).
DASV_REVIEW_TERMINOLOGY = env.str("DASV_REVIEW_TERMINOLOGY", default="dhr")
if DASV_REVIEW_TERMINOLOGY not in {"dhr", "dardr"}:
    raise ImproperlyConfigured("DASV_REVIEW_TERMINOLOGY must be dhr or dardr.")

# --- Reporting ---------------------------------------------------------------------------------------

# The IDVA service's engagement target (the seed report: 75%), shown beside the engagement rate.
DASV_IDVA_ENGAGEMENT_TARGET_PCT = env.float("DASV_IDVA_ENGAGEMENT_TARGET_PCT", default=75.0)
# SafeLives' recommended MARAC volume: cases a year per 10,000 adult females (16 and over).
DASV_MARAC_BENCHMARK_PER_10000 = env.int("DASV_MARAC_BENCHMARK_PER_10000", default=40)
# Published outputs (the report page and exports) show counts below this as "fewer than N", with
# secondary suppression so that no total reveals them. 0 turns suppression off.
DASV_DISCLOSURE_THRESHOLD = env.int("DASV_DISCLOSURE_THRESHOLD", default=5)
# How many years the trend table (incidents, crimes and rates per 1,000) goes back.
DASV_REPORT_TREND_YEARS = env.int("DASV_REPORT_TREND_YEARS", default=8)

# --- Applications -----------------------------------------------------------------------------------

INSTALLED_APPS = [
    "agencies.apps.DasvAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "django_guid",
    "simple_history",
    "django_celery_beat",
    # The project's apps, ground floor first (design.md section 1).
    "agencies",
    "audit",
    "cases",
    "referrals",
    "marac",
    "perpetrator_panel",
    "dhr",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django_guid.middleware.guid_middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "agencies.middleware.SessionTimeoutMiddleware",
    "agencies.middleware.VerifiedLoginRequiredMiddleware",
    "agencies.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes last: it turns a locked-out authentication attempt into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dasv.urls"
WSGI_APPLICATION = "dasv.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agencies.context_processors.partnership",
                "dhr.terminology.terminology",
            ],
        },
    },
]
FORM_RENDERER = "agencies.govuk_forms.GovukFormRenderer"

# --- Database ---------------------------------------------------------------------------------------

if PRODUCTION:
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dasv.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------------------------------

AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Two-factor authentication (django-otp): every user signs in with a TOTP code.
OTP_TOTP_ISSUER = DASV_PARTNERSHIP_NAME
DASV_LOGIN_PENDING_SECONDS = 300  # time allowed between the password step and the code step

# Lockout (django-axes).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("DASV_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DASV_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "agencies/locked_out.html"
AXES_VERBOSE = False

SILENCED_SYSTEM_CHECKS = [
    # Lockout is keyed on the account (docs/adr/0003): locking an IP address would lock out every
    # member of staff behind a police station's or council's shared address after five typos.
    "axes.W006",
    # Object permissions are checked through the user's agency (agencies.selectors), not through
    # guardian's backend, which only knows the user's own groups (their roles): see docs/adr/0002.
    "guardian.W001",
]

# Sessions: a new session key on login (Django), an inactivity timeout and an absolute lifetime.
DASV_SESSION_IDLE_MINUTES = env.int("DASV_SESSION_IDLE_MINUTES", default=30)
DASV_SESSION_MAX_HOURS = env.int("DASV_SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = DASV_SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Object permissions (django-guardian). Permissions are granted to an agency's group and checked
# through agencies.permissions; guardian's anonymous user is not used (every user needs an agency).
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- Security headers -------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("DASV_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # TLS terminates at the reverse proxy in front of gunicorn, which sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DASV_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DASV_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DASV_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Internationalisation ---------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------------

STATIC_URL = "/static/"
# collectstatic (production images) gathers files here; development serves them from the finders.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Email (notifications) --------------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="dasv@localhost")

# --- REST API ---------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # Key first: its authenticate_header makes an unauthenticated request a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agencies.api.authentication.ApiKeyAuthentication",
        "agencies.api.authentication.VerifiedSessionAuthentication",
    ],
    # Deny by default: a view that forgets to declare its permissions answers 403 to everyone.
    "DEFAULT_PERMISSION_CLASSES": ["agencies.api.permissions.DenyAll"],
    "DEFAULT_PAGINATION_CLASS": "agencies.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "agencies.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    "DATE_FORMAT": "%Y-%m-%d",
    "DATE_INPUT_FORMATS": ["%Y-%m-%d"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# The bulk incident import takes up to 5,000 rows in one JSON body.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "dasv partner API",
    "DESCRIPTION": (
        "The partner API of dasv, version 1. Authenticate with `Authorization: Api-Key <key>` "
        "(an agency's key) or a signed-in browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No deep links: Swagger UI nests them inside buttons, which assistive technology cannot use.
    # One name per choice set, where models reuse field names (status, relationship) for different sets.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.Case.Status",
        "ReferralStatusEnum": "referrals.models.Referral.Status",
        "PerpetratorRelationshipEnum": "cases.models.Relationship",
        "ChildRelationshipEnum": "cases.models.Child.ChildRelationship",
        "YesNoNotKnownEnum": "cases.models.YesNoNotKnown",
        "RiskLevelEnum": "cases.models.RiskLevel",
        "AgencyKindEnum": "agencies.models.Agency.Kind",
        "MaracCriterionEnum": "referrals.models.MaracCriterion",
        "ReferralEventKindEnum": "referrals.models.ReferralEvent.Kind",
        "EngagementEnum": "referrals.models.Referral.Engagement",
        "NotEngagedReasonEnum": "referrals.models.Referral.NotEngagedReason",
        "ClosureOutcomeEnum": "referrals.models.Referral.ClosureOutcome",
        "ContactAttemptOutcomeEnum": "referrals.models.ContactAttempt.Outcome",
        "AgencyActionNotDoneReasonEnum": "agencies.models.AgencyAction.NotDoneReason",
        "AgencyActionStatusEnum": "agencies.models.AgencyAction.Status",
        "MeetingKindEnum": "marac.models.MeetingKind",
        "MaracMeetingStatusEnum": "marac.models.MaracMeeting.Status",
        "AgendaItemOutcomeEnum": "marac.models.AgendaItem.Outcome",
        "ReviewDecisionEnum": "dhr.models.Review.Decision",
        "DeceasedRelationshipEnum": "dhr.models.Review.Relationship",
        "QaFeedbackEnum": "dhr.models.QaSubmission.Feedback",
        "PanelCaseStatusEnum": "perpetrator_panel.models.PanelCase.Status",
        "PanelCaseReasonEnum": "perpetrator_panel.models.PanelCase.Reason",
        "PlanItemStatusEnum": "perpetrator_panel.models.PlanItem.Status",
        "ReportRunStatusEnum": "reporting.models.ReportRun.Status",
        "ReportRunKindEnum": "reporting.models.ReportRun.Kind",
    },
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "defaultModelsExpandDepth": -1, "tryItOutEnabled": False},
}

# --- Celery -----------------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Embedded default: with no broker, tasks run in-process (make run needs nothing else installed).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL) or None
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How long (seconds) Redis waits for a task's acknowledgement before delivering it again: tasks are
# acknowledged late, so a worker killed mid-task has its task run again after this. Keep it above the
# longest task time limit (a shorter one would run long tasks twice); the worker test sets a few seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 3600)}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs are defined here, in code; the database scheduler picks them up at start.
CELERY_BEAT_SCHEDULE = {
    "audit-log-verify-nightly": {
        "task": "audit.tasks.access_log_verify",
        "schedule": timedelta(days=1),
    },
    "sessions-clear-nightly": {
        "task": "agencies.tasks.expired_sessions_clear",
        "schedule": timedelta(days=1),
    },
    "idempotency-records-purge-nightly": {
        "task": "agencies.tasks.idempotency_records_purge",
        "schedule": timedelta(days=1),
    },
    "referrals-contact-overdue-nightly": {
        "task": "referrals.tasks.referrals_contact_overdue_flag",
        "schedule": crontab(hour=1, minute=30),
    },
    "marac-meetings-generate-daily": {
        "task": "marac.tasks.meetings_generate_all",
        "schedule": crontab(hour=1, minute=45),
    },
    "marac-access-expire-nightly": {
        "task": "marac.tasks.marac_access_expire",
        "schedule": crontab(hour=2, minute=0),
    },
    "marac-actions-overdue-nightly": {
        "task": "marac.tasks.marac_actions_overdue_notify",
        "schedule": crontab(hour=2, minute=15),
    },
    "perpetrator-panel-status-nightly": {
        "task": "perpetrator_panel.tasks.panel_statuses_recompute",
        "schedule": crontab(hour=2, minute=30),
    },
    "dhr-overdue-nightly": {
        "task": "dhr.tasks.reviews_overdue_notify",
        "schedule": crontab(hour=2, minute=45),
    },
    "reporting-runs-schedule-daily": {
        "task": "reporting.tasks.report_runs_schedule_task",
        "schedule": crontab(hour=3, minute=0),
    },
    "marac-research-reminders-daily": {
        "task": "marac.tasks.research_reminders_send_all",
        "schedule": crontab(hour=7, minute=0),
    },
}

# --- Logging ----------------------------------------------------------------------------------------

DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "VALIDATE_GUID": False, "RETURN_HEADER": True}
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["correlation_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "django_guid": {"level": "WARNING"},
        # WeasyPrint (PDF exports) logs every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
