"""Durations across a daylight-saving change, and the exact limits of the room policies.

A booking's length is elapsed time: Berlin skips 02:00-03:00 on 2030-03-31 (01:00 -> 04:00 local
is 2 h) and repeats 02:00-03:00 on 2030-10-27 (01:30 -> 03:00 local is 2 h 30). Creating a booking
(naive times read in the room's zone) and changing one (stored UTC times) must agree. The clock
stands still (time_machine), so nothing here depends on today's date."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from apps.booking import services

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2030, 3, 4, 9, 0, tzinfo=BERLIN)  # a Monday, weeks before both changes


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def berlin_room(name: str = "Berlin", **policies):
    return services.create_room(name=name, capacity=4, time_zone="Europe/Berlin", **policies)


def post(client, room, start: str, end: str):
    return client.post(
        "/bookings", {"roomId": room.pk, "useStartDtm": start, "useEndDtm": end}, format="json"
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2030-03-31T01:00", "2030-03-31T04:00"),  # naive: the room's wall clock
        ("2030-03-31T01:00+01:00", "2030-03-31T04:00+02:00"),  # the same instants with offsets
    ],
)
def test_a_spring_booking_lasts_its_elapsed_time(client_for, user, start, end):
    room = berlin_room(max_duration=dt.timedelta(hours=2, minutes=30))
    response = post(client_for(user), room, start, end)
    assert response.status_code == 201, response.content
    assert response.json()["useEndDtm"] == "2030-03-31T04:00:00+02:00"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2030-10-27T01:30", "2030-10-27T03:00"),
        ("2030-10-27T01:30+02:00", "2030-10-27T03:00+01:00"),
    ],
)
def test_an_autumn_booking_longer_than_the_maximum_is_refused(client_for, user, start, end):
    room = berlin_room(max_duration=dt.timedelta(hours=2))
    response = post(client_for(user), room, start, end)
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {
        "useEndDtm": [
            "The booking lasts 2 h 30 min; Berlin takes bookings of at most 2 h 00 min "
            "(max_duration)."
        ]
    }


def test_the_minimum_duration_counts_elapsed_time_too(user):
    room = berlin_room(min_duration=dt.timedelta(minutes=90))
    with pytest.raises(ValidationError) as refused:  # 01:30 -> 03:30 local is one hour
        services.create_booking(
            actor=user,
            room_id=room.pk,
            use_start_dtm=dt.datetime(2030, 3, 31, 1, 30),
            use_end_dtm=dt.datetime(2030, 3, 31, 3, 30),
        )
    assert refused.value.message_dict == {
        "useEndDtm": [
            "Bookings of Berlin last at least 1 h 30 min (min_duration); this one lasts 1 h 00 min."
        ]
    }


def test_a_change_measures_like_a_new_booking(client_for, user):
    """PATCH compares stored UTC times with the new ones; POST reads both in the room's zone.
    Both must give the same answer for the same interval."""
    room = berlin_room(max_duration=dt.timedelta(hours=2, minutes=30))
    alice = client_for(user)
    created = post(alice, room, "2030-03-31T03:00", "2030-03-31T04:00")
    assert created.status_code == 201, created.content
    url = f"/bookings/{created.json()['id']}"
    moved = alice.patch(url, {"useStartDtm": "2030-03-31T01:00"}, format="json")  # 2 h
    assert moved.status_code == 200, moved.content
    assert moved.json()["useStartDtm"] == "2030-03-31T01:00:00+01:00"
    autumn = berlin_room("Autumn", max_duration=dt.timedelta(hours=2))
    booked = post(alice, autumn, "2030-10-27T01:30", "2030-10-27T02:30")
    assert booked.status_code == 201, booked.content
    longer = alice.patch(
        f"/bookings/{booked.json()['id']}", {"useEndDtm": "2030-10-27T03:00"}, format="json"
    )
    assert longer.status_code == 400, longer.content
    assert "lasts 2 h 30 min" in longer.json()["errors"]["useEndDtm"][0]
    same_as_new = post(alice, autumn, "2030-10-27T01:30", "2030-10-27T03:00")
    assert same_as_new.json()["errors"] == longer.json()["errors"]


def test_exactly_the_maximum_duration_is_accepted(user):
    room = berlin_room(max_duration=dt.timedelta(hours=4))
    start = dt.datetime(2030, 3, 31, 0, 0)  # 00:00 -> 05:00 local: 4 h across the change
    booking = services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=dt.datetime(2030, 3, 31, 5)
    )
    assert booking.use_end_dtm - booking.use_start_dtm == dt.timedelta(hours=4)
    with pytest.raises(ValidationError) as refused:
        services.create_booking(
            actor=user,
            room_id=room.pk,
            use_start_dtm=dt.datetime(2030, 4, 1, 9),
            use_end_dtm=dt.datetime(2030, 4, 1, 13, 0, 1),
        )
    assert "lasts 4 h 00 min" in refused.value.message_dict["useEndDtm"][0]


def test_a_start_exactly_max_days_ahead_is_accepted(user):
    """``maxDaysAhead`` counts 24-hour days from now: 28 days from 09:00 +01:00 is 10:00 +02:00
    local time after the spring change; that instant is allowed, a second later is not."""
    room = berlin_room(max_days_ahead=28)
    latest = NOW.astimezone(dt.UTC) + dt.timedelta(days=28)
    assert latest.astimezone(BERLIN).hour == 10
    booking = services.create_booking(
        actor=user,
        room_id=room.pk,
        use_start_dtm=latest,
        use_end_dtm=latest + dt.timedelta(hours=1),
    )
    assert booking.use_start_dtm == latest
    later = latest + dt.timedelta(hours=1, seconds=1)  # after the first one ends
    with pytest.raises(ValidationError) as refused:
        services.create_booking(
            actor=user,
            room_id=room.pk,
            use_start_dtm=later,
            use_end_dtm=later + dt.timedelta(hours=1),
        )
    assert refused.value.message_dict == {
        "useStartDtm": [
            "Berlin takes bookings at most 28 days ahead (max_days_ahead): the start may be "
            "2030-04-01T10:00:00+02:00 at the latest."
        ]
    }
