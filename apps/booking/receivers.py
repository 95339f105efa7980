"""Signal receivers of the booking app.

Each is thin: it calls this app's services and nothing else.
"""

from __future__ import annotations

from django.dispatch import receiver

from apps.booking import services
from apps.booking.events import CAUSE_DENIED
from apps.confirm.events import ConfirmDenied, confirm_denied


@receiver(confirm_denied)
def cancel_denied_booking(sender, event: ConfirmDenied, seq: int, **kwargs) -> None:
    """A denied approval cancels its booking in the same transaction (the original's synchronous
    call). Cancelling is idempotent, so a replayed or repeated denial changes nothing."""
    services.cancel_booking(
        booking_id=event.booking_id,
        actor=event.actor or event.confirm_user_id or "",
        cause=CAUSE_DENIED,
        reason=event.reason,
    )
