"""Who may subscribe to which calendar, and which token a feed URL stands for."""

from __future__ import annotations

from apps.bookinglist.calendar_selectors import current_room_managers, token_by_value
from apps.bookinglist.models import CalendarToken
from roombooking.roles import is_office_staff


def may_subscribe_to_room(*, user, room_id: int | None) -> bool:
    """Office staff (any room) and the room's managers: those the room's latest booking event
    named (the list learns managers only from booking events, see docs/bookinglist.md)."""
    if room_id is None or not (user and user.is_active):
        return False
    if is_office_staff(user):
        return True
    return user.get_username() in (current_room_managers(room_id=room_id) or [])


def feed_token(*, token: str) -> CalendarToken | None:
    """The token behind a feed URL, if it is valid now: found by its unique index, its owner
    active, and (a room's) its owner still a manager of the room or office staff."""
    found = token_by_value(token=token)
    if found is None or not found.owner.is_active:
        return None
    if found.kind == CalendarToken.Kind.ROOM and not may_subscribe_to_room(
        user=found.owner, room_id=found.room_id
    ):
        return None
    return found
