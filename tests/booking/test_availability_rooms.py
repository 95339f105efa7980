"""``GET /rooms/available``: active rooms free for a whole window, with one query."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.booking import services
from tests.booking.conftest import compact, future

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(manager):
    return {
        "small": services.create_room(name="Small", capacity=4, equipment=["tv"]),
        "hall": services.create_room(
            name="Hall", capacity=40, equipment=["projector", "video call"]
        ),
        "lab": services.create_room(name="Lab", capacity=12, equipment=["projector"]),
        "closed": services.create_room(name="Closed", capacity=8, is_active=False),
    }


def book(user, room, start: dt.datetime, end: dt.datetime):
    return services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=end
    )


def free(client, **params) -> list[str]:
    response = client.get("/rooms/available", params)
    assert response.status_code == 200, response.json()
    return [room["name"] for room in response.json()["rooms"]]


def window(start: dt.datetime, end: dt.datetime) -> dict:
    return {"start": compact(start), "end": compact(end)}


def test_lists_active_rooms_free_for_the_whole_window_smallest_first(client_for, user, rooms):
    ten, eleven, noon = future(hour=10), future(hour=11), future(hour=12)
    book(user, rooms["lab"], ten, eleven)
    cancelled = book(user, rooms["hall"], ten, noon)
    services.cancel_booking(booking_id=cancelled.pk, actor=user.username)
    alice = client_for(user)

    assert free(alice, **window(ten, noon)) == ["Small", "Hall"]  # Lab taken, Closed closed
    assert free(alice, **window(eleven, noon)) == ["Small", "Lab", "Hall"]  # [10, 11) touches
    assert free(alice, **window(ten - dt.timedelta(hours=1), ten)) == ["Small", "Lab", "Hall"]
    assert free(alice, **window(future(hour=10, minute=59), noon)) == ["Small", "Hall"]


def test_filters_by_capacity_and_every_equipment_tag(client_for, user, rooms):
    alice = client_for(user)
    slot = window(future(hour=9), future(hour=10))
    assert free(alice, **slot, capacity=10) == ["Lab", "Hall"]
    assert free(alice, **slot, equipment="projector") == ["Lab", "Hall"]
    assert free(alice, **slot, equipment="Projector, video call") == ["Hall"]
    assert free(alice, **slot, equipment="video") == []  # whole tags only
    assert free(alice, **slot, capacity=13, equipment="projector") == ["Hall"]
    assert free(alice, **slot, capacity=41) == []


def test_answer_shape_and_local_times_in_the_servers_zone(client_for, user, rooms):
    day = future(days=40).date()
    response = client_for(user).get(
        "/rooms/available",
        {"start": f"{day:%Y%m%d}0900", "end": f"{day}T10:30:00Z", "capacity": 30},
    )
    assert response.json() == {
        "start": f"{day}T09:00:00+09:00",  # naive: Asia/Seoul (settings.TIME_ZONE)
        "end": f"{day}T19:30:00+09:00",  # the same instant as 10:30 UTC
        "capacity": 30,
        "equipment": [],
        "rooms": [
            {
                "id": rooms["hall"].pk,
                "name": "Hall",
                "capacity": 40,
                "location": "",
                "equipment": ["projector", "video call"],
                "timeZone": "Asia/Seoul",
            }
        ],
    }


def test_answers_with_one_query(client_for, user, rooms, django_assert_num_queries):
    for hour in range(8, 18):
        book(user, rooms["lab"], future(hour=hour), future(hour=hour, minute=30))
    alice = client_for(user)  # force_authenticate: authentication itself makes no query
    with django_assert_num_queries(1):
        names = free(alice, **window(future(hour=8), future(hour=9)), equipment="projector")
    assert names == ["Hall"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"end": "20300101100000"}, "start"),
        ({"start": "20300101100000"}, "end"),
        ({"start": "tomorrow", "end": "20300101100000"}, "start"),
        ({"start": "20300101100000", "end": "20300230100000"}, "end"),
        ({"start": "20300101100000", "end": "20300101100000"}, "end"),
        ({"start": "20300101100000", "end": "20300101090000"}, "end"),
        ({"start": "20300101000000", "end": "20300201000001"}, "end"),  # 31 days and a second
        ({"start": "20300101100000", "end": "20300101110000", "capacity": "0"}, "capacity"),
        ({"start": "20300101100000", "end": "20300101110000", "capacity": "many"}, "capacity"),
        ({"start": "20300101100000", "end": "20300101110000", "equipment": "x" * 701}, "equipment"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client_for, user, params, field):
    response = client_for(user).get("/rooms/available", params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_the_longest_window_is_31_days(client_for, user, rooms):
    response = client_for(user).get(
        "/rooms/available", {"start": "20300101000000", "end": "20300201000000"}
    )
    assert response.status_code == 200


def test_anonymous_is_401(api_client):
    response = api_client.get("/rooms/available", {"start": "203001011000", "end": "203001011100"})
    assert response.status_code == 401


def test_a_window_that_has_begun_is_400_not_every_room(client_for, user, rooms):
    """No room takes a booking that starts in the past, so "free" would be a false promise."""
    alice = client_for(user)
    with time_machine.travel(dt.datetime(2030, 1, 1, 10, 30, tzinfo=dt.UTC), tick=False):
        begun = alice.get(
            "/rooms/available", {"start": "2030-01-01T10:00:00Z", "end": "2030-01-01T11:00:00Z"}
        )
        ahead = alice.get(
            "/rooms/available", {"start": "2030-01-01T10:30:00Z", "end": "2030-01-01T11:00:00Z"}
        )
    assert begun.status_code == 400
    assert begun.json()["errors"] == {
        "start": ["The start 2030-01-01T19:00:00+09:00 is in the past."]
    }
    assert ahead.status_code == 200 and ahead.json()["rooms"]
