"""Fixtures of the confirm app's tests: room managers and approval requests made from events."""

from __future__ import annotations

import pytest

from apps.confirm import services
from apps.confirm.models import Confirm
from tests.confirm import events
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _no_write_throttle(settings):
    """These tests make many bookings and decisions per user within seconds (the race tests
    especially); the per-user write limit is the platform's, tested there, and its counters live
    in a cache shared by the whole test session."""
    settings.API_THROTTLE_WRITES = ""


def make_manager(username: str):
    """A room manager as ``manage.py seed_demo`` makes one (the group is re-created if a
    transactional test's flush removed what the data migration made)."""
    manager = UserFactory(username=username, is_staff=True)
    services.make_room_manager(user=manager)
    return manager


@pytest.fixture
def manager(db):
    """Manages room 101 ("Hanla") in the events of tests/confirm/events.py."""
    return make_manager("manager")


@pytest.fixture
def other_manager(db):
    """Manages other rooms only."""
    return make_manager("carol")


@pytest.fixture
def request_for(db):
    """``request_for(**booking_fields)``: publish a BookingCreated, return (event, its Confirm)."""

    def make(**overrides):
        event = events.created(**overrides)
        events.publish(event)
        return event, Confirm.objects.get(booking_id=event.booking_id)

    return make


@pytest.fixture
def hanla(db, manager):
    """A real room of the booking app, managed by ``manager``."""
    from tests.confirm import bookings

    return bookings.room()


@pytest.fixture
def booked(hanla, user):
    """``booked(actor=user, room=hanla)``: a real booking and its approval request."""
    from tests.confirm import bookings

    def make(*, actor=None, room=None):
        return bookings.book(actor=actor or user, room=room or hanla)

    return make
