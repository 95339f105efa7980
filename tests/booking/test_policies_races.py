"""The limits per person under races, on PostgreSQL: concurrent bookings by one person at the
per-room limit, or at the limit of upcoming bookings over all rooms, are counted one after the
other (the person's row lock, sent with the count in one round trip), so only as many pass as the
limit allows, whatever slots they ask for."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from apps.booking import services
from apps.booking.events import BOOKED
from apps.booking.models import Booking
from tests.booking.conftest import future

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOUR = dt.timedelta(hours=1)


def race(
    actor, room, days: list[int], rule: str = "(max_future_bookings_per_user)", **kwargs
) -> list[str]:
    """Book ``room`` for each day in ``days`` at once (one thread each); the outcomes, sorted.
    A refusal must name ``rule``."""
    barrier = threading.Barrier(len(days))

    def contend(day: int) -> str:
        try:
            barrier.wait(timeout=30)
            start = future(days=day)
            services.create_booking(
                actor=actor, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR,
                **kwargs,
            )  # fmt: skip
            return "booked"
        except ValidationError as error:
            assert rule in error.message_dict["bookingUserId"][0]
            return "refused"
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(len(days)) as pool:
        return sorted(pool.map(contend, days))


def test_two_concurrent_bookings_at_the_per_room_limit_only_one_passes(user, room):
    services.update_room(room_id=room.pk, max_future_bookings_per_user=2)
    start = future(days=5)
    services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
    )
    assert race(user, room, [10, 11]) == ["booked", "refused"]
    assert Booking.objects.filter(status=BOOKED, booking_user=user, room=room).count() == 2


def test_eight_concurrent_bookings_with_room_for_three(user, room):
    services.update_room(room_id=room.pk, max_future_bookings_per_user=3)
    assert race(user, room, list(range(10, 18))) == ["booked"] * 3 + ["refused"] * 5
    assert Booking.objects.filter(status=BOOKED, booking_user=user, room=room).count() == 3


def test_eight_concurrent_bookings_with_three_left_of_the_upcoming_limit(user, room, settings):
    settings.BOOKING_MAX_FUTURE_PER_USER = 4
    start = future(days=5)
    services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
    )
    outcomes = race(user, room, list(range(10, 18)), rule="the limit is 4")
    assert outcomes == ["booked"] * 3 + ["refused"] * 5
    assert Booking.objects.filter(status=BOOKED, booking_user=user).count() == 4
