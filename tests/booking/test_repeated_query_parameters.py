"""A query parameter that takes one value, given twice, is a 400 naming it, outside the filter
sets too (roombooking/queries.py): the last value would have decided the answer."""

from __future__ import annotations

import pytest

from apps.booking import services
from tests.booking.conftest import compact, future

pytestmark = pytest.mark.django_db


def _assert_given_twice(response, name: str) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {name: ["Give one value; it was given 2 times."]}


def test_available_rooms(client_for, user, room):
    start, end = compact(future(hour=9)), compact(future(hour=10))
    client = client_for(user)
    once = {"start": start, "end": end}
    assert client.get("/rooms/available", once).status_code == 200
    _assert_given_twice(client.get("/rooms/available", {**once, "end": [end, end]}), "end")
    _assert_given_twice(client.get("/rooms/available", {**once, "capacity": [1, 9]}), "capacity")


def test_a_rooms_day(client_for, user, room):
    client = client_for(user)
    day = future(hour=9).date().isoformat()
    assert client.get(f"/rooms/{room.pk}/availability", {"date": day}).status_code == 200
    answer = client.get(f"/rooms/{room.pk}/availability", {"date": [day, "2030-01-01"]})
    _assert_given_twice(answer, "date")


def test_the_scope_of_a_change(client_for, user, room):
    booking = services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=future(hour=9), use_end_dtm=future(hour=10)
    )
    client = client_for(user)
    _assert_given_twice(client.delete(f"/bookings/{booking.pk}?scope=this&scope=all"), "scope")
    assert client.delete(f"/bookings/{booking.pk}?scope=this").status_code == 204
