"""Write operations of the confirm app (one function per user-visible action).

The API and the admin call the same functions. Decisions lock the request row
(``select_for_update``), so concurrent decisions and cancellations are ordered by the database:
the loser sees the winner's state and gets a 409 (or a 404 when the request was deleted).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.http import Http404
from django.utils import timezone

from apps.booking.events import BookingCancelled, BookingChanged, BookingCreated, BookingSnapshot
from apps.confirm.events import (
    BOOKED,
    CONFIRMED,
    DENIED,
    ConfirmCompleted,
    ConfirmDenied,
    ConfirmRequested,
)
from apps.confirm.models import Confirm, ConfirmApprover
from roombooking import bus
from roombooking.roles import ROOM_MANAGERS_GROUP, is_office_staff, manages

logger = logging.getLogger(__name__)

T = TypeVar("T")

REASON_MAX_LENGTH = 1000
# Deny locks the request and then (in the booking app's receiver) the booking; a booker's
# cancellation locks them the other way round. PostgreSQL breaks such a deadlock by aborting one
# transaction; a decision retries from the start, and then sees the cancellation (404).
DEADLOCK_RETRIES = 3


# --- Reacting to booking events -------------------------------------------------------------------


def request_confirm(*, booking: BookingCreated, seq: int) -> Confirm | None:
    """Create the BOOKED request for a new booking and tell the managers (ConfirmRequested).

    Idempotent: a replayed BookingCreated finds the request (unique ``booking_id``) and changes
    nothing; a booking already cancelled later in the log gets no request.
    """
    with transaction.atomic():
        if Confirm.objects.filter(booking_id=booking.booking_id).exists():
            return None
        if _cancelled_in_log(booking.booking_id):
            return None
        confirm = Confirm(
            booking_id=booking.booking_id,
            status=BOOKED,
            booking_seq=seq,
            **_copied_from(booking),
        )
        confirm.save()
        _store_approvers(confirm)
        bus.publish(ConfirmRequested(**_snapshot(confirm), actor=booking.actor))
        return confirm


def reopen_confirm(*, booking: BookingChanged, seq: int) -> Confirm | None:
    """Refresh the request's copy of the booking; an approved booking whose room or times moved
    goes back to BOOKED for a new decision (ConfirmRequested with ``reopened``)."""
    with transaction.atomic():
        confirm = Confirm.objects.select_for_update().filter(booking_id=booking.booking_id).first()
        if confirm is None or seq <= confirm.booking_seq:
            return None  # no request (cancelled or never made) or an older, replayed event
        approvers_before = list(confirm.approvers)
        for field, value in _copied_from(booking).items():
            setattr(confirm, field, value)
        confirm.booking_seq = seq
        reopened = booking.slot_changed and confirm.status == CONFIRMED
        if reopened:
            confirm.status = BOOKED
            confirm.confirm_user_id = None
            confirm.confirm_dtm = None
            confirm.reason = ""
        confirm.save()
        if confirm.approvers != approvers_before:
            _store_approvers(confirm)
        if reopened:
            bus.publish(ConfirmRequested(**_snapshot(confirm), actor=booking.actor, reopened=True))
        return confirm


def delete_confirm(*, booking: BookingCancelled, seq: int) -> bool:
    """A cancelled booking needs no decision: remove its request (the API then answers 404).
    True when a request was deleted; a replayed event finds nothing and does nothing."""
    with transaction.atomic():
        deleted, _ = Confirm.objects.filter(booking_id=booking.booking_id).delete()
        return deleted > 0


# --- Decisions ------------------------------------------------------------------------------------


def complete_confirm(*, confirm_id: int, user, reason: str = "") -> Confirm:
    """Approve: BOOKED -> CONFIRMED, recording who and when; publishes ConfirmCompleted."""
    return _decide(confirm_id=confirm_id, user=user, status=CONFIRMED, reason=reason)


def deny_confirm(*, confirm_id: int, user, reason: str = "") -> Confirm:
    """Deny, or withdraw an approval: BOOKED/CONFIRMED -> DENIED; publishes ConfirmDenied.

    The booking app cancels the booking in the same transaction, and its BookingCancelled deletes
    this request, so the returned object (status DENIED) is no longer in the database.
    """
    return _decide(confirm_id=confirm_id, user=user, status=DENIED, reason=reason)


def decide_confirm(*, confirm_id: int, user, status: str, reason: str = "") -> Confirm:
    """The decision named by ``status`` (the API's PATCH): CONFIRMED approves, DENIED denies; any
    other known status is a 409 with the current status, an unknown one a 400."""
    return _decide(confirm_id=confirm_id, user=user, status=status, reason=reason)


def may_decide(user, confirm: Confirm) -> bool:
    """A manager of the request's room, a superuser, or office staff for a room without managers."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or manages(user, confirm.approvers):
        return True
    return confirm.waits_for_office_staff and is_office_staff(user)


def _decide(*, confirm_id: int, user, status: str, reason: str) -> Confirm:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": [f"At most {REASON_MAX_LENGTH} characters."]})
    return _retry_on_deadlock(
        lambda: _decide_once(confirm_id=confirm_id, user=user, status=status, reason=reason)
    )


def _decide_once(*, confirm_id: int, user, status: str, reason: str) -> Confirm:
    with transaction.atomic():
        booking_id = Confirm.objects.filter(pk=confirm_id).values_list("booking_id", flat=True)
        if not booking_id:
            raise Http404("No such approval request.")
        # The booking's lock first, then the row: the order every publisher follows (see
        # roombooking.bus.lock_booking), so an approval and a cancellation never interleave.
        bus.lock_booking(booking_id[0])
        confirm = Confirm.objects.select_for_update().filter(pk=confirm_id).first()
        if confirm is None:  # the booking was cancelled while we waited
            raise Http404("No such approval request.")
        if not may_decide(user, confirm):
            raise PermissionDenied("Only a manager of this room may decide.")
        confirm.check_transition(status)
        confirm.status = status
        confirm.confirm_user_id = user.get_username()
        confirm.confirm_dtm = timezone.now()
        confirm.reason = reason
        confirm.save(
            update_fields=["status", "confirm_user_id", "confirm_dtm", "reason", "updated"]
        )
        event_type = ConfirmCompleted if status == CONFIRMED else ConfirmDenied
        bus.publish(event_type(**_snapshot(confirm), actor=user.get_username()))
        return confirm


def _retry_on_deadlock(work: Callable[[], T]) -> T:
    if connection.in_atomic_block:  # inside someone else's transaction: cannot restart it
        return work()
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            return work()
        except OperationalError as exc:
            if attempt == DEADLOCK_RETRIES or not _is_deadlock(exc):
                raise
            logger.info("deadlock deciding an approval request; retrying (%s)", attempt)
    raise AssertionError("unreachable")


def _is_deadlock(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == "40P01"


# --- Room managers ------------------------------------------------------------------------------

# Exactly what a room manager needs in the admin: see requests and decide them (an Approve or Deny
# asks for the change permission). Migration 0002 creates the group with the same permissions.
ROOM_MANAGER_PERMISSIONS = ("view_confirm", "change_confirm")


def make_room_manager(*, user) -> bool:
    """Put ``user`` in the "Room managers" group (re-creating the group and its permissions if they
    are missing) and let them sign in to the admin. True when something changed. Which rooms
    they manage is the booking app's data (the room's managers)."""
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(name=ROOM_MANAGERS_GROUP)
        permissions = Permission.objects.filter(
            content_type__app_label="confirm", codename__in=ROOM_MANAGER_PERMISSIONS
        )
        group.permissions.add(*permissions)
        changed = False
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            changed = True
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            changed = True
        return changed


# --- Helpers --------------------------------------------------------------------------------------


def _store_approvers(confirm: Confirm) -> None:
    """Make the ConfirmApprover rows (what the "my rooms' requests" queries use) match
    ``confirm.approvers``."""
    ConfirmApprover.objects.filter(confirm=confirm).exclude(username__in=confirm.approvers).delete()
    ConfirmApprover.objects.bulk_create(
        [ConfirmApprover(confirm=confirm, username=username) for username in confirm.approvers],
        ignore_conflicts=True,
    )


def _cancelled_in_log(booking_id: int) -> bool:
    return next(bus.replay(types=[BookingCancelled], booking_id=booking_id), None) is not None


def _copied_from(booking: BookingSnapshot) -> dict[str, object]:
    return {
        "room_id": booking.room_id,
        "room_name": booking.room_name,
        "room_time_zone": booking.room_time_zone,
        "approvers": list(booking.room_managers),
        "user_id": booking.booking_user_id,
        "user_email": booking.booking_user_email,
        "use_start_dtm": booking.use_start_dtm,
        "use_end_dtm": booking.use_end_dtm,
    }


def _snapshot(confirm: Confirm) -> dict[str, object]:
    """The ``ConfirmSnapshot`` fields of ``confirm``, for the events this app publishes."""
    return {
        "confirm_id": confirm.pk,
        "booking_id": confirm.booking_id,
        "room_id": confirm.room_id,
        "room_name": confirm.room_name,
        "room_time_zone": confirm.room_time_zone,
        "approvers": tuple(confirm.approvers),
        "user_id": confirm.user_id,
        "user_email": confirm.user_email,
        "use_start_dtm": _aware(confirm.use_start_dtm),
        "use_end_dtm": _aware(confirm.use_end_dtm),
        "status": confirm.status,
        "confirm_user_id": confirm.confirm_user_id,
        "confirm_dtm": confirm.confirm_dtm,
        "reason": confirm.reason,
    }


def _aware(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)
