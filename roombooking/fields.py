"""Model fields of our own."""

from __future__ import annotations

import re

import orjson
from django.db import models
from django.db.models.fields.json import KeyTransform

# orjson reads an integer beyond 64 bits as a float, the standard library as an int: a document
# with a run of 19 or more digits (in a number or not) is read Django's way.
_LONG_DIGITS = re.compile(r"[0-9]{19}")


class JSONField(models.JSONField):
    """Django's JSONField, whose stored documents are read with orjson: Django's ``json.loads``
    of each page row's ``room_managers`` was about a twentieth of a booking list page (cProfile).
    The same values (tested against Django's field with generated documents): what orjson
    refuses and the standard library reads (NaN, numbers out of range, lone surrogates) goes
    Django's way, as do a document with a long run of digits and a field with a decoder of its
    own."""

    def from_db_value(self, value, expression, connection):
        if (
            isinstance(value, str)
            and self.decoder is None
            and not isinstance(expression, KeyTransform)
            and not _LONG_DIGITS.search(value)
        ):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        return super().from_db_value(value, expression, connection)
