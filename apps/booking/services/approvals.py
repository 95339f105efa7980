"""Remembering a booking's approval status, as the confirm app's events tell it."""

from __future__ import annotations

from django.db import transaction

from apps.booking.models import Booking


def record_approval_status(*, booking_id: int, approval_status: str, seq: int) -> None:
    """Store what the approval event with bus sequence number ``seq`` said. Only a newer event
    than the one stored counts, so a replayed or repeated event changes nothing. A plain UPDATE:
    the booking's own fields (and ``updated_at``) are untouched, and the publisher already holds
    the bus's per-booking lock."""
    with transaction.atomic(savepoint=False):  # called inside the publisher's transaction
        Booking.objects.filter(pk=booking_id, approval_seq__lt=seq).update(
            approval_status=approval_status, approval_seq=seq
        )
