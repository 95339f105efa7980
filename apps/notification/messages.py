"""What each event says to whom: pure functions from an event to the emails it causes.

The texts of creation and cancellation are the original system's (its API clients and users know
them); the others are ours. Bodies are plain text with the booking's room, times in the room's time
zone and status.
"""

from __future__ import annotations

from apps.booking.events import (
    CAUSE_DENIED,
    CAUSE_EXPIRED,
    CAUSE_NO_SHOW,
    BookingCancelled,
    BookingChanged,
    BookingCreated,
    BookingReminderDue,
    SeriesBooked,
    SeriesCancelled,
    SeriesChanged,
    WaitlistExpired,
    WaitlistOffered,
)
from apps.confirm.events import (
    CONFIRMED,
    ConfirmCompleted,
    ConfirmDenied,
    ConfirmExpired,
    ConfirmReminderDue,
    ConfirmRequested,
    SeriesDecided,
    SeriesReminderDue,
)
from apps.notification.message_types import (
    BOOKER,
    CANCELED_CONTENTS,
    FORMER_ATTENDEE,
    MANAGERS,
    PREVIOUS_BOOKER,
    Message,
    created_contents,
    minute,
    span,
    zone_named,
)
from apps.notification.messages_series import series_message
from apps.notification.messages_waitlist import waitlist_messages
from roombooking.events import Event

EXPIRED_CONTENTS = CANCELED_CONTENTS + ": nobody approved it in time"
RELEASED_CONTENTS = "reservation has been released: nobody checked in"


def messages_for(event: Event) -> list[Message]:
    """The messages ``event`` causes (empty for events nobody is told about)."""
    if getattr(event, "in_series_action", False):
        return []  # one occurrence of a series action: the action's Series* event sums it up
    match event:
        case BookingCreated():
            return [_booker(event, created_contents(event.room_id), "Reservation complete")]
        case BookingCancelled() if event.cause in (CAUSE_DENIED, CAUSE_EXPIRED):
            return []  # ConfirmDenied / ConfirmExpired already told the booker why
        case BookingCancelled() if event.cause == CAUSE_NO_SHOW:
            contents = f"conference room[{event.room_id}] {RELEASED_CONTENTS}"
            return [
                _booker(event, contents, "Reservation released"),
                _message(MANAGERS, event, contents, "Room released"),  # the room is free again
            ]
        case BookingReminderDue():
            return [_booking_reminder(event)]
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
        case ConfirmReminderDue():
            contents = f"conference room[{event.room_id}] reservation still waits for your approval"
            return [
                _message(
                    MANAGERS,
                    event,
                    contents,
                    "Reminder: approval needed",
                    status="BOOKED (waiting)",
                    extra=_expiry_lines(event),
                )
            ]
        case ConfirmExpired():
            status = "EXPIRED, canceled"
            return [_booker(event, EXPIRED_CONTENTS, "Reservation expired", status=status)]
        case ConfirmDenied():
            contents = CANCELED_CONTENTS + ": approval denied"
            if event.reason:
                contents += f" ({event.reason})"
            return [_booker(event, contents, "Reservation denied", status="DENIED, canceled")]
        case SeriesBooked() | SeriesChanged() | SeriesCancelled() | SeriesDecided():
            return _series(event)
        case SeriesReminderDue():
            count = len(event.booking_ids)
            contents = (
                f"conference room[{event.room_id}] series of {count} reservations "
                "still waits for your approval"
            )
            subject = "Reminder: approval needed for a series"
            return [series_message(MANAGERS, event, contents, subject, extra=_expiry_lines(event))]
        case WaitlistOffered() | WaitlistExpired():
            return waitlist_messages(event)
    return []


def _series(event: Event) -> list[Message]:
    """One summary per series action (instead of one email per occurrence)."""
    room, count = event.room_id, len(event.booking_ids)
    match event:
        case SeriesBooked() if not event.approval_required:  # approved at once, nobody asked
            booked = f"conference room[{room}] reservation is complete: a series of {count}"
            return [series_message(BOOKER, event, booked + ", approved", "Series reserved")]
        case SeriesBooked():
            booked = f"conference room[{room}] reservation is complete: a series of {count}"
            waits = (
                f"conference room[{room}] series of {count} reservations waits for your approval"
            )
            return [
                series_message(BOOKER, event, booked, "Series reserved"),
                series_message(MANAGERS, event, waits, "Approval needed for a series"),
            ]
        case SeriesChanged():
            changed = f"conference room[{room}] series reservation has been changed ({count})"
            return [
                series_message(BOOKER, event, changed, "Series changed"),
                series_message(MANAGERS, event, changed, "Series changed"),
            ]
        case SeriesCancelled():
            contents = f"{CANCELED_CONTENTS} ({count} of a series)"
            return [series_message(BOOKER, event, contents, "Series canceled")]
        case SeriesDecided() if event.status == CONFIRMED:
            contents = f"conference room[{room}] series reservation has been approved ({count})"
            return [series_message(BOOKER, event, contents, "Series approved")]
        case SeriesDecided():
            contents = f"{CANCELED_CONTENTS}: approval denied ({count} of a series)"
            if event.reason:
                contents += f" ({event.reason})"
            return [series_message(BOOKER, event, contents, "Series denied")]
    return []


