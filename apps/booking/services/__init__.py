"""Write operations of the booking app (one function per user-visible action).

Every function takes keyword arguments only and does its whole job in one
``transaction.atomic()``; the admin and the API call the same functions.
"""

from apps.booking.services.approvals import record_approval_status
from apps.booking.services.bookings import cancel_booking, change_booking, create_booking
from apps.booking.services.rooms import (
    create_room,
    deactivate_room,
    set_opening_hours,
    update_room,
)
from apps.booking.services.series import (
    book_series,
    cancel_series,
    cancel_whole_series,
    change_series,
)

__all__ = [
    "book_series",
    "cancel_series",
    "cancel_whole_series",
    "change_series",
    "cancel_booking",
    "change_booking",
    "create_booking",
    "create_room",
    "deactivate_room",
    "record_approval_status",
    "set_opening_hours",
    "update_room",
]
