"""Looking up the users named in requests (by username, as the original's ``bookingUserId``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError


def active_user(username: str, *, field: str):
    """The active user called ``username``; a 400 naming ``field`` when there is none."""
    User = get_user_model()
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise ValidationError({field: [f"Unknown user: {username!r}."]}) from None


def active_users(usernames: Iterable[str], *, field: str) -> list:
    User = get_user_model()
    wanted = list(dict.fromkeys(usernames))
    found = {u.username: u for u in User.objects.filter(username__in=wanted, is_active=True)}
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise ValidationError(
            {field: [f"Unknown user{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."]}
        )
    return [found[name] for name in wanted]
