"""Each event's effect on the booking list row, and stale or repeated events ignored."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.bookinglist import services
from apps.bookinglist.models import BookingListManager, BookingListRow
from roombooking.models import EventLog
from tests.bookinglist.builders import (
    T0,
    cancelled,
    changed,
    completed,
    created,
    denied,
    publish,
    requested,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_bookinglist_listens")]


def row(booking_id: int) -> BookingListRow:
    return BookingListRow.objects.get(pk=booking_id)


def managers(booking_id: int) -> list[str]:
    return sorted(
        BookingListManager.objects.filter(row_id=booking_id).values_list("username", flat=True)
    )


def test_booking_created_inserts_a_row():
    booking = created(room_managers=("manager", "mia"))
    [seq] = publish(booking)
    r = row(booking.booking_id)
    assert (r.room_id, r.room_name, r.booking_user_id) == (556677, "Conference room A", "alice")
    assert (r.use_start_dtm, r.use_end_dtm) == (T0, T0 + dt.timedelta(hours=1))
    assert r.booking_dtm == booking.booking_dtm
    assert r.booking_status == "BOOKED"
    assert (r.confirm_id, r.confirm_status, r.confirm_user_id, r.confirm_dtm) == (None,) * 4
    assert r.cancelled_dtm is None
    assert r.last_seq == seq
    assert r.updated_dtm == EventLog.objects.get(pk=seq).occurred_at
    assert r.room_managers == ["manager", "mia"]
    assert managers(booking.booking_id) == ["manager", "mia"]


def test_confirm_requested_sets_the_confirm_fields():
    booking = created()
    publish(booking, requested(booking, confirm_id=7))
    r = row(booking.booking_id)
    assert (r.confirm_id, r.confirm_status, r.confirm_user_id, r.confirm_dtm) == (
        7,
        "BOOKED",
        None,
        None,
    )


def test_booking_changed_updates_room_times_user_and_managers():
    booking = created()
    publish(booking, requested(booking, confirm_id=7))
    later = T0 + dt.timedelta(days=2)
    [seq] = publish(
        changed(
            booking,
            room_id=42,
            room_name="Small room",
            room_managers=("bob",),
            booking_user_id="carol",
            use_start_dtm=later,
            use_end_dtm=later + dt.timedelta(minutes=30),
        )
    )
    r = row(booking.booking_id)
    assert (r.room_id, r.room_name, r.booking_user_id) == (42, "Small room", "carol")
    assert (r.use_start_dtm, r.use_end_dtm) == (later, later + dt.timedelta(minutes=30))
    assert r.confirm_status == "BOOKED"  # untouched by a booking event
    assert r.last_seq == seq
    assert managers(booking.booking_id) == ["bob"]
    assert r.room_managers == ["bob"]


def test_confirm_completed_records_the_decision():
    booking = created()
    decided = T0 - dt.timedelta(hours=3)
    publish(booking, requested(booking, confirm_id=7))
    publish(completed(booking, confirm_id=7, by="manager", at=decided))
    r = row(booking.booking_id)
    assert (r.confirm_id, r.confirm_status, r.confirm_user_id, r.confirm_dtm) == (
        7,
        "CONFIRMED",
        "manager",
        decided,
    )
    assert r.booking_status == "BOOKED"


def test_booking_cancelled_keeps_the_row_marked_cancelled():
    booking = created()
    publish(booking, requested(booking, confirm_id=7))
    at = T0 - dt.timedelta(hours=2)
    publish(cancelled(booking, at=at))
    r = row(booking.booking_id)
    assert r.booking_status == "CANCELLED"
    assert r.cancelled_dtm == at
    assert r.cancel_cause == "USER"
    assert r.confirm_status == "BOOKED"  # the last known approval state stays visible


def test_a_denial_shows_denied_and_cancelled():
    booking = created()
    publish(booking, requested(booking, confirm_id=7))
    publish(
        denied(booking, confirm_id=7, reason="Room under repair"),
        cancelled(booking, cause="DENIED", reason="Room under repair"),
    )
    r = row(booking.booking_id)
    assert (r.confirm_status, r.confirm_user_id, r.confirm_reason) == (
        "DENIED",
        "manager",
        "Room under repair",
    )
    assert (r.booking_status, r.cancel_cause, r.cancel_reason) == (
        "CANCELLED",
        "DENIED",
        "Room under repair",
    )


def test_a_repeated_event_is_ignored():
    booking = created()
    [created_seq, requested_seq] = publish(booking, requested(booking, confirm_id=7))
    [completed_seq] = publish(completed(booking, confirm_id=7))
    before = row(booking.booking_id)
    event = requested(booking, confirm_id=7)
    assert services.record_event(event=event, seq=requested_seq) is False
    assert services.record_event(event=booking, seq=created_seq) is False
    after = row(booking.booking_id)
    assert after.confirm_status == "CONFIRMED"
    assert after.last_seq == completed_seq
    assert after.updated_dtm == before.updated_dtm


def test_a_stale_event_is_ignored():
    """An event older than the row's last one (a late redelivery) changes nothing."""
    booking = created()
    [seq] = publish(booking)
    publish(cancelled(booking))
    assert services.record_event(event=changed(booking, room_id=1), seq=seq) is False
    r = row(booking.booking_id)
    assert (r.booking_status, r.room_id) == ("CANCELLED", 556677)


def test_an_approval_event_without_a_row_writes_nothing():
    booking = created()
    publish(requested(booking, confirm_id=7))
    assert not BookingListRow.objects.exists()


def test_the_row_is_written_in_the_publishing_transaction():
    from django.db import transaction

    booking = created()
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(booking)
        assert BookingListRow.objects.filter(pk=booking.booking_id).exists()
        raise RuntimeError("the change fails after publishing")
    assert not BookingListRow.objects.filter(pk=booking.booking_id).exists()
