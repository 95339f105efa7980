"""Calendar invites attached to booking emails: pure functions from an event (and the booking's
previous calendar state) to an iCalendar text.

Every email about a booking (any event carrying ``booking_id``, room and times, whichever app
publishes it) carries the booking's event: ``METHOD:REQUEST`` while the booking holds its slot,
``METHOD:CANCEL`` once it is cancelled or denied (and to a previous booker when a booking is
handed to someone else). Whoever got a REQUEST and is no longer told about the booking gets a
CANCEL too (``withdraws``, ``messages.FORMER_ATTENDEE``): the room's managers when it is cancelled
or denied, the old room's managers when it moves. The UID is the booking's
(``roombooking.ical.booking_uid``).

SEQUENCE (RFC 5545: 0 when created, incremented on each significant revision) is derived from the
outbox itself: the rows written for the booking's latest earlier event carry that event's
sequence and a fingerprint of what the invite said (times, room, booker, status). The next event
keeps the sequence when the fingerprint is the same (an approval request after a creation, a
reminder) and adds one when it differs (a change, an approval, a cancellation). A replayed event
finds its own rows and reuses their sequence, so it never bumps twice; the bus's per-booking lock
orders the events of one booking, so two changes never read the same previous state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from apps.booking.events import BookingChanged, BookingCreated
from apps.confirm.events import EXPIRED, ConfirmDenied, ConfirmRequested
from apps.notification.message_types import BOOKER, FORMER_ATTENDEE, PREVIOUS_BOOKER, Message
from roombooking import ical
from roombooking.events import Event

# EXPIRED: nobody approved in time; the booking is cancelled, and ConfirmExpired is the only
# email about it (docs/lifecycle.md), so it must carry the CANCEL.
_CANCELLED_STATUSES = {"CANCELLED", "DENIED", EXPIRED}


@dataclass(frozen=True)
class CalendarState:
    """What a booking's invite says after an event, and its SEQUENCE."""

    status: str  # ical.TENTATIVE | CONFIRMED | CANCELLED
    fingerprint: str
    sequence: int


@dataclass(frozen=True)
class PreviousInvite:
    """The calendar state stored on the outbox rows of an earlier event (or of this very event,
    when it is replayed)."""

    event_seq: int
    status: str
    fingerprint: str
    sequence: int


def has_calendar(event: Event) -> bool:
    """Events about one booking, with its room and times, get an invite; others (none today) not.
    An event type about a booking whose emails must not touch the booking's calendar entry (say,
    an offer of a slot someone else freed) opts out: ``calendar_invite: ClassVar[bool] = False``.
    """
    if not getattr(type(event), "calendar_invite", True):
        return False
    return all(
        getattr(event, name, None) is not None
        for name in ("booking_id", "room_name", "use_start_dtm", "use_end_dtm")
    )


def next_state(event: Event, *, seq: int, previous: PreviousInvite | None) -> CalendarState:
    if previous is not None and previous.event_seq == seq:  # a replay: exactly what it was
        return CalendarState(previous.status, previous.fingerprint, previous.sequence)
    status = _status(event, previous.status if previous else None)
    fingerprint = _fingerprint(event, status)
    if previous is None:
        return CalendarState(status, fingerprint, 0)
    if previous.fingerprint == fingerprint:
        return CalendarState(status, fingerprint, previous.sequence)
    return CalendarState(status, fingerprint, previous.sequence + 1)


def withdraws(event: Event, state: CalendarState) -> bool:
    """Does this event take the booking out of some calendars that hold it? A cancellation or
    denial (out of all), a change (out of those of people it no longer concerns)."""
    return state.status == ical.CANCELLED or isinstance(event, BookingChanged)


def method_for(message: Message, state: CalendarState) -> str:
    if state.status == ical.CANCELLED or message.audience in (PREVIOUS_BOOKER, FORMER_ATTENDEE):
        return ical.CANCEL  # the booking is gone, or no longer this recipient's
    return ical.REQUEST


