"""API shapes of a room's policies: opening hours and the clock times they use."""

from __future__ import annotations

import datetime as dt
import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.booking.models import MIDNIGHT, WEEKDAYS, Room

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "18:00"})
class ClockTimeField(serializers.Field):
    """A wall-clock time ``HH:MM``. With ``end_of_day``, ``24:00`` is midnight at the end of the
    day (stored as 00:00 and shown as 24:00)."""

    default_error_messages = {"invalid": "Expected a time such as 08:30 (HH:MM), got {got}."}

    def __init__(self, *, end_of_day: bool = False, **kwargs) -> None:
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data: object) -> dt.time:
        if self.end_of_day and data in ("24:00", "00:00"):
            return MIDNIGHT
        match = _CLOCK.match(data.strip()) if isinstance(data, str) else None
        if match is None:
            shown = repr(data) if isinstance(data, str | int | float) else type(data).__name__
            self.fail("invalid", got=shown[:20])
        return dt.time(int(match[1]), int(match[2]))

    def to_representation(self, value: dt.time) -> str:
        if self.end_of_day and value == MIDNIGHT:
            return "24:00"
        return f"{value:%H:%M}"


class OpeningHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(
        min_value=0, max_value=6, help_text="0 is Monday, 6 is Sunday."
    )
    weekdayName = serializers.SerializerMethodField()
    opens = ClockTimeField(help_text="HH:MM in the room's time zone.")
    closes = ClockTimeField(end_of_day=True, help_text="HH:MM, after opens; 24:00 is midnight.")

    def get_weekdayName(self, hours) -> str:
        weekday = hours["weekday"] if isinstance(hours, dict) else hours.weekday
        return WEEKDAYS[weekday]

    def validate(self, data: dict) -> dict:
        # A PATCH of the room is partial, which DRF passes on to this nested serializer: every
        # interval still needs all three fields.
        missing = [name for name in ("weekday", "opens", "closes") if name not in data]
        if missing:
            raise serializers.ValidationError(
                {name: ["This field is required."] for name in missing}
            )
        if data["closes"] != MIDNIGHT and data["closes"] <= data["opens"]:
            raise serializers.ValidationError(
                {"closes": ["Must be after opens (24:00: midnight)."]}
            )
        return data


def opening_hours_of(room: Room) -> list[dict]:
    """The room's opening hours as answered (no query for a room that is always open; the rooms
    list prefetches them)."""
    if not room.has_opening_hours:
        return []
    return OpeningHoursSerializer(room.opening_hours.all(), many=True).data
