"""Filters of the booking list API and admin; parameter names are the API's field names.

    ?roomId=556677&bookingUserId=alice&bookingStatus=BOOKED&confirmStatus=BOOKED,CONFIRMED
    &bookingId=3&from=2026-12-01&to=2026-12-08T00:00:00%2B09:00&ordering=-useStartDtm

Statuses take several values (repeated or comma-separated). ``from``/``to`` select the bookings
that overlap the window ``[from, to)``; the window may span at most ``MAX_WINDOW``.
"""

from __future__ import annotations

import datetime as dt
import re

import django_filters
from django import forms
from django.conf import settings

from apps.bookinglist.models import BOOKING_STATUSES, CONFIRM_STATUSES, BookingListRow
from roombooking import datetimes
from roombooking.filters import FilterSet, IntegerFilter, OrderingFilter, invalid_input

MAX_WINDOW = dt.timedelta(days=366)
ORDERINGS = (("use_start_dtm", "useStartDtm"), ("booking_dtm", "bookingDtm"))
_DATE = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")


class InstantField(forms.Field):
    """A date-time in the forms the booking API takes (``roombooking.datetimes``: the original's
    compact ``yyyyMMddHHmm[ss]`` or ISO 8601), or a bare date (``2026-12-01``, ``20261201``) for
    its midnight; times without an offset are in the project's time zone."""

    def to_python(self, value: str | None) -> dt.datetime | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        try:
            if _DATE.match(text):
                local = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
            else:
                local = datetimes.parse_local_or_aware(text)
            return datetimes.make_aware(local, zone=settings.TIME_ZONE)
        except ValueError as error:  # DateTimeInputError, or an impossible calendar date
            raise invalid_input(
                str(error)
                if isinstance(error, datetimes.DateTimeInputError)
                else f"{text} is not a valid date: {error}."
            ) from None


class InstantFilter(django_filters.Filter):
    field_class = InstantField


class ChoiceListField(forms.MultipleChoiceField):
    """Several values, repeated (``?s=A&s=B``) or comma-separated (``?s=A,B``)."""

    def to_python(self, value):
        values = super().to_python(value)
        return [part.strip() for item in values for part in item.split(",") if part.strip()]


class ChoiceListFilter(django_filters.MultipleChoiceFilter):
    field_class = ChoiceListField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)  # a row matches once: no DISTINCT on a big table
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class StableOrderingFilter(OrderingFilter):
    """Orders by the chosen time, then by booking id in the same direction, so that pages are
    stable and served by the (…, time, booking_id) indexes."""

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        tie = "-booking_id" if ordering[-1].startswith("-") else "booking_id"
        return qs.order_by(*ordering, tie)


class WindowForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start is not None and end is not None:
            if end <= start:
                self.add_error("to", "Must be after 'from'.")
            elif end - start > MAX_WINDOW:
                self.add_error("to", f"The window may span at most {MAX_WINDOW.days} days.")
        return data


class BookingListFilter(FilterSet):
    # Parameter names are the API field names (camelCase, as in the original service).
    roomId = IntegerFilter(field_name="room_id")
    bookingUserId = django_filters.CharFilter(field_name="booking_user_id")
    bookingId = IntegerFilter(field_name="booking_id")
    seriesId = IntegerFilter(field_name="series_id")
    bookingStatus = ChoiceListFilter(field_name="booking_status", choices=BOOKING_STATUSES)
    confirmStatus = ChoiceListFilter(field_name="confirm_status", choices=CONFIRM_STATUSES)
    window_from = InstantFilter(field_name="use_end_dtm", lookup_expr="gt", label="from")
    window_to = InstantFilter(field_name="use_start_dtm", lookup_expr="lt", label="to")
    ordering = StableOrderingFilter(
        fields=ORDERINGS, field_labels={"use_start_dtm": "start", "booking_dtm": "booking time"}
    )

    class Meta:
        model = BookingListRow
        fields: list[str] = []
        form = WindowForm


# "from" is a Python keyword: give the two window filters their API names after the fact.
for _attribute, _name in (("window_from", "from"), ("window_to", "to")):
    BookingListFilter.base_filters[_name] = BookingListFilter.base_filters.pop(_attribute)
