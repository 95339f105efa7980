"""What each event says to whom: pure functions from an event to the emails it causes.

The texts of creation and cancellation are the original system's (its API clients and users know
them); the others are ours. Bodies are plain text with the booking's room, times in the room's time
zone and status.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

from apps.booking.events import CAUSE_DENIED, BookingCancelled, BookingChanged, BookingCreated
from apps.confirm.events import ConfirmCompleted, ConfirmDenied, ConfirmRequested
from roombooking.events import Event

# Recipient roles: who a message is for, resolved to users by the services.
BOOKER = "booker"
PREVIOUS_BOOKER = "previous booker"
MANAGERS = "managers"  # the room's managers; office staff when the room has none


@dataclass(frozen=True)
class Message:
    audience: str  # BOOKER | PREVIOUS_BOOKER | MANAGERS
    contents: str  # the short text of the original's Notification.contents
    subject: str
    body: str


def created_contents(room_id: int) -> str:
    return f"conference room[{room_id}] reservation is complete"


CANCELED_CONTENTS = "reservation has been canceled"


def messages_for(event: Event) -> list[Message]:
    """The messages ``event`` causes (empty for events nobody is told about)."""
    match event:
        case BookingCreated():
            return [_booker(event, created_contents(event.room_id), "Reservation complete")]
        case BookingCancelled() if event.cause == CAUSE_DENIED:
            return []  # ConfirmDenied already told the booker, with the reason
        case BookingCancelled():
            return [_booker(event, CANCELED_CONTENTS, "Reservation canceled")]
        case BookingChanged():
            return _changed(event)
        case ConfirmRequested():
            verb = "changed and waits" if event.reopened else "waits"
            contents = f"conference room[{event.room_id}] reservation {verb} for your approval"
            subject = "Approval needed" + (" again" if event.reopened else "")
            return [_message(MANAGERS, event, contents, subject, status="BOOKED (waiting)")]
        case ConfirmCompleted():
            contents = f"conference room[{event.room_id}] reservation has been approved"
            return [_booker(event, contents, "Reservation approved", status="CONFIRMED")]
        case ConfirmDenied():
            contents = CANCELED_CONTENTS + ": approval denied"
            if event.reason:
                contents += f" ({event.reason})"
            return [_booker(event, contents, "Reservation denied", status="DENIED, canceled")]
    return []


def _changed(event: BookingChanged) -> list[Message]:
    what = ", ".join(event.changed_fields) or "details"
    contents = f"conference room[{event.room_id}] reservation has been changed ({what})"
    messages = [
        _booker(event, contents, "Reservation changed"),
        _message(MANAGERS, event, contents, "Reservation changed"),
    ]
    if event.previous_booking_user_id and event.previous_booking_user_id != event.booking_user_id:
        moved = f"conference room[{event.room_id}] reservation is now {event.booking_user_id}'s"
        messages.append(_message(PREVIOUS_BOOKER, event, moved, "Reservation handed over"))
    return messages


def _booker(event: Event, contents: str, subject: str, *, status: str | None = None) -> Message:
    return _message(BOOKER, event, contents, subject, status=status)


def _message(
    audience: str, event: Event, contents: str, subject: str, *, status: str | None = None
) -> Message:
    zone = _zone(event.room_time_zone)
    start, end = event.use_start_dtm.astimezone(zone), event.use_end_dtm.astimezone(zone)
    booker = getattr(event, "booking_user_id", None) or getattr(event, "user_id", "")
    lines = [
        contents,
        "",
        f"Room:     {event.room_name} (room {event.room_id})",
        f"When:     {_span(start, end)} ({zone.key})",
        f"Booked by: {booker}",
        f"Booking:  #{event.booking_id}",
        f"Status:   {status or event.status}",
    ]
    if isinstance(event, BookingChanged) and event.slot_changed:
        before = _span(
            event.previous_start_dtm.astimezone(zone), event.previous_end_dtm.astimezone(zone)
        )
        lines.append(f"Before:   room {event.previous_room_id}, {before}")
    if getattr(event, "reason", ""):
        lines.append(f"Reason:   {event.reason}")
    full_subject = f"{subject}: {event.room_name}, {start:%Y-%m-%d %H:%M}"
    return Message(audience, contents, full_subject[:255], "\n".join(lines) + "\n")


def _span(start: dt.datetime, end: dt.datetime) -> str:
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} - {end:%Y-%m-%d %H:%M}"


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
