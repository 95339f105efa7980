"""Events as the booking and confirm apps publish them, for feeding the booking list directly."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import transaction

from apps.booking import events as booking_events
from apps.booking.events import BookingCancelled, BookingChanged, BookingCreated
from apps.confirm import events as confirm_events
from apps.confirm.events import ConfirmCompleted, ConfirmDenied, ConfirmRequested
from roombooking import bus
from roombooking.events import Event

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
_ids = itertools.count(1000)


def publish(*events: Event) -> list[int]:
    """Publish in one transaction, as a service would; returns the sequence numbers."""
    with transaction.atomic():
        return [bus.publish(e) for e in events]


def created(booking_id: int | None = None, **overrides) -> BookingCreated:
    values = dict(
        booking_id=booking_id if booking_id is not None else next(_ids),
        room_id=556677,
        room_name="Conference room A",
        room_time_zone="Asia/Seoul",
        room_managers=("manager",),
        booking_user_id="alice",
        booking_user_email="alice@example.com",
        use_start_dtm=T0,
        use_end_dtm=T0 + dt.timedelta(hours=1),
        status=booking_events.BOOKED,
        booking_dtm=T0 - dt.timedelta(days=1),
        actor="alice",
    )
    values.update(overrides)
    return BookingCreated(**values)


def _snapshot(booking: BookingCreated) -> dict:
    from dataclasses import fields

    return {f.name: getattr(booking, f.name) for f in fields(BookingCreated)}


def changed(booking: BookingCreated, **overrides) -> BookingChanged:
    values = _snapshot(booking)
    values.update(overrides)
    return BookingChanged(
        **values,
        previous_room_id=booking.room_id,
        previous_start_dtm=booking.use_start_dtm,
        previous_end_dtm=booking.use_end_dtm,
        previous_booking_user_id=booking.booking_user_id,
        changed_fields=("useStartDtm", "useEndDtm"),
        slot_changed=True,
    )


def cancelled(booking: BookingCreated, *, cause=booking_events.CAUSE_USER, reason="", at=None):
    values = _snapshot(booking)
    values["status"] = booking_events.CANCELLED
    return BookingCancelled(**values, cause=cause, reason=reason, cancelled_dtm=at or T0)


def confirm(
    kind, booking: BookingCreated, *, confirm_id: int, status: str, by=None, at=None, reason=""
):
    return kind(
        confirm_id=confirm_id,
        booking_id=booking.booking_id,
        room_id=booking.room_id,
        room_name=booking.room_name,
        room_time_zone=booking.room_time_zone,
        approvers=booking.room_managers,
        user_id=booking.booking_user_id,
        user_email=booking.booking_user_email,
        use_start_dtm=booking.use_start_dtm,
        use_end_dtm=booking.use_end_dtm,
        status=status,
        confirm_user_id=by,
        confirm_dtm=at,
        reason=reason,
    )


def requested(booking, *, confirm_id: int) -> ConfirmRequested:
    return confirm(ConfirmRequested, booking, confirm_id=confirm_id, status=confirm_events.BOOKED)


def completed(booking, *, confirm_id: int, by="manager", at=T0) -> ConfirmCompleted:
    return confirm(
        ConfirmCompleted,
        booking,
        confirm_id=confirm_id,
        status=confirm_events.CONFIRMED,
        by=by,
        at=at,
    )


def denied(booking, *, confirm_id: int, by="manager", at=T0, reason="") -> ConfirmDenied:
    return confirm(
        ConfirmDenied,
        booking,
        confirm_id=confirm_id,
        status=confirm_events.DENIED,
        by=by,
        at=at,
        reason=reason,
    )
