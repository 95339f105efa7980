"""A policy change racing a booking, on PostgreSQL: the booking reads its room FOR SHARE, so it is
checked against the policies in force when it commits. A booking that starts while a stricter
policy is being saved waits for it and is refused by it; a policy change waits for the bookings
that have read the old policies (services.slots.room_for_booking)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections, transaction

from apps.booking import services
from apps.booking.models import Booking
from apps.booking.services.slots import active_room
from tests.booking.conftest import future

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HALF_HOUR = dt.timedelta(minutes=30)


def in_thread(work):
    """Run ``work`` on its own connection in another thread; a future of its result."""

    def run():
        try:
            return work()
        finally:
            connections.close_all()  # this thread's connection

    pool = ThreadPoolExecutor(1)
    future_result = pool.submit(run)
    pool.shutdown(wait=False)
    return future_result


def test_a_booking_made_during_a_stricter_policy_change_obeys_it(user, room):
    saving = threading.Event()
    start = future(days=5)

    def stricter_policy():
        with transaction.atomic():
            services.update_room(room_id=room.pk, min_duration=dt.timedelta(hours=1))
            saving.set()
            # Still uncommitted: the booking below starts now and must wait for us.
            threading.Event().wait(0.5)

    change = in_thread(stricter_policy)
    assert saving.wait(10)

    def book():
        try:
            services.create_booking(
                actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HALF_HOUR
            )
            return "booked"
        except ValidationError as error:
            return error.message_dict

    booking = in_thread(book)
    change.result(timeout=30)
    refused = booking.result(timeout=30)
    assert refused != "booked", "a 30 min booking slipped past the new 1 h minimum"
    assert "(min_duration)" in refused["useEndDtm"][0]
    assert not Booking.objects.filter(room=room).exists()


def test_a_change_made_during_a_stricter_policy_change_obeys_it(user, room):
    start = future(days=5)
    booking = services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HALF_HOUR
    )
    saving = threading.Event()

    def stricter_policy():
        with transaction.atomic():
            services.update_room(room_id=room.pk, max_duration=dt.timedelta(hours=1))
            saving.set()
            threading.Event().wait(0.5)

    change = in_thread(stricter_policy)
    assert saving.wait(10)

    def lengthen():
        try:
            end = start + 4 * HALF_HOUR
            services.change_booking(actor=user, booking_id=booking.pk, use_end_dtm=end)
            return "changed"
        except ValidationError as error:
            return error.message_dict

    outcome = in_thread(lengthen)
    change.result(timeout=30)
    refused = outcome.result(timeout=30)
    assert refused != "changed", "a 2 h booking slipped past the new 1 h maximum"
    assert "at most 1 h 00 min" in refused["useEndDtm"][0]


def test_a_policy_change_waits_for_a_booking_that_has_read_the_room(user, room):
    read = threading.Event()
    release = threading.Event()

    def booking_under_way():
        with transaction.atomic():
            active_room(room.pk)  # what create_booking reads first
            read.set()
            release.wait(10)

    booking = in_thread(booking_under_way)
    assert read.wait(10)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
            with pytest.raises(OperationalError, match="lock timeout"):
                services.set_opening_hours(room_id=room.pk, opening_hours=[])
    finally:
        release.set()
        booking.result(timeout=30)
    services.set_opening_hours(room_id=room.pk, opening_hours=[])  # free again once it ended
