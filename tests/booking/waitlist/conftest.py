"""Fixtures of the waitlist tests: a slot taken by someone, people waiting for it."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.booking import services
from tests.booking.conftest import future
from tests.factories import UserFactory

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def slot() -> tuple[dt.datetime, dt.datetime]:
    start = future(days=20, hour=10)
    return start, start + HOUR


@pytest.fixture
def taken(room, slot):
    """The booking that takes ``slot`` (by "holder")."""
    start, end = slot
    return services.create_booking(
        actor=UserFactory(username="holder"), room_id=room.pk, use_start_dtm=start, use_end_dtm=end
    )


@pytest.fixture
def join(room, slot):
    """``join(user, start=..., end=...)``: put ``user`` on the waitlist (default: ``slot``)."""

    def make(user, *, start: dt.datetime | None = None, end: dt.datetime | None = None, **kw):
        return services.join_waitlist(
            actor=user,
            room_id=kw.get("room_id", room.pk),
            use_start_dtm=start or slot[0],
            use_end_dtm=end or slot[1],
        )

    return make


@pytest.fixture
def carol(db):
    return UserFactory(username="carol")


def refreshed(entry):
    entry.refresh_from_db()
    return entry
