"""Fixtures of the confirm app's tests: room managers and approval requests made from events."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from apps.confirm import services
from apps.confirm.models import Confirm
from tests.confirm import events
from tests.conftest import IN_CI
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _no_write_throttle(settings):
    """These tests make many bookings and decisions per user within seconds (the race tests
    especially); the per-user write limit is the platform's, tested there, and its counters live
    in a cache shared by the whole test session."""
    settings.API_THROTTLE_WRITES = ""


def make_manager(username: str):
    """A room manager as ``manage.py seed_demo`` makes one (the group is re-created if a
    transactional test's flush removed what the data migration made)."""
    manager = UserFactory(username=username, is_staff=True)
    services.make_room_manager(user=manager)
    return manager


@pytest.fixture
def manager(db):
    """Manages room 101 ("Hanla") in the events of tests/confirm/events.py."""
    return make_manager("manager")


@pytest.fixture
def other_manager(db):
    """Manages other rooms only."""
    return make_manager("carol")


@pytest.fixture
def request_for(db):
    """``request_for(**booking_fields)``: publish a BookingCreated, return (event, its Confirm)."""

    def make(**overrides):
        event = events.created(**overrides)
        events.publish(event)
        return event, Confirm.objects.get(booking_id=event.booking_id)

    return make


@pytest.fixture
def hanla(db, manager):
    """A real room of the booking app, managed by ``manager``."""
    from tests.confirm import bookings

    return bookings.room()


@pytest.fixture
def booked(hanla, user):
    """``booked(actor=user, room=hanla)``: a real booking and its approval request."""
    from tests.confirm import bookings

    def make(*, actor=None, room=None):
        return bookings.book(actor=actor or user, room=room or hanla)

    return make


# --- Real-browser tests (pytest-playwright driving Debian's Chromium) --------------------------

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
def browser_ready(settings):
    """The live server speaks plain HTTP, so its cookies must not be Secure-only."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: docs/img with UPDATE_SCREENSHOTS=1 (to refresh the docs), else a
    temporary folder (they are still taken, so a broken page fails the same way)."""
    if os.environ.get("UPDATE_SCREENSHOTS"):
        folder = Path(__file__).resolve().parents[2] / "docs" / "img"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path
