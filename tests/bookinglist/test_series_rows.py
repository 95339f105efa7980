"""Occurrences of a series in the booking list: one row each, carrying ``seriesId``."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.booking import services
from apps.bookinglist import replay
from tests.booking.series_support import frozen, post_series
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock(settings):
    settings.API_THROTTLE_WRITES = ""
    with frozen():
        yield


def test_rows_carry_the_series_and_filter_by_it(client_for, user):
    UserFactory(username="manager")
    room = services.create_room(name="Orion", capacity=8, managers=["manager"])
    client = client_for(user)
    series = post_series(client, room, rrule="FREQ=DAILY;COUNT=3").json()
    ids = [o["id"] for o in series["occurrences"]]
    other = post_series(client, room, rrule="FREQ=DAILY;COUNT=2", start=_later(series))
    assert other.status_code == 201, other.content
    client.delete(f"/bookings/{ids[1]}?scope=following")
    rows = client.get(f"/bookingLists?seriesId={series['id']}&ordering=useStartDtm").json()
    assert [(r["bookingId"], r["bookingStatus"]) for r in rows["results"]] == [
        (ids[0], "BOOKED"),
        (ids[1], "CANCELLED"),
        (ids[2], "CANCELLED"),
    ]
    assert {r["seriesId"] for r in rows["results"]} == {series["id"]}
    assert client.get("/bookingLists?seriesId=abc").status_code == 400
    assert replay.drift() == []  # the rebuild from the log agrees, seriesId included


def _later(series):
    return dt.datetime.fromisoformat(series["useStartDtm"]) + dt.timedelta(days=10)
