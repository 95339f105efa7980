"""Who may do what, across apps.

Room managers log into the Django admin, so they have ``is_staff`` (Django's "may use the admin"
flag) like the office staff do. ``is_staff`` therefore does not mean "sees everything": office staff
are superusers and the users granted ``roombooking.office_staff`` (the "Office staff" group).
Whether someone manages a given room is the booking app's data (the room's managers), carried in
events as usernames.
"""

from __future__ import annotations

from collections.abc import Iterable

OFFICE_STAFF_PERMISSION = "roombooking.office_staff"
OFFICE_STAFF_GROUP = "Office staff"
ROOM_MANAGERS_GROUP = "Room managers"


def is_office_staff(user) -> bool:
    """Sees and changes every booking, books for others, manages rooms.

    One query (the permission, given to the user or to one of their groups), remembered on the
    user object for the rest of the request; ``has_perm`` would load every permission in two.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_office_staff_cache", None)
    if cached is None:
        cached = user._office_staff_cache = _office_staff_permission(user).exists()
    return cached


def office_staff_exists(user):
    """``is_office_staff(user)`` as an expression, for a query that wants it as a column
    instead of a query of its own (a constant when the answer is known without asking)."""
    from django.db.models import BooleanField, Exists, Value

    known = getattr(user, "_office_staff_cache", None)
    if not (user and user.is_authenticated and user.is_active):
        known = False
    elif user.is_superuser:
        known = True
    if known is not None:
        return Value(known, output_field=BooleanField())
    return Exists(_office_staff_permission(user))


def _office_staff_permission(user):
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    app_label, codename = OFFICE_STAFF_PERMISSION.split(".")
    return Permission.objects.filter(codename=codename, content_type__app_label=app_label).filter(
        Q(user=user) | Q(group__user=user)
    )


def manages(user, managers: Iterable[str]) -> bool:
    """True when ``user`` is one of the ``managers`` (usernames) of a room."""
    return bool(user and user.is_authenticated and user.get_username() in set(managers))
