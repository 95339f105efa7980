"""The day view's booking form. It only reads the input; the booking service does the checks."""

from __future__ import annotations

import datetime as dt

from django import forms

from apps.booking.models import Room
from roombooking.datetimes import DateTimeInputError, parse_local_or_aware

# The service names its fields as the API does; the form shows them on its own fields.
FIELD_OF = {"roomId": "room", "useStartDtm": "start", "useEndDtm": "end"}


class LocalDateTimeField(forms.Field):
    """``2027-12-31T10:00`` (what ``<input type=datetime-local>`` sends): a wall-clock time in
    the room's zone, so it stays naive here and the service reads it in that zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})

    def to_python(self, value) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        try:
            return parse_local_or_aware(value)
        except DateTimeInputError as error:
            raise forms.ValidationError(str(error)) from None


class DayBookingForm(forms.Form):
    room = forms.TypedChoiceField(coerce=int, empty_value=None)
    start = LocalDateTimeField()
    end = LocalDateTimeField()

    def __init__(self, *args, rooms: list[Room], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [(room.pk, room.name) for room in rooms]

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(FIELD_OF.get(name), message)
