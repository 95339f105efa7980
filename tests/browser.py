"""Fixtures of the real-browser tests (pytest-playwright driving Debian's Chromium), loaded for
the whole suite by tests/conftest.py. A test opts in with the ``browser`` marker and the ``page``
fixture.

Each test gets a browser of its own, and a test whose browser process died under it runs once
more with a new one (pytest-rerunfailures). A Chromium crash (seen once in CI: the browser went
away between a click and the next page, and the next test could not open a context) is the
browser's, not the page's. Whether the browser died is asked of the browser, not read from the
error: an ``expect()`` that starts after the crash only says "Actual value: None". Any failure
with the browser still running, an assertion or a timeout, fails at once.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.ci import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (containers), and nothing that reaches out to the network on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_DIED = pytest.StashKey[bool]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in item.keywords:
            died = functools.partial(_browser_died, item)
            item.add_marker(pytest.mark.flaky(reruns=1, condition=died))


def _browser_died(item: pytest.Item) -> bool:
    """Asked by pytest-rerunfailures after a failed attempt, its teardown included."""
    return item.stash.get(BROWSER_DIED, False)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the system Chromium (``playwright install`` is never used). Without it the browser
    tests skip locally; under CI=true they fail, since CI must run them.

    Playwright's sync API runs an event loop in the test thread, so from here on Django's
    async-safety check must allow ORM calls from that thread (database setup included)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def browser(launch_browser: Callable[[], Browser], request) -> Iterator[Browser]:
    """A browser a test (pytest-playwright's is one a session), so a crash stays in its test and
    the test's rerun starts a new one. The launch costs little next to a live-server test."""
    request.node.stash[BROWSER_DIED] = False
    browser = launch_browser()
    yield browser
    request.node.stash[BROWSER_DIED] = not browser.is_connected()
    if browser.is_connected():
        browser.close()


@pytest.fixture
def browser_ready(settings):
    """The live server speaks plain HTTP, so its cookies must not be Secure-only."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: docs/img with UPDATE_SCREENSHOTS=1 (to refresh the docs), else a
    temporary folder (they are still taken, so a broken page fails the same way)."""
    if os.environ.get("UPDATE_SCREENSHOTS"):
        folder = Path(__file__).resolve().parents[1] / "docs" / "img"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path
