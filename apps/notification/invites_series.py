"""The calendar invite of a series summary: one iCalendar with one VEVENT per occurrence the
series action booked, moved, cancelled or decided (docs/calendars.md).

Each VEVENT is the occurrence's own booking event (UID ``booking-<id>@...``), so a later email
about that occurrence alone updates the same calendar entry. Its SEQUENCE continues from the
occurrence's latest state, whether a booking email (an outbox row's ``ical_*`` fields) or an
earlier series summary (an ``OccurrenceInvite`` row) left it; the summary records each
occurrence's new state as an ``OccurrenceInvite`` row for the next email to build on.

METHOD: a series action does the same thing to every occurrence it touches, so one METHOD covers
them all: ``CANCEL`` when every occurrence is cancelled (a series cancelled, denied at once),
``REQUEST`` otherwise. Should an action ever mix the two, the calendar is a ``REQUEST`` in which
the cancelled occurrences say ``STATUS:CANCELLED`` (an update that cancels, RFC 5545 3.8.1.11).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from apps.booking.events import SeriesBooked, SeriesCancelled, SeriesChanged
from apps.confirm.events import CONFIRMED, SeriesDecided, SeriesReminderDue
from apps.notification import invites
from apps.notification.message_types import FORMER_ATTENDEE, Message
from roombooking import ical
from roombooking.events import Event

# A reminder changes nothing in the occurrences: its invite repeats them, SEQUENCE unchanged.
SERIES_EVENTS = (SeriesBooked, SeriesChanged, SeriesCancelled, SeriesDecided, SeriesReminderDue)


@dataclass(frozen=True)
class Occurrence:
    booking_id: int
    start: dt.datetime
    end: dt.datetime


def has_series_calendar(event: Event) -> bool:
    if not getattr(type(event), "calendar_invite", True):
        return False
    return isinstance(event, SERIES_EVENTS) and bool(occurrences(event))


def occurrences(event: Event) -> list[Occurrence]:
    """The occurrences the action touched, with their times after it. An event without ``ends``
    (a SeriesDecided published before it had them) cannot say them: no invite."""
    ends = getattr(event, "ends", ()) or ()
    if len(ends) != len(event.booking_ids) or len(event.starts) != len(event.booking_ids):
        return []
    return [
        Occurrence(booking_id, start, end)
        for booking_id, start, end in zip(event.booking_ids, event.starts, ends, strict=True)
    ]


def status_after(event: Event) -> str:
    """Every occurrence's calendar STATUS after the action."""
    match event:
        case SeriesCancelled():
            return ical.CANCELLED
        case SeriesDecided():
            return ical.CONFIRMED if event.status == CONFIRMED else ical.CANCELLED
    # Booked or moved: a decision is needed again, unless the room approves automatically;
    # reminded: still waiting for one.
    return ical.TENTATIVE if getattr(event, "approval_required", True) else ical.CONFIRMED


def next_states(
    event: Event, *, seq: int, previous: dict[int, invites.PreviousInvite]
) -> dict[int, invites.CalendarState]:
    """Each occurrence's state after the action (booking id -> state), from its latest earlier
    one (or this very event's, on a replay: unchanged)."""
    status = status_after(event)
    booker, _ = invites.booker_of(event)
    states = {}
    for occurrence in occurrences(event):
        before = previous.get(occurrence.booking_id)
        if before is not None and before.event_seq == seq:  # a replay: exactly what it was
            states[occurrence.booking_id] = invites.CalendarState(
                before.status, before.fingerprint, before.sequence
            )
            continue
        fingerprint = invites.fingerprint_of(
            start=occurrence.start,
            end=occurrence.end,
            room_id=event.room_id,
            room_name=event.room_name,
            booker=booker,
            status=status,
        )
        if before is None:
            sequence = 0
        elif before.fingerprint == fingerprint:
            sequence = before.sequence
        else:
            sequence = before.sequence + 1
        states[occurrence.booking_id] = invites.CalendarState(status, fingerprint, sequence)
    return states


def all_cancelled(states: dict[int, invites.CalendarState]) -> bool:
    return all(state.status == ical.CANCELLED for state in states.values())


def withdraws(event: Event, states: dict[int, invites.CalendarState]) -> bool:
    """Does this series action take occurrences out of some calendars that hold them? A
    cancellation or denial (out of all), a move (out of those of people it no longer concerns,
    such as the old room's managers)."""
    return all_cancelled(states) or isinstance(event, SeriesChanged)


def invite(
    event: Event,
    *,
    message: Message,
    recipient_username: str,
    recipient_email: str,
    states: dict[int, invites.CalendarState],
    now: dt.datetime,
) -> tuple[str, dict]:
    """The METHOD and the invite (``ical.invite_spec``) attached to a series summary for one
    recipient."""
    withdrawn = message.audience == FORMER_ATTENDEE  # the occurrences are no longer theirs
    method = ical.CANCEL if withdrawn or all_cancelled(states) else ical.REQUEST
    people = invites.attendees(event, message, recipient_username, recipient_email)
    vevents = []
    for occurrence in occurrences(event):
        state = states[occurrence.booking_id]
        status = ical.CANCELLED if method == ical.CANCEL else state.status
        vevents.append(
            ical.invite_event_spec(
                booking_id=occurrence.booking_id,
                room_name=event.room_name,
                start=occurrence.start,
                end=occurrence.end,
                status=status,
                summary=invites.summary_for(event.room_name, status),
                # The summary's whole body would repeat every occurrence in every VEVENT.
                description=(
                    f"{message.contents}\n\nSeries #{event.series_id}, "
                    f"booking #{occurrence.booking_id}\n"
                ),
                sequence=state.sequence,
                attendees=people,
            )
        )
    return method, ical.invite_spec(method=method, stamp=now, events=vevents)
