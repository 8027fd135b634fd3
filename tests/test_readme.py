"""The README stays true to the code: every setting it should document, it does."""

from __future__ import annotations

import re
from pathlib import Path

from agencies.demo import DEMO_BACKUP_CODES, DEMO_PASSWORD, USERS, demo_email

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_documents_every_environment_variable():
    """Each environment variable read in dasv/settings.py has a row in the README's table."""
    settings_source = (ROOT / "dasv" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    assert names, "no environment variables found: the pattern is out of date"
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert not missing, f"README does not document: {missing}"


def test_readme_shows_the_two_commands_and_the_demo_logins():
    """The README gives make run, make test, and the demo users' real credentials."""
    assert "make run" in README
    assert "make test" in README
    assert DEMO_PASSWORD in README
    assert all(code in README for code in DEMO_BACKUP_CODES)
    assert all(demo_email(local_part) in README for local_part, *_ in USERS)
