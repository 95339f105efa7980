"""Signal receivers of the booking app.

Each is thin: it calls this app's services and nothing else.
"""

from __future__ import annotations

from django.dispatch import receiver

from apps.booking import services
from apps.booking.events import CAUSE_DENIED, CAUSE_EXPIRED
from apps.booking.models import APPROVAL_CONFIRMED, APPROVAL_DENIED, APPROVAL_PENDING
from apps.confirm import events as confirm_events
from apps.confirm.events import (
    ConfirmDenied,
    ConfirmExpired,
    ConfirmSnapshot,
    confirm_completed,
    confirm_denied,
    confirm_expired,
    confirm_requested,
)

APPROVAL_OF = {
    confirm_events.BOOKED: APPROVAL_PENDING,
    confirm_events.CONFIRMED: APPROVAL_CONFIRMED,
    confirm_events.DENIED: APPROVAL_DENIED,
}


@receiver(confirm_denied)
def cancel_denied_booking(sender, event: ConfirmDenied, seq: int, **kwargs) -> None:
    """A denied approval cancels its booking in the same transaction (the original's synchronous
    call). Cancelling is idempotent, so a replayed or repeated denial changes nothing."""
    services.cancel_booking(
        booking_id=event.booking_id,
        actor=event.actor or event.confirm_user_id or "",
        cause=CAUSE_DENIED,
        reason=event.reason,
        in_series_action=event.in_series_action,
    )


@receiver(confirm_expired)
def cancel_expired_booking(sender, event: ConfirmExpired, seq: int, **kwargs) -> None:
    """Nobody approved in time: the booking is cancelled in the same transaction, as for a
    denial. Idempotent like the denial.

    Cancelled at the expiry's moment (``confirm_dtm``, the sweep's ``now``), so that the waitlist
    offer it makes agrees with the sweep's clock. Only for a fresh event: a replay happens later,
    and "now" is then the replay's own moment."""
    services.cancel_booking(
        booking_id=event.booking_id,
        actor=event.actor,
        cause=CAUSE_EXPIRED,
        reason=event.reason,
        now=event.confirm_dtm if kwargs.get("fresh") else None,
    )


@receiver(confirm_requested)
@receiver(confirm_completed)
@receiver(confirm_denied)
def remember_approval_status(sender, event: ConfirmSnapshot, seq: int, **kwargs) -> None:
    """The day view colours bookings by approval; the booking app keeps what the events say."""
    status = APPROVAL_OF.get(event.status)
    if status is not None:  # an unknown status (a newer confirm app) leaves the last one known
        services.record_approval_status(
            booking_id=event.booking_id, approval_status=status, seq=seq
        )
