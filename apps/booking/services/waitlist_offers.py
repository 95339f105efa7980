"""Offering freed slots to the waitlist, and the beat sweep that ends holds nobody took
(docs/waitlist.md). Separate from ``waitlist`` because the booking services call it (a
cancellation frees a slot) and ``waitlist`` calls the booking services (an acceptance books).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.booking import selectors, selectors_waitlist
from apps.booking.events import (
    WAITLIST_EXPIRED,
    WAITLIST_OFFERED,
    WAITLIST_WAITING,
    WaitlistExpired,
    WaitlistOffered,
)
from apps.booking.models import Room
from apps.booking.models_waitlist import WaitlistEntry
from apps.booking.services.slots import lock_room
from roombooking import bus

logger = logging.getLogger(__name__)

# Waiting entries one freed interval looks at (the oldest first): bounds the work of a cancel.
OFFER_CANDIDATES = 200
# Entries one sweep ends; the next sweep takes the rest.
SWEEP_BATCH = 500
MINUTE = dt.timedelta(minutes=1)


def offer_freed_slot(
    *,
    room: Room,
    start: dt.datetime,
    end: dt.datetime,
    actor: str = "",
    now: dt.datetime | None = None,
) -> list[WaitlistEntry]:
    """[start, end) of ``room`` became free (a cancellation, a moved booking, a hold that ended):
    offer it, oldest entry first, to every WAITING entry whose part still ahead is now free and
    not held for someone else. Runs in the caller's transaction, under the room's lock, so an
    offer and a new booking of the same time are one after the other: one of them gets a 409.

    The part offered is the whole slot while it has not begun. Once it has (a booking released
    or expired after its start), it is the rest: from the next whole minute to the end, since a
    booking cannot start in the past; offered while accepting can still book enough of it for
    the room (``last_acceptance``)."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        if not room.is_active:
            return []  # an out-of-service room takes no bookings, so no offers either
        lock_room(room)
        hold = dt.timedelta(minutes=settings.BOOKING_WAITLIST_HOLD_MINUTES)
        offered = []
        candidates = selectors_waitlist.waiting_entries_overlapping(
            room_id=room.pk, start=start, end=end, now=now, limit=OFFER_CANDIDATES
        )
        for entry in candidates:
            last = last_acceptance(entry)
            if last <= now:
                continue  # too little is left to book; the sweep ends it with its slot
            offered_start = bookable_start(entry.use_start_dtm, now=now)
            if not _is_free(entry, start=offered_start, now=now):
                continue
            # The hold never outlives the moment accepting could still book the rest.
            hold_until = min(now + hold, last)
            # Conditional: a concurrent withdrawal of this entry wins, and it is offered once.
            if not WaitlistEntry.objects.filter(pk=entry.pk, status=WAITLIST_WAITING).update(
                status=WAITLIST_OFFERED,
                offered_at=now,
                offered_start_dtm=offered_start,
                hold_until=hold_until,
            ):
                continue
            entry.status, entry.offered_at = WAITLIST_OFFERED, now
            entry.offered_start_dtm, entry.hold_until = offered_start, hold_until
            bus.publish(WaitlistOffered(**waitlist_snapshot(entry, actor=actor)))
            offered.append(entry)
        return offered


def bookable_start(start: dt.datetime, *, now: dt.datetime) -> dt.datetime:
    """Where a booking made at ``now`` of a part starting at ``start`` can start: ``start``
    while it is ahead; once it has passed, the next whole minute (not in the past, and on the
    minutes people book in)."""
    if start >= now:
        return start
    now = now.astimezone(dt.UTC)
    whole = now.replace(second=0, microsecond=0)
    return whole if whole == now else whole + MINUTE


