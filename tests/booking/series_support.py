"""Helpers of the series tests: a frozen clock, a series through the API, reading occurrences."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import time_machine

from apps.booking import services
from apps.booking.events import BOOKED
from apps.booking.models import Booking
from apps.booking.models_waitlist import WaitlistEntry
from roombooking.models import EventLog
from tests.factories import UserFactory

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=SEOUL)  # a Monday
# Mondays at 10:00 in Seoul from 2027-01-11 on.
FIRST = dt.datetime(2027, 1, 11, 10, 0, tzinfo=SEOUL)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)


def frozen(moment: dt.datetime = NOW):
    """The clock stands still at ``moment`` (no sleeps, no "now" drifting past a start)."""
    return time_machine.travel(moment, tick=False)


def series_body(room, *, rrule: str = "FREQ=WEEKLY;COUNT=4", start=FIRST, end=None, **extra):
    return {
        "roomId": room.pk,
        "useStartDtm": start.isoformat(),
        "useEndDtm": (end or start + HOUR).isoformat(),
        "rrule": rrule,
        **extra,
    }


def post_series(client, room, **kwargs):
    return client.post("/bookings/series", series_body(room, **kwargs), format="json")


def active_starts(series_id: int) -> list[dt.datetime]:
    return [
        b.use_start_dtm.astimezone(SEOUL)
        for b in Booking.objects.filter(series_id=series_id, status=BOOKED).order_by(
            "use_start_dtm"
        )
    ]


def logged_types() -> list[str]:
    return list(EventLog.objects.order_by("id").values_list("event_type", flat=True))


def hold(room, start: dt.datetime, *, holder: str = "dave") -> WaitlistEntry:
    """A live waitlist hold of ``room`` from ``start`` for an hour, for ``holder``: carol's
    booking of the slot, with ``holder`` waiting for it, is cancelled (the slot is offered)."""
    carol, waiting = UserFactory(username="carol"), UserFactory(username=holder)
    taken = services.create_booking(
        actor=carol, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
    )
    entry = services.join_waitlist(
        actor=waiting, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
    )
    services.cancel_booking(booking_id=taken.pk, actor=carol.username)
    entry.refresh_from_db()
    assert entry.status == "OFFERED", entry.status
    return entry
