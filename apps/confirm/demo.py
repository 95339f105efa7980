"""Demo data: the demo ``manager`` user joins the "Room managers" group (idempotent)."""

from __future__ import annotations

from django.contrib.auth.models import Group

from roombooking.roles import ROOM_MANAGERS_GROUP


def seed(*, users: dict, stdout) -> None:
    manager = users.get("manager")
    if manager is None:
        return
    group, _ = Group.objects.get_or_create(name=ROOM_MANAGERS_GROUP)
    if not manager.groups.filter(pk=group.pk).exists():
        manager.groups.add(group)
        stdout.write(f"  {manager.get_username()} joined {ROOM_MANAGERS_GROUP!r}")
