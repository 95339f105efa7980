"""Write operations of the notification app (one function per user-visible action)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Q, Subquery, Value
from django.utils import timezone

from apps.notification import handoff, invites, invites_series, occurrence_invites
from apps.notification.messages import Message, messages_for, withdrawal_for
from apps.notification.models import Notification, OccurrenceInvite, SmtpBreakerState
from apps.notification.recipients import Recipient, calendar_keepers, recipients_for
from apps.notification.selectors import calendar_holders
from roombooking import ical, txmemo
from roombooking.events import Event
from roombooking.inserts import insert_new
from roombooking.instances import new_instance

logger = logging.getLogger(__name__)
_local = threading.local()  # this thread's batch of ids waiting for its transaction's commit
# The calendar states this transaction wrote, by booking id. A booking's cascade publishes several
# events in one transaction (BookingCreated, then ConfirmRequested); each needs the booking's
# calendar state after the one before, which this very transaction wrote under the booking's bus
# lock: remembered instead of read back (roombooking.txmemo), one query less per event.
MEMO = "notification.calendar"


def notify_for_event(
    *,
    event: Event,
    seq: int,
    now: dt.datetime | None = None,
    fresh: bool = False,
    new_booking: bool = False,
) -> list[Notification]:
    """Write the outbox rows ``event`` causes (in the caller's transaction) and hand them to the
    broker after commit. Idempotent: a replayed event (same ``seq``) adds no row.

    One query finds the rows this event already has (a replay), one inserts the rest; an event
    about a booking reads the booking's previous calendar state too (one indexed query), for the
    invite's SEQUENCE. The bus's flags spare the query where it cannot find anything: a
    ``fresh`` event without an invite (its ``seq`` is new) and the first event of a
    ``new_booking`` (no rows about that booking exist). A series summary reads and records its
    occurrences' calendar states (``occurrence_invites``). No savepoint, since a failure here must
    fail the caller's whole change.
    """
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        wanted = [
            (message, recipient)
            for message in messages_for(event)
            for recipient in recipients_for(message.audience, event)
        ]
        if not wanted:
            return []
        existing, calendar = _already_written(event, seq, fresh=fresh, new_booking=new_booking)
        occurrences = occurrence_invites.states_after(event, seq=seq)  # a series summary's
        told = {r.username for _, r in wanted}
        if calendar is not None and invites.withdraws(event, calendar):
            cancelled = calendar.status == ical.CANCELLED
            wanted += _withdrawals(event, seq, [event.booking_id], cancelled=cancelled, told=told)
        if occurrences and invites_series.withdraws(event, occurrences):
            cancelled = invites_series.all_cancelled(occurrences)
            wanted += _withdrawals(event, seq, list(occurrences), cancelled=cancelled, told=told)
        rows, seen = [], set(existing)
        for message, recipient in wanted:
            if recipient.username in seen:  # one row per event and recipient
                continue
            seen.add(recipient.username)
            rows.append(
                new_instance(
                    Notification,
                    event_seq=seq,
                    recipient_username=recipient.username,
                    recipient_id=recipient.user_id,
                    recipient_email=recipient.email,
                    event_type=event.type_name(),
                    booking_id=getattr(event, "booking_id", None),
                    contents=message.contents[:500],
                    subject=message.subject,
                    body=message.body,
                    **_undeliverable(recipient.email),
                    **_invite_fields(event, message, recipient, calendar, now),
                    **occurrence_invites.invite_fields(event, message, recipient, occurrences, now),
                )
            )
        created = insert_new(rows)
        occurrence_invites.record(seq=seq, states=occurrences)
        _hand_off_after_commit([n.pk for n in created if n.status == Notification.Status.PENDING])
        if calendar is not None and created:
            previous = invites.PreviousInvite(seq, *calendar_fields(calendar))
            txmemo.remember(MEMO, event.booking_id, previous)
        for booking_id, state in (occurrences or {}).items():
            txmemo.remember(MEMO, booking_id, invites.PreviousInvite(seq, *calendar_fields(state)))
    return created


def calendar_fields(state: invites.CalendarState) -> tuple[str, str, int]:
    return state.status, state.fingerprint, state.sequence


def _withdrawals(
    event: Event, seq: int, booking_ids: list[int], *, cancelled: bool, told: set[str]
) -> list[tuple[Message, Recipient]]:
    """A CANCEL for each holder of a REQUEST for the booking (or, for a series action, for any
    of its occurrences) whom this event does not tell: after a cancellation or denial all of
    them, after a change those it no longer concerns (``calendar_keepers``: a change's REQUEST
    reaches the booker and the room's managers)."""
    held = calendar_holders(booking_ids=booking_ids, before_seq=seq)
    holders = [Recipient(*holder) for holder in held if holder[0] not in told]
    if holders and not cancelled:
        keepers = calendar_keepers(event)
        holders = [h for h in holders if h.username not in keepers]
    message = withdrawal_for(event, cancelled=cancelled)
    return [(message, holder) for holder in holders]


def _already_written(
    event: Event, seq: int, *, fresh: bool, new_booking: bool
) -> tuple[set[str], invites.CalendarState | None]:
    """The recipients this event already has rows for (a replay), and the booking's calendar
    state after it (None: its emails get no invite).

    For an event about a booking both come from one query: this event's rows and those of the
    booking's latest earlier event with an invite, united with the booking's latest state left
    by a series summary (``OccurrenceInvite``); the later of the two is what SEQUENCE builds on.
    """
    if not invites.has_calendar(event):
        if fresh:
            return set(), None
        mine = Notification.objects.filter(event_seq=seq)
        return set(mine.values_list("recipient_username", flat=True)), None
    if new_booking:
        return set(), invites.next_state(event, seq=seq, previous=None)
    if fresh:  # a new seq has no rows yet; the booking's state may be this transaction's own
        previous = txmemo.recall(MEMO, event.booking_id)
        if previous is not None:
            return set(), invites.next_state(event, seq=seq, previous=previous)
    earlier = (
        Notification.objects.filter(booking_id=event.booking_id, event_seq__lt=seq)
        .exclude(ical_status="")
        .order_by("-event_seq")
        .values("event_seq")[:1]
    )
    emails = (
        Notification.objects.filter(booking_id=event.booking_id)
        .filter(Q(event_seq=seq) | Q(event_seq=Subquery(earlier)))
        .order_by()
        .values_list(
            "event_seq", "recipient_username", "ical_status", "ical_fingerprint", "ical_sequence"
        )
    )
    # A series summary's state of this occurrence (OccurrenceInvite), in the same statement.
    earlier_summary = (
        OccurrenceInvite.objects.filter(booking_id=event.booking_id, event_seq__lt=seq)
        .order_by("-event_seq")
        .values("event_seq")[:1]
    )
    summaries = (
        OccurrenceInvite.objects.filter(
            booking_id=event.booking_id, event_seq=Subquery(earlier_summary)
        )
        .annotate(no_recipient=Value("", output_field=CharField()))
        .values_list(
            "event_seq", "no_recipient", "ical_status", "ical_fingerprint", "ical_sequence"
        )
    )
    rows = sorted(emails.union(summaries, all=True), key=lambda row: -row[0])
    existing = {username for event_seq, username, *_ in rows if event_seq == seq}
    previous = next(
        (invites.PreviousInvite(s, status, fp, n) for s, _, status, fp, n in rows if status), None
    )
    return existing, invites.next_state(event, seq=seq, previous=previous)


def _invite_fields(
    event: Event,
    message: Message,
    recipient: Recipient,
    calendar: invites.CalendarState | None,
    now: dt.datetime,
) -> dict:
    if calendar is None:
        return {}
    method, spec = invites.invite(
        event,
        message=message,
        recipient_username=recipient.username,
        recipient_email=recipient.email,
        state=calendar,
        now=now,
    )
    return {
        "ical_spec": spec,
        "ical_method": method,
        "ical_sequence": calendar.sequence,
        "ical_status": calendar.status,
        "ical_fingerprint": calendar.fingerprint,
    }


def _undeliverable(email: str) -> dict:
    if email:
        return {}
    return {
        "status": Notification.Status.FAILED,
        "last_error": "the recipient has no email address",
    }


def _hand_off_after_commit(ids: list[int]) -> None:
    """Hand ``ids`` to the broker once the transaction commits, in one batch per transaction:
    a booking's cascade writes rows for several events, and one hand-off (one wait for the
    publishing thread, one producer) serves them all."""
    if not ids:
        return
    batch = _batch_of_current_transaction()
    if batch is None:
        batch = _local.batch = []
        flush = functools.partial(_flush, batch)
        _local.flush = flush
        transaction.on_commit(flush, robust=True)
    batch.extend(ids)


def _batch_of_current_transaction() -> list[int] | None:
    """The ids waiting for this transaction's commit, if its hand-off callback is registered.

    After a rollback Django drops the callback (and so our batch): a callback is only found
    while it is still among the connection's commit callbacks.
    """
    flush = getattr(_local, "flush", None)
    if flush is None:
        return None
    pending = getattr(transaction.get_connection(), "run_on_commit", ())
    if any(entry[1] is flush for entry in pending):
        return _local.batch
    return None


def _flush(batch: list[int]) -> None:
    if getattr(_local, "batch", None) is batch:
        _local.batch = _local.flush = None
    handoff.hand_off(list(dict.fromkeys(batch)))


def send_again(*, notification_ids: list[int]) -> int:
    """Put FAILED notifications back in the outbox with fresh attempts (admin "send again")."""
    with transaction.atomic():
        rows = Notification.objects.select_for_update().filter(
            pk__in=notification_ids, status=Notification.Status.FAILED
        )
        ids = [n.pk for n in rows.exclude(recipient_email="")]
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.PENDING,
            attempts=0,
            last_error="",
            claimed_at=None,
            claim_token="",
            retry_at=None,
            requeued_at=None,
        )
        _hand_off_after_commit(ids)
    return len(ids)


def requeue_pending_notifications(
    *, now: dt.datetime | None = None, limit: int = 1000
) -> list[int]:
    """Hand PENDING rows that should have been sent by now to the broker again (Celery beat).

    A row qualifies when it is older than ``NOTIFICATION_REQUEUE_AFTER`` seconds, nobody holds a
    live claim on it, its next attempt (backoff) is that long overdue, and this sweep has not
    re-enqueued it within that time either (a long
    backlog is not flooded with duplicates; a duplicate would be harmless anyway).
    """
    now = now or timezone.now()
    after = dt.timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER)
    stale_claim = now - dt.timedelta(seconds=settings.NOTIFICATION_CLAIM_TIMEOUT)
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, created_at__lte=now - after)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale_claim))
        .filter(Q(requeued_at__isnull=True) | Q(requeued_at__lte=now - after))
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now - after))  # its retry task is late
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    if not ids:
        return []
    published = handoff.publish_now(ids)
    Notification.objects.filter(pk__in=published).update(requeued_at=now)
    logger.info("re-enqueued %d pending notifications", len(published))
    return published


def forget_old_breaker_states(*, now: dt.datetime | None = None) -> int:
    """Drop SMTP breaker reports not refreshed for a day (worker processes that are gone)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=1)
    deleted, _ = SmtpBreakerState.objects.filter(changed_at__lt=cutoff).delete()
    return deleted
