"""Read queries of the booking app."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from apps.booking.events import BOOKED
from apps.booking.models import Booking, Room, Series
from roombooking.roles import is_office_staff
from roombooking.statements import Template


def active_bookings() -> QuerySet[Booking]:
    return Booking.objects.filter(status=BOOKED).select_related("room", "booking_user")


def future_bookings_of(
    user: AbstractBaseUser, *, now: dt.datetime | None = None
) -> QuerySet[Booking]:
    """``user``'s active bookings that have not ended yet."""
    return Booking.objects.filter(
        status=BOOKED, booking_user=user, use_end_dtm__gt=now or timezone.now()
    )


def bookings_visible_to(user: AbstractBaseUser) -> QuerySet[Booking]:
    """Active bookings ``user`` may read: their own, their rooms' (managers), all (office staff).

    Cancelled bookings are gone from the API (their history stays in the booking list).
    """
    bookings = active_bookings()
    if is_office_staff(user):
        return bookings
    managed_rooms = Room.objects.filter(managers=user).values("pk")
    return bookings.filter(Q(booking_user=user) | Q(room__in=managed_rooms))


def booking_for_reading(*, user: AbstractBaseUser, booking_id: int) -> Booking:
    """The booking, or 404 when it does not exist, is cancelled or is not ``user``'s to see."""
    try:
        return bookings_visible_to(user).get(pk=booking_id)
    except Booking.DoesNotExist:
        raise Http404 from None


def booking_for_writing(*, user: AbstractBaseUser, booking_id: int) -> Booking:
    """Only the booker and office staff change or cancel a booking. A room manager who may see
    it gets 403 (approving and denying is the confirm app's business); anyone else 404."""
    booking = booking_for_reading(user=user, booking_id=booking_id)
    if booking.booking_user_id != user.pk and not is_office_staff(user):
        raise PermissionDenied("Only the booker or office staff may change this booking.")
    return booking


def overlapping_bookings(
    *, room_id: int, start: dt.datetime, end: dt.datetime, exclude_id: int | None = None
) -> QuerySet[Booking]:
    """Active bookings of the room sharing time with the half-open interval [start, end)."""
    bookings = active_bookings().filter(
        room_id=room_id, use_start_dtm__lt=end, use_end_dtm__gt=start
    )
    if exclude_id is not None:
        bookings = bookings.exclude(pk=exclude_id)
    return bookings.order_by("use_start_dtm", "pk")


def room_manager_usernames(room: Room) -> tuple[str, ...]:
    return tuple(sorted(name for (name,) in _MANAGER_NAMES.rows(room_id=room.pk)))


# Every booking event carries them: compiled once (roombooking/statements.py).
_MANAGER_NAMES = Template(
    lambda *, room_id: Room(pk=room_id).managers.values_list("username"), room_id=int
)


def rooms() -> QuerySet[Room]:
    return Room.objects.prefetch_related("managers", "opening_hours")


def series_for_reading(*, user: AbstractBaseUser, series_id: int) -> Series:
    """A series its booker, office staff and the managers of its room or of a room one of its
    occurrences is in may read; else 404. The occurrences' rooms count because occurrences
    moved to another room are decided by that room's managers (docs/series.md)."""
    series = Series.objects.select_related("room", "booking_user").filter(pk=series_id).first()
    if series is None:
        raise Http404
    if series.booking_user_id == user.pk or is_office_staff(user):
        return series
    if series_visible_to_managers(user).filter(pk=series.pk).exists():
        return series
    raise Http404


def series_visible_to_managers(user: AbstractBaseUser) -> QuerySet[Series]:
    """Series of the rooms ``user`` manages: booked in one, or with an occurrence in one."""
    managed_rooms = Room.objects.filter(managers=user).values("pk")
    with_occurrence_there = Booking.objects.filter(room__in=managed_rooms).values("series_id")
    return Series.objects.filter(Q(room__in=managed_rooms) | Q(pk__in=with_occurrence_there))


def series_for_writing(*, user: AbstractBaseUser, series_id: int) -> Series:
    """Only the booker and office staff change a series; a room manager gets 403."""
    series = series_for_reading(user=user, series_id=series_id)
    if series.booking_user_id != user.pk and not is_office_staff(user):
        raise PermissionDenied("Only the booker or office staff may change this series.")
    return series


def series_occurrences(series: Series) -> QuerySet[Booking]:
    """Every occurrence, cancelled ones too (a series' history), in time order."""
    return series.occurrences.select_related("room").order_by("use_start_dtm", "pk")
