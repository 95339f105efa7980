"""Reads behind "find a room": rooms free for a whole window, and one room's day.

Each answers with ONE database query (tests/booking/test_availability*.py count them), so both
stay fast however many rooms and bookings there are: the rooms' opening hours and whether the
user is office staff are joined or asked in the same statement. Both know the waitlist's live
holds (docs/waitlist.md): a slot held for someone else is not free, since booking it would be a
409 ``slot_held``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field, replace

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from apps.booking import selectors, selectors_waitlist
from apps.booking.events import BOOKED
from apps.booking.filters import RoomFilter
from apps.booking.models import OpeningHours, Room
from apps.booking.services import policies
from roombooking.roles import office_staff_exists

# A day in any zone lies within [00:00 UTC - 14 h, next day 00:00 UTC + 12 h] (UTC offsets run
# from -12:00 to +14:00), so one query with that window finds the day's bookings before the
# room's zone is known; they are clipped to the room's day afterwards.
_EARLIEST_OFFSET = dt.timedelta(hours=14)
_LATEST_OFFSET = dt.timedelta(hours=12)
FREE_ROOM_FIELDS = ("id", "name", "capacity", "location", "equipment", "time_zone")
POLICY_CHECK_FIELDS = ("min_duration", "max_duration", "max_days_ahead", "has_opening_hours")
HOURS_FIELDS = ("weekday", "opens", "closes")
CANDIDATE_FIELDS = (*FREE_ROOM_FIELDS, *POLICY_CHECK_FIELDS)


def free_rooms(
    *,
    start: dt.datetime,
    end: dt.datetime,
    user: AbstractBaseUser,
    capacity: int | None = None,
    equipment: str = "",
    now: dt.datetime | None = None,
) -> list[dict]:
    """Active rooms with no active booking and no live waitlist hold of someone other than
    ``user`` sharing time with [start, end), whose policies take a booking of that window
    (durations, how far ahead, opening hours), seating at least ``capacity`` and having every
    comma-separated ``equipment`` tag; smallest rooms first (so that two people do not take the
    big hall). One query (the overlaps are NOT EXISTS subqueries), and one more for opening
    hours when a candidate room has some.

    ``user``'s own holds do not hide a room: their booking over it goes through."""
    now = now or timezone.now()
    taken = selectors.overlapping_bookings(room_id=OuterRef("pk"), start=start, end=end)
    held = selectors_waitlist.live_holds(
        room_id=OuterRef("pk"), start=start, end=end, now=now, exclude_user_id=user.pk
    )
    rooms = Room.objects.filter(is_active=True).filter(~Exists(taken), ~Exists(held))
    if capacity is not None:
        rooms = rooms.filter(capacity__gte=capacity)
    if equipment:
        rooms = RoomFilter().with_equipment(rooms, "equipment", equipment)
    # A row per (room, opening hours row): a room has at most seven, and none when always open.
    rows = rooms.order_by("capacity", "name", "id").values(
        *CANDIDATE_FIELDS, *(f"opening_hours__{f}" for f in HOURS_FIELDS)
    )
    candidates: dict[int, Room] = {}
    hours: dict[int, list[OpeningHours]] = {}
    for row in rows:
        room = candidates.get(row["id"])
        if room is None:
            room = candidates[row["id"]] = Room(**{name: row[name] for name in CANDIDATE_FIELDS})
            hours[room.pk] = []
        if row["opening_hours__weekday"] is not None:
            hours[room.pk].append(_opening_hours(room.pk, row, "opening_hours__"))
    bookable = policies.rooms_taking(
        list(candidates.values()), start=start, end=end, now=now, hours=hours
    )
    return [{name: getattr(room, name) for name in FREE_ROOM_FIELDS} for room in bookable]


HELD = "HELD"  # the approval status shown for a waitlist hold (docs/finding-rooms.md)


@dataclass(frozen=True)
class Busy:
    """A taken interval of the day: an active booking, or a live waitlist hold."""

    start: dt.datetime  # clipped to the day
    end: dt.datetime
    user_id: int  # who booked it, or whom it is held for
    username: str
    approval_status: str  # PENDING | CONFIRMED (active bookings are never DENIED) | HELD
    booking_id: int | None = None  # None for a hold
    entry_id: int | None = None  # the waitlist entry of a hold
    hold_until: dt.datetime | None = None

    @property
    def held(self) -> bool:
        return self.entry_id is not None


@dataclass
class RoomDay:
    room_id: int
    room_name: str
    zone: zoneinfo.ZoneInfo
    is_active: bool
    date: dt.date
    start: dt.datetime  # 00:00 in the room's zone
    end: dt.datetime  # 00:00 of the next day (23 or 25 hours later on a daylight-saving change)
    sees_names: bool
    busy: list[Busy] = field(default_factory=list)
    # The room's opening hours that day (a room without opening hours: the whole day);
    # None: closed that day.
    opening: tuple[dt.datetime, dt.datetime] | None = None
    always_open: bool = True

    def free(self) -> list[tuple[dt.datetime, dt.datetime]]:
        """The gaps between the busy intervals within the opening hours; none in a room out of
        service or closed that day."""
        if not self.is_active:
            return []
        if self.always_open:
            first, last = self.start, self.end
        elif self.opening is None:
            return []
        else:
            first, last = max(self.opening[0], self.start), min(self.opening[1], self.end)
        gaps, cursor = [], first
        for interval in self.busy:
            if interval.start > cursor:
                gaps.append((cursor, min(interval.start, last)))
            cursor = max(cursor, interval.end)
            if cursor >= last:
                break
        if cursor < last:
            gaps.append((cursor, last))
        return [(a, b) for a, b in gaps if a < b]


