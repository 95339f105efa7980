"""Approvers who forget: the reminder and the expiry sweeps (Celery beat, apps/confirm/tasks.py).

Both are safe to run twice and on several workers at once. Candidates are selected without locks;
each is then handled in its own transaction that takes the booking's bus lock first (the order
every publisher follows, so a sweep never deadlocks with a decision or a cancellation) and acts
only if the request is still in the state that made it a candidate: a conditional UPDATE for the
reminder, the row lock and a re-check for the expiry. The second sweep finds the work done.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.confirm.events import (
    BOOKED,
    EXPIRED,
    ConfirmExpired,
    ConfirmReminderDue,
    SeriesReminderDue,
)
from apps.confirm.models import Confirm
from apps.confirm.services.requests import snapshot
from roombooking import bus

logger = logging.getLogger(__name__)

SWEEP_LIMIT = 500  # requests one sweep handles; the next sweep takes the rest
SYSTEM_ACTOR = ""
EXPIRED_REASON = "nobody approved it in time"


def expiry_deadline(confirm: Confirm) -> dt.datetime | None:
    """When a pending request expires: at its meeting's start (``CONFIRM_EXPIRE_AT_START``) or
    ``CONFIRM_EXPIRE_AFTER_HOURS`` after its wait began, whichever comes first; None if never."""
    deadlines = []
    if settings.CONFIRM_EXPIRE_AT_START:
        deadlines.append(confirm.use_start_dtm)
    if settings.CONFIRM_EXPIRE_AFTER_HOURS:
        hours = dt.timedelta(hours=settings.CONFIRM_EXPIRE_AFTER_HOURS)
        deadlines.append(confirm.pending_since + hours)
    return min(deadlines) if deadlines else None


def remind_pending_approvals(*, now: dt.datetime | None = None) -> list[int]:
    """Remind the approvers of each request pending for ``CONFIRM_REMIND_AFTER`` whose meeting
    has not started, once per wait (``reminded_at``). The occurrences of one series that are due
    together get one reminder (``SeriesReminderDue``), not one each. Returns the ids of the
    requests reminded."""
    now = now or timezone.now()
    cutoff = now - settings.CONFIRM_REMIND_AFTER
    due = Confirm.objects.filter(
        status=BOOKED, reminded_at__isnull=True, pending_since__lte=cutoff, use_start_dtm__gt=now
    ).order_by("pending_since", "pk")
    alone, by_series = [], defaultdict(list)
    for confirm_id, booking_id, series_id, room_id, user_id in due.values_list(
        "pk", "booking_id", "series_id", "room_id", "user_id"
    )[:SWEEP_LIMIT]:
        if series_id is None:
            alone.append((confirm_id, booking_id))
        else:  # a room each: an occurrence moved alone to another room has other approvers;
            # a booker each: one given to someone else is theirs, and the summary names its booker
            by_series[(series_id, room_id, user_id)].append((confirm_id, booking_id))
    reminded = []
    for group in [[request] for request in alone] + list(by_series.values()):
        reminded += _remind(group, cutoff=cutoff, now=now)
    if reminded:
        logger.info("reminded the approvers of %d pending requests", len(reminded))
    return reminded


def _remind(requests: list[tuple[int, int]], *, cutoff: dt.datetime, now: dt.datetime) -> list[int]:
    """Remind about ``requests`` (confirm id, booking id): one request, or occurrences of one
    series. Under the bookings' bus locks (in id order, the bus's lock order) only the requests
    still waiting unreminded are claimed; another sweep then finds them claimed."""
    with transaction.atomic():
        for booking_id in sorted(booking_id for _, booking_id in requests):
            bus.lock_booking(booking_id)
        claimed = list(
            Confirm.objects.filter(
                pk__in=[confirm_id for confirm_id, _ in requests],
                status=BOOKED,
                reminded_at__isnull=True,
                pending_since__lte=cutoff,
            ).order_by("use_start_dtm", "pk")
        )  # reminded by another sweep, decided, deleted or reopened meanwhile: not claimed
        if not claimed:
            return []
        Confirm.objects.filter(pk__in=[confirm.pk for confirm in claimed]).update(reminded_at=now)
        # About to expire: the expiry tells the booker; the mark stays.
        waiting = [(c, expiry_deadline(c)) for c in claimed]
        waiting = [(c, deadline) for c, deadline in waiting if deadline is None or deadline > now]
        together = len(waiting) > 1
        for confirm, deadline in waiting:
            bus.publish(
                ConfirmReminderDue(
                    **snapshot(confirm),
                    actor=SYSTEM_ACTOR,
                    expires_dtm=deadline,
                    in_series_action=together,
                )
            )
        if together:
            bus.publish(_series_reminder(waiting))
        return [confirm.pk for confirm, _ in waiting]


def _series_reminder(waiting: list[tuple[Confirm, dt.datetime | None]]) -> SeriesReminderDue:
    first = waiting[0][0]
    deadlines = [deadline for _, deadline in waiting if deadline is not None]
    return SeriesReminderDue(
        actor=SYSTEM_ACTOR,
        series_id=first.series_id,
        room_id=first.room_id,
        room_name=first.room_name,
        room_time_zone=first.room_time_zone,
        approvers=tuple(first.approvers),
        user_id=first.user_id,
        user_email=first.user_email,
        booking_ids=tuple(c.booking_id for c, _ in waiting),
        starts=tuple(c.use_start_dtm.astimezone(dt.UTC) for c, _ in waiting),
        ends=tuple(c.use_end_dtm.astimezone(dt.UTC) for c, _ in waiting),
        expires_dtm=min(deadlines) if deadlines else None,
    )


def expire_pending_approvals(*, now: dt.datetime | None = None) -> list[int]:
    """Expire the requests still pending at their deadline (``expiry_deadline``): status EXPIRED,
    ConfirmExpired, and the booking app cancels the booking (cause EXPIRED) in the same
    transaction, which frees the slot and tells the booker. Returns the expired requests' ids."""
    now = now or timezone.now()
    due = Q()
    if settings.CONFIRM_EXPIRE_AT_START:
        due |= Q(use_start_dtm__lte=now)
    if settings.CONFIRM_EXPIRE_AFTER_HOURS:
        hours = dt.timedelta(hours=settings.CONFIRM_EXPIRE_AFTER_HOURS)
        due |= Q(pending_since__lte=now - hours)
    if not due:
        return []
    candidates = Confirm.objects.filter(due, status=BOOKED).order_by("use_start_dtm", "pk")
    expired = [
        confirm_id
        for confirm_id, booking_id in candidates.values_list("pk", "booking_id")[:SWEEP_LIMIT]
        if _expire(confirm_id, booking_id, now=now)
    ]
    if expired:
        logger.info("expired %d requests nobody decided", len(expired))
    return expired


def _expire(confirm_id: int, booking_id: int, *, now: dt.datetime) -> bool:
    with transaction.atomic():
        bus.lock_booking(booking_id)
        confirm = Confirm.objects.select_for_update().filter(pk=confirm_id).first()
        if confirm is None or confirm.status != BOOKED:
            return False  # decided, cancelled or expired by another sweep meanwhile
        deadline = expiry_deadline(confirm)
        if deadline is None or deadline > now:
            return False  # reopened or moved meanwhile: a new wait
        confirm.status = EXPIRED
        confirm.confirm_user_id = None
        confirm.confirm_dtm = now
        confirm.reason = EXPIRED_REASON
        confirm.save(
            update_fields=["status", "confirm_user_id", "confirm_dtm", "reason", "updated"]
        )
        bus.publish(ConfirmExpired(**snapshot(confirm), actor=SYSTEM_ACTOR))
        return True
