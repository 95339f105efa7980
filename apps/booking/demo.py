"""Demo rooms for ``manage.py seed_demo`` (idempotent: existing rooms are left as they are).

"Room 101" gets id 101, so that the original's call ``roomId="101"`` books it.
"""

from __future__ import annotations

from django.core.management.color import no_style
from django.db import connection

from apps.booking import services
from apps.booking.models import Room

DEMO_ROOMS = [
    # id, name, capacity, location, equipment, managers
    (101, "Room 101", 6, "1st floor", ["tv", "whiteboard"], ["manager"]),
    (102, "Grand hall", 40, "Ground floor", ["projector", "video call", "microphone"],
     ["manager", "admin"]),
    (103, "Quiet room", 2, "2nd floor", [], []),  # no manager: office staff decide
]  # fmt: skip


def seed(*, users: dict, stdout) -> None:
    created = []
    for room_id, name, capacity, location, equipment, managers in DEMO_ROOMS:
        if Room.objects.filter(name=name).exists() or Room.objects.filter(pk=room_id).exists():
            continue
        room = services.create_room(
            name=name,
            capacity=capacity,
            location=location,
            equipment=equipment,
            managers=[username for username in managers if username in users],
            room_id=room_id,
        )
        created.append(f"{room.name} (id {room.pk})")
    if created:
        _reset_id_sequence()
        stdout.write(f"Rooms created: {', '.join(created)}")


def _reset_id_sequence() -> None:
    """After choosing ids by hand, make PostgreSQL's sequence continue past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Room])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
