"""Booking events as the booking app publishes them, for driving the confirm app directly."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import asdict, fields

from django.db import transaction

from apps.booking.events import (
    BOOKED,
    CANCELLED,
    CAUSE_USER,
    BookingCancelled,
    BookingChanged,
    BookingCreated,
    BookingSnapshot,
)
from roombooking import bus

_booking_ids = itertools.count(700_001)
START = dt.datetime(2030, 3, 4, 1, 0, tzinfo=dt.UTC)  # 10:00 in Seoul


def created(**overrides) -> BookingCreated:
    values = {
        "booking_id": next(_booking_ids),
        "room_id": 101,
        "room_name": "Hanla",
        "room_time_zone": "Asia/Seoul",
        "room_managers": ("manager",),
        "booking_user_id": "alice",
        "booking_user_email": "alice@example.com",
        "use_start_dtm": START,
        "use_end_dtm": START + dt.timedelta(hours=1),
        "status": BOOKED,
        "booking_dtm": START - dt.timedelta(days=1),
        "actor": "alice",
    }
    values.update(overrides)
    return BookingCreated(**values)


def _snapshot_values(booking: BookingSnapshot) -> dict:
    names = {f.name for f in fields(BookingSnapshot)}
    return {k: v for k, v in asdict(booking).items() if k in names}


def changed(booking: BookingSnapshot, **changes) -> BookingChanged:
    values = _snapshot_values(booking) | changes
    slot_fields = {"room_id": "roomId", "use_start_dtm": "useStartDtm", "use_end_dtm": "useEndDtm"}
    changed_fields = tuple(
        api
        for name, api in {**slot_fields, "booking_user_id": "bookingUserId"}.items()
        if name in changes and changes[name] != getattr(booking, name)
    )
    return BookingChanged(
        **values,
        previous_room_id=booking.room_id,
        previous_start_dtm=booking.use_start_dtm,
        previous_end_dtm=booking.use_end_dtm,
        previous_booking_user_id=booking.booking_user_id,
        changed_fields=changed_fields,
        slot_changed=any(api in changed_fields for api in slot_fields.values()),
    )


def cancelled(
    booking: BookingSnapshot, *, cause: str = CAUSE_USER, reason: str = ""
) -> BookingCancelled:
    values = _snapshot_values(booking) | {"status": CANCELLED}
    return BookingCancelled(
        **values, cause=cause, reason=reason, cancelled_dtm=START - dt.timedelta(hours=1)
    )


def publish(event) -> int:
    """Publish as the booking app does: inside a transaction."""
    with transaction.atomic():
        return bus.publish(event)
