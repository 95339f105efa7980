"""Room policies: the rules a room sets for its bookings (see docs/policies.md).

The slot services (``checked_slot``, ``future_limit_violations``) call these on every booking
path (new bookings, changes, and so series occurrences and waitlist acceptances), collect the
violations and either refuse them all in one 400 or, when office staff override, record the
names of the broken rules in the booking's event. Each message names the rule and its limit.
Overlap, a start in the past and the global BOOKING_MAX_FUTURE_PER_USER are not policies: no
flag overrides them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from apps.booking.models import MIDNIGHT, WEEKDAYS, OpeningHours, Room
from roombooking.datetimes import format_iso

MIN_DURATION = "min_duration"
MAX_DURATION = "max_duration"
MAX_DAYS_AHEAD = "max_days_ahead"
OPENING_HOURS = "opening_hours"
MAX_FUTURE_BOOKINGS_PER_USER = "max_future_bookings_per_user"
RULES = (MIN_DURATION, MAX_DURATION, MAX_DAYS_AHEAD, OPENING_HOURS, MAX_FUTURE_BOOKINGS_PER_USER)


@dataclass(frozen=True)
class Violation:
    rule: str  # one of RULES
    field: str  # the API field the error is reported on
    message: str


def slot_violations(
    *,
    room: Room,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    hours: list[OpeningHours] | None = None,
) -> list[Violation]:
    """The rules of ``room`` that the interval [start, end) breaks (``end`` after ``start``).
    No query unless the room has opening hours and ``hours`` (its rows, when the caller has
    loaded them already) is not given.

    Durations are elapsed time, subtracted in UTC: two datetimes with the same ZoneInfo subtract
    as wall-clock times, which is off by the offset change across a daylight-saving switch."""
    found = []
    length = end.astimezone(dt.UTC) - start.astimezone(dt.UTC)
    if room.min_duration and length < room.min_duration:
        found.append(
            Violation(
                MIN_DURATION,
                "useEndDtm",
                f"Bookings of {room.name} last at least {_duration(room.min_duration)} "
                f"({MIN_DURATION}); this one lasts {_duration(length)}.",
            )
        )
    if length > room.max_duration:  # the message predates the policies; the rule's name was added
        found.append(
            Violation(
                MAX_DURATION,
                "useEndDtm",
                f"The booking lasts {_duration(length)}; {room.name} takes bookings of at most "
                f"{_duration(room.max_duration)} ({MAX_DURATION}).",
            )
        )
    if room.max_days_ahead is not None:
        latest = now.astimezone(dt.UTC) + dt.timedelta(days=room.max_days_ahead)  # 24 h days
        if start > latest:
            found.append(
                Violation(
                    MAX_DAYS_AHEAD,
                    "useStartDtm",
                    f"{room.name} takes bookings at most {room.max_days_ahead} days ahead "
                    f"({MAX_DAYS_AHEAD}): the start may be {format_iso(latest, zone=room.zone)} "
                    "at the latest.",
                )
            )
    if room.has_opening_hours:
        if hours is None:
            hours = list(room.opening_hours.all())
        found += _opening_hours_violations(room, start, end, hours)
    return found


def rooms_taking(
    rooms: list[Room],
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    hours: dict[int, list[OpeningHours]],
) -> list[Room]:
    """The ``rooms`` whose policies accept a booking of [start, end) (the per-person limit
    aside: it depends on who books). ``hours``: the rooms' opening hours by room id, read by
    the caller (``hours_by_room``, or joined into its own query)."""
    return [
        room
        for room in rooms
        if not slot_violations(room=room, start=start, end=end, now=now, hours=hours.get(room.pk))
    ]


def hours_by_room(rooms: Iterable[Room]) -> dict[int, list[OpeningHours]]:
    """The opening hours of ``rooms``, by room id, in one query (none for no rooms)."""
    ids = [room.pk for room in rooms]
    found: dict[int, list[OpeningHours]] = {room_id: [] for room_id in ids}
    if ids:
        for row in OpeningHours.objects.filter(room_id__in=ids):
            found[row.room_id].append(row)
    return found


def open_interval(
    hours: list[OpeningHours], *, date: dt.date, zone
) -> tuple[dt.datetime, dt.datetime] | None:
    """When a room with these opening hours is open on ``date`` (aware, in ``zone``); None when
    it is closed that day."""
    today = next((h for h in hours if h.weekday == date.weekday()), None)
    if today is None:
        return None
    opens = dt.datetime.combine(date, today.opens, tzinfo=zone)
    closes_on = date + dt.timedelta(days=1) if today.closes == MIDNIGHT else date
    return opens, dt.datetime.combine(closes_on, today.closes, tzinfo=zone)


def per_room_limit_violation(*, room: Room, username: str, held: int) -> Violation | None:
    """``held``: the person's bookings of ``room`` that have not ended (this one excluded)."""
    limit = room.max_future_bookings_per_user
    if limit is None or held < limit:
        return None
    return Violation(
        MAX_FUTURE_BOOKINGS_PER_USER,
        "bookingUserId",
        f"{username} already holds {held} upcoming bookings of {room.name}; the limit is "
        f"{limit} ({MAX_FUTURE_BOOKINGS_PER_USER}).",
    )


