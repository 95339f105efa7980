"""Read operations of the notification app."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from apps.notification.models import Notification, SmtpBreakerState
from roombooking.roles import is_office_staff


def notifications_visible_to(user) -> QuerySet[Notification]:
    """Office staff see every notification; everyone else the ones addressed to them."""
    rows = Notification.objects.all()
    if is_office_staff(user):
        return rows
    return rows.filter(recipient_username=user.get_username())


def outbox_backlog() -> dict[str, Any]:
    """How many rows wait, and for how long the oldest has waited."""
    pending = Notification.objects.filter(status=Notification.Status.PENDING).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    failed = Notification.objects.filter(status=Notification.Status.FAILED).count()
    oldest = pending["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"pending": pending["count"], "failed": failed, "oldestPendingAgeSeconds": round(age, 1)}


def smtp_breaker_states() -> list[SmtpBreakerState]:
    """The SMTP breaker state each worker process last reported, latest first."""
    return list(SmtpBreakerState.objects.order_by("-changed_at")[:20])
