"""Read operations of the notification app."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from apps.notification.models import Notification, OccurrenceInvite, SmtpBreakerState
from roombooking.roles import is_office_staff


def notifications_visible_to(user) -> QuerySet[Notification]:
    """Office staff see every notification; everyone else the ones addressed to them."""
    rows = Notification.objects.all()
    if is_office_staff(user):
        return rows
    return rows.filter(recipient_username=user.get_username())


def calendar_holders(
    *, booking_ids: Iterable[int], before_seq: int
) -> list[tuple[str, str, int | None]]:
    """(username, email, user id) of everyone whose latest invite, among the events before
    ``before_seq``, was a REQUEST for at least one of the bookings: their calendars hold it now.

    A booking's invites are its own outbox rows and the rows of the series summaries that were
    about it (``booking_id`` null; the summary's ``OccurrenceInvite`` rows say which occurrences
    it covered). Two indexed reads: the occurrences' summaries, then the rows (a handful per
    booking)."""
    ids = list(booking_ids)
    covered: dict[int, list[int]] = defaultdict(list)  # summary's event seq -> its occurrences
    for booking_id, event_seq in OccurrenceInvite.objects.filter(
        booking_id__in=ids, event_seq__lt=before_seq
    ).values_list("booking_id", "event_seq"):
        covered[event_seq].append(booking_id)
    about = Q(booking_id__in=ids)
    if covered:
        about |= Q(booking_id__isnull=True, event_seq__in=list(covered))
    rows = (
        Notification.objects.filter(about, event_seq__lt=before_seq)
        .exclude(ical_method="")
        .order_by("-event_seq", "-id")
        .values_list(
            "booking_id",
            "event_seq",
            "recipient_username",
            "recipient_email",
            "recipient_id",
            "ical_method",
        )
    )
    latest: set[tuple[int, str]] = set()  # (booking, username) whose latest invite was seen
    holders: dict[str, tuple[str, str, int | None]] = {}
    for booking_id, event_seq, username, email, user_id, method in rows:
        for about_booking in covered[event_seq] if booking_id is None else [booking_id]:
            if (about_booking, username) in latest:
                continue
            latest.add((about_booking, username))
            if method == "REQUEST":
                holders.setdefault(username, (username, email, user_id))
    return list(holders.values())


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
