"""The booking app's periodic sweeps (Celery beat, see apps/booking/tasks.py): the booker's
reminder before the start, and the release of bookings nobody checked in to.

Both are safe to run twice and on several workers at once. A sweep selects candidates without
locks, then handles each in its own transaction: the booking's bus lock, then a conditional
UPDATE (reminder) or the row lock and a re-check (release). Whoever comes second finds the work
done and does nothing, so each reminder and each release happens once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.booking.events import BOOKED, CAUSE_NO_SHOW, BookingReminderDue
from apps.booking.models import Booking
from apps.booking.services.bookings import cancel_locked, lock_for_update, snapshot
from apps.booking.services.checkin import check_in_url, check_in_window
from roombooking import bus

logger = logging.getLogger(__name__)

SWEEP_LIMIT = 500  # bookings one sweep handles; the next sweep (a minute later) takes the rest
SYSTEM_ACTOR = ""  # events caused by the sweeps have no human actor


def send_booking_reminders(*, now: dt.datetime | None = None) -> list[int]:
    """Remind the booker of each active booking that starts within ``BOOKING_REMINDER_BEFORE``
    (once: ``reminded_at`` is set by a conditional UPDATE). Returns the ids reminded now."""
    now = now or timezone.now()
    before = settings.BOOKING_REMINDER_BEFORE
    if not before:
        return []
    due = Booking.objects.filter(
        status=BOOKED,
        reminded_at__isnull=True,
        use_start_dtm__gt=now,
        use_start_dtm__lte=now + before,
    ).order_by("use_start_dtm", "pk")
    reminded = [
        booking_id
        for booking_id in due.values_list("pk", flat=True)[:SWEEP_LIMIT]
        if _remind(booking_id, now=now)
    ]
    if reminded:
        logger.info("sent %d booking reminders", len(reminded))
    return reminded


def _remind(booking_id: int, *, now: dt.datetime) -> bool:
    with transaction.atomic():
        bus.lock_booking(booking_id)  # before the row's lock, as every publisher does
        claimed = Booking.objects.filter(
            pk=booking_id, status=BOOKED, reminded_at__isnull=True, use_start_dtm__gt=now
        ).update(reminded_at=now)
        if not claimed:
            return False  # another sweep did it, or the booking was cancelled or moved
        booking = Booking.objects.select_related("room", "booking_user").get(pk=booking_id)
        extra: dict = {}
        if booking.room.requires_check_in:
            window = check_in_window(booking)
            extra = {
                "requires_check_in": True,
                "check_in_url": check_in_url(booking),
                "check_in_opens_dtm": window.opens.astimezone(dt.UTC),
                "check_in_closes_dtm": window.closes.astimezone(dt.UTC),
            }
        bus.publish(BookingReminderDue(**snapshot(booking, actor=SYSTEM_ACTOR), **extra))
        return True


def release_no_shows(*, now: dt.datetime | None = None) -> list[int]:
    """Cancel (cause ``NO_SHOW``) the active bookings of rooms that require check-in whose
    check-in window has closed without a check-in, while they have not ended (releasing a
    meeting that is over frees nothing). Returns the ids released now."""
    now = now or timezone.now()
    earliest_start = now - settings.CHECK_IN_CLOSES_AFTER
    candidates = Booking.objects.filter(
        status=BOOKED,
        room__requires_check_in=True,
        checked_in_at__isnull=True,
        use_start_dtm__lt=earliest_start,  # the window closed (at the latest) before now
        use_end_dtm__gt=now,
    ).order_by("use_start_dtm", "pk")
    released = [
        booking_id
        for booking_id in candidates.values_list("pk", flat=True)[:SWEEP_LIMIT]
        if _release(booking_id, now=now)
    ]
    if released:
        logger.info("released %d bookings nobody checked in to", len(released))
    return released


def _release(booking_id: int, *, now: dt.datetime) -> bool:
    with transaction.atomic():
        booking = lock_for_update(booking_id)
        # Re-checked under the lock: a check-in (or a cancellation, or a move) may have won.
        if (
            booking.status != BOOKED
            or booking.checked_in_at is not None
            or not booking.room.requires_check_in
            or now <= check_in_window(booking).closes
            or booking.use_end_dtm <= now
        ):
            return False
        closes = check_in_window(booking).closes.astimezone(booking.room.zone)
        cancel_locked(
            booking,
            actor=SYSTEM_ACTOR,
            cause=CAUSE_NO_SHOW,
            reason=f"nobody checked in by {closes:%H:%M}",
            now=now,
        )
        return True
