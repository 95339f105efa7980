"""The one summary email of a series action: every occurrence it touched, listed in the body."""

from __future__ import annotations

import datetime as dt

from apps.notification.message_types import Message, span, zone_named
from roombooking.events import Event

MAX_LISTED = 100  # a series has at most BOOKING_SERIES_MAX_OCCURRENCES; this bounds the body


def series_message(
    audience: str, event: Event, contents: str, subject: str, *, extra: list[str] | None = None
) -> Message:
    """``event`` is a SeriesBooked / SeriesChanged / SeriesCancelled (booking app) or a
    SeriesDecided / SeriesReminderDue (confirm app): the series, its room and the occurrences'
    ids and times. ``extra``: lines after the list."""
    zone = zone_named(event.room_time_zone)
    booker = getattr(event, "booking_user_id", None) or getattr(event, "user_id", "")
    lines = [
        contents,
        "",
        f"Room:     {event.room_name} (room {event.room_id})",
        f"Series:   #{event.series_id}"
        + (f" ({event.rrule})" if getattr(event, "rrule", "") else ""),
        f"Booked by: {booker}",
    ]
    from_start = getattr(event, "from_start", None)
    if from_start is not None:
        scope = "this and the following" if event.scope == "following" else "all remaining"
        lines.append(f"From:     {from_start.astimezone(zone):%Y-%m-%d %H:%M} ({scope})")
    if getattr(event, "reason", ""):
        lines.append(f"Reason:   {event.reason}")
    lines += ["", f"Occurrences ({len(event.booking_ids)}, {zone.key}):"]
    ends = getattr(event, "ends", ()) or ()
    for index, (booking_id, start) in enumerate(
        list(zip(event.booking_ids, event.starts, strict=False))[:MAX_LISTED]
    ):
        local = start.astimezone(zone)
        when = span(local, ends[index].astimezone(zone)) if index < len(ends) else _at(local)
        lines.append(f"  {when}  booking #{booking_id}")
    skipped = getattr(event, "skipped", ())
    if skipped:
        lines += ["", f"Skipped, already taken ({len(skipped)}):"]
        lines += [f"  {_at(moment.astimezone(zone))}" for moment in skipped[:MAX_LISTED]]
    lines += extra or []
    first = event.starts[0].astimezone(zone) if event.starts else None
    full_subject = f"{subject}: {event.room_name}" + (f", from {first:%Y-%m-%d}" if first else "")
    return Message(audience, contents, full_subject[:255], "\n".join(lines) + "\n")


def _at(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"
