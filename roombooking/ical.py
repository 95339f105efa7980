"""iCalendar (RFC 5545) pieces shared by the email invites (notification app) and the
subscription feeds (booking list app), so both name a booking's event the same way.

A booking is one calendar event whose UID is ``booking-<id>@<CALENDAR_DOMAIN>``: the same in every
invite, update, cancellation and feed, so calendar clients match them up. Times are written in
UTC (``...Z``), which every client understands without a VTIMEZONE block.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

import icalendar
from django.conf import settings

PRODID = "-//Room booking//Room booking calendar//EN"

# iCalendar STATUS values of a booking's event.
TENTATIVE = "TENTATIVE"  # waiting for approval
CONFIRMED = "CONFIRMED"  # approved
CANCELLED = "CANCELLED"  # cancelled or denied

# METHOD of an emailed calendar (RFC 5546): an invite or update, or its withdrawal.
REQUEST = "REQUEST"
CANCEL = "CANCEL"


def booking_uid(booking_id: int) -> str:
    """The stable UID of a booking's event. It depends on ``ROOMBOOKING_CALENDAR_DOMAIN``:
    changing that setting makes clients see new events, so set it once."""
    return f"booking-{booking_id}@{settings.CALENDAR_DOMAIN}"


def new_calendar(*, method: str | None = None, name: str | None = None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)  # the name clients show for a subscribed feed
    return calendar


def organizer() -> icalendar.vCalAddress:
    """The service itself organizes every booking's event (it sends the invites)."""
    display, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{address or 'rooms@localhost'}")
    organizer.params["cn"] = display or "Room booking"
    return organizer


def attendee(*, username: str, email: str, role: str = "REQ-PARTICIPANT") -> icalendar.vCalAddress:
    person = icalendar.vCalAddress(f"mailto:{email}")
    person.params["cn"] = username
    person.params["role"] = role
    person.params["partstat"] = "ACCEPTED"  # they booked (or manage) it: no reply is expected
    person.params["rsvp"] = "FALSE"
    return person


def booking_event(
    *,
    booking_id: int,
    room_name: str,
    start: dt.datetime,
    end: dt.datetime,
    status: str,
    stamp: dt.datetime,
    summary: str,
    description: str = "",
    sequence: int | None = None,
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", booking_uid(booking_id))
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", start.astimezone(dt.UTC))
    event.add("dtend", end.astimezone(dt.UTC))
    if sequence is not None:
        event.add("sequence", sequence)
    event.add("summary", summary)
    event.add("location", room_name)
    event.add("status", status)
    event.add("transp", "OPAQUE")
    if description:
        event.add("description", description)
    return event


# --- Invites written now, rendered when sent --------------------------------------------------
# An emailed invite is decided in the transaction of its event (what it says, to whom, with
# which SEQUENCE) and stored on the outbox row as a small dict of primitives (``invite_spec``);
# the delivery worker renders it with icalendar when it sends the email. Rendering is the costly
# part (about a tenth of a booking request's CPU when it was done in the request), and it is
# deterministic: the same spec always gives the same text.


def invite_spec(*, method: str, stamp: dt.datetime, events: list[dict]) -> dict:
    return {"method": method, "stamp": _iso(stamp), "events": events}


def invite_event_spec(
    *,
    booking_id: int,
    room_name: str,
    start: dt.datetime,
    end: dt.datetime,
    status: str,
    summary: str,
    description: str,
    sequence: int | None,
    attendees: list[tuple[str, str, str]],  # (username, email, ROLE)
) -> dict:
    return {
        "booking_id": booking_id,
        "room_name": room_name,
        "start": _iso(start),
        "end": _iso(end),
        "status": status,
        "summary": summary,
        "description": description,
        "sequence": sequence,
        "attendees": [list(person) for person in attendees],
    }


def render_invite(spec: dict) -> str:
    """The iCalendar text of an ``invite_spec``: one VEVENT per booking it is about, organized
    by the service, with its attendees."""
    calendar = new_calendar(method=spec["method"])
    stamp = dt.datetime.fromisoformat(spec["stamp"])
    for item in spec["events"]:
        vevent = booking_event(
            booking_id=item["booking_id"],
            room_name=item["room_name"],
            start=dt.datetime.fromisoformat(item["start"]),
            end=dt.datetime.fromisoformat(item["end"]),
            status=item["status"],
            stamp=stamp,
            summary=item["summary"],
            description=item["description"],
            sequence=item["sequence"],
        )
        vevent.add("organizer", organizer())
        for username, email, role in item["attendees"]:
            vevent.add("attendee", attendee(username=username, email=email, role=role))
        calendar.add_component(vevent)
    return calendar.to_ical().decode()


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()
