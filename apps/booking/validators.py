"""Field validators of rooms."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError

MAX_EQUIPMENT_TAGS = 20
TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,31}$")


def normalize_tag(tag: str) -> str:
    return " ".join(tag.split()).lower()


def validate_equipment(value: Any) -> None:
    """A short list of short tags, e.g. ``["projector", "whiteboard", "video-call"]``.

    Tags are lower case ASCII letters, digits, spaces, ``-`` and ``_`` (at most 32 characters), so
    that the equipment filter can match them inside the stored JSON text on every database.
    """
    if not isinstance(value, list):
        raise ValidationError("Expected a list of tags.", code="not_a_list")
    if len(value) > MAX_EQUIPMENT_TAGS:
        raise ValidationError(f"At most {MAX_EQUIPMENT_TAGS} tags.", code="too_many_tags")
    for tag in value:
        if not isinstance(tag, str) or not TAG_PATTERN.match(tag):
            raise ValidationError(
                f"{tag!r} is not a valid tag: use 1 to 32 lower case letters, digits, spaces, "
                "'-' or '_'.",
                code="invalid_tag",
            )
    if len(set(value)) != len(value):
        raise ValidationError("Tags must not repeat.", code="repeated_tag")


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as ``Asia/Seoul``."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(
            f"{value!r} is not a known time zone (use an IANA name such as 'Asia/Seoul').",
            code="unknown_time_zone",
        ) from None