def last_acceptance(entry: WaitlistEntry) -> dt.datetime:
    """The last moment accepting ``entry``'s offer books a part the room takes: any time before
    the slot begins, and after that until the rest would be shorter than the room's minimum
    duration (a minute in a room without one). On a whole minute, so that the booking's start,
    rounded up to one (``bookable_start``), still leaves that minimum."""
    shortest = entry.room.min_duration or MINUTE
    latest = (entry.use_end_dtm - shortest).astimezone(dt.UTC).replace(second=0, microsecond=0)
    return max(entry.use_start_dtm, latest)


def expire_waitlist_holds(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The beat sweep: holds that ran out become EXPIRED and their slot goes to the next in
    line; WAITING entries whose slot has ended become EXPIRED too (until then a release or an
    expiry after the start can still offer them the rest).

    Each entry is ended by a conditional UPDATE in its own transaction, so two workers running
    this at once end (and re-offer) every entry exactly once, and an acceptance that locked the
    entry first wins.
    """
    now = now or timezone.now()
    counts = {"holds": 0, "waiting": 0, "offered": 0}
    ran_out = WaitlistEntry.objects.filter(status=WAITLIST_OFFERED, hold_until__lte=now)
    for entry_id in list(
        ran_out.order_by("hold_until", "pk").values_list("pk", flat=True)[:SWEEP_BATCH]
    ):
        with transaction.atomic():
            if not ran_out.filter(pk=entry_id).update(status=WAITLIST_EXPIRED, closed_at=now):
                continue  # accepted, withdrawn or expired by someone else meanwhile
            entry = WaitlistEntry.objects.select_related("room", "user").get(pk=entry_id)
            bus.publish(WaitlistExpired(**waitlist_snapshot(entry), was_offered=True))
            counts["holds"] += 1
            counts["offered"] += len(
                offer_freed_slot(
                    room=entry.room, start=entry.offered_start_dtm, end=entry.use_end_dtm, now=now
                )
            )
    ended = WaitlistEntry.objects.filter(status=WAITLIST_WAITING, use_end_dtm__lte=now)
    for entry_id in list(
        ended.order_by("use_end_dtm", "pk").values_list("pk", flat=True)[:SWEEP_BATCH]
    ):
        with transaction.atomic():
            if not ended.filter(pk=entry_id).update(status=WAITLIST_EXPIRED, closed_at=now):
                continue
            entry = WaitlistEntry.objects.select_related("room", "user").get(pk=entry_id)
            bus.publish(WaitlistExpired(**waitlist_snapshot(entry), was_offered=False))
            counts["waiting"] += 1
    if any(counts.values()):
        logger.info("waitlist sweep: %s", counts)
    return counts


def waitlist_snapshot(entry: WaitlistEntry, *, actor: str = "") -> dict[str, Any]:
    """The fields every waitlist event carries (see apps.booking.events.WaitlistSnapshot)."""
    return {
        "actor": actor,
        "entry_id": entry.pk,
        "room_id": entry.room.pk,
        "room_name": entry.room.name,
        "room_time_zone": entry.room.time_zone,
        "user_id": entry.user.get_username(),
        "user_email": entry.user.email,
        "use_start_dtm": entry.use_start_dtm.astimezone(dt.UTC),
        "use_end_dtm": entry.use_end_dtm.astimezone(dt.UTC),
        "status": entry.status,
        "offered_start_dtm": _utc(entry.offered_start_dtm),
        "approval_required": entry.room.approval_required,
        "hold_until": _utc(entry.hold_until),
        "accepted_booking_id": entry.booking_id,
    }


def _is_free(entry: WaitlistEntry, *, start: dt.datetime, now: dt.datetime) -> bool:
    """[start, end of the entry's slot) has no active booking and no live hold: the part offered
    must be free as a whole (a booking still under way there makes it wait, as a partly booked
    slot does before it begins)."""
    span = {"room_id": entry.room_id, "start": start, "end": entry.use_end_dtm}
    return (
        not selectors.overlapping_bookings(**span).exists()
        and not selectors_waitlist.live_holds(**span, now=now).exists()
    )


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(dt.UTC) if moment else None
