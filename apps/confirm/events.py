"""Public contract of the confirm (approval) app: the events it publishes.

Other apps may import this module and nothing else from ``apps.confirm``.
Receivers are called as ``receiver(sender=EventClass, event=event, seq=int, occurred_at=datetime,
fresh=bool, new_booking=bool)`` (``seq``: the event log sequence number; ``occurred_at``: when it
was logged; ``fresh``/``new_booking``: see ``roombooking.bus``, absent on a replay).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from django.dispatch import Signal

from roombooking.events import Event

# confirm_user_id of the requests the system approves (rooms with automatic approval).
SYSTEM_USER = "system"

# Confirm.status values, as in the original.
BOOKED = "BOOKED"  # waiting for a decision
CONFIRMED = "CONFIRMED"
DENIED = "DENIED"
EXPIRED = "EXPIRED"  # nobody decided in time; the booking is cancelled (cause EXPIRED)

confirm_requested = Signal()
confirm_completed = Signal()
confirm_denied = Signal()
series_decided = Signal()
confirm_reminder_due = Signal()
series_reminder_due = Signal()
confirm_expired = Signal()


@dataclass(frozen=True, kw_only=True)
class ConfirmSnapshot(Event):
    """The approval request as it is after the change."""

    confirm_id: int
    booking_id: int
    room_id: int
    room_name: str
    room_time_zone: str
    approvers: tuple[str, ...]  # usernames of the room's managers; empty means staff decide
    user_id: str  # the booker's username ("userId" in the original)
    user_email: str
    use_start_dtm: dt.datetime
    use_end_dtm: dt.datetime
    status: str  # BOOKED | CONFIRMED | DENIED | EXPIRED
    confirm_user_id: str | None  # who decided
    confirm_dtm: dt.datetime | None
    reason: str = ""
    series_id: int | None = None  # the booking's series (BookingSnapshot.series_id)
    # Published as part of a series action (booking or deciding a whole series): the Series*
    # event of that action makes the one summary email instead of one per occurrence.
    in_series_action: bool = False


@dataclass(frozen=True, kw_only=True)
class ConfirmRequested(ConfirmSnapshot):
    """A request waits for the room's managers: a new booking, or (``reopened``) a booking whose
    slot changed after it was approved."""

    signal: ClassVar[Signal] = confirm_requested
    reopened: bool = False


@dataclass(frozen=True, kw_only=True)
class ConfirmCompleted(ConfirmSnapshot):
    """Approved. ``automatic``: by the system (``confirm_user_id`` "system"), because the room
    approves automatically; nobody was asked."""

    signal: ClassVar[Signal] = confirm_completed
    automatic: bool = False


@dataclass(frozen=True, kw_only=True)
class ConfirmDenied(ConfirmSnapshot):
    """Denied (or an approval withdrawn); the booking app cancels the booking in the same
    transaction."""

    signal: ClassVar[Signal] = confirm_denied


@dataclass(frozen=True, kw_only=True)
class SeriesDecided(Event):
    """A manager approved (CONFIRMED) or denied (DENIED) every pending occurrence of a series at
    once; published after the ConfirmCompleted / ConfirmDenied events of the occurrences."""

    signal: ClassVar[Signal] = series_decided
    series_id: int
    status: str  # CONFIRMED | DENIED
    room_id: int
    room_name: str
    room_time_zone: str
    user_id: str  # the booker's username
    user_email: str
    confirm_user_id: str  # who decided
    reason: str = ""
    booking_ids: tuple[int, ...]
    starts: tuple[dt.datetime, ...]
    ends: tuple[dt.datetime, ...] = ()  # in booking_ids order (the occurrences' calendar invites)


@dataclass(frozen=True, kw_only=True)
class ConfirmReminderDue(ConfirmSnapshot):
    """The request has waited ``CONFIRM_REMIND_AFTER``: remind its approvers (once per request,
    and once more after it is reopened). ``expires_dtm``: when it will expire if still pending."""

    signal: ClassVar[Signal] = confirm_reminder_due
    expires_dtm: dt.datetime | None = None


@dataclass(frozen=True, kw_only=True)
class SeriesReminderDue(Event):
    """Several occurrences of one series became due for the approvers' reminder in the same
    sweep (a series booked at once waits as a whole): one reminder for them all, published
    after their ConfirmReminderDue events (which carry ``in_series_action=True``)."""

    signal: ClassVar[Signal] = series_reminder_due
    series_id: int
    room_id: int
    room_name: str
    room_time_zone: str
    approvers: tuple[str, ...]  # usernames of the room's managers; empty means staff decide
    user_id: str  # the booker's username
    user_email: str
    booking_ids: tuple[int, ...]
    starts: tuple[dt.datetime, ...]
    ends: tuple[dt.datetime, ...]  # in booking_ids order
    expires_dtm: dt.datetime | None = None  # the earliest occurrence's expiry, if any


@dataclass(frozen=True, kw_only=True)
class ConfirmExpired(ConfirmSnapshot):
    """Nobody decided in time (status EXPIRED): the booking app cancels the booking in the same
    transaction, with cause EXPIRED."""

    signal: ClassVar[Signal] = confirm_expired
