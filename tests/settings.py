"""Test settings: the project's settings, plus a test-only app with a protected model."""

from dasv.settings import *  # noqa: F403
from dasv.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.protected_app"]

# Tests run tasks in-process unless a test asks for the real worker (tests/dasv/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
