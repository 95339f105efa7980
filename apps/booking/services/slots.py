"""Checking a booking's slot: times that make sense for the room, and no overlap.

Field names in errors are the API's (``roomId``, ``useStartDtm``, ``useEndDtm``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists
from django.utils import timezone

from apps.booking import selectors, selectors_waitlist
from apps.booking.models import NO_OVERLAP_CONSTRAINT, Booking, Room
from apps.booking.services import policies
from roombooking.cursors import defer_statement, run_statement
from roombooking.datetimes import DateTimeInputError, format_iso, make_aware
from roombooking.errors import Conflict
from roombooking.inserts import insert_new
from roombooking.roles import is_office_staff, manages
from roombooking.statements import Template

T = TypeVar("T")


@dataclass(frozen=True)
class Slot:
    room: Room
    start: dt.datetime
    end: dt.datetime
    overridden_rules: tuple[str, ...] = ()  # room policies office staff chose to break


def active_room(room_id: object) -> Room:
    """The room to book, its policies read under a share lock (see ``room_for_booking``)."""
    try:
        room = room_for_booking(room_id)
    except (Room.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"roomId": [f"Room {room_id} does not exist."]}) from None
    if not room.is_active:
        raise ValidationError({"roomId": [f"Room {room_id} ({room.name}) is not in service."]})
    return room


def room_for_booking(room_id: object) -> Room:
    """The room, read ``FOR SHARE`` on PostgreSQL inside a transaction: the same one statement
    as a plain read, and the booking is then checked against policies that cannot change
    before it commits. A policy change (``update_room``, ``set_opening_hours``: ``FOR UPDATE``)
    waits for the bookings that have read the room; a booking that reads it during a change
    waits for the change to commit and reads the new policies (and opening hours) after it.
    Bookings do not block each other: share locks do not conflict. SQLite needs none: its
    writers take turns from their first statement (IMMEDIATE transactions)."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return Room.objects.filter(pk=room_id).get()  # ValueError/TypeError: not an id
    room_id = int(room_id)  # the ORM's conversion: ValueError/TypeError when not an id
    if not -(2**63) <= room_id < 2**63:  # the ORM finds none either (no such bigint)
        raise Room.DoesNotExist
    found = _ROOM_FOR_SHARE.objects(room_id=room_id)
    if not found:
        raise Room.DoesNotExist
    return found[0]


_ROOM_FOR_SHARE = Template(
    lambda *, room_id: Room.objects.filter(pk=room_id), room_id=int, suffix=" FOR SHARE"
)


def aware(value: dt.datetime, *, room: Room, field: str) -> dt.datetime:
    """``value`` as an aware datetime; a naive one is a wall-clock time in the room's zone."""
    try:
        return make_aware(value, zone=room.zone)
    except DateTimeInputError as error:
        raise ValidationError({field: [str(error)]}) from None


def checked_slot(
    *,
    room: Room,
    start: dt.datetime,
    end: dt.datetime,
    start_may_be_past: bool = False,
    override_policy: bool = False,
    violations: Iterable[policies.Violation] = (),
    now: dt.datetime | None = None,
) -> Slot:
    """Local (naive) times are read in the room's time zone; every problem found is reported.

    The room's policies (apps.booking.services.policies) are checked here, the one place every
    booking path goes through; ``override_policy`` (office staff) lets them pass and records
    their names in ``Slot.overridden_rules``. A start in the past is never overridable.
    ``violations``: rules the caller found broken already (the per-room limit, which depends on
    who books), reported or overridden together with the slot's."""
    errors: dict[str, list[str]] = {}
    times = {}
    for field, value in (("useStartDtm", start), ("useEndDtm", end)):
        try:
            times[field] = make_aware(value, zone=room.zone)
        except DateTimeInputError as error:
            errors[field] = [str(error)]
    if errors:
        raise ValidationError(errors)
    # In UTC from here on: create (naive times in the room's zone) and change (stored UTC times)
    # then measure alike, and durations are elapsed time across a daylight-saving change. The
    # room's zone is kept for the opening hours and the messages only.
    start, end = times["useStartDtm"].astimezone(dt.UTC), times["useEndDtm"].astimezone(dt.UTC)
    now = now or timezone.now()
    found: list[policies.Violation] = []
    if end <= start:
        errors["useEndDtm"] = ["The end must be after the start (useStartDtm)."]
    else:
        found = policies.slot_violations(room=room, start=start, end=end, now=now)
    found += violations
    if start < now and not start_may_be_past:
        errors["useStartDtm"] = [f"The start {format_iso(start, zone=room.zone)} is in the past."]
    elif end <= now:
        errors.setdefault("useEndDtm", [f"The end {format_iso(end, zone=room.zone)} is past."])
    if errors:
        if not override_policy:  # report the policies' problems too, after the others
            for field, messages in policies.as_errors(found).items():
                errors.setdefault(field, []).extend(messages)
        raise ValidationError(errors)
    overridden = policies.enforce(found, override=override_policy)
    return Slot(room=room, start=start, end=end, overridden_rules=overridden)


