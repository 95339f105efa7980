"""Resolving the people a message is for (usernames in events) to users and addresses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from apps.notification.messages import BOOKER, MANAGERS, PREVIOUS_BOOKER
from roombooking import txmemo
from roombooking.events import Event
from roombooking.roles import OFFICE_STAFF_GROUP, OFFICE_STAFF_PERMISSION
from roombooking.statements import Template


@dataclass(frozen=True)
class Recipient:
    username: str
    email: str
    user_id: int | None


def recipients_for(audience: str, event: Event) -> list[Recipient]:
    if audience == BOOKER:
        username = getattr(event, "booking_user_id", None) or event.user_id
        email = getattr(event, "booking_user_email", None) or getattr(event, "user_email", "")
        # The room's managers come with the booker: the approval request that follows a new
        # booking in its transaction writes to them (one lookup instead of two).
        managers = getattr(event, "room_managers", None) or ()
        return _resolve([username], emails={username: email}, along=managers)
    if audience == PREVIOUS_BOOKER:
        return _resolve([event.previous_booking_user_id])
    if audience == MANAGERS:
        managers = getattr(event, "room_managers", None)
        if managers is None:
            managers = getattr(event, "approvers", ())
        if managers:
            return _resolve(list(managers))
        if event.type_name() in (
            "ConfirmRequested",
            "SeriesBooked",
            "ConfirmReminderDue",
            "SeriesReminderDue",
        ):
            return _office_staff()  # nobody manages the room: office staff decide
        return []
    raise ValueError(f"unknown audience {audience!r}")


def calendar_keepers(event: Event) -> set[str]:
    """Usernames whose calendars keep a booking after a change: its booker and the room's
    managers, or office staff when the room has none (they decide its approval)."""
    keepers = {getattr(event, "booking_user_id", "")}
    managers = getattr(event, "room_managers", None) or ()
    if managers:
        return keepers | set(managers)
    return keepers | {r.username for r in _office_staff()}


MEMO = "notification.user"  # txmemo namespace: (user id, email) by username


def _resolve(
    usernames: list[str], emails: dict[str, str] | None = None, along: Iterable[str] = ()
) -> list[Recipient]:
    """Recipients for ``usernames`` (their addresses from ``emails`` if given there), read in
    one query with ``along``, whom the transaction is likely to write to next; users read
    earlier in this transaction are remembered (``roombooking.txmemo``)."""
    wanted = list(dict.fromkeys(usernames))  # unique, in order
    users = {name: txmemo.recall(MEMO, name) for name in wanted}
    if None in users.values():
        names = {name for name, found in users.items() if found is None}
        names |= {name for name in along if txmemo.recall(MEMO, name) is None}
        for username, user_id, email in _users_named(names):
            txmemo.remember(MEMO, username, (user_id, email))
            if username in users:
                users[username] = (user_id, email)
    result = []
    for username in wanted:
        user_id, email = users[username] or (None, "")
        result.append(Recipient(username, (emails or {}).get(username) or email, user_id))
    return result


def _users_named(names: set[str]) -> list[tuple[str, int, str]]:
    """(username, id, email) of the users with these names. Up to ``MOST_NAMES`` names, from a
    template per number of names (compiled once: ``roombooking.statements``); a booking asks for
    its booker and its room's managers."""
    if not names:
        return []
    if len(names) > MOST_NAMES:
        return list(_named(names).values_list("username", "pk", "email"))
    try:
        template = _NAMED[len(names)]
    except KeyError:
        template = _NAMED.setdefault(len(names), named_template(len(names)))
    return template.rows(**{f"name_{n}": name for n, name in enumerate(sorted(names))})


MOST_NAMES = 8
_NAMED: dict[int, Template] = {}


def named_template(count: int) -> Template:
    def users_named(**names: str):
        return _named(names.values()).values_list("username", "pk", "email")

    return Template(users_named, **{f"name_{n}": str for n in range(count)})


def _named(names: Iterable[str]):
    return get_user_model().objects.filter(username__in=list(names))


def _office_staff() -> list[Recipient]:
    app_label, codename = OFFICE_STAFF_PERMISSION.split(".")
    staff = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__name=OFFICE_STAFF_GROUP)
            | Q(
                user_permissions__codename=codename,
                user_permissions__content_type__app_label=app_label,
            )
            | Q(
                groups__permissions__codename=codename,
                groups__permissions__content_type__app_label=app_label,
            )
        )
        .distinct()
        .order_by("username")
    )
    return [Recipient(u.username, u.email, u.pk) for u in staff]
