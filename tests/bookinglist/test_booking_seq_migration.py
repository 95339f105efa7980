"""The migration that added ``BookingListRow.booking_seq`` fills it in from the event log, as a
replay would: the seq of the row's latest booking event, not of a later approval."""

from __future__ import annotations

import pytest

from apps.booking import services as booking_services
from apps.bookinglist.models import BookingListRow
from apps.bookinglist.replay import drift
from roombooking.models import EventLog
from tests.booking.test_day_view_migration import migrate, migrate_to_latest
from tests.bookinglist.test_calendar_feeds import approve, book
from tests.factories import UserFactory

BEFORE = [("bookinglist", "0004_confirm_status_expired")]
AFTER = [("bookinglist", "0005_booking_seq")]


@pytest.mark.django_db(transaction=True)
def test_existing_rows_take_the_seq_of_their_last_booking_event(user):
    manager = UserFactory(username="manager", is_staff=True)
    room = booking_services.create_room(name="Room 101", capacity=6, managers=["manager"])
    approved, pending = book(user, room, days=3), book(user, room, days=4)
    approve(approved, manager)
    try:
        migrate(BEFORE)
        migrate(AFTER)
        seqs = dict(BookingListRow.objects.values_list("booking_id", "booking_seq"))
        differences = drift()
    finally:
        migrate_to_latest()
    created = dict(
        EventLog.objects.filter(event_type="BookingCreated").values_list("booking_id", "id")
    )
    assert seqs == {approved.pk: created[approved.pk], pending.pk: created[pending.pk]}
    assert differences == []
