"""bench.run.reset_bookings: every benchmark run starts from the same, empty booking tables."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from apps.booking import services
from apps.booking.models import Booking, Room
from apps.bookinglist.models import BookingListRow
from apps.notification.models import Notification
from roombooking.models import EventLog
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the benchmarks run on PostgreSQL (CI runs it)"
)


@pytest.mark.django_db(transaction=True)
def test_a_run_starts_from_empty_booking_tables_and_keeps_the_users():
    from bench.run import reset_bookings

    booker = UserFactory(username="bench-reset-booker", email="b@example.com")
    room = services.create_room(name="Reset", capacity=4, managers=[booker.username])
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    services.create_booking(
        actor=booker,
        room_id=room.pk,
        use_start_dtm=start,
        use_end_dtm=start + dt.timedelta(hours=1),
    )
    tables = (Booking, Room, BookingListRow, Notification, EventLog)
    assert all(model.objects.exists() for model in tables)

    reset_bookings()

    assert not any(model.objects.exists() for model in tables)
    assert get_user_model().objects.filter(username="bench-reset-booker").exists()
    room = services.create_room(name="Again", capacity=4)
    assert room.pk == 1  # identities restart: every run numbers its rows alike
