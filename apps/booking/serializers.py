"""API shapes of rooms and bookings (camelCase, as in the original). Thin: the views pass the
validated data to the services, which do the checking that needs the database."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from apps.booking import selectors
from apps.booking.models import (
    APPROVAL_AUTOMATIC,
    APPROVAL_REQUIRED,
    MAX_DAYS_AHEAD_LIMIT,
    MAX_FUTURE_BOOKINGS_LIMIT,
    Booking,
    Room,
)
from apps.booking.serializers_policies import OpeningHoursSerializer, opening_hours_of
from roombooking.datetimes import DateTimeInputField, format_iso
from roombooking.serializer_fields import PlainFieldCopies

USERNAME_MAX_LENGTH = 150
_DIGITS = re.compile(r"^\d{1,18}$")


def absolute_url(request, view_name: str, pk: int) -> str:
    """``http://host/bookings/7``: without the trailing slash, like the original's links."""
    return request.build_absolute_uri(reverse(view_name, args=[pk]).rstrip("/"))


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\d+$"}]})
class IdField(serializers.Field):
    """A positive id as a JSON number or a string of digits (the original sent ``"101"``)."""

    default_error_messages = {
        "invalid": 'Expected a positive whole number such as 101 (or "101"), got {got}.',
    }

    def to_internal_value(self, data: object) -> int:
        if isinstance(data, int) and not isinstance(data, bool) and data > 0:
            return data
        if isinstance(data, str) and _DIGITS.match(data.strip()) and int(data) > 0:
            return int(data)
        shown = repr(data) if isinstance(data, str | int | float) else type(data).__name__
        self.fail("invalid", got=shown[:40])

    def to_representation(self, value: int) -> int:
        return value


class StrictBooleanField(serializers.BooleanField):
    """``true`` or ``false`` as JSON booleans only: DRF's BooleanField would also take "yes",
    "on", 1 or "off", and a flag that grants an override must not be set by accident. An HTML
    form (the browsable API's) sends its checkbox as the text "true"; only there are the texts
    "true" and "false" read."""

    default_error_messages = {"invalid": "Expected true or false (a JSON boolean), got {got}."}

    def to_internal_value(self, data: object) -> bool:
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data in ("true", "false") and self._from_html_form():
            return data == "true"
        shown = repr(data) if isinstance(data, str | int | float) else type(data).__name__
        self.fail("invalid", got=shown[:40])

    def _from_html_form(self) -> bool:
        return html.is_html_input(getattr(self.root, "initial_data", None))


class BookingInputSerializer(PlainFieldCopies, serializers.Serializer):
    """``POST /bookings`` and ``PATCH /bookings/{id}``. Anything else in the body (``id``,
    ``status``, timestamps) is server-owned and ignored."""

    roomId = IdField()
    useStartDtm = DateTimeInputField()
    useEndDtm = DateTimeInputField()
    bookingUserId = serializers.CharField(
        required=False, max_length=USERNAME_MAX_LENGTH, help_text="Username; default: you."
    )
    overridePolicy = StrictBooleanField(
        required=False,
        help_text="Office staff only: book even if the room's policies (durations, how far "
        "ahead, opening hours, per-room limit) refuse it; recorded in the event log.",
    )

    def to_representation(self, instance) -> dict:
        """A booking as this form's initial values (the browsable API's PATCH form)."""
        if not isinstance(instance, Booking):
            return super().to_representation(instance)
        zone = instance.room.zone
        return {
            "roomId": instance.room_id,
            "useStartDtm": format_iso(instance.use_start_dtm, zone=zone),
            "useEndDtm": format_iso(instance.use_end_dtm, zone=zone),
            "bookingUserId": instance.booking_user.username,
        }

    def service_arguments(self) -> dict:
        names = {
            "roomId": "room_id",
            "useStartDtm": "use_start_dtm",
            "useEndDtm": "use_end_dtm",
            "bookingUserId": "booking_user",
            "overridePolicy": "override_policy",
        }
        return {names[field]: value for field, value in self.validated_data.items()}


class BookingSerializer(serializers.Serializer):
    """A booking as answered: times in ISO 8601 with the room's offset."""

    id = serializers.IntegerField()
    roomId = serializers.IntegerField()
    roomName = serializers.CharField()
    bookingUserId = serializers.CharField(help_text="Username of the person booked for.")
    useStartDtm = serializers.CharField()
    useEndDtm = serializers.CharField()
    status = serializers.CharField()
    bookingDtm = serializers.CharField(help_text="When the booking was made.")
    updatedDtm = serializers.CharField()
    seriesId = serializers.IntegerField(
        allow_null=True, help_text="The recurring series this booking is an occurrence of."
    )
    detached = serializers.BooleanField(
        help_text="An occurrence changed or cancelled on its own: series-wide moves skip it."
    )
    requiresCheckIn = serializers.BooleanField(help_text="The room requires check-in.")
    checkedInDtm = serializers.CharField(
        allow_null=True, help_text="When the booker checked in (null: not yet)."
    )

    def to_representation(self, booking: Booking) -> dict:
        zone = booking.room.zone
        body = {
            "id": booking.pk,
            "roomId": booking.room_id,
            "roomName": booking.room.name,
            "bookingUserId": booking.booking_user.username,
            "useStartDtm": format_iso(booking.use_start_dtm, zone=zone),
            "useEndDtm": format_iso(booking.use_end_dtm, zone=zone),
            "status": booking.status,
            "bookingDtm": format_iso(booking.created_at, zone=zone),
            "updatedDtm": format_iso(booking.updated_at, zone=zone),
            "seriesId": booking.series_id,
            "detached": booking.detached,
            "requiresCheckIn": booking.room.requires_check_in,
            "checkedInDtm": (
                format_iso(booking.checked_in_at, zone=zone) if booking.checked_in_at else None
            ),
        }
        request = self.context.get("request")
        if request is not None:  # the original's Spring Data REST links
            href = absolute_url(request, "booking-detail", booking.pk)
            body["_links"] = {"self": {"href": href}, "booking": {"href": href}}
        return body


