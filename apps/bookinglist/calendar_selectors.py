"""Read queries of the calendar subscriptions, all on the booking list's own tables (it never
reads another app's): a feed's rows, a room's current managers, the tokens of a person."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.booking import events as booking_events
from apps.bookinglist.models import BookingListRow, CalendarToken


def current_room_managers(*, room_id: int) -> list[str] | None:
    """The managers named by the room's latest *booking* event (None: the list has no booking of
    the room). Ordered by ``booking_seq``, not ``last_seq``: an approval raises ``last_seq`` of an
    older booking without touching its (possibly outdated) managers."""
    return (
        BookingListRow.objects.filter(room_id=room_id)
        .order_by("-booking_seq")
        .values_list("room_managers", flat=True)
        .first()
    )


def room_is_known(*, room_id: int) -> bool:
    """The booking list knows a room from its bookings: it has no other source of rooms."""
    return BookingListRow.objects.filter(room_id=room_id).exists()


def token_by_value(*, token: str) -> CalendarToken | None:
    return CalendarToken.objects.select_related("owner").filter(token=token).first()


def calendar_tokens_of(*, owner) -> QuerySet[CalendarToken]:
    return CalendarToken.objects.filter(owner=owner).order_by("kind", "room_id")


def feed_rows(*, token: CalendarToken, now: dt.datetime | None = None) -> QuerySet:
    """The active bookings (``bookingStatus`` BOOKED) of the token's person or room that overlap
    ``CALENDAR_FEED_PAST_DAYS`` before now to ``CALENDAR_FEED_FUTURE_DAYS`` after it, earliest
    first, at most ``CALENDAR_FEED_MAX_EVENTS``."""
    now = now or timezone.now()
    rows = BookingListRow.objects.filter(
        booking_status=booking_events.BOOKED,
        use_end_dtm__gt=now - dt.timedelta(days=settings.CALENDAR_FEED_PAST_DAYS),
        use_start_dtm__lt=now + dt.timedelta(days=settings.CALENDAR_FEED_FUTURE_DAYS),
    )
    if token.kind == CalendarToken.Kind.ROOM:
        rows = rows.filter(room_id=token.room_id)
    else:
        rows = rows.filter(booking_user_id=token.owner.get_username())
    return rows.order_by("use_start_dtm", "booking_id")[: settings.CALENDAR_FEED_MAX_EVENTS]
