"""A feed URL is its only credential: it never reaches the logs, neither Django's (a 4xx's path
is logged by django.request) nor gunicorn's access log."""

from __future__ import annotations

import datetime as dt
import io
import logging
import types

import pytest
from django.core.cache import cache
from gunicorn.config import Config

from roombooking.gunicorn_logger import RedactingLogger

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """What the configured console handler (settings.LOGGING) writes."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_throttled_valid_token_is_logged_redacted(
    api_client, client_for, user, settings, console
):
    cache.clear()
    settings.CALENDAR_FEED_THROTTLE = "1/min"
    response = client_for(user).post("/calendarTokens", {"kind": "personal"}, format="json")
    token = response.json()["token"]
    path = f"/calendars/{token}.ics"
    assert api_client.get(path, HTTP_ACCEPT="text/calendar").status_code == 200
    assert api_client.get(path, HTTP_ACCEPT="text/calendar").status_code == 429
    logged = console.getvalue()
    assert "/calendars/<redacted>" in logged  # the 429 is logged, without the token
    assert token not in logged
    cache.clear()


def test_the_access_log_redacts_feed_urls():
    logger = RedactingLogger(Config())
    token = "x" * 43
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/calendars/{token}.ics",
        "PATH_INFO": f"/calendars/{token}.ics",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "QUERY_STRING": "",
        "REMOTE_ADDR": "10.0.0.1",
    }
    response = types.SimpleNamespace(status="200 OK", headers=[], sent=10)
    request = types.SimpleNamespace(headers=[("REFERER", f"https://x/calendars/{token}.ics")])
    atoms = logger.atoms(response, request, environ, dt.timedelta(seconds=1))
    assert atoms["r"] == "GET /calendars/<redacted> HTTP/1.1"
    assert atoms["U"] == "/calendars/<redacted>"
    assert token not in repr(atoms)
