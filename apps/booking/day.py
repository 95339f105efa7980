"""The day view's grid: active rooms as rows, the day's hours as columns, bookings as blocks.

Each row is in its room's time zone (07:00 means 07:00 where the room is). Two queries: the
rooms, and the active bookings of the day with the rooms the user manages as a subquery flag
(and a third for the opening hours when a room has some). A cell is free when nothing is
booked in that hour, it is not past, and the room's policies take a booking then (opening
hours, how far ahead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.booking import selectors
from apps.booking.models import APPROVAL_CONFIRMED, Room
from apps.booking.services import policies
from roombooking.roles import is_office_staff

FIRST_HOUR, LAST_HOUR = 7, 21  # the columns: 07:00 to 21:00
HOURS = range(FIRST_HOUR, LAST_HOUR)
_ANY_ZONE = (dt.timedelta(hours=14), dt.timedelta(hours=12))  # see availability.py


@dataclass(frozen=True)
class Block:
    """A booking drawn over the row: ``left``/``width`` in percent of the hours shown."""

    left: float
    width: float
    label: str
    title: str
    approved: bool
    mine: bool


@dataclass(frozen=True)
class Cell:
    hour: int
    start: str  # the local start, as the booking form reads it: 2027-12-31T10:00
    free: bool  # nothing booked in this hour, and not past


@dataclass
class Row:
    room: Room
    cells: list[Cell] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


def day_grid(*, date: dt.date, user: AbstractBaseUser) -> list[Row]:
    rooms = list(Room.objects.filter(is_active=True).order_by("name", "id"))
    midnight = dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC)
    managed = Room.managers.through.objects.filter(room_id=OuterRef("room_id"), user_id=user.pk)
    bookings = (
        selectors.active_bookings()
        .filter(
            room__is_active=True,
            use_start_dtm__lt=midnight + dt.timedelta(days=1) + _ANY_ZONE[1],
            use_end_dtm__gt=midnight - _ANY_ZONE[0],
        )
        .annotate(you_manage=Exists(managed))
        .order_by("use_start_dtm", "pk")
    )
    by_room: dict[int, list] = {}
    for booking in bookings:
        by_room.setdefault(booking.room_id, []).append(booking)
    office_staff = is_office_staff(user)
    now = timezone.now()
    hours = policies.hours_by_room([room for room in rooms if room.has_opening_hours])
    return [
        _row(
            room,
            date,
            by_room.get(room.pk, []),
            user=user,
            office_staff=office_staff,
            now=now,
            hours=hours.get(room.pk),
        )  # fmt: skip
        for room in rooms
    ]


def _row(room: Room, date: dt.date, bookings: list, *, user, office_staff: bool, now, hours) -> Row:
    zone = room.zone
    shown_start = dt.datetime.combine(date, dt.time(FIRST_HOUR), tzinfo=zone)
    shown_end = dt.datetime.combine(date, dt.time(LAST_HOUR), tzinfo=zone)
    span = (shown_end - shown_start).total_seconds()
    row = Row(room=room)
    taken: list[tuple[dt.datetime, dt.datetime]] = []
    for booking in bookings:
        start, end = max(booking.use_start_dtm, shown_start), min(booking.use_end_dtm, shown_end)
        if start >= end:
            continue
        taken.append((booking.use_start_dtm, booking.use_end_dtm))
        mine = booking.booking_user_id == user.pk
        sees_name = mine or office_staff or booking.you_manage
        approved = booking.approval_status == APPROVAL_CONFIRMED
        local = f"{booking.use_start_dtm.astimezone(zone):%H:%M}–"
        local += f"{booking.use_end_dtm.astimezone(zone):%H:%M}"
        who = "You" if mine else (booking.booking_user.username if sees_name else "Booked")
        row.blocks.append(
            Block(
                left=round((start - shown_start).total_seconds() / span * 100, 3),
                width=round((end - start).total_seconds() / span * 100, 3),
                label=who,
                title=f"{local} {who} ({'approved' if approved else 'waiting for approval'})",
                approved=approved,
                mine=mine,
            )
        )
    for hour in HOURS:
        start = dt.datetime.combine(date, dt.time(hour), tzinfo=zone)
        end = start + dt.timedelta(hours=1)
        free = (
            start >= now
            and not any(s < end and e > start for s, e in taken)
            and _policies_allow(room, start, end, now=now, hours=hours)
        )
        row.cells.append(Cell(hour=hour, start=f"{date}T{hour:02d}:00", free=free))
    return row


# The rules a one-hour cell can break by its position alone (the durations depend on the
# booking the form then makes, the per-person limit on who makes it).
_CELL_RULES = {policies.OPENING_HOURS, policies.MAX_DAYS_AHEAD}


def _policies_allow(room: Room, start: dt.datetime, end: dt.datetime, *, now, hours) -> bool:
    violations = policies.slot_violations(room=room, start=start, end=end, now=now, hours=hours)
    return not any(violation.rule in _CELL_RULES for violation in violations)