def ensure_free(
    slot: Slot,
    *,
    actor,
    exclude_id: int | None = None,
    booking_user=None,
    now: dt.datetime | None = None,
) -> None:
    """409 when an active booking of the room overlaps the slot, or when it is held for someone
    on the waitlist other than ``booking_user`` (default: the actor; docs/waitlist.md).

    Takes the room's booking lock first (held until the transaction ends), so that the check and
    the insert that follows see every booking of the room committed before them, and every hold
    a waitlist offer made (offers are made under the same lock)."""
    lock_room(slot.room, with_next_statement=True)  # the check below: one round trip
    found = slot_conflict(
        slot,
        actor=actor,
        holder=booking_user if booking_user is not None else actor,
        exclude_ids=() if exclude_id is None else (exclude_id,),
        now=now or timezone.now(),
    )
    if found is not None:
        raise found


def slot_conflict(
    slot: Slot, *, actor, holder, exclude_ids: Collection[int] = (), now: dt.datetime
) -> Conflict | None:
    """The 409 ``ensure_free`` raises for ``slot``, or None when the slot is free: active bookings
    of the room overlapping it (other than ``exclude_ids``, the bookings being moved, whose old
    slots do not count), or else live holds for anyone but ``holder``. The caller holds the
    room's lock. A series move asks it for every occurrence before moving any, so that its 409
    lists every date in the way, held ones too (apps.booking.services.series)."""
    values = {
        "room_id": slot.room.pk, "start": slot.start, "end": slot.end, "now": now,
        "holder_id": holder.pk,
    }  # fmt: skip
    # Usually both are empty: one statement asks both questions; a 409 then lists.
    if exclude_ids:
        taken, held = _taken_or_held(**values, exclude_ids=exclude_ids).get()
    else:  # every booking asks this: compiled once (roombooking/statements.py)
        taken, held = _TAKEN_OR_HELD.rows(**values)[0]
    if taken:
        bookings = _in_the_way(**values, exclude_ids=exclude_ids)[0]
        return conflict(slot.room, list(bookings), actor=actor)
    if held:
        return held_conflict(slot.room, list(_in_the_way(**values)[1]))
    return None


def _in_the_way(*, room_id, start, end, now, holder_id, exclude_ids=()):
    """Active bookings of the room overlapping [start, end) but ``exclude_ids``, and live holds
    of it for anyone but ``holder_id``."""
    bookings = selectors.overlapping_bookings(room_id=room_id, start=start, end=end)
    if exclude_ids:
        bookings = bookings.exclude(pk__in=exclude_ids)
    holds = selectors_waitlist.live_holds(
        room_id=room_id, start=start, end=end, now=now, exclude_user_id=holder_id
    )
    return bookings, holds


def _taken_or_held(**values):
    bookings, holds = _in_the_way(**values)
    return Room.objects.filter(pk=values["room_id"]).values_list(Exists(bookings), Exists(holds))


_TAKEN_OR_HELD = Template(
    _taken_or_held,
    room_id=int, start=dt.datetime, end=dt.datetime, now=dt.datetime, holder_id=int,
)  # fmt: skip


ROOM_LOCK_CLASS = 0x524F4F4D  # "ROOM": the advisory lock class of rooms (bus locks use 1 key)


def lock_room(room: Room, *, with_next_statement: bool = False) -> None:
    """Writers of one room's bookings take turns (PostgreSQL advisory transaction lock).
    ``with_next_statement``: the lock is sent with the transaction's next statement, in the same
    round trip (``roombooking.cursors.defer_statement``), for a caller whose next step is a
    statement (PostgreSQL runs it once the lock is granted); without it, the lock is held when
    this returns.

    Without it, two overlapping inserts that both passed the check can each wait for the other
    in the exclusion constraint's check: PostgreSQL aborts one ("deadlock detected") and its
    retry can deadlock again with the next contender. SQLite already serializes writers.
    Lock order: a booking's bus lock and rows, then the room's lock, never the other way.
    """
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    run = defer_statement if with_next_statement else run_statement
    run(connection, "SELECT pg_advisory_xact_lock(%s, %s)", [ROOM_LOCK_CLASS, room.pk & 0x7FFFFFFF])


