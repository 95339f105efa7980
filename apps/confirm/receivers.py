"""Signal receivers of the confirm app.

Each is thin: it calls this app's services and nothing else.
"""

from django.dispatch import receiver

from apps.booking.events import booking_cancelled, booking_changed, booking_created
from apps.confirm import services


@receiver(booking_created, dispatch_uid="confirm.request_confirm")
def on_booking_created(
    sender, event, seq, new_booking: bool = False, occurred_at=None, **kwargs
) -> None:
    services.request_confirm(
        booking=event, seq=seq, new_booking=new_booking, occurred_at=occurred_at
    )


@receiver(booking_changed, dispatch_uid="confirm.reopen_confirm")
def on_booking_changed(sender, event, seq, occurred_at=None, **kwargs) -> None:
    services.reopen_confirm(booking=event, seq=seq, occurred_at=occurred_at)


@receiver(booking_cancelled, dispatch_uid="confirm.delete_confirm")
def on_booking_cancelled(sender, event, seq, **kwargs) -> None:
    services.delete_confirm(booking=event, seq=seq)
