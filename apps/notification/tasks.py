"""Celery tasks of the notification app."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from apps.notification import delivery, services
from roombooking.periodic import once_per_period

# The beat interval of the sweep; a second scheduler started by mistake must not double it.
REQUEUE_PERIOD: float = settings.CELERY_BEAT_SCHEDULE["notification-requeue-pending"]["schedule"]


@shared_task(
    bind=True,
    name="notification.deliver",
    acks_late=True,  # a task of a killed worker runs again ...
    reject_on_worker_lost=True,
    max_retries=None,  # ... and the row's attempt count, not Celery's, decides when to give up
    ignore_result=True,
)
def deliver_notification(self, notification_id: int) -> str:
    outcome = delivery.deliver(notification_id=notification_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.result


@shared_task(
    name="notification.deliver_each",
    acks_late=True,  # as deliver_notification: a killed worker's batch runs again
    reject_on_worker_lost=True,
    ignore_result=True,
)
def deliver_notifications(notification_ids: list[int]) -> list[str]:
    """Rows handed off together (one transaction's, or a sweep's chunk): each is claimed, sent
    and recorded on its own, exactly as ``deliver_notification`` does it, and a row to try again
    gets a ``deliver_notification`` task of its own. One message instead of one per row halves
    what a booking spends handing its emails to the broker (docs/performance.md). A batch run
    again after its worker died finds its sent rows done and its unfinished row claimed."""
    results = []
    for notification_id in notification_ids:
        outcome = delivery.deliver(notification_id=notification_id)
        if outcome.retry_in is not None:
            deliver_notification.apply_async(args=[notification_id], countdown=outcome.retry_in)
        results.append(outcome.result)
    return results


@shared_task(name="notification.requeue_pending", ignore_result=True)
@once_per_period(REQUEUE_PERIOD)
def requeue_pending_notifications() -> int:
    """Celery beat: hand rows left PENDING (broker outage, lost task) to the broker again.

    Runs at most once per period (``None`` when skipped): two schedulers must not sweep twice.
    """
    services.forget_old_breaker_states()
    return len(services.requeue_pending_notifications())