def enforce(violations: Iterable[Violation], *, override: bool) -> tuple[str, ...]:
    """Refuse the violations in one 400 (every field and message), or, when ``override``,
    return the names of the overridden rules for the event."""
    violations = list(violations)
    if not violations:
        return ()
    if override:
        return tuple(dict.fromkeys(v.rule for v in violations))
    raise ValidationError(as_errors(violations))


def as_errors(violations: Iterable[Violation]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for violation in violations:
        errors.setdefault(violation.field, []).append(violation.message)
    return errors


def _describe_hours(hours: Iterable[OpeningHours]) -> str:
    """``Mon 08:00-18:00, Tue 08:00-18:00``: what the messages quote as the limit."""
    return ", ".join(
        f"{WEEKDAYS[h.weekday][:3]} {h.opens:%H:%M}-{_closing(h.closes)}"
        for h in sorted(hours, key=lambda h: h.weekday)
    )


def _opening_hours_violations(
    room: Room, start: dt.datetime, end: dt.datetime, hours: list[OpeningHours]
) -> list[Violation]:
    """The booking must fit in the opening interval of its start's day, in wall-clock time of
    the room's zone (naive comparisons: a zone's offset change does not move opening hours)."""
    local_start = start.astimezone(room.zone).replace(tzinfo=None)
    local_end = end.astimezone(room.zone).replace(tzinfo=None)
    day = local_start.date()
    weekday = WEEKDAYS[day.weekday()]
    limit = f"{OPENING_HOURS}: {_describe_hours(hours)}"
    today = next((h for h in hours if h.weekday == day.weekday()), None)
    if today is None:
        return [
            Violation(
                OPENING_HOURS, "useStartDtm", f"{room.name} is closed on {weekday}s ({limit})."
            )
        ]
    opens = dt.datetime.combine(day, today.opens)
    closes = dt.datetime.combine(day, today.closes)
    if today.closes == MIDNIGHT:
        closes += dt.timedelta(days=1)
    found = []
    if local_start < opens:
        found.append(
            Violation(
                OPENING_HOURS,
                "useStartDtm",
                f"{room.name} opens at {today.opens:%H:%M} on {weekday}s ({limit}); "
                f"the start is {local_start:%H:%M}.",
            )
        )
    if local_end > closes:
        shown = f"{local_end:%H:%M}" if local_end.date() == day else f"{local_end:%Y-%m-%d %H:%M}"
        found.append(
            Violation(
                OPENING_HOURS,
                "useEndDtm",
                f"{room.name} closes at {_closing(today.closes)} on {weekday}s ({limit}); "
                f"the end is {shown}.",
            )
        )
    return found


def _closing(closes: dt.time) -> str:
    return "24:00" if closes == MIDNIGHT else f"{closes:%H:%M}"


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
