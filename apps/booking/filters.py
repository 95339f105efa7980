"""Filters and ordering of ``GET /bookings`` and ``GET /rooms``, named as the API's fields."""

from __future__ import annotations

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError

from apps.booking.models import Booking, Room
from apps.booking.validators import normalize_tag
from roombooking.datetimes import DateTimeInputError, parse_datetime
from roombooking.filters import (
    BooleanFilter,
    FilterSet,
    IntegerFilter,
    OrderingFilter,
    invalid_input,
)

MAX_ID = 2**63 - 1  # larger numbers overflow SQLite's integers: a 400, not a 500


class DateTimeQueryField(forms.Field):
    """A date-time in any form the API accepts; local times are in the project's TIME_ZONE."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_datetime(value, zone=settings.TIME_ZONE)
        except DateTimeInputError as error:
            raise invalid_input(str(error)) from None


class DateTimeQueryFilter(django_filters.Filter):
    field_class = DateTimeQueryField


class BookingFilter(FilterSet):
    """``from``/``to``: bookings that share any time with [from, to)."""

    roomId = IntegerFilter(field_name="room_id", min_value=1, max_value=MAX_ID)
    bookingUserId = django_filters.CharFilter(field_name="booking_user__username")
    from_ = DateTimeQueryFilter(field_name="use_end_dtm", lookup_expr="gt")
    to = DateTimeQueryFilter(field_name="use_start_dtm", lookup_expr="lt")
    ordering = OrderingFilter(
        fields=(
            ("id", "id"),
            ("use_start_dtm", "useStartDtm"),
            ("use_end_dtm", "useEndDtm"),
            ("created_at", "bookingDtm"),
            ("room_id", "roomId"),
            ("booking_user__username", "bookingUserId"),
        )
    )

    class Meta:
        model = Booking
        fields: list[str] = []

    def filter_queryset(self, queryset):
        start, end = self.form.cleaned_data.get("from"), self.form.cleaned_data.get("to")
        if start and end:
            if end <= start:
                raise ValidationError({"to": ["Must be after from."]})
            if end - start > settings.BOOKING_LIST_MAX_WINDOW:
                raise ValidationError(
                    {"to": [f"The window is at most {settings.BOOKING_LIST_MAX_WINDOW.days} days."]}
                )
        return super().filter_queryset(queryset)


# "from" is a Python keyword: declare the filter as from_ and publish it under its API name.
BookingFilter.base_filters["from"] = BookingFilter.base_filters.pop("from_")


class RoomFilter(FilterSet):
    minCapacity = IntegerFilter(
        field_name="capacity", lookup_expr="gte", min_value=0, max_value=MAX_ID
    )
    active = BooleanFilter(field_name="is_active")
    equipment = django_filters.CharFilter(
        method="with_equipment", help_text="Comma-separated tags; rooms having all of them."
    )
    search = django_filters.CharFilter(method="matching", help_text="Part of the name or place.")
    ordering = OrderingFilter(fields=(("id", "id"), ("name", "name"), ("capacity", "capacity")))

    class Meta:
        model = Room
        fields: list[str] = []

    def with_equipment(self, rooms: QuerySet[Room], name: str, value: str) -> QuerySet[Room]:
        # Tags are restricted to [a-z0-9 _-] (apps.booking.validators), so matching the quoted
        # tag in the stored JSON text is exact on SQLite and PostgreSQL alike.
        for tag in filter(None, (normalize_tag(t) for t in value.split(","))):
            rooms = rooms.filter(equipment__icontains=f'"{tag}"')
        return rooms

    def matching(self, rooms: QuerySet[Room], name: str, value: str) -> QuerySet[Room]:
        return rooms.filter(Q(name__icontains=value) | Q(location__icontains=value))
