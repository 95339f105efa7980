"""Filters and ordering of ``GET /confirms``, named as the API's fields."""

from __future__ import annotations

import django_filters

from apps.confirm.models import STATUS_CHOICES, Confirm
from roombooking.filters import FilterSet, IntegerFilter, OrderingFilter


class ConfirmFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=STATUS_CHOICES)
    roomId = IntegerFilter(field_name="room_id")
    bookingId = IntegerFilter(field_name="booking_id")
    userId = django_filters.CharFilter(field_name="user_id")
    seriesId = IntegerFilter(field_name="series_id")
    ordering = OrderingFilter(
        fields=(
            ("id", "id"),
            ("created", "createdDtm"),
            ("use_start_dtm", "useStartDtm"),
            ("use_end_dtm", "useEndDtm"),
            ("confirm_dtm", "confirmDtm"),
            ("room_id", "roomId"),
            ("booking_id", "bookingId"),
            ("status", "status"),
        )
    )

    class Meta:
        model = Confirm
        fields: list[str] = []
