"""tests/browser.py reruns a browser test once when Chromium itself died under it, and never
otherwise. Checked in a pytest run of its own, whose tests crash a real Chromium (the DevTools
protocol's ``Browser.crash``) or fail an assertion with the browser alive."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import CHROMIUM
from tests.ci import IN_CI

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser

# As tests/conftest.py loads it: after pytest-playwright, so its fixtures override that plugin's.
INNER_CONFTEST = """
pytest_plugins = ["tests.browser"]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real Chromium")
"""

INNER_TESTS = """
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
ATTEMPTS = {}


def attempt(name):
    ATTEMPTS[name] = ATTEMPTS.get(name, 0) + 1
    print(f"attempt {ATTEMPTS[name]} of {name}")
    return ATTEMPTS[name]


def crash(page):
    try:
        page.context.new_cdp_session(page).send("Browser.crash")
    except Exception:
        pass  # the session dies with the browser; the test's next step is what fails


def test_crashes_once(page):
    first = attempt("crashes_once") == 1
    page.set_content("<p>booked</p>")
    if first:
        crash(page)
    expect(page.locator("p")).to_have_text("booked")


def test_crashes_every_time(page):
    attempt("crashes_every_time")
    page.set_content("<p>booked</p>")
    crash(page)
    expect(page.locator("p")).to_have_text("booked")


def test_fails_with_the_browser_alive(page):
    attempt("fails_with_the_browser_alive")
    page.set_content("<p>booked</p>")
    expect(page.locator("p")).to_have_text("denied", timeout=300)
"""


def test_only_a_dead_browser_reruns_its_test_once(pytester, monkeypatch):
    if not CHROMIUM.exists() and not IN_CI:
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=INNER_TESTS)

    result = pytester.runpytest_subprocess("-p", "no:django", "-rR", "-s")

    outcomes = result.parseoutcomes()
    assert (outcomes.get("passed"), outcomes.get("failed"), outcomes.get("errors")) == (1, 2, None)
    out = result.stdout.str()
    assert "RERUN test_inner.py::test_fails_with_the_browser_alive" not in out
    assert "attempt 2 of crashes_once" in out
    assert "attempt 2 of crashes_every_time" in out
    assert "attempt 3 of crashes_every_time" not in out
    assert "attempt 1 of fails_with_the_browser_alive" in out
    assert "attempt 2 of fails_with_the_browser_alive" not in out
