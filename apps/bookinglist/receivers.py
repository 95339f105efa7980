"""Signal receivers of the bookinglist app.

Each is thin: it calls this app's services and nothing else.
"""

from django.dispatch import receiver

from apps.booking.events import booking_cancelled, booking_changed, booking_created
from apps.bookinglist import services
from apps.confirm.events import (
    confirm_completed,
    confirm_denied,
    confirm_expired,
    confirm_requested,
)


@receiver(booking_created, dispatch_uid="bookinglist.booking_created")
@receiver(booking_changed, dispatch_uid="bookinglist.booking_changed")
@receiver(booking_cancelled, dispatch_uid="bookinglist.booking_cancelled")
@receiver(confirm_requested, dispatch_uid="bookinglist.confirm_requested")
@receiver(confirm_completed, dispatch_uid="bookinglist.confirm_completed")
@receiver(confirm_denied, dispatch_uid="bookinglist.confirm_denied")
@receiver(confirm_expired, dispatch_uid="bookinglist.confirm_expired")
def on_booking_or_confirm_event(
    sender, event, seq, occurred_at=None, new_booking: bool = False, **kwargs
) -> None:
    services.record_event(event=event, seq=seq, occurred_at=occurred_at, new_booking=new_booking)
