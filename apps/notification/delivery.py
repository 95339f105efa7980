"""Sending one outbox row, in a Celery worker: claim it, send it, record the outcome.

Exactly-once bookkeeping: a conditional UPDATE claims the row, so a task run twice or two workers
on one row send one email; SENT and ``send_dtm`` are written once, by the claim's owner. The
attempt is counted on the row before the SMTP conversation, so a row whose sending kills its worker
every time is given up (FAILED) after ``NOTIFICATION_MAX_ATTEMPTS`` instead of looping forever.

The remaining window (documented in docs/notification.md): if the worker dies after the SMTP
server accepted the message but before the SENT update commits, the claim goes stale and the email
is sent again. SMTP has no way to ask the server whether it already has a message.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import uuid
from dataclasses import dataclass
from email.mime.text import MIMEText

import pybreaker
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F, Q
from django.utils import timezone

from apps.notification.models import Notification, SmtpBreakerState

logger = logging.getLogger(__name__)


class _RecordState(pybreaker.CircuitBreakerListener):
    """Writes the breaker's state to the database, where /health/status reads it."""

    def state_change(self, cb, old_state, new_state) -> None:
        try:
            SmtpBreakerState.objects.update_or_create(
                worker=f"{socket.gethostname()}:{os.getpid()}",
                defaults={"state": new_state.name, "changed_at": timezone.now()},
            )
        except Exception:  # reporting must never break sending
            logger.exception("could not record the SMTP breaker state")


smtp_breaker = pybreaker.CircuitBreaker(
    fail_max=settings.NOTIFICATION_SMTP_BREAKER_FAIL_MAX,
    reset_timeout=settings.NOTIFICATION_SMTP_BREAKER_RESET,
    listeners=[_RecordState()],
    name="smtp",
    throw_new_error_on_trip=False,  # keep the real error for last_error
)


@dataclass(frozen=True)
class Outcome:
    result: str  # sent | done (nothing to do) | retry | failed
    retry_in: float | None = None


def backoff(attempt: int) -> float:
    """Capped exponential backoff with jitter: between half and all of base * 2^(attempt-1)."""
    ceiling = min(
        settings.NOTIFICATION_RETRY_BACKOFF_MAX,
        settings.NOTIFICATION_RETRY_BACKOFF * 2 ** max(attempt - 1, 0),
    )
    return ceiling * random.uniform(0.5, 1.0)


def deliver(*, notification_id: int) -> Outcome:
    now = timezone.now()
    token = uuid.uuid4().hex
    claim_timeout = dt.timedelta(seconds=settings.NOTIFICATION_CLAIM_TIMEOUT)
    claimed = (
        Notification.objects.filter(pk=notification_id, status=Notification.Status.PENDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - claim_timeout))
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        .update(claimed_at=now, claim_token=token)
    )
    if not claimed:
        return _not_claimed(notification_id, now, claim_timeout)
    mine = Notification.objects.filter(pk=notification_id, claim_token=token)

    wait = _breaker_wait()
    if wait is not None:  # the SMTP server is known to be down: wait without using an attempt
        return _retry_later(mine, wait)

    mine.update(attempts=F("attempts") + 1)
    row = Notification.objects.get(pk=notification_id)
    if row.attempts > settings.NOTIFICATION_MAX_ATTEMPTS:  # earlier attempts never finished
        _fail(mine, f"gave up after {row.attempts - 1} attempts that never finished")
        return Outcome("failed")

    invite, invite_error = _invite_of(row)  # before SMTP, outside its breaker: not its failure
    try:
        smtp_breaker.call(_send, row, invite)
    except pybreaker.CircuitBreakerError:
        mine.update(attempts=F("attempts") - 1)
        return _retry_later(mine, _breaker_wait() or 1.0)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            _fail(mine, error)
            return Outcome("failed")
        mine.update(last_error=error)
        logger.warning("notification %s attempt %s failed: %s", row.pk, row.attempts, error)
        return _retry_later(mine, backoff(row.attempts))

    # The window: the server has the message; until this UPDATE commits a crash resends it.
    mine.update(
        status=Notification.Status.SENT,
        send_dtm=timezone.now(),
        claimed_at=None,
        retry_at=None,
        last_error=invite_error,
    )
    return Outcome("sent")


def _invite_of(row: Notification) -> tuple[str, str]:
    """The row's invite.ics text, and why it is missing if it could not be rendered: the email
    then goes without it (an email without its invite is better than none, and retrying cannot
    render it any better), and the row says so in ``last_error``."""
    try:
        return row.invite_text(), ""
    except Exception as exc:
        logger.exception("notification %s: its calendar invite could not be rendered", row.pk)
        return "", f"sent without its calendar invite: {type(exc).__name__}: {exc}"[:2000]


def _retry_later(mine, seconds: float) -> Outcome:
    """Release the claim and keep the row (and any duplicate task) untouched until then."""
    retry_at = timezone.now() + dt.timedelta(seconds=seconds)
    mine.update(claimed_at=None, claim_token="", retry_at=retry_at)
    return Outcome("retry", seconds)


def _not_claimed(notification_id: int, now: dt.datetime, claim_timeout: dt.timedelta) -> Outcome:
    row = (
        Notification.objects.filter(pk=notification_id)
        .only("status", "claimed_at", "retry_at")
        .first()
    )
    if row is None or row.status != Notification.Status.PENDING:
        return Outcome("done")
    if row.claimed_at is not None and row.claimed_at >= now - claim_timeout:
        # Another worker holds it. Look again when its claim would go stale, in case that worker
        # died (a task redelivered after its worker was killed lands here).
        until = row.claimed_at + claim_timeout
    else:
        until = row.retry_at or now  # a duplicate task arrived before the backoff ended
    remaining = (until - now).total_seconds()
    return Outcome("retry", max(remaining, 0) + random.uniform(0.5, 1.5))


def _breaker_wait() -> float | None:
    """Seconds until the open SMTP breaker lets a trial through, or None when it is not open."""
    if smtp_breaker.current_state != pybreaker.STATE_OPEN:
        return None
    opened_at = smtp_breaker._state_storage.opened_at  # pybreaker exposes no public accessor
    if opened_at is None:
        return None
    reopens = opened_at + dt.timedelta(seconds=smtp_breaker.reset_timeout)
    remaining = (reopens - dt.datetime.now(dt.UTC)).total_seconds()
    if remaining <= 0:
        return None
    return remaining + random.uniform(0, 1.0)


def _fail(mine, error: str) -> None:
    mine.update(status=Notification.Status.FAILED, claimed_at=None, last_error=error)
    logger.error("notification gave up: %s", error)


def _send(row: Notification, invite: str) -> None:
    with get_connection(fail_silently=False) as connection:
        message = EmailMessage(
            subject=row.subject,
            body=row.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[row.recipient_email],
            headers={"X-Notification-Id": str(row.pk)},
            connection=connection,
        )
        if invite:
            message.attach(calendar_part(invite, row.ical_method))
        message.send()


def calendar_part(text: str, method: str) -> MIMEText:
    """The invite as ``invite.ics``: ``text/calendar; method=REQUEST`` (or CANCEL), which mail
    clients offer to add to (or remove from) the calendar."""
    part = MIMEText(text, "calendar", "utf-8")
    part.set_param("method", method, requote=False)  # method=REQUEST, as Outlook writes it
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part
