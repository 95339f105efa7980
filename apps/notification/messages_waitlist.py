"""Emails to a person on the waitlist (docs/waitlist.md): the slot is free and held for them, or
their hold ran out. They are about a waitlist entry, not a booking (no calendar invite)."""

from __future__ import annotations

import datetime as dt

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
    return []  # joining, withdrawing, accepting (BookingCreated tells), a slot that ended


def _offer(event: WaitlistOffered) -> Message:
    zone = zone_named(event.room_time_zone)
    offered_from = event.offered_start_dtm or event.use_start_dtm
    if offered_from <= event.use_start_dtm:  # the whole slot, before it begins
        contents = f"conference room[{event.room_id}] is free: your waitlist slot is held for you"
        subject, offered, extra = "Your waitlisted slot is free", [], []
    else:  # freed after it began: what is offered is the rest, and it starts when accepted
        start = offered_from.astimezone(zone)
        end = event.use_end_dtm.astimezone(zone)
        contents = (
            f"conference room[{event.room_id}] is free from {start:%H:%M} to {end:%H:%M}: "
            "the rest of your waitlist slot is held for you"
        )
        subject = "The rest of your waitlisted slot is free"
        offered = [f"Offered:  {span(start, end)} (the rest of your slot, which has begun)"]
        extra = [
            "Your slot has begun: accepting books the room from the next whole minute after you "
            f"accept until {end:%H:%M}."
        ]
        if event.approval_required:
            extra.append(
                "This room's bookings need a manager's approval, and one still waiting for it "
                "when it starts is cancelled: this one stands only if a manager approves it at "
                "once."
            )
    if event.hold_until is not None:
        contents += f" until {event.hold_until.astimezone(zone):%Y-%m-%d %H:%M}"
    return _message(
        event,
        contents,
        subject,
        [
            f"Accept:   POST /bookings/waitlist/{event.entry_id}/accept",
            *extra,
            "Nobody else can book it while the hold lasts; after that it goes to the next in line.",
        ],
        offered=offered,
        subject_start=offered_from,
    )


def _message(
    event: WaitlistSnapshot,
    contents: str,
    subject: str,
    extra: list[str],
    *,
    offered: list[str] | None = None,
    subject_start: dt.datetime | None = None,
) -> Message:
    """A message to the waiting person about their entry (BOOKER resolves ``user_id``).
    ``offered``: lines after the slot's (the part offered, when it is not the whole slot);
    ``subject_start``: the time the subject names (default: the slot's start)."""
    zone = zone_named(event.room_time_zone)
    start, end = event.use_start_dtm.astimezone(zone), event.use_end_dtm.astimezone(zone)
    lines = [
        contents,
        "",
        f"Room:     {event.room_name} (room {event.room_id})",
        f"When:     {span(start, end)} ({zone.key})",
        *(offered or []),
        f"Waitlist: entry #{event.entry_id}",
        f"Status:   {event.status}",
    ]
    if event.hold_until is not None:
        lines.append(f"Held until: {event.hold_until.astimezone(zone):%Y-%m-%d %H:%M}")
    lines += ["", *extra]
    named = (subject_start or event.use_start_dtm).astimezone(zone)
    full_subject = f"{subject}: {event.room_name}, {named:%Y-%m-%d %H:%M}"
    return Message(BOOKER, contents[:500], full_subject[:255], "\n".join(lines) + "\n")
