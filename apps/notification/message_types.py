"""What a message is, who it is for, and the helpers every message builder shares."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

# Recipient roles: who a message is for, resolved to users by the services.
BOOKER = "booker"
PREVIOUS_BOOKER = "previous booker"
MANAGERS = "managers"  # the room's managers; office staff when the room has none
# Someone whose calendar still holds the booking (their latest invite was a REQUEST) but whom it
# no longer concerns: it was cancelled or denied, or moved to a room they do not manage. They get
# a METHOD:CANCEL; the services find them in the outbox.
FORMER_ATTENDEE = "former attendee"


@dataclass(frozen=True)
class Message:
    audience: str  # BOOKER | PREVIOUS_BOOKER | MANAGERS | FORMER_ATTENDEE
    contents: str  # the short text of the original's Notification.contents
    subject: str
    body: str


def created_contents(room_id: int) -> str:
    return f"conference room[{room_id}] reservation is complete"


CANCELED_CONTENTS = "reservation has been canceled"


def span(start: dt.datetime, end: dt.datetime) -> str:
    if start.date() == end.date():
        return f"{minute(start)}-{end.hour:02d}:{end.minute:02d}"
    return f"{minute(start)} - {minute(end)}"


def minute(moment: dt.datetime) -> str:
    """``f"{moment:%Y-%m-%d %H:%M}"``, without ``strftime`` (a third of its time: every email
    of a booking writes two or three), where the year has four digits as ``%Y`` writes it."""
    if moment.year < 1000:  # %Y's own way with short years
        return f"{moment:%Y-%m-%d %H:%M}"
    return (
        f"{moment.year}-{moment.month:02d}-{moment.day:02d} {moment.hour:02d}:{moment.minute:02d}"
    )


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
