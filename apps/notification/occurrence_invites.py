"""Where a series summary's per-occurrence calendar state is read and recorded (the writes of
``invites_series``; the single-booking path reads the same rows in ``services._already_written``).
"""

from __future__ import annotations

import datetime as dt

from apps.notification import invites, invites_series
from apps.notification.messages import Message
from apps.notification.models import Notification, OccurrenceInvite
from apps.notification.recipients import Recipient
from roombooking.events import Event

States = dict[int, invites.CalendarState]


def states_after(event: Event, *, seq: int) -> States | None:
    """Each occurrence's calendar state after a series action (None: not a series summary with
    an invite). Two queries, whatever the number of occurrences: the occurrences' latest states
    up to this event, from their booking emails and from earlier (or, replayed, this) summaries."""
    if not invites_series.has_series_calendar(event):
        return None
    ids = list(event.booking_ids)
    from_emails = (
        Notification.objects.filter(booking_id__in=ids, event_seq__lt=seq)
        .exclude(ical_status="")
        .values_list("booking_id", "event_seq", "ical_status", "ical_fingerprint", "ical_sequence")
    )
    from_summaries = OccurrenceInvite.objects.filter(
        booking_id__in=ids, event_seq__lte=seq
    ).values_list("booking_id", "event_seq", "ical_status", "ical_fingerprint", "ical_sequence")
    latest: dict[int, invites.PreviousInvite] = {}
    for booking_id, event_seq, status, fingerprint, sequence in [*from_emails, *from_summaries]:
        known = latest.get(booking_id)
        if known is None or event_seq > known.event_seq:
            latest[booking_id] = invites.PreviousInvite(event_seq, status, fingerprint, sequence)
    return invites_series.next_states(event, seq=seq, previous=latest)


def invite_fields(
    event: Event, message: Message, recipient: Recipient, states: States | None, now: dt.datetime
) -> dict:
    """The outbox row's invite. The summary row has no booking, so no ``ical_status``: the
    occurrences' states are the OccurrenceInvite rows; ``ical_sequence`` stays null (each
    occurrence has its own)."""
    if not states:
        return {}
    method, spec = invites_series.invite(
        event,
        message=message,
        recipient_username=recipient.username,
        recipient_email=recipient.email,
        states=states,
        now=now,
    )
    return {"ical_spec": spec, "ical_method": method}


def record(*, seq: int, states: States | None) -> None:
    """One row per occurrence and series event; a replay (or a second worker) adds nothing."""
    if not states:
        return
    OccurrenceInvite.objects.bulk_create(
        [
            OccurrenceInvite(
                booking_id=booking_id,
                event_seq=seq,
                ical_status=state.status,
                ical_fingerprint=state.fingerprint,
                ical_sequence=state.sequence,
            )
            for booking_id, state in states.items()
        ],
        ignore_conflicts=True,
    )