class RoomInputSerializer(serializers.Serializer):
    """``POST /rooms`` and ``PATCH /rooms/{id}`` (office staff)."""

    name = serializers.CharField(max_length=100)
    capacity = serializers.IntegerField(min_value=1, max_value=10_000)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    equipment = serializers.ListField(
        child=serializers.CharField(max_length=32), max_length=20, required=False
    )
    isActive = StrictBooleanField(required=False)
    timeZone = serializers.CharField(max_length=64, required=False)
    maxDurationMinutes = serializers.IntegerField(
        min_value=1, max_value=31 * 24 * 60, required=False
    )
    requiresCheckIn = StrictBooleanField(
        required=False, help_text="Bookers must check in, or the booking is released."
    )
    managers = serializers.ListField(
        child=serializers.CharField(max_length=USERNAME_MAX_LENGTH),
        max_length=100,
        required=False,
        help_text="Usernames of the room's approvers.",
    )
    approvalMode = serializers.ChoiceField(
        choices=[APPROVAL_REQUIRED, APPROVAL_AUTOMATIC],
        required=False,
        help_text="AUTOMATIC: bookings are approved at once by the system.",
    )
    minDurationMinutes = serializers.IntegerField(
        min_value=1, max_value=31 * 24 * 60, required=False, allow_null=True
    )
    maxDaysAhead = serializers.IntegerField(
        min_value=1, max_value=MAX_DAYS_AHEAD_LIMIT, required=False, allow_null=True
    )
    maxFutureBookingsPerUser = serializers.IntegerField(
        min_value=1, max_value=MAX_FUTURE_BOOKINGS_LIMIT, required=False, allow_null=True
    )
    openingHours = serializers.ListField(
        child=OpeningHoursSerializer(),
        max_length=7,
        required=False,
        help_text="Replaces them all; [] means always open.",
    )

    def to_representation(self, instance) -> dict:
        """A room as this form's initial values (the browsable API's PATCH form)."""
        if not isinstance(instance, Room):
            return super().to_representation(instance)
        return RoomSerializer(instance).data

    def service_arguments(self) -> dict:
        names = {
            "isActive": "is_active",
            "timeZone": "time_zone",
            "approvalMode": "approval_mode",
            "maxDaysAhead": "max_days_ahead",
            "maxFutureBookingsPerUser": "max_future_bookings_per_user",
            "requiresCheckIn": "requires_check_in",
        }
        arguments = {}
        for field, value in self.validated_data.items():
            if field == "maxDurationMinutes":
                arguments["max_duration"] = dt.timedelta(minutes=value)
            elif field == "minDurationMinutes":
                arguments["min_duration"] = None if value is None else dt.timedelta(minutes=value)
            elif field == "openingHours":
                arguments["opening_hours"] = [
                    {key: hours[key] for key in ("weekday", "opens", "closes")} for hours in value
                ]
            else:
                arguments[names.get(field, field)] = value
        return arguments


class RoomSerializer(serializers.ModelSerializer):
    isActive = serializers.BooleanField(source="is_active")
    timeZone = serializers.CharField(source="time_zone")
    maxDurationMinutes = serializers.SerializerMethodField()
    requiresCheckIn = serializers.BooleanField(source="requires_check_in")
    managers = serializers.SerializerMethodField()
    approvalMode = serializers.CharField(source="approval_mode")
    minDurationMinutes = serializers.SerializerMethodField()
    maxDaysAhead = serializers.IntegerField(source="max_days_ahead", allow_null=True)
    maxFutureBookingsPerUser = serializers.IntegerField(
        source="max_future_bookings_per_user", allow_null=True
    )
    openingHours = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = [
            "id",
            "name",
            "capacity",
            "location",
            "description",
            "equipment",
            "isActive",
            "timeZone",
            "maxDurationMinutes",
            "requiresCheckIn",
            "managers",
            "approvalMode",
            "minDurationMinutes",
            "maxDaysAhead",
            "maxFutureBookingsPerUser",
            "openingHours",
        ]

    def get_maxDurationMinutes(self, room: Room) -> int:
        return int(room.max_duration.total_seconds() // 60)

    def get_minDurationMinutes(self, room: Room) -> int | None:
        return None if room.min_duration is None else int(room.min_duration.total_seconds() // 60)

    @extend_schema_field(OpeningHoursSerializer(many=True))
    def get_openingHours(self, room: Room) -> list[dict]:
        return opening_hours_of(room)

    def get_managers(self, room: Room) -> list[str]:
        return list(selectors.room_manager_usernames(room))
