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


def offer_freed_slot(
    *,
    room: Room,
    start: dt.datetime,
    end: dt.datetime,
    actor: str = "",
    now: dt.datetime | None = None,
) -> list[WaitlistEntry]:
    """[start, end) of ``room`` became free (a cancellation, a moved booking, a hold that ended):
    offer it, oldest entry first, to every WAITING entry whose whole slot is now free and not
    held for someone else. Runs in the caller's transaction, under the room's lock, so an offer
    and a new booking of the same time are one after the other: one of them gets a 409."""
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
            if not _is_free(entry, now=now):
                continue
            hold_until = min(now + hold, entry.use_start_dtm)  # a hold never outlives the start
            # Conditional: a concurrent withdrawal of this entry wins, and it is offered once.
            if not WaitlistEntry.objects.filter(pk=entry.pk, status=WAITLIST_WAITING).update(
                status=WAITLIST_OFFERED, offered_at=now, hold_until=hold_until
            ):
                continue
            entry.status, entry.offered_at, entry.hold_until = WAITLIST_OFFERED, now, hold_until
            bus.publish(WaitlistOffered(**waitlist_snapshot(entry, actor=actor)))
            offered.append(entry)
        return offered


def expire_waitlist_holds(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The beat sweep: holds that ran out become EXPIRED and their slot goes to the next in
    line; WAITING entries whose slot has begun become EXPIRED too.

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
                    room=entry.room, start=entry.use_start_dtm, end=entry.use_end_dtm, now=now
                )
            )
    began = WaitlistEntry.objects.filter(status=WAITLIST_WAITING, use_start_dtm__lte=now)
    for entry_id in list(
        began.order_by("use_start_dtm", "pk").values_list("pk", flat=True)[:SWEEP_BATCH]
    ):
        with transaction.atomic():
            if not began.filter(pk=entry_id).update(status=WAITLIST_EXPIRED, closed_at=now):
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
        "hold_until": entry.hold_until.astimezone(dt.UTC) if entry.hold_until else None,
        "accepted_booking_id": entry.booking_id,
    }


def _is_free(entry: WaitlistEntry, *, now: dt.datetime) -> bool:
    span = {"room_id": entry.room_id, "start": entry.use_start_dtm, "end": entry.use_end_dtm}
    return (
        not selectors.overlapping_bookings(**span).exists()
        and not selectors_waitlist.live_holds(**span, now=now).exists()
    )
