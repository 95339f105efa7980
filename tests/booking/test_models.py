"""Rooms' field validation, the Office staff permissions and the PostgreSQL exclusion constraint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from apps.booking.events import BOOKED, CANCELLED
from apps.booking.models import NO_OVERLAP_CONSTRAINT, Booking, Room
from roombooking.roles import OFFICE_STAFF_GROUP


@pytest.mark.django_db
def test_room_defaults(settings):
    room = Room.objects.create(name="Room 1", capacity=4)
    assert room.time_zone == settings.TIME_ZONE
    assert room.max_duration == dt.timedelta(hours=12)
    assert room.is_active and room.equipment == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value",
    [
        ("time_zone", "Mars/Olympus"),
        ("equipment", "projector"),
        ("equipment", ["Projector!"]),
        ("equipment", ["x" * 33]),
        ("equipment", ["tv", "tv"]),
        ("equipment", [f"t{i}" for i in range(21)]),
        ("capacity", 0),
    ],
)
def test_room_field_validation(field, value):
    room = Room(**{"name": "R", "capacity": 4, field: value})
    with pytest.raises(ValidationError) as error:
        room.full_clean()
    assert field in error.value.message_dict


@pytest.mark.django_db
def test_office_staff_group_has_room_and_booking_permissions():
    codenames = set(
        Group.objects.get(name=OFFICE_STAFF_GROUP).permissions.values_list("codename", flat=True)
    )
    assert {"add_room", "change_room", "view_room", "view_booking", "change_booking"} <= codenames


@pytest.mark.django_db
def test_end_must_follow_start_in_the_database(user):
    room = Room.objects.create(name="R", capacity=4)
    start = dt.datetime(2030, 1, 1, 10, tzinfo=dt.UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(room=room, booking_user=user, use_start_dtm=start, use_end_dtm=start)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_exclusion_constraint_rejects_overlaps_of_active_bookings(user):
    room = Room.objects.create(name="R", capacity=4)
    other_room = Room.objects.create(name="S", capacity=4)
    t = dt.datetime(2030, 1, 1, 10, tzinfo=dt.UTC)
    hour = dt.timedelta(hours=1)

    def book(room, start, end, status=BOOKED):
        return Booking.objects.create(
            room=room, booking_user=user, use_start_dtm=start, use_end_dtm=end, status=status
        )

    book(room, t, t + hour)
    book(room, t + hour, t + 2 * hour)  # back to back: half-open intervals
    book(other_room, t, t + hour)  # another room
    book(room, t, t + hour, status=CANCELLED)  # cancelled bookings hold nothing
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        book(room, t + hour / 2, t + 3 * hour / 2)
    assert error.value.__cause__.diag.constraint_name == NO_OVERLAP_CONSTRAINT


@pytest.mark.django_db
def test_the_overlap_constraint_exists_only_on_postgresql():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE name = %s", [Booking._meta.db_table]
            )
            (sql,) = cursor.fetchone()
            assert "booking_end_after_start" in sql and "EXCLUDE" not in sql
        else:
            cursor.execute(
                "SELECT contype FROM pg_constraint WHERE conname = %s", [NO_OVERLAP_CONSTRAINT]
            )
            assert cursor.fetchone() == ("x",)  # x: exclusion constraint
