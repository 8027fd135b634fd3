"""The one-host deployment files stay valid (they cannot run here: there is no Docker engine)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_five_services_with_health_checks():
    """web, worker, beat, postgres 15 and redis 7, each with a health check."""
    services = _compose()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert all("healthcheck" in service for service in services.values())


def test_compose_keeps_data_in_volumes_and_runs_in_production_mode():
    """Database and Redis data live in named volumes; the app services run with DJANGO_ENV=production."""
    compose = _compose()
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert service["environment"]["DJANGO_ENV"] == "production"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "gunicorn" in compose["services"]["web"]["command"]


def test_env_example_names_every_required_production_secret():
    """.env.example lists the variables production refuses to start without."""
    example = (ROOT / ".env.example").read_text()
    for name in ("DJANGO_SECRET_KEY", "DASV_FIELD_KEYS", "ALLOWED_HOSTS", "POSTGRES_PASSWORD"):
        assert f"{name}=" in example


def test_dockerfile_copies_every_app():
    """The image builds the wheel from every Django app of the project."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    from django.conf import settings

    project_apps = [app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir() and "." not in app]
    assert project_apps
    for app in project_apps:
        assert f"COPY {app} ./{app}" in dockerfile, app
