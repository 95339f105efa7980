"""Creating, changing and taking rooms out of service (office staff)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404

from apps.booking.models import Room
from apps.booking.services.users import active_users
from apps.booking.validators import normalize_tag

# Model field -> API field, so that errors name what the client sent.
API_NAMES = {"time_zone": "timeZone", "max_duration": "maxDuration", "is_active": "isActive"}
EDITABLE = (
    "name",
    "capacity",
    "location",
    "description",
    "equipment",
    "is_active",
    "time_zone",
    "max_duration",
)


def create_room(
    *,
    name: str,
    capacity: int,
    location: str = "",
    description: str = "",
    equipment: Iterable[str] = (),
    is_active: bool = True,
    time_zone: str | None = None,
    max_duration: dt.timedelta | None = None,
    managers: Iterable[str] = (),
    room_id: int | None = None,
) -> Room:
    """``managers`` are usernames; an unknown one is a 400 naming it. ``room_id`` chooses the id
    (demo data and imports only)."""
    with transaction.atomic():
        room = Room(
            id=room_id,
            name=name,
            capacity=capacity,
            location=location,
            description=description,
            equipment=[normalize_tag(tag) if isinstance(tag, str) else tag for tag in equipment],
            is_active=is_active,
        )
        if time_zone is not None:
            room.time_zone = time_zone
        if max_duration is not None:
            room.max_duration = max_duration
        manager_users = active_users(managers, field="managers")
        _full_clean(room)
        room.save()
        room.managers.set(manager_users)
        return room


def update_room(*, room_id: int, managers: Iterable[str] | None = None, **changes: Any) -> Room:
    """Change the given fields (see ``EDITABLE``) and, when given, replace the managers.

    Existing bookings keep their times and their room; a new maximum duration applies to new
    bookings and changes only.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"update_room() cannot change {', '.join(sorted(unknown))}")
    with transaction.atomic():
        room = get_object_or_404(Room.objects.select_for_update(), pk=room_id)
        if "equipment" in changes and isinstance(changes["equipment"], list | tuple):
            changes["equipment"] = [
                normalize_tag(t) if isinstance(t, str) else t for t in changes["equipment"]
            ]
        for field, value in changes.items():
            setattr(room, field, value)
        manager_users = None if managers is None else active_users(managers, field="managers")
        _full_clean(room)
        room.save()
        if manager_users is not None:
            room.managers.set(manager_users)
        return room


def deactivate_room(*, room_id: int) -> Room:
    """Take a room out of service: it takes no new bookings; existing ones stay (office staff
    may cancel them). ``update_room(is_active=True)`` brings it back."""
    return update_room(room_id=room_id, is_active=False)


def _full_clean(room: Room) -> None:
    try:
        room.full_clean(exclude=["managers"])
    except ValidationError as error:
        raise ValidationError(
            {
                API_NAMES.get(field, field): messages
                for field, messages in error.message_dict.items()
            }
        ) from None
