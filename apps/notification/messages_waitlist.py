"""Emails to a person on the waitlist (docs/waitlist.md): the slot is free and held for them, or
their hold ran out. They are about a waitlist entry, not a booking (no calendar invite)."""

from __future__ import annotations

from apps.booking.events import WaitlistExpired, WaitlistOffered, WaitlistSnapshot
from apps.notification.message_types import BOOKER, Message, span, zone_named
from roombooking.events import Event


def waitlist_messages(event: Event) -> list[Message]:
    match event:
        case WaitlistOffered():
            return [_offer(event)]
        case WaitlistExpired() if event.was_offered:
            contents = f"conference room[{event.room_id}] waitlist hold has expired"
            return [
                _message(
                    event, contents, "Waitlist hold expired", ["The next in line gets it now."]
                )
            ]
    return []  # joining, withdrawing, accepting (BookingCreated tells), a slot that began


def _offer(event: WaitlistOffered) -> Message:
    zone = zone_named(event.room_time_zone)
    contents = f"conference room[{event.room_id}] is free: your waitlist slot is held for you"
    if event.hold_until is not None:
        contents += f" until {event.hold_until.astimezone(zone):%Y-%m-%d %H:%M}"
    return _message(
        event,
        contents,
        "Your waitlisted slot is free",
        [
            f"Accept:   POST /bookings/waitlist/{event.entry_id}/accept",
            "Nobody else can book it while the hold lasts; after that it goes to the next in line.",
        ],
    )


def _message(event: WaitlistSnapshot, contents: str, subject: str, extra: list[str]) -> Message:
    """A message to the waiting person about their entry (BOOKER resolves ``user_id``)."""
    zone = zone_named(event.room_time_zone)
    start, end = event.use_start_dtm.astimezone(zone), event.use_end_dtm.astimezone(zone)
    lines = [
        contents,
        "",
        f"Room:     {event.room_name} (room {event.room_id})",
        f"When:     {span(start, end)} ({zone.key})",
        f"Waitlist: entry #{event.entry_id}",
        f"Status:   {event.status}",
    ]
    if event.hold_until is not None:
        lines.append(f"Held until: {event.hold_until.astimezone(zone):%Y-%m-%d %H:%M}")
    lines += ["", *extra]
    full_subject = f"{subject}: {event.room_name}, {start:%Y-%m-%d %H:%M}"
    return Message(BOOKER, contents[:500], full_subject[:255], "\n".join(lines) + "\n")
