"""Query parameters and answers of ``/rooms/available`` and ``/rooms/{id}/availability``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from apps.booking.availability import HELD, RoomDay
from apps.booking.validators import normalize_tag
from roombooking.datetimes import DateTimeInputError, DateTimeInputField, format_iso, make_aware
from roombooking.queries import QuerySerializer

MAX_WINDOW = dt.timedelta(days=31)
# A day's query window reaches 14 hours either side; these bounds keep it inside datetime's range.
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(9998, 12, 31)


class AvailableQuerySerializer(QuerySerializer):
    start = DateTimeInputField(help_text="Start of the window; local times in the server's zone.")
    end = DateTimeInputField(
        help_text="End of the window (exclusive), at most 31 days after start."
    )
    capacity = serializers.IntegerField(
        min_value=1, max_value=10_000, required=False, help_text="At least this many seats."
    )
    equipment = serializers.CharField(
        max_length=700,
        required=False,
        allow_blank=True,
        help_text="Comma-separated tags, e.g. projector,whiteboard; rooms having all of them.",
    )

    def validate(self, data: dict) -> dict:
        errors: dict[str, list[str]] = {}
        for name in ("start", "end"):
            try:
                data[name] = make_aware(data[name], zone=settings.TIME_ZONE)
            except DateTimeInputError as error:
                errors[name] = [str(error)]
        if errors:
            raise serializers.ValidationError(errors)
        if data["end"] <= data["start"]:
            raise serializers.ValidationError({"end": ["Must be after start."]})
        if data["start"] < timezone.now():  # no room takes a booking there: not "all free"
            start = format_iso(data["start"], zone=settings.TIME_ZONE)
            raise serializers.ValidationError({"start": [f"The start {start} is in the past."]})
        if data["end"] - data["start"] > MAX_WINDOW:
            raise serializers.ValidationError(
                {"end": [f"The window is at most {MAX_WINDOW.days} days after start."]}
            )
        return data


class DayQuerySerializer(QuerySerializer):
    date = serializers.DateField(
        input_formats=["%Y-%m-%d"], help_text="The day, YYYY-MM-DD, in the room's time zone."
    )

    def validate_date(self, value: dt.date) -> dt.date:
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise serializers.ValidationError(f"Must be between {EARLIEST_DATE} and {LATEST_DATE}.")
        return value


class FreeRoomSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    capacity = serializers.IntegerField()
    location = serializers.CharField()
    equipment = serializers.ListField(child=serializers.CharField())
    timeZone = serializers.CharField(source="time_zone")


class AvailableRoomsSerializer(serializers.Serializer):
    """The window as understood (ISO 8601 with offset) and the free rooms, smallest first."""

    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    capacity = serializers.IntegerField(allow_null=True, default=None)
    equipment = serializers.SerializerMethodField()
    rooms = FreeRoomSerializer(many=True)

    def get_start(self, window: dict) -> str:
        return format_iso(window["start"], zone=settings.TIME_ZONE)

    def get_end(self, window: dict) -> str:
        return format_iso(window["end"], zone=settings.TIME_ZONE)

    def get_equipment(self, window: dict) -> list[str]:
        tags = (normalize_tag(tag) for tag in window.get("equipment", "").split(","))
        return [tag for tag in tags if tag]


class BusySerializer(serializers.Serializer):
    """A taken interval, clipped to the day: an active booking, or a slot held for someone on the
    waitlist (``approvalStatus`` ``HELD``; docs/waitlist.md). ``bookingId`` (``waitlistEntryId``
    for a hold) only on your own (and for office staff and the room's managers, who also see
    ``bookingUserId``: who booked, or whom it is held for)."""

    useStartDtm = serializers.CharField()
    useEndDtm = serializers.CharField()
    mine = serializers.BooleanField(help_text="Your own booking, or a hold offered to you.")
    approvalStatus = serializers.ChoiceField(
        choices=["PENDING", "CONFIRMED", HELD],
        help_text="Waiting for the room's managers, approved, or held for someone on the "
        "waitlist until holdUntilDtm (nobody else can book it then).",
    )
    bookingId = serializers.IntegerField(required=False)
    waitlistEntryId = serializers.IntegerField(
        required=False, help_text="A hold's waitlist entry (accept it to book)."
    )
    holdUntilDtm = serializers.CharField(
        required=False, help_text="When a hold runs out (holds only)."
    )
    bookingUserId = serializers.CharField(required=False)


class FreeSlotSerializer(serializers.Serializer):
    start = serializers.CharField()
    end = serializers.CharField()


class AvailabilitySerializer(serializers.Serializer):
    roomId = serializers.IntegerField()
    roomName = serializers.CharField()
    timeZone = serializers.CharField()
    isActive = serializers.BooleanField(help_text="A room out of service has no free slots.")
    date = serializers.DateField()
    dayStart = serializers.CharField()
    dayEnd = serializers.CharField()
    busy = BusySerializer(many=True)
    free = FreeSlotSerializer(many=True)

    def to_representation(self, day: RoomDay) -> dict:
        user = self.context["user"]
        busy = []
        for interval in day.busy:
            mine = interval.user_id == user.pk
            entry: dict[str, object] = {
                "useStartDtm": format_iso(interval.start),
                "useEndDtm": format_iso(interval.end),
                "mine": mine,
                "approvalStatus": interval.approval_status,
            }
            # Ids and names follow one rule for bookings and holds: yours, or everything for
            # office staff and the room's managers. When a hold runs out is no secret (the 409
            # slot_held tells it to anyone booking over it).
            if interval.held:
                entry["holdUntilDtm"] = format_iso(interval.hold_until, zone=day.zone)
                if mine or day.sees_names:
                    entry["waitlistEntryId"] = interval.entry_id
            elif mine or day.sees_names:
                entry["bookingId"] = interval.booking_id
            if day.sees_names:
                entry["bookingUserId"] = interval.username
            busy.append(entry)
        return {
            "roomId": day.room_id,
            "roomName": day.room_name,
            "timeZone": day.zone.key,
            "isActive": day.is_active,
            "date": day.date.isoformat(),
            "dayStart": format_iso(day.start),
            "dayEnd": format_iso(day.end),
            "busy": busy,
            "free": [{"start": format_iso(a), "end": format_iso(b)} for a, b in day.free()],
        }
