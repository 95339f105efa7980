"""Reads behind "find a room": rooms free for a whole window, and one room's day.

Each answers with ONE database query (tests/booking/test_availability*.py count them), so both
stay fast however many rooms and bookings there are.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from apps.booking import selectors
from apps.booking.events import BOOKED
from apps.booking.filters import RoomFilter
from apps.booking.models import OpeningHours, Room
from apps.booking.services import policies
from roombooking.roles import is_office_staff

# A day in any zone lies within [00:00 UTC - 14 h, next day 00:00 UTC + 12 h] (UTC offsets run
# from -12:00 to +14:00), so one query with that window finds the day's bookings before the
# room's zone is known; they are clipped to the room's day afterwards.
_EARLIEST_OFFSET = dt.timedelta(hours=14)
_LATEST_OFFSET = dt.timedelta(hours=12)
FREE_ROOM_FIELDS = ("id", "name", "capacity", "location", "equipment", "time_zone")
POLICY_CHECK_FIELDS = ("min_duration", "max_duration", "max_days_ahead", "has_opening_hours")


def free_rooms(
    *,
    start: dt.datetime,
    end: dt.datetime,
    capacity: int | None = None,
    equipment: str = "",
    now: dt.datetime | None = None,
) -> list[dict]:
    """Active rooms with no active booking sharing time with [start, end), whose policies take
    a booking of that window (durations, how far ahead, opening hours), seating at least
    ``capacity`` and having every comma-separated ``equipment`` tag; smallest rooms first (so
    that two people do not take the big hall). One query (the overlap is a NOT EXISTS
    subquery), and one more for opening hours when a candidate room has some."""
    taken = selectors.overlapping_bookings(room_id=OuterRef("pk"), start=start, end=end)
    rooms = Room.objects.filter(is_active=True).filter(~Exists(taken))
    if capacity is not None:
        rooms = rooms.filter(capacity__gte=capacity)
    if equipment:
        rooms = RoomFilter().with_equipment(rooms, "equipment", equipment)
    candidates = list(
        rooms.order_by("capacity", "name", "id").only(*FREE_ROOM_FIELDS, *POLICY_CHECK_FIELDS)
    )
    bookable = policies.rooms_taking(candidates, start=start, end=end, now=now or timezone.now())
    return [{name: getattr(room, name) for name in FREE_ROOM_FIELDS} for room in bookable]


@dataclass(frozen=True)
class Busy:
    start: dt.datetime  # clipped to the day
    end: dt.datetime
    booking_id: int
    booking_user_id: int
    username: str
    approval_status: str  # PENDING | CONFIRMED (active bookings are never DENIED)


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


def room_day(*, room_id: int, date: dt.date, user: AbstractBaseUser) -> RoomDay:
    """The room's active bookings on ``date`` (in the room's zone), 404 for an unknown room.

    One query: the room LEFT JOIN its bookings in a window wide enough for any zone, with
    "does ``user`` manage it" as an EXISTS column. Who booked is shown (``sees_names``) to
    office staff and the room's managers; the office-staff check (Django's permission cache) is
    made only when the day holds someone else's booking and the user does not manage the room.
    """
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
        )
        .values(
            "name",
            "time_zone",
            "is_active",
            "has_opening_hours",
            "you_manage",
            "day__id",
            "day__use_start_dtm",
            "day__use_end_dtm",
            "day__booking_user_id",
            "day__booking_user__username",
            "day__approval_status",
        )
        .order_by("day__use_start_dtm", "day__id")
    )
    if not rows:
        raise Http404
    first = rows[0]
    zone = zoneinfo.ZoneInfo(first["time_zone"])
    start = dt.datetime.combine(date, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    busy = [
        Busy(
            start=max(row["day__use_start_dtm"], start).astimezone(zone),
            end=min(row["day__use_end_dtm"], end).astimezone(zone),
            booking_id=row["day__id"],
            booking_user_id=row["day__booking_user_id"],
            username=row["day__booking_user__username"],
            approval_status=row["day__approval_status"],
        )
        for row in rows
        if row["day__id"] is not None
        and row["day__use_start_dtm"] < end
        and row["day__use_end_dtm"] > start
    ]
    others = any(interval.booking_user_id != user.pk for interval in busy)
    sees_names = bool(first["you_manage"] or (others and is_office_staff(user)))
    always_open = not first["has_opening_hours"]
    opening = None
    if not always_open:  # one more query, only for a room with opening hours
        hours = list(OpeningHours.objects.filter(room_id=room_id, weekday=date.weekday()))
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
