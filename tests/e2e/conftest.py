"""Browser tests: Playwright driving Debian's Chromium against the live server, with axe-core checks."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import restore_migration_data

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser tests, but {what}.")
    pytest.skip(f"browser tests need {what}: run them with `make test`")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        _missing("Chromium is not installed")
    if not AXE.exists():
        _missing("axe-core is not installed (npm ci)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class AccessiblePage:
    """A page wrapper that checks every page it visits with axe-core, and collects console errors."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.checked: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))

    def goto(self, path: str, *, status: int = 200) -> Page:
        """Open a page, expecting its HTTP status, and check it."""
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == status, f"{path} answered {response.status}, not {status}"
        self.check(status=status)
        return self.page

    def check(self, *, status: int = 200) -> None:
        """Zero axe-core violations on the page as it is now, and no console errors (CSP included).

        `status` is the page's own HTTP status: Chromium reports an error status of the document
        itself on the console, which is expected for an error page.
        """
        self.page.wait_for_load_state("load")
        if status >= 400:
            own_error = f"Failed to load resource: the server responded with a status of {status}"
            self.console_errors = [error for error in self.console_errors if not error.startswith(own_error)]
        results = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']]}"
            for v in results["violations"]
        ]
        assert not violations, f"axe violations on {self.page.url}:\n" + "\n".join(violations)
        assert not self.console_errors, f"console errors on {self.page.url}: {self.console_errors}"
        self.checked.append(self.page.url)


@pytest.fixture
def ui(transactional_db, browser: Browser, live_server) -> Iterator[AccessiblePage]:
    """A fresh browser context on the live server, with axe injected into every document."""
    restore_migration_data()
    context = browser.new_context(base_url=live_server.url)
    # An init script is added by the browser itself, so the page's CSP (no inline script) allows it.
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield AccessiblePage(page, live_server.url)
    context.close()
