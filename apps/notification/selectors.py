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


def calendar_holders(*, booking_id: int, before_seq: int) -> list[tuple[str, str, int | None]]:
    """(username, email, user id) of everyone whose latest invite for the booking, among the
    events before ``before_seq``, was a REQUEST: their calendars hold it now. One indexed read
    of the booking's invite rows (a handful per booking)."""
    rows = (
        Notification.objects.filter(booking_id=booking_id, event_seq__lt=before_seq)
        .exclude(ical_method="")
        .order_by("-event_seq", "-id")
        .values_list("recipient_username", "recipient_email", "recipient_id", "ical_method")
    )
    latest: dict[str, tuple[str, str, int | None, str]] = {}
    for username, email, user_id, method in rows:
        latest.setdefault(username, (username, email, user_id, method))
    return [(u, e, i) for u, e, i, method in latest.values() if method == "REQUEST"]


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
