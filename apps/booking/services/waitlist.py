"""The waitlist's user actions: joining a taken slot, withdrawing, accepting an offer
(docs/waitlist.md). Offers and the expiry sweep are in ``waitlist_offers``.

Lock order, the same everywhere so that no two of these can deadlock: a waitlist entry's row
(accept, withdraw, expire), then the user's row (the per-user limits), then the room's lock
(``lock_room``), then the WAITING rows an offer updates. A cancellation comes in with its booking's
bus lock and row, then takes the room's lock, as every booking write does.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.booking import selectors, selectors_waitlist
from apps.booking.events import (
    WAITLIST_ACCEPTED,
    WAITLIST_OFFERED,
    WAITLIST_WAITING,
    WAITLIST_WITHDRAWN,
    WaitlistAccepted,
    WaitlistJoined,
    WaitlistWithdrawn,
)
from apps.booking.models import Booking
from apps.booking.models_waitlist import WaitlistEntry
from apps.booking.services.bookings import create_booking
from apps.booking.services.slots import active_room, checked_slot, lock_room
from apps.booking.services.waitlist_offers import (
    bookable_start,
    offer_freed_slot,
    waitlist_snapshot,
)
from roombooking import bus
from roombooking.datetimes import format_iso
from roombooking.errors import Conflict
from roombooking.roles import is_office_staff


def join_waitlist(
    *,
    actor,
    room_id: int,
    use_start_dtm: dt.datetime,
    use_end_dtm: dt.datetime,
    now: dt.datetime | None = None,
) -> WaitlistEntry:
    """Queue ``actor`` for a slot that is taken (booked, or held for someone else).

    400 for a bad slot (the same checks as a booking) or past the per-user limit; 409 when the
    slot is free (book it instead), overlaps the actor's own booking or hold, or the actor
    already waits for it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        slot = checked_slot(room=active_room(room_id), start=use_start_dtm, end=use_end_dtm)
        _ensure_below_waitlist_limit(actor)
        lock_room(slot.room)  # a cancellation offering this slot is before us or after us
        bookings = list(
            selectors.overlapping_bookings(room_id=slot.room.pk, start=slot.start, end=slot.end)
        )
        holds = list(
            selectors_waitlist.live_holds(
                room_id=slot.room.pk, start=slot.start, end=slot.end, now=now
            )
        )
        own_booking = next((b for b in bookings if b.booking_user_id == actor.pk), None)
        if own_booking is not None:
            raise Conflict(
                f"You already have booking {own_booking.pk} at that time.",
                code="own_booking",
                bookingId=own_booking.pk,
            )
        own_hold = next((h for h in holds if h.user_id == actor.pk), None)
        if own_hold is not None:
            raise Conflict(
                f"That slot is offered to you: accept waitlist entry {own_hold.pk}.",
                code="offered_to_you",
                entryId=own_hold.pk,
            )
        if not bookings and not holds:
            raise Conflict(
                f"{slot.room.name} is free at that time: book it (POST /bookings) instead.",
                code="slot_free",
            )
        entry = WaitlistEntry(
            room=slot.room,
            user=actor,
            use_start_dtm=slot.start,
            use_end_dtm=slot.end,
            status=WAITLIST_WAITING,
            created_at=now,
        )
        try:
            with transaction.atomic():  # a savepoint: the 409 below keeps the transaction
                entry.save()
        except IntegrityError:
            existing = selectors_waitlist.active_entries_of(actor).filter(
                room=slot.room, use_start_dtm=slot.start, use_end_dtm=slot.end
            )
            raise Conflict(
                "You are already on the waitlist for that slot.",
                code="already_waiting",
                entryId=existing.values_list("pk", flat=True).first(),
            ) from None
        bus.publish(WaitlistJoined(**waitlist_snapshot(entry, actor=actor.get_username())))
        return entry


