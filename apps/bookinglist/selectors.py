"""Read queries of the bookinglist app."""

from __future__ import annotations

import datetime as dt
import functools

from django.db.models import QuerySet

from apps.bookinglist.models import BookingListManager, BookingListRow
from apps.bookinglist.projection import RowState
from roombooking.models import EventLog
from roombooking.roles import ROOM_MANAGERS_GROUP, is_office_staff


def visible_rows(*, user, rows: QuerySet | None = None) -> QuerySet[BookingListRow]:
    """Office staff see every row; anyone else their own bookings and those of rooms they manage
    (one indexed lookup in ``BookingListManager``). ``rows``: the rows to narrow (all of them
    by default)."""
    rows = BookingListRow.objects.all() if rows is None else rows
    username = narrowed_to(user)
    return rows if username is None else seen_by(rows, username=username)


def narrowed_to(user) -> str | None:
    """Whose rows ``user`` sees: None for every row (office staff), else their username."""
    return None if is_office_staff(user) else user.get_username()


def seen_by(rows: QuerySet, *, username: str) -> QuerySet:
    """``rows`` narrowed to ``username``'s own bookings and those of the rooms they manage."""
    # One IN (... UNION ...) rather than "booker = me OR id IN (...)": PostgreSQL answers the
    # OR with a scan of the whole table, the union with two index lookups.
    managed = BookingListManager.objects.filter(username=username).order_by().values("row_id")
    own = BookingListRow.objects.filter(booking_user_id=username).order_by().values("booking_id")
    return rows.filter(booking_id__in=managed.union(own))


def visible_values(*, user, fields: tuple[str, ...]) -> QuerySet:
    """``visible_rows`` as dicts of ``fields``. The ``values()`` queryset is built once per set of
    fields (resolving nineteen field names on each request was a twentieth of a list page); each
    call narrows a clone of it, so the kept one is never evaluated."""
    return visible_rows(user=user, rows=_values_of(fields).all())


@functools.cache
def _values_of(fields: tuple[str, ...]) -> QuerySet:
    return BookingListRow.objects.values(*fields)


def oversees_rooms(*, user) -> bool:
    """Office staff and room managers: they may export the list and use its admin page."""
    if is_office_staff(user):
        return True
    return (
        user.groups.filter(name=ROOM_MANAGERS_GROUP).exists()
        or BookingListManager.objects.filter(username=user.get_username()).exists()
    )


def row_state(row: BookingListRow) -> RowState:
    return RowState(**{name: getattr(row, name) for name in RowState.field_names()})


def logged_time(seq: int) -> dt.datetime:
    """When the bus logged event ``seq``: a row's ``updated_dtm``, identical live and replayed."""
    return EventLog.objects.values_list("occurred_at", flat=True).get(pk=seq)
