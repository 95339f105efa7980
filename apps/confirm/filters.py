"""Filters and ordering of ``GET /confirms``, named as the API's fields."""

from __future__ import annotations

import django_filters

from apps.confirm.models import STATUS_CHOICES, Confirm


class ConfirmFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=STATUS_CHOICES)
    roomId = django_filters.NumberFilter(field_name="room_id")
    bookingId = django_filters.NumberFilter(field_name="booking_id")
    userId = django_filters.CharFilter(field_name="user_id")
    ordering = django_filters.OrderingFilter(
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