def withdraw_from_waitlist(
    *, actor, entry_id: int, now: dt.datetime | None = None
) -> WaitlistEntry:
    """Leave the waitlist (the entry's user or office staff). A withdrawn offer frees its hold,
    which goes to the next in line. Withdrawing a closed entry is a 409."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = _entry_for_writing(actor, entry_id)
        if not entry.is_active:
            raise _closed(entry)
        was_offered = entry.status == WAITLIST_OFFERED
        _close(entry, status=WAITLIST_WITHDRAWN, now=now)
        bus.publish(WaitlistWithdrawn(**waitlist_snapshot(entry, actor=actor.get_username())))
        if was_offered:
            offer_freed_slot(
                room=entry.room,
                start=entry.offered_start_dtm,
                end=entry.use_end_dtm,
                actor=actor.get_username(),
                now=now,
            )
        return entry


def accept_waitlist_offer(*, actor, entry_id: int, now: dt.datetime | None = None) -> Booking:
    """Book the held slot through ``create_booking`` (every check, event, approval and email of
    a booking). The entry's user or office staff (who then book for that user). 409 when the
    entry is not offered or its hold ran out.

    What is booked is the part offered that is still ahead: all of it while it has not begun;
    after that, from the next whole minute to the end (a booking cannot start in the past). The
    hold ends before that would be too short for the room (``last_acceptance``)."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = _entry_for_writing(actor, entry_id)
        if entry.status == WAITLIST_ACCEPTED:
            raise Conflict(
                f"Waitlist entry {entry.pk} was accepted already: booking {entry.booking_id}.",
                code="already_accepted",
                bookingId=entry.booking_id,
            )
        if entry.status != WAITLIST_OFFERED:
            raise Conflict(
                f"Waitlist entry {entry.pk} is {entry.status}: only an offer can be accepted.",
                code="not_offered",
                currentStatus=entry.status,
            )
        if entry.hold_until <= now:
            raise Conflict(
                f"The hold on waitlist entry {entry.pk} ran out at "
                f"{format_iso(entry.hold_until, zone=entry.room.zone)}.",
                code="hold_expired",
                holdUntilDtm=format_iso(entry.hold_until, zone=entry.room.zone),
            )
        booking = create_booking(
            actor=actor,
            room_id=entry.room_id,
            use_start_dtm=bookable_start(entry.offered_start_dtm, now=now),
            use_end_dtm=entry.use_end_dtm,
            booking_user=entry.user.get_username(),
            now=now,
        )
        entry.booking = booking
        _close(entry, status=WAITLIST_ACCEPTED, now=now, extra_fields=["booking"])
        bus.publish(WaitlistAccepted(**waitlist_snapshot(entry, actor=actor.get_username())))
        return booking


def _entry_for_writing(actor, entry_id: int) -> WaitlistEntry:
    """The entry, row-locked (first, see the module's lock order). 404 when ``actor`` may not
    see it; only its user and office staff may change it."""
    entry = selectors_waitlist.entry_for(user=actor, entry_id=entry_id)
    entry = (
        WaitlistEntry.objects.select_related("room", "user")
        .select_for_update(of=("self",))
        .get(pk=entry.pk)
    )
    if entry.user_id != actor.pk and not is_office_staff(actor):
        raise PermissionDenied("Only the waiting person or office staff may change this entry.")
    return entry


def _close(
    entry: WaitlistEntry, *, status: str, now: dt.datetime, extra_fields: list[str] | None = None
) -> None:
    entry.status, entry.closed_at = status, now
    entry.save(update_fields=["status", "closed_at", *(extra_fields or [])])


def _closed(entry: WaitlistEntry) -> Conflict:
    return Conflict(
        f"Waitlist entry {entry.pk} is {entry.status} already.",
        code="entry_closed",
        currentStatus=entry.status,
    )


def _ensure_below_waitlist_limit(user) -> None:
    """400 past BOOKING_WAITLIST_MAX_PER_USER active entries; the user's row is locked first so
    that two joins at once are counted one after the other (FOR NO KEY UPDATE: see
    ``ensure_below_future_limit``)."""
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).exists()
    limit = settings.BOOKING_WAITLIST_MAX_PER_USER
    held = selectors_waitlist.active_entries_of(user).count()
    if held >= limit:
        raise ValidationError(
            {
                "nonFieldErrors": [
                    f"You are on the waitlist for {held} slots already; the limit is {limit}."
                ]
            }
        )
