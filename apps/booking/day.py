"""The day view's grid: active rooms as rows, the day's hours as columns, bookings as blocks.

Each row is in its room's time zone (07:00 means 07:00 where the room is). Two queries: the
rooms with their live waitlist holds of the day (a LEFT JOIN, deduplicated here), and the
active bookings of the day with the rooms the user manages as a subquery flag (and a third for
the opening hours when a room has some). A cell is free when nothing is booked or held in that
hour, it is not past, and the room's policies take a booking then (opening hours, how far
ahead). A hold is a block too: "Held" (docs/waitlist.md), "Your hold" for its holder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from apps.booking import selectors, selectors_waitlist
from apps.booking.models import APPROVAL_CONFIRMED, Room
from apps.booking.services import policies
from roombooking.roles import is_office_staff

FIRST_HOUR, LAST_HOUR = 7, 21  # the columns: 07:00 to 21:00
HOURS = range(FIRST_HOUR, LAST_HOUR)
_ANY_ZONE = (dt.timedelta(hours=14), dt.timedelta(hours=12))  # see availability.py


@dataclass(frozen=True)
class Block:
    """A booking or a waitlist hold drawn over the row: ``left``/``width`` in percent of the
    hours shown."""

    left: float
    width: float
    label: str
    title: str
    approved: bool
    mine: bool
    held: bool = False


@dataclass(frozen=True)
class Cell:
    hour: int
    start: str  # the local start, as the booking form reads it: 2027-12-31T10:00
    free: bool  # nothing booked or held in this hour, and not past


@dataclass
class Row:
    room: Room
    cells: list[Cell] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Hold:
    """A live waitlist hold: nobody but ``user_id`` can book it until ``until``."""

    start: dt.datetime
    end: dt.datetime
    until: dt.datetime
    user_id: int
    username: str


def day_grid(*, date: dt.date, user: AbstractBaseUser) -> list[Row]:
    now = timezone.now()
    midnight = dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC)
    window = (midnight - _ANY_ZONE[0], midnight + dt.timedelta(days=1) + _ANY_ZONE[1])
    # The rooms LEFT JOIN their live holds (as selectors_waitlist.live_holds finds them): one
    # query still, a row per hold; a room has few.
    room_rows = (
        Room.objects.filter(is_active=True)
        .annotate(
            held=selectors_waitlist.live_holds_relation(start=window[0], end=window[1], now=now),
            hold_id=F("held__id"),
            hold_start=F("held__offered_start_dtm"),  # the part held (docs/waitlist.md)
            hold_end=F("held__use_end_dtm"),
            hold_until=F("held__hold_until"),
            hold_user_id=F("held__user_id"),
            hold_username=F("held__user__username"),
            you_manage_room=Exists(
                Room.managers.through.objects.filter(room_id=OuterRef("pk"), user_id=user.pk)
            ),
        )
        .order_by("name", "id", "hold_start", "hold_id")
    )
    rooms: dict[int, Room] = {}
    holds: dict[int, list[Hold]] = {}
    for room in room_rows:
        rooms.setdefault(room.pk, room)
        if room.hold_id is not None:
            holds.setdefault(room.pk, []).append(
                Hold(
                    start=room.hold_start,
                    end=room.hold_end,
                    until=room.hold_until,
                    user_id=room.hold_user_id,
                    username=room.hold_username,
                )
            )
    managed = Room.managers.through.objects.filter(room_id=OuterRef("room_id"), user_id=user.pk)
    bookings = (
        selectors.active_bookings()
        .filter(room__is_active=True, use_start_dtm__lt=window[1], use_end_dtm__gt=window[0])
        .annotate(you_manage=Exists(managed))
        .order_by("use_start_dtm", "pk")
    )
    by_room: dict[int, list] = {}
    for booking in bookings:
        by_room.setdefault(booking.room_id, []).append(booking)
    office_staff = is_office_staff(user)
    hours = policies.hours_by_room([room for room in rooms.values() if room.has_opening_hours])
    return [
        _row(
            room,
            date,
            by_room.get(room.pk, []),
            holds.get(room.pk, []),
            user=user,
            office_staff=office_staff,
            now=now,
            hours=hours.get(room.pk),
        )  # fmt: skip
        for room in rooms.values()
    ]


def _row(
    room: Room,
    date: dt.date,
    bookings: list,
    holds: list[Hold],
    *,
    user,
    office_staff: bool,
    now,
    hours,
) -> Row:
    zone = room.zone
    shown_start = dt.datetime.combine(date, dt.time(FIRST_HOUR), tzinfo=zone)
    shown_end = dt.datetime.combine(date, dt.time(LAST_HOUR), tzinfo=zone)
    span = (shown_end - shown_start).total_seconds()
    row = Row(room=room)
    taken: list[tuple[dt.datetime, dt.datetime]] = []

    def place(start: dt.datetime, end: dt.datetime) -> tuple[float, float]:
        left = round((start - shown_start).total_seconds() / span * 100, 3)
        return left, round((end - start).total_seconds() / span * 100, 3)

    def local(start: dt.datetime, end: dt.datetime) -> str:
        return f"{start.astimezone(zone):%H:%M}–{end.astimezone(zone):%H:%M}"

    for booking in bookings:
        start, end = max(booking.use_start_dtm, shown_start), min(booking.use_end_dtm, shown_end)
        if start >= end:
            continue
        taken.append((booking.use_start_dtm, booking.use_end_dtm))
        mine = booking.booking_user_id == user.pk
        sees_name = mine or office_staff or booking.you_manage
        approved = booking.approval_status == APPROVAL_CONFIRMED
        who = "You" if mine else (booking.booking_user.username if sees_name else "Booked")
        left, width = place(start, end)
        row.blocks.append(
            Block(
                left=left,
                width=width,
                label=who,
                title=f"{local(booking.use_start_dtm, booking.use_end_dtm)} {who} "
                f"({'approved' if approved else 'waiting for approval'})",
                approved=approved,
                mine=mine,
            )
        )
    for hold in holds:
        start, end = max(hold.start, shown_start), min(hold.end, shown_end)
        if start >= end:
            continue
        # Not bookable by anyone from the grid: the holder accepts the offer instead
        # (POST /bookings/waitlist/{id}/accept), everyone else would get a 409 slot_held.
        taken.append((hold.start, hold.end))
        mine = hold.user_id == user.pk
        # The same rule as bookings' names: office staff and the room's managers see whose.
        sees_name = office_staff or room.you_manage_room
        label = "Your hold" if mine else (f"Held for {hold.username}" if sees_name else "Held")
        left, width = place(start, end)
        until = hold.until.astimezone(zone)
        row.blocks.append(
            Block(
                left=left,
                width=width,
                label=label,
                title=f"{local(hold.start, hold.end)} {label} "
                f"(waitlist offer, held until {until:%Y-%m-%d %H:%M})",
                approved=False,
                mine=mine,
                held=True,
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
