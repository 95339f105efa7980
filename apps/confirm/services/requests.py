"""Requests follow their bookings: created, refreshed (reopened after a move), deleted.

Receivers call these with each booking event and its bus sequence number; replaying the log
changes nothing (unique ``booking_id``, ``booking_seq``).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from apps.booking.events import BookingCancelled, BookingChanged, BookingCreated, BookingSnapshot
from apps.confirm import selectors
from apps.confirm.events import (
    BOOKED,
    CONFIRMED,
    SYSTEM_USER,
    ConfirmCompleted,
    ConfirmRequested,
)
from apps.confirm.models import Confirm, ConfirmApprover
from roombooking import bus
from roombooking.inserts import insert_later, insert_new
from roombooking.instances import new_instance


def request_confirm(
    *,
    booking: BookingCreated,
    seq: int,
    new_booking: bool = False,
    occurred_at: dt.datetime | None = None,
) -> Confirm | None:
    """Create the BOOKED request for a new booking and tell the managers (ConfirmRequested); in
    a room that approves automatically (``approval_required`` false), create it approved by the
    system instead (ConfirmCompleted: the booker hears of it, no manager is asked).

    Idempotent: a replayed BookingCreated finds the request (unique ``booking_id``) and changes
    nothing (the check is skipped for a ``new_booking``, created in this transaction: it cannot
    have a request yet); a booking already cancelled later in the log gets no request.
    ``occurred_at``: when the bus logged the event (read from the log when not given); an
    automatic approval is dated by it, so that a rebuild from the log gives the same row.
    """
    with transaction.atomic(savepoint=False):
        if not new_booking and Confirm.objects.filter(booking_id=booking.booking_id).exists():
            return None
        if bus.has_logged(
            booking_id=booking.booking_id, types=[BookingCancelled], new_booking=new_booking
        ):
            return None
        confirm = new_instance(
            Confirm,
            booking_id=booking.booking_id,
            status=BOOKED,
            booking_seq=seq,
            **_copied_from(booking),
        )
        if not booking.approval_required:
            _approve_by_system(confirm, at=occurred_at or selectors.logged_time(seq))
        insert_new([confirm])
        _store_approvers(confirm, new=True)
        if confirm.status == CONFIRMED:
            bus.publish(
                ConfirmCompleted(
                    **snapshot(confirm),
                    actor=SYSTEM_USER,
                    automatic=True,
                    in_series_action=booking.in_series_action,
                )
            )
        else:
            bus.publish(
                ConfirmRequested(
                    **snapshot(confirm),
                    actor=booking.actor,
                    in_series_action=booking.in_series_action,
                )
            )
        return confirm


def reopen_confirm(
    *, booking: BookingChanged, seq: int, occurred_at: dt.datetime | None = None
) -> Confirm | None:
    """Refresh the request's copy of the booking; an approved booking whose room or times moved
    goes back to BOOKED for a new decision (ConfirmRequested with ``reopened``). A pending request
    whose room moved (other managers) is announced again the same way, so that the new room's
    managers hear that it waits for them. In a room that approves automatically
    (``approval_required`` false) an approval stands and a pending request whose slot moved is
    approved by the system (ConfirmCompleted, ``automatic``), dated ``occurred_at`` (the
    event's logged time, as in ``request_confirm``)."""
    with transaction.atomic(savepoint=False):
        confirm = Confirm.objects.select_for_update().filter(booking_id=booking.booking_id).first()
        if confirm is None or seq <= confirm.booking_seq:
            return None  # no request (cancelled or never made) or an older, replayed event
        approvers_before = list(confirm.approvers)
        for field, value in _copied_from(booking).items():
            setattr(confirm, field, value)
        confirm.booking_seq = seq
        # A room that approves automatically keeps the approval of a booking moved into it.
        reopened = (
            booking.slot_changed and booking.approval_required and confirm.status == CONFIRMED
        )
        if reopened:
            confirm.status = BOOKED
            confirm.confirm_user_id = None
            confirm.confirm_dtm = None
            confirm.reason = ""
        # Moved into (or within) a room that approves automatically: nobody needs to decide.
        approved_by_system = (
            booking.slot_changed and not booking.approval_required and confirm.status == BOOKED
        )
        if approved_by_system:
            _approve_by_system(confirm, at=occurred_at or selectors.logged_time(seq))
        new_approvers = confirm.approvers != approvers_before
        if reopened or (new_approvers and confirm.status == BOOKED):
            # A new wait (for a new decision, or for other approvers): its own reminder.
            confirm.pending_since = timezone.now()
            confirm.reminded_at = None
        confirm.save()
        if new_approvers:
            _store_approvers(confirm)
        if approved_by_system:
            bus.publish(
                ConfirmCompleted(
                    **snapshot(confirm),
                    actor=SYSTEM_USER,
                    automatic=True,
                    in_series_action=booking.in_series_action,
                )
            )
        elif reopened or (new_approvers and confirm.status == BOOKED):
            bus.publish(
                ConfirmRequested(
                    **snapshot(confirm),
                    actor=booking.actor,
                    reopened=True,
                    in_series_action=booking.in_series_action,
                )
            )
        return confirm


def delete_confirm(*, booking: BookingCancelled, seq: int) -> bool:
    """A cancelled booking needs no decision: remove its request (the API then answers 404).
    True when a request was deleted; a replayed event finds nothing and does nothing."""
    with transaction.atomic(savepoint=False):
        deleted, _ = Confirm.objects.filter(booking_id=booking.booking_id).delete()
        return deleted > 0


def _approve_by_system(confirm: Confirm, *, at: dt.datetime) -> None:
    """``at``: the logged time of the booking event that led to it, never the clock's: the
    row must come out the same when the log is replayed."""
    confirm.status = CONFIRMED
    confirm.confirm_user_id = SYSTEM_USER
    confirm.confirm_dtm = at
    confirm.reason = "Approved automatically: the room does not require approval."


def _store_approvers(confirm: Confirm, *, new: bool = False) -> None:
    """Make the ConfirmApprover rows (what the "my rooms' requests" queries use) match
    ``confirm.approvers``."""
    if not new:
        ConfirmApprover.objects.filter(confirm=confirm).exclude(
            username__in=confirm.approvers
        ).delete()
    # Nothing reads them back in this transaction: they travel with its next statement.
    insert_later(
        [
            new_instance(ConfirmApprover, confirm_id=confirm.pk, username=username)
            for username in confirm.approvers
        ],
        ignore_conflicts=True,
    )


def _copied_from(booking: BookingSnapshot) -> dict[str, object]:
    return {
        "room_id": booking.room_id,
        "room_name": booking.room_name,
        "room_time_zone": booking.room_time_zone,
        "approvers": list(booking.room_managers),
        "user_id": booking.booking_user_id,
        "user_email": booking.booking_user_email,
        "use_start_dtm": booking.use_start_dtm,
        "use_end_dtm": booking.use_end_dtm,
        "series_id": booking.series_id,
    }


def snapshot(confirm: Confirm) -> dict[str, object]:
    """The ``ConfirmSnapshot`` fields of ``confirm``, for the events this app publishes."""
    return {
        "confirm_id": confirm.pk,
        "booking_id": confirm.booking_id,
        "room_id": confirm.room_id,
        "room_name": confirm.room_name,
        "room_time_zone": confirm.room_time_zone,
        "approvers": tuple(confirm.approvers),
        "user_id": confirm.user_id,
        "user_email": confirm.user_email,
        "use_start_dtm": _aware(confirm.use_start_dtm),
        "use_end_dtm": _aware(confirm.use_end_dtm),
        "status": confirm.status,
        "confirm_user_id": confirm.confirm_user_id,
        "confirm_dtm": confirm.confirm_dtm,
        "reason": confirm.reason,
        "series_id": confirm.series_id,
    }


def _aware(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)
