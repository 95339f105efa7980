"""Approving or denying every pending occurrence of a recurring series at once.

The confirm app knows a series only by the ``series_id`` its booking events carry. One
transaction: the occurrences' bus locks in booking-id order, then their request rows (the order
every publisher follows, see ``roombooking.bus.lock_booking``), so a series decision, a decision
on one occurrence and a booker's cancellation never deadlock.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from apps.confirm.events import (
    BOOKED,
    CONFIRMED,
    DENIED,
    ConfirmCompleted,
    ConfirmDenied,
    SeriesDecided,
)
from apps.confirm.models import Confirm
from apps.confirm.services.decisions import REASON_MAX_LENGTH, may_decide
from apps.confirm.services.requests import snapshot
from roombooking import bus
from roombooking.errors import Conflict


def decide_series(*, series_id: int, user, status: str, reason: str = "") -> list[Confirm]:
    """Approve (CONFIRMED) or deny (DENIED) every request of the series still waiting for a
    decision; each occurrence gets its own ConfirmCompleted / ConfirmDenied (a denial cancels
    its booking), then one SeriesDecided makes the summary email. Already decided occurrences
    keep their decision (decide those one by one). 404 when the caller sees no request of the
    series, 403 unless they may decide every waiting one, 409 when none is waiting."""
    if status not in (CONFIRMED, DENIED):
        raise ValidationError({"status": [f"Use {CONFIRMED} or {DENIED}."]})
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": [f"At most {REASON_MAX_LENGTH} characters."]})
    with transaction.atomic():
        booking_ids = sorted(
            Confirm.objects.filter(series_id=series_id, status=BOOKED).values_list(
                "booking_id", flat=True
            )
        )
        for booking_id in booking_ids:
            bus.lock_booking(booking_id)
        waiting = list(
            Confirm.objects.select_for_update()
            .filter(series_id=series_id, status=BOOKED, booking_id__in=booking_ids)
            .order_by("use_start_dtm", "id")
        )
        if not waiting:
            if not Confirm.objects.filter(series_id=series_id).exists():
                raise Http404("No approval request of this series.")
            raise Conflict(
                f"No occurrence of series {series_id} waits for a decision.",
                code="nothing_to_decide",
            )
        if not all(may_decide(user, confirm) for confirm in waiting):
            raise PermissionDenied("Only a manager of the series' room may decide it.")
        decider, now = user.get_username(), timezone.now()
        event_type = ConfirmCompleted if status == CONFIRMED else ConfirmDenied
        for confirm in waiting:
            confirm.check_transition(status)
            confirm.status, confirm.confirm_user_id = status, decider
            confirm.confirm_dtm, confirm.reason = now, reason
            confirm.save(
                update_fields=["status", "confirm_user_id", "confirm_dtm", "reason", "updated"]
            )
            bus.publish(event_type(**snapshot(confirm), actor=decider, in_series_action=True))
        first = waiting[0]
        bus.publish(
            SeriesDecided(
                actor=decider,
                series_id=series_id,
                status=status,
                room_id=first.room_id,
                room_name=first.room_name,
                room_time_zone=first.room_time_zone,
                user_id=first.user_id,
                user_email=first.user_email,
                confirm_user_id=decider,
                reason=reason,
                booking_ids=tuple(c.booking_id for c in waiting),
                starts=tuple(c.use_start_dtm.astimezone(dt.UTC) for c in waiting),
                ends=tuple(c.use_end_dtm.astimezone(dt.UTC) for c in waiting),
            )
        )
        return waiting
