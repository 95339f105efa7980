"""Signal receivers of the notification app.

Each is thin: it calls this app's services and nothing else.
"""

from __future__ import annotations

from django.dispatch import receiver

from apps.booking.events import (
    booking_cancelled,
    booking_changed,
    booking_created,
    booking_reminder_due,
    series_booked,
    series_cancelled,
    series_changed,
    waitlist_expired,
    waitlist_offered,
)
from apps.confirm.events import (
    confirm_completed,
    confirm_denied,
    confirm_expired,
    confirm_reminder_due,
    confirm_requested,
    series_decided,
    series_reminder_due,
)
from apps.notification import services


@receiver(booking_created, dispatch_uid="notification.booking_created")
@receiver(booking_changed, dispatch_uid="notification.booking_changed")
@receiver(booking_cancelled, dispatch_uid="notification.booking_cancelled")
@receiver(confirm_requested, dispatch_uid="notification.confirm_requested")
@receiver(confirm_completed, dispatch_uid="notification.confirm_completed")
@receiver(confirm_denied, dispatch_uid="notification.confirm_denied")
@receiver(series_booked, dispatch_uid="notification.series_booked")
@receiver(series_changed, dispatch_uid="notification.series_changed")
@receiver(series_cancelled, dispatch_uid="notification.series_cancelled")
@receiver(series_decided, dispatch_uid="notification.series_decided")
@receiver(booking_reminder_due, dispatch_uid="notification.booking_reminder_due")
@receiver(confirm_reminder_due, dispatch_uid="notification.confirm_reminder_due")
@receiver(series_reminder_due, dispatch_uid="notification.series_reminder_due")
@receiver(confirm_expired, dispatch_uid="notification.confirm_expired")
@receiver(waitlist_offered, dispatch_uid="notification.waitlist_offered")
@receiver(waitlist_expired, dispatch_uid="notification.waitlist_expired")
def notify(
    sender, event, seq: int, fresh: bool = False, new_booking: bool = False, **kwargs
) -> None:
    services.notify_for_event(event=event, seq=seq, fresh=fresh, new_booking=new_booking)