def withdrawal_for(event: Event, *, cancelled: bool) -> Message:
    """The message that takes the booking (or a series action's occurrences) out of a former
    attendee's calendar."""
    if isinstance(event, SeriesBooked | SeriesChanged | SeriesCancelled | SeriesDecided):
        return _series_withdrawal(event, cancelled=cancelled)
    if cancelled:
        return _message(FORMER_ATTENDEE, event, CANCELED_CONTENTS, "Reservation canceled")
    previous_room = getattr(event, "previous_room_id", event.room_id)
    if previous_room != event.room_id:
        contents = f"conference room[{previous_room}] reservation has moved to another room"
    else:
        contents = f"conference room[{event.room_id}] reservation no longer needs you"
    return _message(FORMER_ATTENDEE, event, contents, "Reservation removed from your calendar")


def _series_withdrawal(event: Event, *, cancelled: bool) -> Message:
    room, count = event.room_id, len(event.booking_ids)
    if cancelled:
        contents = f"{CANCELED_CONTENTS} ({count} of a series)"
        return series_message(FORMER_ATTENDEE, event, contents, "Series canceled")
    if "roomId" in getattr(event, "changed_fields", ()):
        contents = f"conference room[{room}] series reservation has moved to another room"
    else:
        contents = f"conference room[{room}] series reservation no longer needs you ({count})"
    return series_message(FORMER_ATTENDEE, event, contents, "Series removed from your calendar")


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


def _booking_reminder(event: BookingReminderDue) -> Message:
    zone = zone_named(event.room_time_zone)
    start = event.use_start_dtm.astimezone(zone)
    contents = f"conference room[{event.room_id}] reservation starts at {start:%H:%M}"
    extra = []
    if event.requires_check_in and event.check_in_opens_dtm and event.check_in_closes_dtm:
        opens = event.check_in_opens_dtm.astimezone(zone)
        closes = event.check_in_closes_dtm.astimezone(zone)
        contents += f"; check in between {opens:%H:%M} and {closes:%H:%M}"
        extra = [
            "",
            f"This room requires check-in between {opens:%H:%M} and {closes:%H:%M};",
            "without it the booking is released for others. Check in here:",
            event.check_in_url,
        ]
    return _booker(event, contents, "Reminder", extra=extra)


def _expiry_lines(event: ConfirmReminderDue | SeriesReminderDue) -> list[str]:
    if event.expires_dtm is None:
        return []
    expires = event.expires_dtm.astimezone(zone_named(event.room_time_zone))
    if isinstance(event, SeriesReminderDue):
        return [
            "",
            "Without a decision each occurrence is canceled at its deadline, "
            f"the first by {expires:%Y-%m-%d %H:%M}.",
        ]
    return ["", f"Without a decision by {expires:%Y-%m-%d %H:%M} the booking is canceled."]


def _booker(
    event: Event,
    contents: str,
    subject: str,
    *,
    status: str | None = None,
    extra: list[str] | None = None,
) -> Message:
    return _message(BOOKER, event, contents, subject, status=status, extra=extra)


def _message(
    audience: str,
    event: Event,
    contents: str,
    subject: str,
    *,
    status: str | None = None,
    extra: list[str] | None = None,
) -> Message:
    zone = zone_named(event.room_time_zone)
    start, end = event.use_start_dtm.astimezone(zone), event.use_end_dtm.astimezone(zone)
    booker = getattr(event, "booking_user_id", None) or getattr(event, "user_id", "")
    lines = [
        contents,
        "",
        f"Room:     {event.room_name} (room {event.room_id})",
        f"When:     {span(start, end)} ({zone.key})",
        f"Booked by: {booker}",
        f"Booking:  #{event.booking_id}",
        f"Status:   {status or event.status}",
    ]
    if isinstance(event, BookingChanged) and event.slot_changed:
        before = span(
            event.previous_start_dtm.astimezone(zone), event.previous_end_dtm.astimezone(zone)
        )
        lines.append(f"Before:   room {event.previous_room_id}, {before}")
    if getattr(event, "reason", ""):
        lines.append(f"Reason:   {event.reason}")
    lines.extend(extra or [])
    full_subject = f"{subject}: {event.room_name}, {minute(start)}"
    return Message(audience, contents, full_subject[:255], "\n".join(lines) + "\n")
