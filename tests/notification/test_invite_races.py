"""Concurrent changes of one booking (PostgreSQL, real concurrent transactions): each gets its
own SEQUENCE, in commit order, never the same one twice (the bus's per-booking lock orders them)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.booking import services as booking_services
from apps.notification.models import Notification
from tests.confirm.race import race
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5
START = dt.datetime(2030, 9, 2, 4, 0, tzinfo=dt.UTC)


def test_concurrent_changes_each_raise_the_sequence_once():
    alice = UserFactory(username="alice")
    UserFactory(username="manager", is_staff=True)
    room = booking_services.create_room(name="Raced", capacity=4, managers=["manager"])
    for round_ in range(ROUNDS):
        day = START + dt.timedelta(days=round_)
        booking = booking_services.create_booking(
            actor=alice, room_id=room.pk, use_start_dtm=day, use_end_dtm=day + dt.timedelta(hours=1)
        )

        def move(hours: int, booking_id: int = booking.pk, day: dt.datetime = day):
            return lambda: booking_services.change_booking(
                actor=alice,
                booking_id=booking_id,
                use_start_dtm=day + dt.timedelta(hours=hours),
                use_end_dtm=day + dt.timedelta(hours=hours + 1),
            )

        outcomes = race(move(2), move(4), move(6))
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        told_alice = list(
            Notification.objects.filter(booking_id=booking.pk, recipient_username="alice")
            .order_by("event_seq")
            .values_list("event_type", "ical_sequence")
        )
        assert told_alice == [
            ("BookingCreated", 0),
            ("BookingChanged", 1),
            ("BookingChanged", 2),
            ("BookingChanged", 3),
        ]
