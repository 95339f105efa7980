"""Creating, changing and taking rooms out of service (office staff)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404

from apps.booking.models import APPROVAL_REQUIRED, WEEKDAYS, OpeningHours, Room
from apps.booking.services.users import active_users
from apps.booking.validators import normalize_tag

# The room's booking rules (see apps.booking.services.policies and docs/policies.md).
POLICY_FIELDS = ("approval_mode", "min_duration", "max_days_ahead", "max_future_bookings_per_user")
# Model field -> API field, so that errors name what the client sent.
API_NAMES = {
    "time_zone": "timeZone",
    "max_duration": "maxDuration",
    "is_active": "isActive",
    "approval_mode": "approvalMode",
    "min_duration": "minDurationMinutes",
    "max_days_ahead": "maxDaysAhead",
    "max_future_bookings_per_user": "maxFutureBookingsPerUser",
    "requires_check_in": "requiresCheckIn",
}
EDITABLE = (
    "name",
    "capacity",
    "location",
    "description",
    "equipment",
    "is_active",
    "time_zone",
    "max_duration",
    *POLICY_FIELDS,
    "requires_check_in",
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
    requires_check_in: bool = False,
    managers: Iterable[str] = (),
    room_id: int | None = None,
    opening_hours: Iterable[Mapping[str, Any]] | None = None,
    approval_mode: str = APPROVAL_REQUIRED,
    min_duration: dt.timedelta | None = None,
    max_days_ahead: int | None = None,
    max_future_bookings_per_user: int | None = None,
) -> Room:
    """``managers`` are usernames; an unknown one is a 400 naming it. ``room_id`` chooses the id
    (demo data and imports only). The policies (``POLICY_FIELDS``) default to the model's: a
    room that takes any booking up to ``max_duration``; ``opening_hours``: see
    ``set_opening_hours``."""
    policies = {
        "approval_mode": approval_mode,
        "min_duration": min_duration,
        "max_days_ahead": max_days_ahead,
        "max_future_bookings_per_user": max_future_bookings_per_user,
    }
    with transaction.atomic():
        room = Room(
            id=room_id,
            name=name,
            capacity=capacity,
            location=location,
            description=description,
            equipment=[normalize_tag(tag) if isinstance(tag, str) else tag for tag in equipment],
            is_active=is_active,
            **policies,
            requires_check_in=requires_check_in,
        )
        if time_zone is not None:
            room.time_zone = time_zone
        if max_duration is not None:
            room.max_duration = max_duration
        manager_users = active_users(managers, field="managers")
        _full_clean(room)
        room.save()
        room.managers.set(manager_users)
        if opening_hours is not None:
            _replace_opening_hours(room, opening_hours)
        return room


def update_room(
    *,
    room_id: int,
    managers: Iterable[str] | None = None,
    opening_hours: Iterable[Mapping[str, Any]] | None = None,
    **changes: Any,
) -> Room:
    """Change the given fields (see ``EDITABLE``) and, when given, replace the managers and the
    opening hours.

    Existing bookings keep their times and their room; new policies (durations, opening hours,
    limits, approval mode) apply to new bookings and changes only.
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
        if opening_hours is not None:
            _replace_opening_hours(room, opening_hours)
        return room


def set_opening_hours(*, room_id: int, opening_hours: Iterable[Mapping[str, Any]]) -> Room:
    """Replace the room's opening hours: ``[{"weekday": 0, "opens": time, "closes": time}]``
    (weekday 0 is Monday; ``closes`` 00:00 is midnight). An empty list: always open. At most
    one interval per weekday; a weekday without one is closed. 400s name ``openingHours``."""
    with transaction.atomic():
        room = get_object_or_404(Room.objects.select_for_update(), pk=room_id)
        _replace_opening_hours(room, opening_hours)
        return room


def deactivate_room(*, room_id: int) -> Room:
    """Take a room out of service: it takes no new bookings; existing ones stay (office staff
    may cancel them). ``update_room(is_active=True)`` brings it back."""
    return update_room(room_id=room_id, is_active=False)


def _replace_opening_hours(room: Room, opening_hours: Iterable[Mapping[str, Any]]) -> None:
    rows = [
        OpeningHours(
            room=room, weekday=hours["weekday"], opens=hours["opens"], closes=hours["closes"]
        )
        for hours in opening_hours
    ]
    errors = []
    for row in rows:
        try:
            row.full_clean(exclude=["room"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            day = WEEKDAYS[row.weekday] if row.weekday in range(7) else f"weekday {row.weekday}"
            errors.append(f"{day}: {problems}")
    weekdays = [row.weekday for row in rows]
    errors += [
        f"{WEEKDAYS[day]} appears more than once; one interval per weekday."
        for day in sorted(set(weekdays))
        if isinstance(day, int) and 0 <= day <= 6 and weekdays.count(day) > 1
    ]
    if errors:
        raise ValidationError({"openingHours": errors})
    OpeningHours.objects.filter(room=room).delete()
    OpeningHours.objects.bulk_create(rows)
    if room.has_opening_hours != bool(rows):
        room.has_opening_hours = bool(rows)
        room.save(update_fields=["has_opening_hours"])


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
