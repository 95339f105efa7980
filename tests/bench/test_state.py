"""bench.state.Baseline: every measurement starts from the same rows, a used office's."""

import datetime as dt

import pytest
from django.db import connection

from apps.booking import services
from apps.booking.models import Booking, Room
from apps.bookinglist.models import BookingListRow
from apps.confirm.models import Confirm
from apps.notification.models import Notification
from roombooking.models import EventLog
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the benchmarks run on PostgreSQL (CI runs it)"
)

BASE_EPOCH = 1_900_000_000


def _database_url() -> str:
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def _book(user, room, *, days: int) -> Booking:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=days)
    return services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + dt.timedelta(hours=1)
    )


@pytest.mark.django_db(transaction=True)
def test_a_restore_brings_back_the_history_and_keeps_the_rows_that_were_there(settings):
    from bench.run import booking_models
    from bench.state import HISTORY_PER_USER, Baseline

    settings.BOOKING_MAX_FUTURE_PER_USER = 100_000_000  # as the bench's server has it
    bookers = [UserFactory(username=f"bench{n}", email=f"b{n}@example.com") for n in (1, 2, 3)]
    manager = UserFactory(username="bench-manager")
    rooms = [services.create_room(name=f"Room {n}", capacity=4, managers=[manager.username])
             for n in (1, 2)]  # fmt: skip
    kept = _book(bookers[0], rooms[0], days=2)  # stands for the loaded booking list
    for model in (Booking, Confirm, Notification, EventLog):  # its list row stays: the loaded
        model.objects.all().delete()  # rows stand alone, as this row does now

    baseline = Baseline(_database_url(), booking_models(), base_epoch=BASE_EPOCH)

    history = list(Booking.objects.order_by("use_start_dtm"))
    assert len(history) == baseline.bookings == 3 * HISTORY_PER_USER
    for booker in bookers:  # each bench user holds the cap's worth of upcoming bookings
        assert Booking.objects.filter(booking_user=booker, status="BOOKED").count() == 100
    assert not Booking.objects.filter(booking_user=manager).exists()
    assert {b.room_id for b in history} == {rooms[0].pk, rooms[1].pk}
    first = min(b.use_start_dtm for b in history).timestamp()
    assert first > BASE_EPOCH + 5_000_000 * 60  # after every slot the generators draw

    made = _book(bookers[1], rooms[1], days=4)
    assert Confirm.objects.exists() and Notification.objects.exists()

    baseline.restore()

    assert Booking.objects.count() == 3 * HISTORY_PER_USER
    assert not Booking.objects.filter(pk=made.pk).exists()
    assert list(BookingListRow.objects.values_list("booking_id", flat=True)) == [kept.pk]
    assert not Confirm.objects.exists()
    assert not Notification.objects.exists()
    assert not EventLog.objects.exists()
    assert Room.objects.count() == 2 and rooms[0].managers.filter(pk=manager.pk).exists()
