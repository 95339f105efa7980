"""Rendering calendar subscription feeds: a person's bookings or a room's, as iCalendar.

The rows come from ``calendar_selectors.feed_rows`` (active bookings in the feed's window); who may
read which feed is ``calendar_access``. Cancelled and denied bookings are left out: a subscribed
calendar is replaced by each fetch, so a booking that disappears is removed from the client's view.
"""

from __future__ import annotations

import datetime as dt

from apps.bookinglist.calendar_selectors import feed_rows
from apps.bookinglist.models import BookingListRow, CalendarToken
from roombooking import ical

_STATUS = {None: ical.TENTATIVE, "BOOKED": ical.TENTATIVE, "CONFIRMED": ical.CONFIRMED}


def feed_name(*, token: CalendarToken, rows: list[BookingListRow]) -> str:
    if token.kind == CalendarToken.Kind.PERSONAL:
        return f"Room bookings of {token.owner.get_username()}"
    room = rows[0].room_name if rows else f"room {token.room_id}"
    return f"Bookings of {room}"


def feed_calendar(*, token: CalendarToken, now: dt.datetime | None = None) -> bytes:
    """The feed as iCalendar text (no METHOD: a published calendar, not a scheduling message)."""
    rows = list(feed_rows(token=token, now=now))
    calendar = ical.new_calendar(name=feed_name(token=token, rows=rows))
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for row in rows:
        calendar.add_component(_event(row, personal=token.kind == CalendarToken.Kind.PERSONAL))
    return calendar.to_ical()


def _event(row: BookingListRow, *, personal: bool):
    status = _STATUS.get(row.confirm_status, ical.TENTATIVE)
    if personal:
        summary = f"Meeting room: {row.room_name or row.room_id}"
    else:
        summary = f"Booked by {row.booking_user_id}"
    if status == ical.TENTATIVE:
        summary += " (waiting for approval)"
    event = ical.booking_event(
        booking_id=row.booking_id,
        room_name=row.room_name or f"room {row.room_id}",
        start=row.use_start_dtm,
        end=row.use_end_dtm,
        status=status,
        stamp=row.updated_dtm,
        summary=summary,
        description=(
            f"Booking #{row.booking_id}, room {row.room_id}, booked by {row.booking_user_id}\n"
            f"Approval: {row.confirm_status or 'BOOKED'}"
        ),
    )
    event.add("last-modified", row.updated_dtm.astimezone(dt.UTC))
    return event
