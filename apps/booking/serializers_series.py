"""API shapes of recurring series (``/bookings/series``)."""

from __future__ import annotations

from rest_framework import serializers

from apps.booking.models import Booking, Series
from apps.booking.recurrence import MAX_RULE_LENGTH
from apps.booking.serializers import (
    USERNAME_MAX_LENGTH,
    IdField,
    StrictBooleanField,
    absolute_url,
)
from roombooking.datetimes import DateTimeInputField, format_iso


class SeriesInputSerializer(serializers.Serializer):
    """``POST /bookings/series``. Server-owned fields in the body are ignored."""

    roomId = IdField()
    useStartDtm = DateTimeInputField(help_text="Start of the first occurrence.")
    useEndDtm = DateTimeInputField(help_text="End of the first occurrence.")
    rrule = serializers.CharField(
        max_length=MAX_RULE_LENGTH + len("RRULE:"),
        help_text="RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10 (DAILY, WEEKLY or "
        "MONTHLY; COUNT or UNTIL).",
    )
    # Strict, as POST /bookings' overridePolicy: "yes", "on" or 1 must not set either flag.
    skipConflicts = StrictBooleanField(
        required=False,
        default=False,
        help_text="Book the free occurrences and report the taken ones (default: all or nothing).",
    )
    bookingUserId = serializers.CharField(
        required=False, max_length=USERNAME_MAX_LENGTH, help_text="Username; default: you."
    )
    overridePolicy = StrictBooleanField(
        required=False,
        help_text="Office staff: book every occurrence even where the room's policies refuse it.",
    )

    def service_arguments(self) -> dict:
        names = {
            "roomId": "room_id",
            "useStartDtm": "use_start_dtm",
            "useEndDtm": "use_end_dtm",
            "rrule": "rrule",
            "skipConflicts": "skip_conflicts",
            "bookingUserId": "booking_user",
            "overridePolicy": "override_policy",
        }
        return {names[field]: value for field, value in self.validated_data.items()}


class OccurrenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    roomId = serializers.IntegerField()
    useStartDtm = serializers.CharField()
    useEndDtm = serializers.CharField()
    status = serializers.CharField(help_text="BOOKED or CANCELLED.")
    approvalStatus = serializers.CharField(help_text="PENDING, CONFIRMED or DENIED.")
    detached = serializers.BooleanField(help_text="Changed or cancelled on its own.")

    def to_representation(self, booking: Booking) -> dict:
        zone = booking.room.zone
        return {
            "id": booking.pk,
            "roomId": booking.room_id,
            "useStartDtm": format_iso(booking.use_start_dtm, zone=zone),
            "useEndDtm": format_iso(booking.use_end_dtm, zone=zone),
            "status": booking.status,
            "approvalStatus": booking.approval_status,
            "detached": booking.detached,
        }


class SeriesSerializer(serializers.Serializer):
    """A series with every occurrence (cancelled ones too), times with the room's offset."""

    id = serializers.IntegerField()
    roomId = serializers.IntegerField()
    roomName = serializers.CharField()
    bookingUserId = serializers.CharField()
    rrule = serializers.CharField()
    useStartDtm = serializers.CharField(help_text="The first occurrence as asked for.")
    useEndDtm = serializers.CharField()
    timeZone = serializers.CharField()
    createdDtm = serializers.CharField()
    skipped = serializers.ListField(
        child=serializers.CharField(), help_text="Starts left out because they were taken."
    )
    occurrences = OccurrenceSerializer(many=True)

    def to_representation(self, series: Series) -> dict:
        zone = series.room.zone
        occurrences = self.context.get("occurrences")
        if occurrences is None:
            occurrences = series.occurrences.select_related("room").order_by("use_start_dtm")
        body = {
            "id": series.pk,
            "roomId": series.room_id,
            "roomName": series.room.name,
            "bookingUserId": series.booking_user.username,
            "rrule": series.rrule,
            "useStartDtm": format_iso(series.first_start, zone=zone),
            "useEndDtm": format_iso(series.first_end, zone=zone),
            "timeZone": series.time_zone,
            "createdDtm": format_iso(series.created_at, zone=zone),
            "skipped": list(series.skipped),
            "occurrences": [OccurrenceSerializer(b).data for b in occurrences],
        }
        request = self.context.get("request")
        if request is not None:
            href = absolute_url(request, "booking-series-detail", series.pk)
            body["_links"] = {"self": {"href": href}}
        return body