class SlotTakenMeanwhile(Exception):
    """The exclusion constraint refused a booking's insert (see ``save_checked``)."""

    def __init__(self, slot: Slot, *, exclude_id: int | None) -> None:
        super().__init__(slot)
        self.slot, self.exclude_id = slot, exclude_id


class InsertDeadlocked(Exception):
    """PostgreSQL aborted a booking's insert to break a deadlock (see ``save_checked``)."""


def save_checked(booking: Booking, slot: Slot) -> None:
    """Save a booking whose slot ``ensure_free`` has checked under the room's lock, without a
    savepoint (two statements on the hot path): only a writer outside the service (a raw
    insert) can still take the slot, and the exclusion constraint catches it (it waits for
    that writer to commit, then fails). That aborts the transaction, so its conflict is raised
    as ``SlotTakenMeanwhile`` and answered by ``conflicts_answered`` once the transaction (or
    the caller's savepoint) has rolled back.

    Such a writer, having skipped the room's lock, can also wait for us while we wait for it in
    the constraint's check; PostgreSQL then aborts one of them (deadlock detected). If that is
    ours: ``InsertDeadlocked``, and ``conflicts_answered`` runs the write again.
    """
    try:
        if booking.pk is None:
            insert_new([booking])
        else:
            booking.save()
    except OperationalError as error:
        if is_deadlock(error):
            raise InsertDeadlocked from error
        raise
    except IntegrityError as error:
        if constraint_name(error) == NO_OVERLAP_CONSTRAINT:
            raise SlotTakenMeanwhile(slot, exclude_id=booking.pk) from error
        raise


def conflicts_answered(write: Callable[[], T], *, actor) -> T:
    """Run ``write`` (its own ``transaction.atomic()`` block, saving with ``save_checked``).

    A slot taken meanwhile is the 409 listing the overlapping bookings, read after the rollback
    (the other writer has committed by then). A deadlocked insert runs the whole write again:
    now it waits for the other writer to commit and gets its 409 (or goes through if the other
    rolled back), never a 503. The write's atomic block is the transaction or a savepoint of
    the caller's, so either way nothing of the failed attempt is left.
    """
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            return write()
        except InsertDeadlocked as deadlocked:
            if attempt == DEADLOCK_ATTEMPTS:
                raise deadlocked.__cause__ from None
        except SlotTakenMeanwhile as taken:
            slot = taken.slot
            overlapping = selectors.overlapping_bookings(
                room_id=slot.room.pk, start=slot.start, end=slot.end, exclude_id=taken.exclude_id
            )
            raise conflict(slot.room, list(overlapping), actor=actor) from None
    raise AssertionError("unreachable")  # the loop returns or raises


DEADLOCK_ATTEMPTS = 3


def is_deadlock(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == "40P01"


def constraint_name(error: IntegrityError) -> str | None:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def conflict(room: Room, overlapping: list[Booking], *, actor) -> Conflict:
    """The 409, listing the taken intervals. Who booked them is shown only to office staff and
    the room's managers (and a booker sees their own booking's id)."""
    sees_names = is_office_staff(actor) or manages(actor, selectors.room_manager_usernames(room))
    entries = []
    for booking in overlapping:
        entry: dict[str, object] = {}
        if sees_names or booking.booking_user_id == actor.pk:
            entry["bookingId"] = booking.pk
        entry["useStartDtm"] = format_iso(booking.use_start_dtm, zone=room.zone)
        entry["useEndDtm"] = format_iso(booking.use_end_dtm, zone=room.zone)
        if sees_names:
            entry["bookingUserId"] = booking.booking_user.username
        entries.append(entry)
    return Conflict(
        f"{room.name} is already booked at that time.", code="slot_taken", conflicts=entries
    )


def held_conflict(room: Room, holds: list) -> Conflict:
    """The 409 for a slot held for someone on the waitlist (who it is stays private)."""
    return Conflict(
        f"{room.name} is held at that time for someone on its waitlist.",
        code="slot_held",
        holds=[
            {
                "useStartDtm": format_iso(hold.offered_start_dtm, zone=room.zone),
                "useEndDtm": format_iso(hold.use_end_dtm, zone=room.zone),
                "holdUntilDtm": format_iso(hold.hold_until, zone=room.zone),
            }
            for hold in holds
        ],
    )
