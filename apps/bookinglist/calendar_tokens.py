"""Write operations on calendar subscription tokens (one function per user action)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.bookinglist.calendar_access import may_subscribe_to_room
from apps.bookinglist.calendar_selectors import room_is_known
from apps.bookinglist.models import CalendarToken


def new_token_value() -> str:
    return secrets.token_urlsafe(32)  # 256 bits, 43 URL-safe characters


def issue_calendar_token(
    *, owner, kind: str, room_id: int | None = None
) -> tuple[CalendarToken, bool]:
    """The owner's token of this kind (and room), made on first request; (token, created).

    Anyone signed in may have a personal token; a room's token is for office staff and the room's
    managers (``calendar_access.may_subscribe_to_room``), and only for a room the booking list
    knows (one with a booking): a room id that matches nothing is a 400, for staff too.
    """
    if kind == CalendarToken.Kind.ROOM:
        if room_id is None or not room_is_known(room_id=room_id):
            raise ValidationError({"roomId": ["No room with this id has any booking."]})
        if not may_subscribe_to_room(user=owner, room_id=room_id):
            raise PermissionDenied(
                "Only the room's managers and office staff may subscribe to a room's calendar."
            )
    else:
        room_id = None
    with transaction.atomic():
        # get_or_create retries the lookup when a concurrent request inserted first (unique).
        return CalendarToken.objects.get_or_create(
            owner=owner, kind=kind, room_id=room_id, defaults={"token": new_token_value()}
        )


def reset_calendar_token(*, owner, token_id: int, now: dt.datetime | None = None) -> CalendarToken:
    """Replace the token's value: the old URL answers 404 from the commit on.
    ``CalendarToken.DoesNotExist`` when the owner has no token of that id."""
    with transaction.atomic():
        token = _own_token(owner, token_id, lock=True)
        token.token = new_token_value()
        token.created_at = now or timezone.now()
        token.save(update_fields=["token", "created_at"])
    return token


def revoke_calendar_token(*, owner, token_id: int) -> None:
    with transaction.atomic():
        _own_token(owner, token_id, lock=True).delete()


def reset_calendar_tokens(*, token_ids: list[int], now: dt.datetime | None = None) -> int:
    """Office staff in the admin: reset any tokens (a leaked URL, a person who left)."""
    with transaction.atomic():
        tokens = list(CalendarToken.objects.select_for_update().filter(pk__in=token_ids))
        for token in tokens:
            token.token = new_token_value()
            token.created_at = now or timezone.now()
        CalendarToken.objects.bulk_update(tokens, ["token", "created_at"])
    return len(tokens)


def _own_token(owner, token_id: int, *, lock: bool) -> CalendarToken:
    tokens = CalendarToken.objects.filter(owner=owner, pk=token_id)
    token = (tokens.select_for_update() if lock else tokens).first()
    if token is None:  # someone else's is "no such token" too
        raise CalendarToken.DoesNotExist(f"No calendar token {token_id} of this owner.")
    return token