def room_day(
    *, room_id: int, date: dt.date, user: AbstractBaseUser, now: dt.datetime | None = None
) -> RoomDay:
    """The room's active bookings and live waitlist holds on ``date`` (in the room's zone), 404
    for an unknown room.

    One query: the room LEFT JOIN its bookings and LEFT JOIN its live holds, both in a window
    wide enough for any zone, LEFT JOIN its opening hours of that weekday, with "does ``user``
    manage it" and "is ``user`` office staff" as EXISTS columns. The joins give a row per
    (booking, hold) pair, deduplicated here: a day holds few of either, and a hold never shares
    time with someone else's booking, so the product stays small. Who booked or holds is shown
    (``sees_names``) to office staff and the room's managers.
    """
    now = now or timezone.now()
    midnight = dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC)
    window = (midnight - _EARLIEST_OFFSET, midnight + dt.timedelta(days=1) + _LATEST_OFFSET)
    managed = Room.managers.through.objects.filter(room_id=OuterRef("pk"), user_id=user.pk)
    rows = list(
        Room.objects.filter(pk=room_id)
        .annotate(
            you_manage=Exists(managed),
            day=FilteredRelation(
                "bookings",
                condition=Q(
                    bookings__status=BOOKED,
                    bookings__use_start_dtm__lt=window[1],
                    bookings__use_end_dtm__gt=window[0],
                ),
            ),
            # The holds selectors_waitlist.live_holds finds: the ones a booking would meet.
            held=selectors_waitlist.live_holds_relation(start=window[0], end=window[1], now=now),
            today=FilteredRelation(
                "opening_hours", condition=Q(opening_hours__weekday=date.weekday())
            ),
            office_staff=office_staff_exists(user),
        )
        .values(
            "name",
            "time_zone",
            "is_active",
            "has_opening_hours",
            "you_manage",
            "office_staff",
            *(f"today__{name}" for name in HOURS_FIELDS),
            "day__id",
            "day__use_start_dtm",
            "day__use_end_dtm",
            "day__booking_user_id",
            "day__booking_user__username",
            "day__approval_status",
            "held__id",
            "held__offered_start_dtm",  # the part held: the rest of a slot that had begun
            "held__use_end_dtm",
            "held__user_id",
            "held__user__username",
            "held__hold_until",
        )
        .order_by("day__use_start_dtm", "day__id", "held__offered_start_dtm", "held__id")
    )
    if not rows:
        raise Http404
    first = rows[0]
    zone = zoneinfo.ZoneInfo(first["time_zone"])
    start = dt.datetime.combine(date, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    bookings: dict[int, Busy] = {}
    holds: dict[int, Busy] = {}
    for row in rows:
        if row["day__id"] is not None and row["day__id"] not in bookings:
            bookings[row["day__id"]] = Busy(
                start=row["day__use_start_dtm"],
                end=row["day__use_end_dtm"],
                user_id=row["day__booking_user_id"],
                username=row["day__booking_user__username"],
                approval_status=row["day__approval_status"],
                booking_id=row["day__id"],
            )
        if row["held__id"] is not None and row["held__id"] not in holds:
            holds[row["held__id"]] = Busy(
                start=row["held__offered_start_dtm"],
                end=row["held__use_end_dtm"],
                user_id=row["held__user_id"],
                username=row["held__user__username"],
                approval_status=HELD,
                entry_id=row["held__id"],
                hold_until=row["held__hold_until"],
            )
    # In order of the unclipped start, as the query returned the bookings; a hold after a
    # booking of the same start (only the holder's own booking can share its time).
    taken = sorted(
        (*bookings.values(), *holds.values()),
        key=lambda busy: (busy.start, busy.held, busy.booking_id or busy.entry_id),
    )
    busy = [
        replace(
            interval,
            start=max(interval.start, start).astimezone(zone),
            end=min(interval.end, end).astimezone(zone),
        )
        for interval in taken
        if interval.start < end and interval.end > start
    ]
    sees_names = bool(first["you_manage"] or first["office_staff"])
    always_open = not first["has_opening_hours"]
    opening = None
    if not always_open:
        hours = (
            [] if first["today__weekday"] is None else [_opening_hours(room_id, first, "today__")]
        )
        opening = policies.open_interval(hours, date=date, zone=zone)
    return RoomDay(
        always_open=always_open,
        opening=opening,
        room_id=room_id,
        room_name=first["name"],
        zone=zone,
        is_active=first["is_active"],
        date=date,
        start=start,
        end=end,
        sees_names=sees_names,
        busy=busy,
    )


def _opening_hours(room_id: int, row: dict, prefix: str) -> OpeningHours:
    """An opening hours row read through a join (``prefix``: the join's name)."""
    return OpeningHours(room_id=room_id, **{name: row[prefix + name] for name in HOURS_FIELDS})
