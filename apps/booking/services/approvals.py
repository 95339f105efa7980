"""Remembering a booking's approval status, as the confirm app's events tell it."""

from __future__ import annotations

from django.db import transaction

from apps.booking.models import Booking
from roombooking.statements import UpdateTemplate


def _newer_status(*, booking_id: int, approval_status: str, seq: int):
    rows = Booking.objects.filter(pk=booking_id, approval_seq__lt=seq)
    return rows, {"approval_status": approval_status, "approval_seq": seq}


_RECORD_STATUS = UpdateTemplate(_newer_status, booking_id=int, approval_status=str, seq=int)


def record_approval_status(*, booking_id: int, approval_status: str, seq: int) -> None:
    """Store what the approval event with bus sequence number ``seq`` said. Only a newer event
    than the one stored counts, so a replayed or repeated event changes nothing. A plain UPDATE
    (compiled once: ``roombooking.statements``): the booking's own fields (and ``updated_at``)
    are untouched, and the publisher already holds the bus's per-booking lock."""
    with transaction.atomic(savepoint=False):  # called inside the publisher's transaction
        # Its row count is not read: it travels with the transaction's next statement.
        _RECORD_STATUS.run_later(booking_id=booking_id, approval_status=approval_status, seq=seq)
