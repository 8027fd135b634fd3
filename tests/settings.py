"""Test settings: the project's settings, plus a test-only app with a protected model."""

from dasv.settings import *  # noqa: F403
from dasv.settings import DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.protected_app"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Lets the suite empty the access log between transactional tests (TRUNCATE); see the audit
    # migration 0002. UPDATE and DELETE stay refused.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c dasv.allow_audit_truncate=on"

# Tests run tasks in-process unless a test asks for the real worker (tests/dasv/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
