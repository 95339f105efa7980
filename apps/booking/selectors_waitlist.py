"""Read queries of the waitlist (docs/waitlist.md)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import FilteredRelation, Q, QuerySet
from django.http import Http404

from apps.booking.events import WAITLIST_OFFERED, WAITLIST_WAITING
from apps.booking.models_waitlist import WaitlistEntry
from roombooking.roles import is_office_staff


def entries_visible_to(user: AbstractBaseUser) -> QuerySet[WaitlistEntry]:
    """Your own entries (every status, for the history); office staff see everyone's."""
    entries = WaitlistEntry.objects.select_related("room", "user")
    if is_office_staff(user):
        return entries
    return entries.filter(user=user)


def entry_for(*, user: AbstractBaseUser, entry_id: int) -> WaitlistEntry:
    """The entry, or 404 when it does not exist or is not ``user``'s to see."""
    try:
        return entries_visible_to(user).get(pk=entry_id)
    except WaitlistEntry.DoesNotExist:
        raise Http404 from None


def live_holds(
    *,
    room_id: int,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    exclude_user_id: int | None = None,
) -> QuerySet[WaitlistEntry]:
    """Offers of the room whose hold has not run out and whose part offered
    ([offered_start_dtm, use_end_dtm): the rest of a slot freed after it began) shares time with
    [start, end)."""
    holds = WaitlistEntry.objects.filter(
        room_id=room_id,
        status=WAITLIST_OFFERED,
        hold_until__gt=now,
        offered_start_dtm__lt=end,
        use_end_dtm__gt=start,
    )
    if exclude_user_id is not None:
        holds = holds.exclude(user_id=exclude_user_id)
    return holds.order_by("offered_start_dtm", "pk")


def live_holds_relation(*, start: dt.datetime, end: dt.datetime, now: dt.datetime):
    """The rooms' live holds sharing time with [start, end), as a join of a Room query
    (``Room.objects.annotate(held=live_holds_relation(...))``): the holds ``live_holds`` finds,
    for reads that want them in the same statement as the rooms."""
    return FilteredRelation(
        "waitlist",
        condition=Q(
            waitlist__status=WAITLIST_OFFERED,
            waitlist__hold_until__gt=now,
            waitlist__offered_start_dtm__lt=end,
            waitlist__use_end_dtm__gt=start,
        ),
    )


def waiting_entries_overlapping(
    *, room_id: int, start: dt.datetime, end: dt.datetime, now: dt.datetime, limit: int
) -> QuerySet[WaitlistEntry]:
    """WAITING entries sharing time with [start, end) whose slot has not ended, oldest first
    (one that has begun may still be offered the rest)."""
    return (
        WaitlistEntry.objects.filter(
            room_id=room_id,
            status=WAITLIST_WAITING,
            use_start_dtm__lt=end,
            use_end_dtm__gt=max(start, now),  # shares time with it and has not ended
        )
        .select_related("room", "user")
        .order_by("created_at", "pk")[:limit]
    )


def active_entries_of(user: AbstractBaseUser) -> QuerySet[WaitlistEntry]:
    return WaitlistEntry.objects.filter(user=user, status__in=(WAITLIST_WAITING, WAITLIST_OFFERED))


def waiting_ahead(entry: WaitlistEntry) -> int:
    """How many WAITING entries for an overlapping slot of the room joined before ``entry``."""
    return (
        WaitlistEntry.objects.filter(
            room_id=entry.room_id,
            status=WAITLIST_WAITING,
            use_start_dtm__lt=entry.use_end_dtm,
            use_end_dtm__gt=entry.use_start_dtm,
            created_at__lte=entry.created_at,
        )
        .exclude(pk=entry.pk)
        .exclude(created_at=entry.created_at, pk__gt=entry.pk)
        .count()
    )
