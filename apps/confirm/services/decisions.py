"""Approve and deny (the API's PATCH and the admin's actions call these).

A decision takes the booking's lock (``roombooking.bus.lock_booking``) and then locks the request
row, so concurrent decisions and cancellations are ordered by the database: the loser sees the
winner's state and gets a 409 (or a 404 when the request was deleted).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from apps.confirm.events import CONFIRMED, DENIED, ConfirmCompleted, ConfirmDenied
from apps.confirm.models import Confirm
from apps.confirm.services.requests import snapshot
from roombooking import bus
from roombooking.roles import is_office_staff, manages

# The booking app keeps a cancellation reason of up to 500 characters; a longer one would be cut.
REASON_MAX_LENGTH = 500


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
        bus.publish(event_type(**snapshot(confirm), actor=user.get_username()))
        return confirm
