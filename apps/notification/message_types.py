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
        return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} - {end:%Y-%m-%d %H:%M}"


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
