"""Demo data: the demo ``manager`` user joins the "Room managers" group (idempotent)."""

from __future__ import annotations

from apps.confirm import services
from roombooking.roles import ROOM_MANAGERS_GROUP


def seed(*, users: dict, stdout) -> None:
    manager = users.get("manager")
    if manager is not None and services.make_room_manager(user=manager):
        stdout.write(f"  {manager.get_username()} joined {ROOM_MANAGERS_GROUP!r}")
