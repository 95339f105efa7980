"""Public contract of the booking app: the events it publishes.

Other apps may import this module and nothing else from ``apps.booking``. Payloads are plain data:
usernames, ids, aware datetimes (UTC), status strings.
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

BOOKED = "BOOKED"  # pending or approved: holds its slot
CANCELLED = "CANCELLED"  # frees its slot; kept for history

# Why a booking was cancelled (BookingCancelled.cause).
CAUSE_USER = "USER"  # the booker (or staff) cancelled it
CAUSE_DENIED = "DENIED"  # a manager denied the approval request
CAUSE_EXPIRED = "EXPIRED"  # nobody decided the approval request in time (the confirm app's expiry)
CAUSE_NO_SHOW = "NO_SHOW"  # released: the room requires check-in and nobody checked in

booking_created = Signal()
booking_changed = Signal()
booking_cancelled = Signal()
series_booked = Signal()
series_changed = Signal()
series_cancelled = Signal()
booking_reminder_due = Signal()
booking_checked_in = Signal()

# Scopes of a change or cancellation made from one occurrence of a series.
SCOPE_THIS = "this"  # that occurrence alone (it is then "detached": edited individually)
SCOPE_FOLLOWING = "following"  # that occurrence and the later ones
SCOPE_ALL = "all"  # every occurrence that has not started yet


@dataclass(frozen=True, kw_only=True)
class BookingSnapshot(Event):
    """The booking as it is after the change, with what every consumer needs to know."""

    booking_id: int
    room_id: int
    room_name: str
    room_time_zone: str
    room_managers: tuple[str, ...]  # usernames of the room's approvers; may be empty
    booking_user_id: str  # username of the person the room is booked for
    booking_user_email: str
    use_start_dtm: dt.datetime
    use_end_dtm: dt.datetime
    status: str  # BOOKED | CANCELLED
    booking_dtm: dt.datetime  # when the booking was made
    # False: the room approves automatically (the confirm app confirms at once, as "system").
    approval_required: bool = True
    # Office staff booked or changed it with overridePolicy; overridden_rules names the room
    # rules it broke (e.g. "min_duration", "opening_hours"; see docs/policies.md).
    policy_override: bool = False
    overridden_rules: tuple[str, ...] = ()
    series_id: int | None = None  # the recurring series this booking is an occurrence of
    # True when a series action (book, move or cancel several occurrences) published this event:
    # the action's Series* event carries the summary, so consumers send no email per occurrence.
    in_series_action: bool = False


@dataclass(frozen=True, kw_only=True)
class BookingCreated(BookingSnapshot):
    signal: ClassVar[Signal] = booking_created


@dataclass(frozen=True, kw_only=True)
class BookingChanged(BookingSnapshot):
    """Times, room or booker changed. ``slot_changed`` is true when the room or times moved,
    which sends an approved booking back for a new decision."""

    signal: ClassVar[Signal] = booking_changed
    previous_room_id: int
    previous_start_dtm: dt.datetime
    previous_end_dtm: dt.datetime
    previous_booking_user_id: str
    changed_fields: tuple[str, ...]  # API names: roomId, useStartDtm, useEndDtm, bookingUserId
    slot_changed: bool


@dataclass(frozen=True, kw_only=True)
class BookingCancelled(BookingSnapshot):
    signal: ClassVar[Signal] = booking_cancelled
    cause: str  # CAUSE_USER | CAUSE_DENIED | CAUSE_EXPIRED | CAUSE_NO_SHOW
    reason: str = ""
    cancelled_dtm: dt.datetime


@dataclass(frozen=True, kw_only=True)
class SeriesSnapshot(Event):
    """A series action (one per request), published after the occurrence events it caused."""

    series_id: int
    room_id: int
    room_name: str
    room_time_zone: str
    room_managers: tuple[str, ...]
    booking_user_id: str  # username of the person the occurrences are booked for
    booking_user_email: str
    rrule: str
    booking_ids: tuple[int, ...]  # the occurrences this action booked, moved or cancelled
    starts: tuple[dt.datetime, ...]  # their start times (after the action), in booking_ids order
    ends: tuple[dt.datetime, ...] = ()
    approval_required: bool = True  # False: the room approves automatically (no manager asked)


@dataclass(frozen=True, kw_only=True)
class SeriesBooked(SeriesSnapshot):
    """A series was booked; ``skipped`` are the starts left out because they were taken."""

    signal: ClassVar[Signal] = series_booked
    skipped: tuple[dt.datetime, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SeriesChanged(SeriesSnapshot):
    """Occurrences moved together (``scope`` following or all, from ``from_start``)."""

    signal: ClassVar[Signal] = series_changed
    scope: str
    from_start: dt.datetime
    changed_fields: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SeriesCancelled(SeriesSnapshot):
    """Occurrences cancelled together (``scope`` following or all, from ``from_start``)."""

    signal: ClassVar[Signal] = series_cancelled
    scope: str
    from_start: dt.datetime


@dataclass(frozen=True, kw_only=True)
class BookingReminderDue(BookingSnapshot):
    """The booking starts soon (published once per booking by the reminder sweep). When the room
    requires check-in, ``check_in_url`` is the signed one-click link and the window is given."""

    signal: ClassVar[Signal] = booking_reminder_due
    requires_check_in: bool = False
    check_in_url: str = ""
    check_in_opens_dtm: dt.datetime | None = None
    check_in_closes_dtm: dt.datetime | None = None


@dataclass(frozen=True, kw_only=True)
class BookingCheckedIn(BookingSnapshot):
    """The booker (or office staff) checked in: the booking will not be released."""

    signal: ClassVar[Signal] = booking_checked_in
    checked_in_dtm: dt.datetime


# --- The waitlist (docs/waitlist.md) -------------------------------------------------------------
# A waitlist entry's status (WaitlistSnapshot.status).
WAITLIST_WAITING = "WAITING"  # in the queue for a taken slot
WAITLIST_OFFERED = "OFFERED"  # the slot freed up and is held for this user until hold_until
WAITLIST_ACCEPTED = "ACCEPTED"  # the user took the offer: booking_id is theirs
WAITLIST_EXPIRED = "EXPIRED"  # the hold ran out, or the slot ended while still waiting
WAITLIST_WITHDRAWN = "WITHDRAWN"  # the user (or staff) left the queue

waitlist_joined = Signal()
waitlist_offered = Signal()
waitlist_accepted = Signal()
waitlist_expired = Signal()
waitlist_withdrawn = Signal()


@dataclass(frozen=True, kw_only=True)
class WaitlistSnapshot(Event):
    """A waitlist entry as it is after the change. No ``booking_id``: an entry is not a booking
    (``accepted_booking_id`` names the booking an accepted offer made)."""

    calendar_invite: ClassVar[bool] = False  # an entry is not on anyone's calendar (yet)

    entry_id: int
    room_id: int
    room_name: str
    room_time_zone: str
    user_id: str  # username of the waiting person
    user_email: str
    use_start_dtm: dt.datetime
    use_end_dtm: dt.datetime
    status: str  # WAITLIST_*
    hold_until: dt.datetime | None = None
    accepted_booking_id: int | None = None
    # Once offered: the start of the part offered and held (use_start_dtm, or for a slot freed
    # after it began the next whole minute); it runs to use_end_dtm.
    offered_start_dtm: dt.datetime | None = None
    approval_required: bool | None = None  # the room's bookings wait for a manager (offers)


@dataclass(frozen=True, kw_only=True)
class WaitlistJoined(WaitlistSnapshot):
    signal: ClassVar[Signal] = waitlist_joined


@dataclass(frozen=True, kw_only=True)
class WaitlistOffered(WaitlistSnapshot):
    """The slot is free and held for ``user_id`` until ``hold_until`` (the user gets an email)."""

    signal: ClassVar[Signal] = waitlist_offered


@dataclass(frozen=True, kw_only=True)
class WaitlistAccepted(WaitlistSnapshot):
    """The offer became booking ``accepted_booking_id`` (its BookingCreated tells the user)."""

    signal: ClassVar[Signal] = waitlist_accepted


@dataclass(frozen=True, kw_only=True)
class WaitlistExpired(WaitlistSnapshot):
    """``was_offered``: a hold ran out (the user is told); else the slot ended while waiting."""

    signal: ClassVar[Signal] = waitlist_expired
    was_offered: bool = False


@dataclass(frozen=True, kw_only=True)
class WaitlistWithdrawn(WaitlistSnapshot):
    signal: ClassVar[Signal] = waitlist_withdrawn
