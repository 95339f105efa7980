"""Calendar subscription feeds (reads): a person's bookings or a room's, from the booking list.

The feed is built from the booking list's own rows (it never reads another app's tables). It
holds the active bookings (``bookingStatus`` BOOKED) that overlap the window from
``CALENDAR_FEED_PAST_DAYS`` before now to ``CALENDAR_FEED_FUTURE_DAYS`` after it, earliest first,
at most ``CALENDAR_FEED_MAX_EVENTS``. Cancelled and denied bookings are left out: a subscribed
calendar is replaced by each fetch, so a booking that disappears is removed from the client's view.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.booking import events as booking_events
from apps.bookinglist.models import BookingListRow, CalendarToken
from roombooking import ical
from roombooking.roles import is_office_staff

_STATUS = {None: ical.TENTATIVE, "BOOKED": ical.TENTATIVE, "CONFIRMED": ical.CONFIRMED}


def may_subscribe_to_room(*, user, room_id: int | None) -> bool:
    """Office staff (any room) and the room's managers: those the room's latest booking event
    named (the list learns managers only from booking events, see docs/bookinglist.md)."""
    if room_id is None or not (user and user.is_active):
        return False
    if is_office_staff(user):
        return True
    latest = (
        BookingListRow.objects.filter(room_id=room_id)
        .order_by("-last_seq")
        .values_list("room_managers", flat=True)
        .first()
    )
    return user.get_username() in (latest or [])


def feed_token(*, token: str) -> CalendarToken | None:
    """The token behind a feed URL, if it is valid now: found by its unique index, its owner
    active, and (a room's) its owner still a manager of the room or office staff."""
    found = CalendarToken.objects.select_related("owner").filter(token=token).first()
    if found is None or not found.owner.is_active:
        return None
    if found.kind == CalendarToken.Kind.ROOM and not may_subscribe_to_room(
        user=found.owner, room_id=found.room_id
    ):
        return None
    return found


def feed_rows(*, token: CalendarToken, now: dt.datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    rows = BookingListRow.objects.filter(
        booking_status=booking_events.BOOKED,
        use_end_dtm__gt=now - dt.timedelta(days=settings.CALENDAR_FEED_PAST_DAYS),
        use_start_dtm__lt=now + dt.timedelta(days=settings.CALENDAR_FEED_FUTURE_DAYS),
    )
    if token.kind == CalendarToken.Kind.ROOM:
        rows = rows.filter(room_id=token.room_id)
    else:
        rows = rows.filter(booking_user_id=token.owner.get_username())
    return rows.order_by("use_start_dtm", "booking_id")[: settings.CALENDAR_FEED_MAX_EVENTS]


def feed_name(token: CalendarToken, rows: list[BookingListRow]) -> str:
    if token.kind == CalendarToken.Kind.PERSONAL:
        return f"Room bookings of {token.owner.get_username()}"
    room = rows[0].room_name if rows else f"room {token.room_id}"
    return f"Bookings of {room}"


def feed_calendar(*, token: CalendarToken, now: dt.datetime | None = None) -> bytes:
    """The feed as iCalendar text (no METHOD: a published calendar, not a scheduling message)."""
    rows = list(feed_rows(token=token, now=now))
    calendar = ical.new_calendar(name=feed_name(token, rows))
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
