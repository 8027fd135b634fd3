"""What the reviews are called: Domestic Homicide Review or Domestic Abuse Related Death Review, by the
DASV_REVIEW_TERMINOLOGY setting; any other value stops the app at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from dhr.terminology import Terms, review_terms, terminology

ROOT = Path(__file__).resolve().parents[2]
PRINT_TERMS = "import django; django.setup(); from dhr.terminology import review_terms; print(review_terms().short)"


@pytest.mark.parametrize(
    ("setting", "terms"),
    [
        ("dhr", Terms("Domestic Homicide Review", "Domestic Homicide Reviews", "DHR")),
        (
            "dardr",
            Terms("Domestic Abuse Related Death Review", "Domestic Abuse Related Death Reviews", "DARDR"),
        ),
    ],
)
def test_review_terms_follow_the_setting(setting, terms):
    """Each setting gives its name, plural and short form, in templates too."""
    with override_settings(DASV_REVIEW_TERMINOLOGY=setting):
        assert review_terms() == terms
        assert terminology(RequestFactory().get("/")) == {"review_terms": terms}


def test_the_default_is_domestic_homicide_review(settings):
    """Unless configured, the reviews are Domestic Homicide Reviews."""
    assert settings.DASV_REVIEW_TERMINOLOGY == "dhr"
    assert review_terms().short == "DHR"


def _start(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        key: v for key, v in os.environ.items() if not key.startswith(("DJANGO", "DATABASE", "CELERY", "DASV_REVIEW"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "dasv.settings"
    if value is not None:
        env["DASV_REVIEW_TERMINOLOGY"] = value
    return subprocess.run(
        [sys.executable, "-c", PRINT_TERMS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(("value", "short"), [(None, "DHR"), ("dhr", "DHR"), ("dardr", "DARDR")])
def test_the_app_starts_with_either_setting(value, short):
    """The environment variable chooses the terms at start-up."""
    result = _start(value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == short


@pytest.mark.parametrize("value", ["DARDR ", "homicide", "", "dhr,dardr"])
def test_an_unknown_setting_stops_the_app_at_start_up(value):
    """Any other value raises ImproperlyConfigured naming the setting, before anything is served."""
    result = _start(value)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DASV_REVIEW_TERMINOLOGY" in result.stderr
