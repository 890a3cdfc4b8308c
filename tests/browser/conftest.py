"""Browser tests drive the playground in Debian's headless Chromium through playwright (sync API)."""

import os
import sys
from pathlib import Path

import pytest

from conftest import _require

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from chromium import ARGS, CHROMIUM  # noqa: E402  scripts/chromium.py: the launch settings the scripts use too

SCREENSHOTS = Path(__file__).with_name("screenshots")


@pytest.fixture(scope="session")
def browser():
    sync_api = _require("playwright.sync_api", "driving the page in a browser")
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (apt-get install chromium; scripts/test does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield _CspBypassing(browser)
        browser.close()


class _CspBypassing:
    """The browser, with new pages and contexts bypassing the page's Content Security Policy by default:
    playwright evaluates string predicates (wait_for_function) with eval, which the policy forbids. The
    policy itself is tested with bypass_csp=False (test_page.py, the guard tests)."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        return self._browser.new_context(**{"bypass_csp": True, **options})

    def new_page(self, **options):
        return self._browser.new_page(**{"bypass_csp": True, **options})

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def page(browser, live_server):
    """A fresh tab on the playground; fails the test if the page logged an error."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.base_url = live_server
    page.goto(live_server + "/")
    page.wait_for_function("window.neuronlab && document.getElementById('connection').textContent === 'connected'")
    yield page
    context.close()
    assert not problems, f"console errors: {problems}"


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
