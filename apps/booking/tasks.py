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
