"""Fixtures of the confirm app's tests: room managers and approval requests made from events."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from apps.confirm.models import Confirm
from roombooking.roles import ROOM_MANAGERS_GROUP
from tests.confirm import events
from tests.factories import UserFactory


def make_manager(username: str):
    manager = UserFactory(username=username, is_staff=True)
    manager.groups.add(Group.objects.get(name=ROOM_MANAGERS_GROUP))
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