def invite(
    event: Event,
    *,
    message: Message,
    recipient_username: str,
    recipient_email: str,
    state: CalendarState,
    now: dt.datetime,
) -> tuple[str, dict]:
    """The METHOD and the invite (``ical.invite_spec``, rendered when the email is sent)
    attached to ``message`` for one recipient."""
    method = method_for(message, state)
    status = ical.CANCELLED if method == ical.CANCEL else state.status
    managers = getattr(event, "room_managers", None) or getattr(event, "approvers", ())
    description = message.body
    if managers:
        description += f"Managers: {', '.join(managers)}\n"
    vevent = ical.invite_event_spec(
        booking_id=event.booking_id,
        room_name=event.room_name,
        start=event.use_start_dtm,
        end=event.use_end_dtm,
        status=status,
        summary=summary_for(event.room_name, status),
        description=description,
        sequence=state.sequence,
        attendees=attendees(event, message, recipient_username, recipient_email),
    )
    return method, ical.invite_spec(method=method, stamp=now, events=[vevent])


def summary_for(room_name: str, status: str) -> str:
    """The calendar entry's title: the room, and whether it still waits for approval."""
    summary = f"Meeting room: {room_name}"
    return summary + " (waiting for approval)" if status == ical.TENTATIVE else summary


def attendees(
    event: Event, message: Message, recipient_username: str, recipient_email: str
) -> list[tuple[str, str, str]]:
    """(username, email, ROLE) of the invite's attendees: the booker, and the recipient when
    someone else (a manager is told, not invited; a previous booker is the one removed)."""
    booker, booker_email = booker_of(event)
    if booker == recipient_username:
        booker_email = booker_email or recipient_email
    people = []
    if booker_email:
        people.append((booker, booker_email, "REQ-PARTICIPANT"))
    if recipient_username != booker and recipient_email:
        role = "REQ-PARTICIPANT" if message.audience in (BOOKER, PREVIOUS_BOOKER) else None
        people.append((recipient_username, recipient_email, role or "NON-PARTICIPANT"))
    return people


def booker_of(event: Event) -> tuple[str, str]:
    username = getattr(event, "booking_user_id", None) or getattr(event, "user_id", "")
    email = getattr(event, "booking_user_email", None) or getattr(event, "user_email", "")
    return username, email


def _status(event: Event, previous: str | None) -> str:
    """The booking's calendar STATUS after ``event``. Booking events say BOOKED for pending and
    approved alike, so those that do not reset the approval keep the previous status."""
    status = getattr(event, "status", "")
    if status in _CANCELLED_STATUSES or isinstance(event, ConfirmDenied):
        return ical.CANCELLED
    if status == "CONFIRMED":
        return ical.CONFIRMED
    if isinstance(event, ConfirmRequested):
        return ical.TENTATIVE
    if isinstance(event, BookingCreated) or (
        isinstance(event, BookingChanged) and event.slot_changed
    ):
        # A room that needs no approval (the policies' BookingSnapshot.approval_required).
        return ical.TENTATIVE if getattr(event, "approval_required", True) else ical.CONFIRMED
    if previous in (ical.TENTATIVE, ical.CONFIRMED):
        return previous  # a handover, a reminder: the approval stands
    return ical.TENTATIVE


def _fingerprint(event: Event, status: str) -> str:
    booker, _ = booker_of(event)
    return fingerprint_of(
        start=event.use_start_dtm,
        end=event.use_end_dtm,
        room_id=getattr(event, "room_id", ""),
        room_name=event.room_name,
        booker=booker,
        status=status,
    )


def fingerprint_of(
    *,
    start: dt.datetime,
    end: dt.datetime,
    room_id: object,
    room_name: str,
    booker: str,
    status: str,
) -> str:
    """What an invite says (times, room, booker, status), hashed: the same in a booking's own
    emails and in a series summary (``invites_series``), so either continues the other's
    SEQUENCE."""
    parts = (
        start.astimezone(dt.UTC).isoformat(),
        end.astimezone(dt.UTC).isoformat(),
        str(room_id),
        room_name,
        booker,
        status,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
