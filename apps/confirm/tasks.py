"""Celery beat tasks of the confirm app (schedule: CELERY_BEAT_SCHEDULE in settings).

Each is safe to run twice and on several workers at once (see apps/confirm/services/lifecycle.py);
``@once_per_period`` only spares a second scheduler's duplicate run the work.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from apps.confirm import services
from roombooking.periodic import once_per_period

PERIOD: float = settings.LIFECYCLE_SWEEP_INTERVAL


@shared_task(name="confirm.remind_pending_approvals", ignore_result=True)
@once_per_period(PERIOD)
def remind_pending_approvals() -> int:
    return len(services.remind_pending_approvals())


@shared_task(name="confirm.expire_pending_approvals", ignore_result=True)
@once_per_period(PERIOD)
def expire_pending_approvals() -> int:
    return len(services.expire_pending_approvals())
