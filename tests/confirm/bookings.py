"""Real rooms and bookings, made through the booking app's API (``/rooms``, ``/bookings``), for
tests where the booking app's part matters (a denial cancels the booking)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from rest_framework.test import APIClient

from apps.confirm.models import Confirm
from tests.factories import UserFactory

_days = itertools.count(31)


@dataclass(frozen=True)
class Made:
    pk: int
    body: dict[str, Any]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def room(*, name: str = "Hanla", managers: tuple[str, ...] = ("manager",)) -> Made:
    """A room (created by a superuser) whose managers are the given usernames."""
    admin = UserFactory(username="rooms-admin", is_staff=True, is_superuser=True)
    response = api(admin).post(
        "/rooms", {"name": name, "capacity": 8, "managers": list(managers)}, format="json"
    )
    assert response.status_code == 201, response.content
    return Made(response.json()["id"], response.json())


def next_free_day() -> dt.datetime:
    """10:00 in Seoul on a future day no other booking of these tests uses."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=next(_days))).replace(
        hour=1, minute=0, second=0, microsecond=0
    )


def book(*, actor, room: Made, start: dt.datetime | None = None) -> tuple[Made, Confirm]:
    """``POST /bookings`` as ``actor``; returns the booking and its approval request."""
    start = start or next_free_day()
    response = api(actor).post(
        "/bookings",
        {
            "roomId": room.pk,
            "useStartDtm": start.isoformat(),
            "useEndDtm": (start + dt.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    booking = Made(response.json()["id"], response.json())
    return booking, Confirm.objects.get(booking_id=booking.pk)


def cancel(*, actor, booking_id: int) -> int:
    """``DELETE /bookings/{id}`` as ``actor``; the status code."""
    return api(actor).delete(f"/bookings/{booking_id}").status_code


def is_cancelled(booking_id: int) -> bool:
    from apps.booking.models import Booking  # read-only check of the booking app's table

    return Booking.objects.get(pk=booking_id).status == "CANCELLED"
