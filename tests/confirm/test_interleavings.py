"""Interleavings forced in one thread: the moment between a view's permission check and the
service's row lock, where another action commits first. The same orders happen at random in
tests/confirm/test_races.py (PostgreSQL) and in the scale-out drill; here each runs every time,
on either database."""

from __future__ import annotations

import pytest

from apps.booking import selectors as booking_selectors
from apps.booking.models import Booking
from apps.confirm import services
from apps.confirm.events import DENIED
from roombooking.models import EventLog
from tests.confirm import bookings

pytestmark = pytest.mark.django_db


def test_a_cancel_that_a_denial_overtakes_is_a_404_not_a_204(booked, manager, user, monkeypatch):
    """The booker's DELETE saw the booking active; a manager's denial commits before the
    cancellation takes its lock. The booker must hear 404 (someone else cancelled it), not 204
    ("you cancelled it"), and the booking keeps the denial as its cause."""
    booking, confirm = booked()
    checked = booking_selectors.booking_for_writing

    def checked_then_denied(**kwargs):
        found = checked(**kwargs)
        services.deny_confirm(confirm_id=confirm.pk, user=manager, reason="Board meeting")
        return found

    monkeypatch.setattr(booking_selectors, "booking_for_writing", checked_then_denied)
    answer = bookings.api(user).delete(f"/bookings/{booking.pk}")

    assert answer.status_code == 404, answer.content
    assert Booking.objects.get(pk=booking.pk).cancel_cause == DENIED
    cancelled = EventLog.objects.filter(booking_id=booking.pk, event_type="BookingCancelled")
    assert cancelled.count() == 1  # the DELETE published nothing
