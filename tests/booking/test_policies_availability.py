"""Finding a room obeys the room policies: ``/rooms/available`` leaves out rooms whose policies
refuse the window, ``/rooms/{id}/availability`` offers free slots only within the opening hours,
and the day view's cells are free only when the room is open and the day is not too far ahead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from apps.booking import services
from tests.booking.conftest import compact, future

pytestmark = pytest.mark.django_db


def hours_every_day(opens: int, closes: int) -> list[dict]:
    return [
        {"weekday": day, "opens": dt.time(opens), "closes": dt.time(closes)} for day in range(7)
    ]


@pytest.fixture
def rooms(db):
    return {
        "plain": services.create_room(name="Plain", capacity=2),
        "daytime": services.create_room(
            name="Daytime", capacity=4, opening_hours=hours_every_day(9, 17)
        ),
        "long": services.create_room(name="Long", capacity=6, min_duration=dt.timedelta(hours=2)),
        "soon": services.create_room(name="Soon", capacity=8, max_days_ahead=7),
    }


def free(client, start: dt.datetime, end: dt.datetime) -> list[str]:
    response = client.get("/rooms/available", {"start": compact(start), "end": compact(end)})
    assert response.status_code == 200, response.json()
    return [room["name"] for room in response.json()["rooms"]]


def test_free_rooms_leave_out_rooms_whose_policies_refuse_the_window(client_for, user, rooms):
    alice = client_for(user)
    assert free(alice, future(days=3, hour=10), future(days=3, hour=12)) == [
        "Plain",
        "Daytime",
        "Long",
        "Soon",
    ]
    assert free(alice, future(days=3, hour=8), future(days=3, hour=9)) == ["Plain", "Soon"]
    assert free(alice, future(days=30, hour=10), future(days=30, hour=12)) == [
        "Plain",
        "Daytime",
        "Long",
    ]


def test_free_rooms_read_opening_hours_in_the_same_query(
    client_for, user, rooms, django_assert_num_queries
):
    alice = client_for(user)
    with django_assert_num_queries(1):  # the rooms, joined with the opening hours of "Daytime"
        free(alice, future(days=3, hour=10), future(days=3, hour=12))
    services.set_opening_hours(room_id=rooms["daytime"].pk, opening_hours=[])
    with django_assert_num_queries(1):
        free(alice, future(days=3, hour=10), future(days=3, hour=12))


def test_a_rooms_free_slots_lie_within_its_opening_hours(client_for, user, rooms):
    date = future(days=3).date()
    services.create_booking(
        actor=user, room_id=rooms["daytime"].pk,
        use_start_dtm=future(days=3, hour=11), use_end_dtm=future(days=3, hour=12),
    )  # fmt: skip
    body = client_for(user).get(
        f"/rooms/{rooms['daytime'].pk}/availability", {"date": date.isoformat()}
    )
    assert body.status_code == 200, body.json()
    assert body.json()["free"] == [
        {"start": f"{date}T09:00:00+09:00", "end": f"{date}T11:00:00+09:00"},
        {"start": f"{date}T12:00:00+09:00", "end": f"{date}T17:00:00+09:00"},
    ]
    services.set_opening_hours(
        room_id=rooms["daytime"].pk,
        opening_hours=[
            {"weekday": (date.weekday() + 1) % 7, "opens": dt.time(9), "closes": dt.time(17)}
        ],
    )
    closed = client_for(user).get(
        f"/rooms/{rooms['daytime'].pk}/availability", {"date": date.isoformat()}
    )
    assert closed.json()["free"] == []


def test_day_view_cells_are_free_only_when_the_room_takes_bookings(user, rooms):
    client = Client()
    client.force_login(user)
    date = future(days=3).date()
    rows = {row.room.name: row for row in client.get(f"/day?date={date}").context["rows"]}
    assert [cell.hour for cell in rows["Daytime"].cells if cell.free] == list(range(9, 17))
    assert all(cell.free for cell in rows["Soon"].cells)
    far = future(days=30).date()
    rows = {row.room.name: row for row in client.get(f"/day?date={far}").context["rows"]}
    assert not any(cell.free for cell in rows["Soon"].cells)  # beyond 7 days ahead
    assert all(cell.free for cell in rows["Long"].cells)  # the form's duration is the booker's
