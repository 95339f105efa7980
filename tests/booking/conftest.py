"""Fixtures of the booking tests: rooms, a room manager, times safely in the future."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from apps.booking import services
from tests.factories import UserFactory

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def future(days: int = 30, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A wall-clock time in Seoul ``days`` from today: far enough ahead never to be "past"."""
    day = dt.datetime.now(SEOUL).date() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SEOUL)


def compact(moment: dt.datetime) -> str:
    return moment.astimezone(SEOUL).strftime("%Y%m%d%H%M%S")


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", is_staff=True)


@pytest.fixture
def room(db, manager):
    return services.create_room(name="Room 101", capacity=6, managers=[manager.username])


@pytest.fixture
def other_room(db):
    return services.create_room(name="Big room", capacity=30, equipment=["projector"])


@pytest.fixture
def published(db):
    """The booking events published during the test, in order: ``[(type_name, payload)]``."""
    from roombooking.models import EventLog

    def read(prefix: str = "Booking") -> list[tuple[str, dict]]:
        return [
            (record.event_type, record.payload)
            for record in EventLog.objects.filter(event_type__startswith=prefix).order_by("id")
        ]

    return read
