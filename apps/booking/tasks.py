"""Celery beat tasks of the booking app (schedule: CELERY_BEAT_SCHEDULE in settings).

Each is safe to run twice and on several workers at once (see apps/booking/services/lifecycle.py);
``@once_per_period`` only spares a second scheduler's duplicate run the work.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from apps.booking import services
from roombooking.periodic import once_per_period

PERIOD: float = settings.LIFECYCLE_SWEEP_INTERVAL


@shared_task(name="booking.send_booking_reminders", ignore_result=True)
@once_per_period(PERIOD)
def send_booking_reminders() -> int:
    return len(services.send_booking_reminders())


@shared_task(name="booking.release_no_shows", ignore_result=True)
@once_per_period(PERIOD)
def release_no_shows() -> int:
    return len(services.release_no_shows())


# The waitlist sweep's own beat interval (BOOKING_WAITLIST_SWEEP_INTERVAL).
WAITLIST_SWEEP_PERIOD: float = settings.CELERY_BEAT_SCHEDULE["booking-expire-waitlist-holds"][
    "schedule"
]


@shared_task(name="booking.expire_waitlist_holds", ignore_result=True)
@once_per_period(WAITLIST_SWEEP_PERIOD)
def expire_waitlist_holds() -> dict[str, int]:
    """Celery beat: end the waitlist holds that ran out and offer their slots to the next in
    line (docs/waitlist.md). Each entry is ended once even when two workers sweep at once;
    ``None`` when skipped because the sweep already ran in this period."""
    return services.expire_waitlist_holds()
