"""The "Room managers" group: who may work in the admin's approval list."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from roombooking.roles import ROOM_MANAGERS_GROUP

# Exactly what a room manager needs in the admin: see requests and decide them (an Approve or Deny
# asks for the change permission). Migration 0002 creates the group with the same permissions.
ROOM_MANAGER_PERMISSIONS = ("view_confirm", "change_confirm")


def make_room_manager(*, user) -> bool:
    """Put ``user`` in the "Room managers" group (re-creating the group and its permissions if they
    are missing) and let them sign in to the admin. True when something changed. Which rooms
    they manage is the booking app's data (the room's managers)."""
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(name=ROOM_MANAGERS_GROUP)
        permissions = Permission.objects.filter(
            content_type__app_label="confirm", codename__in=ROOM_MANAGER_PERMISSIONS
        )
        group.permissions.add(*permissions)
        changed = False
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            changed = True
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            changed = True
        return changed
