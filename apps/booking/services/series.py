"""Recurring series: book, move and cancel many occurrences in one transaction.

Every occurrence is booked, moved and cancelled through the same services as a single booking
(``create_booking``, ``change_booking``, ``cancel_booking``), so it gets every check they make
and its own events, approval and booking list row. Those events carry ``in_series_action``; the
action's one ``Series*`` event, published last, makes the summary email.

Locks: as for one booking, the booker's row then the room's lock (taken by the first occurrence,
held to the end, so writers of a room take turns). Moves and cancellations take the occurrences'
bus locks in id order first, then their rows, then the room (the bus's lock order), so two
actions on one series, or one on a single occurrence, never deadlock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.booking import recurrence, selectors
from apps.booking.events import (
    BOOKED,
    SCOPE_ALL,
    SCOPE_FOLLOWING,
    SeriesBooked,
    SeriesCancelled,
    SeriesChanged,
)
from apps.booking.models import Booking, Room, Series
from apps.booking.services.bookings import (
    UNCHANGED,
    booking_user_for,
    cancel_booking,
    change_booking,
    create_booking,
)
from apps.booking.services.slots import (
    Slot,
    active_room,
    aware,
    checked_slot,
    lock_room,
    slot_conflict,
)
from apps.booking.services.waitlist_offers import offer_freed_slot
from roombooking import bus
from roombooking.datetimes import DateTimeInputError, format_iso, make_aware
from roombooking.errors import Conflict

SERIES_SCOPES = (SCOPE_FOLLOWING, SCOPE_ALL)


def book_series(
    *,
    actor,
    room_id: int,
    use_start_dtm: dt.datetime,
    use_end_dtm: dt.datetime,
    rrule: str,
    skip_conflicts: bool = False,
    booking_user: str | None = None,
    override_policy: bool = False,
    now: dt.datetime | None = None,
) -> Series:
    """Book every occurrence of ``rrule`` (RFC 5545; DAILY, WEEKLY or MONTHLY with COUNT or
    UNTIL, at most BOOKING_SERIES_MAX_OCCURRENCES) from the slot ``use_start_dtm`` ..
    ``use_end_dtm``. All or nothing: a 409 lists every taken occurrence and books none, unless
    ``skip_conflicts``, which books the free ones and records the others in ``Series.skipped``
    (a 409 still when none is free). Each occurrence meets the room's policies like a single
    booking (``override_policy``: office staff break them, recorded on each occurrence)."""
    rule = recurrence.normalized_rule(rrule)
    with transaction.atomic():
        user = booking_user_for(actor, booking_user)
        room = active_room(room_id)
        first = checked_slot(
            room=room,
            start=use_start_dtm,
            end=use_end_dtm,
            override_policy=override_policy,
            now=now,
        )
        occurrences = recurrence.expand(
            rule,
            start=first.start,
            end=first.end,
            zone=room.zone,
            maximum=settings.BOOKING_SERIES_MAX_OCCURRENCES,
        )
        series = Series.objects.create(
            room=room,
            booking_user=user,
            rrule=rule,
            first_start=first.start,
            first_end=first.end,
            time_zone=room.time_zone,
            created_by=actor.get_username(),
        )
        # No room lock here: create_booking takes the booker's row, then the room's lock, and
        # the series must take them in that same order (a single booking could deadlock it).
        booked: list[Booking] = []
        taken: list[tuple[recurrence.Occurrence, Conflict]] = []
        for occurrence in occurrences:
            try:  # create_booking's own atomic block is a savepoint: a taken slot leaves nothing
                booked.append(
                    create_booking(
                        actor=actor,
                        room_id=room.pk,
                        use_start_dtm=occurrence.start,
                        use_end_dtm=occurrence.end,
                        booking_user=user.get_username(),
                        override_policy=override_policy,
                        now=now,
                        series=series,
                    )
                )
            except Conflict as slot_taken:
                taken.append((occurrence, slot_taken))
            except ValidationError as error:
                raise _for_occurrence(error, occurrence.start, room) from None
        if taken and (not skip_conflicts or not booked):
            raise series_conflict(room, taken, booked_none=True)
        series.skipped = [format_iso(o.start, zone=room.zone) for o, _ in taken]
        series.save(update_fields=["skipped"])
        bus.publish(
            SeriesBooked(
                **_series_snapshot(series, booked, actor=actor.get_username()),
                skipped=tuple(o.start.astimezone(dt.UTC) for o, _ in taken),
            )
        )
        return series


def change_series(
    *,
    actor,
    booking_id: int,
    scope: str,
    room_id: int = UNCHANGED,
    use_start_dtm: dt.datetime = UNCHANGED,
    use_end_dtm: dt.datetime = UNCHANGED,
    override_policy: bool = False,
    now: dt.datetime | None = None,
) -> Series:
    """Move occurrence ``booking_id`` and, with it, the later ones (``following``) or every one
    that has not started (``all``) by the same wall-clock shift (and to ``room_id`` if given).
    Occurrences changed or cancelled on their own (detached) stay as they are. All or nothing:
    a 409 lists every moved occurrence whose new slot is taken."""
    with transaction.atomic():
        anchor, bookings = _locked_targets(
            booking_id=booking_id, scope=scope, now=now, include_detached=False
        )
        room = anchor.room if room_id is UNCHANGED else active_room(room_id)
        zone = anchor.room.zone
        start = anchor.use_start_dtm if use_start_dtm is UNCHANGED else use_start_dtm
        end = anchor.use_end_dtm if use_end_dtm is UNCHANGED else use_end_dtm
        start = aware(start, room=room, field="useStartDtm")
        end = aware(end, room=room, field="useEndDtm")
        shift = _local(start, zone) - _local(anchor.use_start_dtm, zone)
        length = _local(end, zone) - _local(start, zone)
        changed = [
            field
            for field, differs in (
                ("roomId", room.pk != anchor.room_id),
                ("useStartDtm", start != anchor.use_start_dtm),
                ("useEndDtm", end != anchor.use_end_dtm),
            )
            if differs
        ]
        if not changed:
            return anchor.series
        moves = [(b, *_shifted(b, shift=shift, length=length, zone=zone)) for b in bookings]
        # The booker's row before the room's lock, as create_booking and change_booking take
        # them (a move to another room re-checks the booker's limits), so neither waits on us
        # while we wait on it.
        get_user_model().objects.select_for_update(no_key=True).filter(
            pk=anchor.booking_user_id
        ).exists()
        lock_room(room)
        moved_ids = {b.pk for b in bookings}
        taken = []
        checked_at = now or timezone.now()
        for _booking, new_start, new_end in moves:
            # change_booking's own check (bookings, then live holds), asked for every occurrence
            # before any moves so that the 409 lists every date in the way. A moving occurrence
            # frees its old slot; the booker's own holds are theirs to book.
            found = slot_conflict(
                Slot(room=room, start=new_start, end=new_end),
                actor=actor,
                holder=anchor.booking_user,
                exclude_ids=moved_ids,
                now=checked_at,
            )
            if found is not None:
                taken.append((recurrence.Occurrence(start=new_start, end=new_end), found))
        if taken:
            raise series_conflict(room, taken, booked_none=False)
        # Moving later (earlier) occurrences first: each one's new slot is then already free of
        # its neighbours' old ones.
        order = sorted(moves, key=lambda m: m[0].use_start_dtm, reverse=shift > dt.timedelta(0))
        for booking, new_start, new_end in order:
            try:
                change_booking(
                    actor=actor,
                    booking_id=booking.pk,
                    room_id=room.pk,
                    use_start_dtm=new_start,
                    use_end_dtm=new_end,
                    override_policy=override_policy,
                    now=now,
                    in_series_action=True,
                )
            except ValidationError as error:
                raise _for_occurrence(error, booking.use_start_dtm, room) from None
        for booking, _new_start, _new_end in order:  # what no occurrence moved into is free
            offer_freed_slot(
                room=booking.room,
                start=booking.use_start_dtm,
                end=booking.use_end_dtm,
                actor=actor.get_username(),
                now=now,
            )
        moved = sorted(
            Booking.objects.filter(pk__in=moved_ids).select_related("room", "booking_user"),
            key=lambda b: b.use_start_dtm,
        )
        series = anchor.series
        bus.publish(
            SeriesChanged(
                **_series_snapshot(series, moved, actor=actor.get_username()),
                scope=scope,
                from_start=start.astimezone(dt.UTC),
                changed_fields=tuple(changed),
            )
        )
        return series


def cancel_series(
    *, actor: str, booking_id: int, scope: str, now: dt.datetime | None = None
) -> Series:
    """Cancel occurrence ``booking_id`` and the later ones (``following``) or every occurrence
    that has not started (``all``), those moved on their own included. ``actor``: a username."""
    with transaction.atomic():
        anchor, bookings = _locked_targets(
            booking_id=booking_id, scope=scope, now=now, include_detached=True
        )
        for booking in bookings:
            cancel_booking(booking_id=booking.pk, actor=actor, in_series_action=True)
        cancelled = list(
            Booking.objects.filter(pk__in=[b.pk for b in bookings]).select_related(
                "room", "booking_user"
            )
        )
        bus.publish(
            SeriesCancelled(
                **_series_snapshot(anchor.series, cancelled, actor=actor),
                scope=scope,
                from_start=anchor.use_start_dtm.astimezone(dt.UTC),
            )
        )
        return anchor.series


def cancel_whole_series(*, actor: str, series_id: int, now: dt.datetime | None = None) -> Series:
    """Cancel every occurrence of the series' booker that has not started (``DELETE
    /bookings/series/{id}``, the admin's action): ``scope=all`` from their next one. Occurrences
    office staff gave to someone else are that person's bookings and stay, as ``following``
    and ``all`` leave them. A series with none left changes nothing."""
    now = now or timezone.now()
    series = get_object_or_404(Series, pk=series_id)
    # The anchor must be the booker's own: the scope reaches its booker's occurrences only, so
    # starting from one handed to someone else would cancel theirs and none of the booker's.
    first = (
        Booking.objects.filter(
            series_id=series_id,
            booking_user_id=series.booking_user_id,
            status=BOOKED,
            use_start_dtm__gte=now,
        )
        .order_by("use_start_dtm", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if first is None:
        return series
    return cancel_series(actor=actor, booking_id=first, scope=SCOPE_ALL, now=now)


def _locked_targets(
    *, booking_id: int, scope: str, now: dt.datetime | None, include_detached: bool
) -> tuple[Booking, list[Booking]]:
    """The occurrence ``booking_id`` (the anchor) and the occurrences ``scope`` reaches from it,
    locked: bus locks in id order, then the rows. The anchor is always among them."""
    if scope not in SERIES_SCOPES:
        raise ValidationError({"scope": [f"Use one of {', '.join(SERIES_SCOPES)} (or this)."]})
    now = now or timezone.now()
    anchor = get_object_or_404(selectors.active_bookings(), pk=booking_id)
    if anchor.series_id is None:
        raise ValidationError(
            {"scope": [f"Booking {booking_id} is not part of a series; use scope=this."]}
        )
    ids = sorted(set(_reached(anchor, scope=scope, now=now, include_detached=include_detached)))
    for pk in ids:  # the bus's lock order: every booking lock before any row or room lock
        bus.lock_booking(pk)
    locked = list(
        _reached(anchor, scope=scope, now=now, include_detached=include_detached, rows=True)
        .select_related("room", "booking_user", "series")
        .select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("use_start_dtm", "pk")
    )
    anchor = next((b for b in locked if b.pk == anchor.pk), None)
    if anchor is None:  # cancelled while we waited for the locks
        raise Conflict(f"Booking {booking_id} changed meanwhile; try again.", code="changed")
    return anchor, locked


def _reached(
    anchor: Booking, *, scope: str, now: dt.datetime, include_detached: bool, rows: bool = False
) -> QuerySet:
    # The anchor's booker's occurrences only: one office staff gave to someone else is that
    # person's booking now, and a series action of its former booker must leave it alone.
    bookings = Booking.objects.filter(
        series_id=anchor.series_id, status=BOOKED, booking_user_id=anchor.booking_user_id
    )
    if scope == SCOPE_FOLLOWING:
        reached = bookings.filter(use_start_dtm__gte=anchor.use_start_dtm)
    else:
        reached = bookings.filter(use_start_dtm__gte=now)
    if not include_detached:
        reached = reached.filter(detached=False)
    reached = reached | bookings.filter(pk=anchor.pk)  # the anchor, detached or under way
    return reached if rows else reached.values_list("pk", flat=True)


def _shifted(
    booking: Booking, *, shift: dt.timedelta, length: dt.timedelta, zone
) -> tuple[dt.datetime, dt.datetime]:
    """The occurrence moved by ``shift`` on the wall clock, lasting ``length`` (wall clock)."""
    local_start = _local(booking.use_start_dtm, zone) + shift
    try:
        return make_aware(local_start, zone=zone), make_aware(local_start + length, zone=zone)
    except DateTimeInputError as error:  # the new time falls in a daylight-saving gap
        raise ValidationError(
            {"useStartDtm": [f"The occurrence on {local_start:%Y-%m-%d}: {error}"]}
        ) from None


def _local(moment: dt.datetime, zone) -> dt.datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def series_conflict(
    room: Room, taken: list[tuple[recurrence.Occurrence, Conflict]], *, booked_none: bool
) -> Conflict:
    """The 409 of a series action, listing every occurrence whose slot is taken: each with the
    bookings in its way or, when it is held for someone on the waitlist, the holds (as the
    single booking's 409s ``slot_taken`` and ``slot_held`` show them)."""
    zone = room.zone
    what = "nothing was booked" if booked_none else "nothing was moved"
    held = any("holds" in taken_conflict.extra for _, taken_conflict in taken)
    how = "booked or held for someone on its waitlist" if held else "booked"
    return Conflict(
        f"{room.name} is already {how} at {len(taken)} of the occurrences; {what}.",
        code="series_conflict",
        conflictingDates=[o.start.astimezone(zone).date().isoformat() for o, _ in taken],
        conflicts=[
            {
                "useStartDtm": format_iso(o.start, zone=zone),
                "useEndDtm": format_iso(o.end, zone=zone),
                "bookings": taken_conflict.extra.get("conflicts", []),
                **(
                    {"holds": taken_conflict.extra["holds"]}
                    if "holds" in taken_conflict.extra
                    else {}
                ),
            }
            for o, taken_conflict in taken
        ],
    )


def _for_occurrence(error: ValidationError, start: dt.datetime, room: Room) -> ValidationError:
    """An occurrence's 400, its reasons prefixed with the occurrence's date."""
    day = start.astimezone(room.zone).date().isoformat()
    if hasattr(error, "error_dict"):
        return ValidationError(
            {
                field: [f"Occurrence on {day}: {message}" for message in messages]
                for field, messages in error.message_dict.items()
            }
        )
    return ValidationError([f"Occurrence on {day}: {message}" for message in error.messages])


def _series_snapshot(series: Series, bookings: list[Booking], *, actor: str) -> dict[str, Any]:
    """The event's room is where the occurrences it is about are now: a series moved to another
    room is that room's business (its managers), whatever room the series was first booked in
    (``series.room``). Its booker is theirs too (a scope reaches one booker's occurrences): an
    occurrence office staff gave to someone else is that person's, and so is its email."""
    room = bookings[0].room if bookings else series.room
    user = bookings[0].booking_user if bookings else series.booking_user
    return {
        "actor": actor,
        "series_id": series.pk,
        "room_id": room.pk,
        "room_name": room.name,
        "room_time_zone": room.time_zone,
        "room_managers": selectors.room_manager_usernames(room),
        "booking_user_id": user.get_username(),
        "booking_user_email": user.email,
        "rrule": series.rrule,
        "approval_required": room.approval_required,
        "booking_ids": tuple(b.pk for b in bookings),
        "starts": tuple(b.use_start_dtm.astimezone(dt.UTC) for b in bookings),
        "ends": tuple(b.use_end_dtm.astimezone(dt.UTC) for b in bookings),
    }
