"""Real rooms and bookings of the booking app, for tests where its reaction matters (a denial
cancels the booking). Everything the confirm tests need from the booking app goes through here."""

from __future__ import annotations

import datetime as dt
import itertools

from apps.booking import services as booking_services
from apps.confirm.models import Confirm

_days = itertools.count(1)


def room(*, name: str = "Hanla", managers: tuple[str, ...] = ("manager",)):
    return booking_services.create_room(name=name, capacity=8, managers=list(managers))


def book(*, actor, room, hours: int = 1):
    """A booking of ``room`` by ``actor`` on a future day of its own (so bookings never collide),
    and its approval request."""
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=next(_days) + 30)).replace(
        hour=1, minute=0, second=0, microsecond=0
    )
    booking = booking_services.create_booking(
        actor=actor,
        room_id=room.pk,
        use_start_dtm=start,
        use_end_dtm=start + dt.timedelta(hours=hours),
    )
    return booking, Confirm.objects.get(booking_id=booking.pk)


def cancel(*, actor, booking_id: int) -> None:
    booking_services.cancel_booking(booking_id=booking_id, actor=actor.get_username())


def is_cancelled(booking_id: int) -> bool:
    from apps.booking.models import Booking

    return Booking.objects.get(pk=booking_id).status == "CANCELLED"
