"""Filters and ordering of ``GET /confirms``, named as the API's fields."""

from __future__ import annotations

import django_filters
from django import forms

from apps.confirm.models import STATUS_CHOICES, Confirm
from roombooking.filters import FilterSet, OrderingFilter


class IdFilter(django_filters.NumberFilter):
    """A whole number within the database's 64-bit range (``1.5`` is a 400, not "no rows")."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class ConfirmFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=STATUS_CHOICES)
    roomId = IdFilter(field_name="room_id")
    bookingId = IdFilter(field_name="booking_id")
    userId = django_filters.CharFilter(field_name="user_id")
    seriesId = IdFilter(field_name="series_id")
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
