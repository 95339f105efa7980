"""Fixtures of the lifecycle tests: a room that requires check-in, one that does not, bookings
made through the booking service, and what the event log and the outbox recorded."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from apps.booking import services
from apps.booking.models import Booking
from apps.notification.models import Notification
from roombooking.models import EventLog
from tests.factories import UserFactory

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
_days = itertools.count(20)


def next_start() -> dt.datetime:
    """A whole hour on a future day no other booking of these tests uses (UTC)."""
    day = dt.datetime.now(dt.UTC) + dt.timedelta(days=next(_days))
    return day.replace(hour=1, minute=0, second=0, microsecond=0)


def book(user, room, *, start: dt.datetime | None = None, length: dt.timedelta = HOUR) -> Booking:
    start = start or next_start()
    return services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + length
    )


def events_of(booking_id: int, *types: str) -> list[str]:
    records = EventLog.objects.filter(booking_id=booking_id).order_by("id")
    if types:
        records = records.filter(event_type__in=types)
    return list(records.values_list("event_type", flat=True))


def emails_of(booking_id: int, *types: str) -> list[tuple[str, str, str]]:
    """(event type, recipient, contents) of the booking's outbox rows, in order."""
    rows = Notification.objects.filter(booking_id=booking_id).order_by("id")
    if types:
        rows = rows.filter(event_type__in=types)
    return [(n.event_type, n.recipient_username, n.contents) for n in rows]


def fresh(booking: Booking) -> Booking:
    return Booking.objects.select_related("room").get(pk=booking.pk)


@pytest.fixture(autouse=True)
def _no_write_throttle(settings):
    settings.API_THROTTLE_WRITES = ""


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", is_staff=True)


@pytest.fixture
def check_in_room(db, manager):
    return services.create_room(
        name="Focus", capacity=4, managers=[manager.username], requires_check_in=True
    )


@pytest.fixture
def plain_room(db, manager):
    return services.create_room(name="Lounge", capacity=8, managers=[manager.username])
