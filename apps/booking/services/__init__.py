"""Write operations of the booking app (one function per user-visible action).

Every function takes keyword arguments only and does its whole job in one
``transaction.atomic()``; the admin and the API call the same functions.
"""

from apps.booking.services.approvals import record_approval_status
from apps.booking.services.bookings import cancel_booking, change_booking, create_booking
from apps.booking.services.checkin import check_in, check_in_with_link
from apps.booking.services.lifecycle import release_no_shows, send_booking_reminders
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
from apps.booking.services.waitlist import (
    accept_waitlist_offer,
    join_waitlist,
    withdraw_from_waitlist,
)
from apps.booking.services.waitlist_offers import expire_waitlist_holds, offer_freed_slot

__all__ = [
    "accept_waitlist_offer",
    "book_series",
    "cancel_booking",
    "cancel_series",
    "cancel_whole_series",
    "change_booking",
    "change_series",
    "check_in",
    "check_in_with_link",
    "create_booking",
    "create_room",
    "deactivate_room",
    "expire_waitlist_holds",
    "join_waitlist",
    "offer_freed_slot",
    "record_approval_status",
    "release_no_shows",
    "send_booking_reminders",
    "set_opening_hours",
    "update_room",
    "withdraw_from_waitlist",
]
