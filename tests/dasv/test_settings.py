"""Run modes: the embedded default, PostgreSQL by DATABASE_URL, and production's refusals and checks."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'debug': settings.DEBUG}))"
)


def _run(code_or_args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run Python in a fresh process with only the given configuration in its environment."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "DATABASE", "CELERY"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "dasv.settings", **env})
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production_env(**overrides: str) -> dict[str, str]:
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DASV_FIELD_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "dasv.example.org",
        "DATABASE_URL": "postgres://dasv:secret@db.invalid:5432/dasv",
        **overrides,
    }


def test_embedded_default_is_sqlite_under_var_with_eager_celery():
    """With nothing configured: SQLite under var/ and tasks run in-process."""
    result = _run(["-c", PRINT_SETTINGS])
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["name"] == str(ROOT / "var" / "dasv.sqlite3")
    assert config["eager"] is True


def test_database_url_switches_to_postgresql_and_a_broker_to_a_worker():
    """DATABASE_URL selects PostgreSQL; CELERY_BROKER_URL turns off eager tasks."""
    result = _run(
        ["-c", PRINT_SETTINGS],
        DATABASE_URL="postgres://u:p@localhost:5432/dasv",
        CELERY_BROKER_URL="redis://localhost:6379/0",
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["engine"] == "django.db.backends.postgresql"
    assert config["eager"] is False


def test_production_refuses_to_start_without_a_secret_key():
    """DJANGO_ENV=production without DJANGO_SECRET_KEY fails at start-up, naming the variable."""
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = _run(["-c", PRINT_SETTINGS], **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_hosts_database_or_field_keys():
    """Production also needs ALLOWED_HOSTS, DATABASE_URL (no silent SQLite) and the safe-contact keys."""
    for missing in ("ALLOWED_HOSTS", "DATABASE_URL", "DASV_FIELD_KEYS"):
        env = _production_env()
        del env[missing]
        result = _run(["-c", PRINT_SETTINGS], **env)
        assert result.returncode != 0
        assert missing in result.stderr


def test_production_is_never_in_debug():
    """DJANGO_DEBUG cannot turn on debug pages in production."""
    result = _run(["-c", PRINT_SETTINGS], **_production_env(DJANGO_DEBUG="true"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_check_deploy_is_clean_in_production():
    """`manage.py check --deploy` reports nothing under production settings."""
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], **_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
