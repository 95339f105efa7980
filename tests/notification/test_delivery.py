"""The worker's side, run in-process: claim, send once, retry with backoff, give up visibly."""

from __future__ import annotations

import datetime as dt

import pybreaker
import pytest
from django.core import mail
from django.utils import timezone

from apps.notification import delivery
from apps.notification.models import Notification, SmtpBreakerState
from tests.notification.test_api import row
from tests.processes import free_port

pytestmark = pytest.mark.django_db

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture(autouse=True)
def closed_breaker():
    delivery.smtp_breaker.close()
    yield
    delivery.smtp_breaker.close()


@pytest.fixture
def dead_smtp(settings):
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 1


def test_a_row_is_sent_once_however_often_its_task_runs():
    notification = row("alice")
    assert delivery.deliver(notification_id=notification.pk).result == "sent"
    assert delivery.deliver(notification_id=notification.pk).result == "done"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"] and message.subject == "Reservation complete"
    assert message.extra_headers["X-Notification-Id"] == str(notification.pk)
    notification.refresh_from_db()
    assert notification.status == "SENT" and notification.attempts == 1
    assert notification.send_dtm is not None and notification.claimed_at is None


def test_a_row_claimed_by_another_worker_is_left_alone_until_the_claim_lapses(settings):
    settings.NOTIFICATION_CLAIM_TIMEOUT = 60
    notification = row("alice", claimed_at=timezone.now(), claim_token="other-worker")
    outcome = delivery.deliver(notification_id=notification.pk)
    assert outcome.result == "retry" and 59 < outcome.retry_in < 62
    assert mail.outbox == []
    # the other worker died: its claim is stale now
    Notification.objects.filter(pk=notification.pk).update(
        claimed_at=timezone.now() - dt.timedelta(seconds=61)
    )
    assert delivery.deliver(notification_id=notification.pk).result == "sent"
    assert len(mail.outbox) == 1


def test_failures_retry_with_capped_backoff_then_the_row_is_failed(settings, dead_smtp):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_BACKOFF = 10
    notification = row("alice")
    first = delivery.deliver(notification_id=notification.pk)
    backoff_over(notification)
    second = delivery.deliver(notification_id=notification.pk)
    assert (first.result, second.result) == ("retry", "retry")
    assert 5 <= first.retry_in <= 10 and 10 <= second.retry_in <= 20  # base * 2^(n-1), jittered
    notification.refresh_from_db()
    assert notification.status == "PENDING" and notification.attempts == 2
    assert "ConnectionRefusedError" in notification.last_error
    backoff_over(notification)
    assert delivery.deliver(notification_id=notification.pk).result == "failed"
    notification.refresh_from_db()
    assert notification.status == "FAILED" and notification.attempts == 3
    assert "ConnectionRefusedError" in notification.last_error


def backoff_over(notification) -> None:
    """The clock moves past the row's next attempt."""
    Notification.objects.filter(pk=notification.pk).update(
        retry_at=timezone.now() - dt.timedelta(seconds=1)
    )


def test_a_duplicate_task_during_the_backoff_does_not_attempt_early(settings, dead_smtp):
    settings.NOTIFICATION_RETRY_BACKOFF = 10
    notification = row("alice")
    assert delivery.deliver(notification_id=notification.pk).result == "retry"
    early = delivery.deliver(notification_id=notification.pk)  # e.g. a re-enqueued duplicate
    notification.refresh_from_db()
    assert early.result == "retry" and 4 <= early.retry_in <= 12
    assert notification.attempts == 1


def test_backoff_is_capped(settings):
    settings.NOTIFICATION_RETRY_BACKOFF = 5
    settings.NOTIFICATION_RETRY_BACKOFF_MAX = 60
    assert all(30 <= delivery.backoff(20) <= 60 for _ in range(50))


def test_a_row_whose_attempts_never_finish_is_given_up():
    """The attempt is counted before sending: a task that kills its worker every time ends."""
    notification = row("alice", attempts=6)  # six attempts started, none recorded an outcome
    assert delivery.deliver(notification_id=notification.pk).result == "failed"
    notification.refresh_from_db()
    assert notification.status == "FAILED" and "never finished" in notification.last_error
    assert mail.outbox == []


def test_the_open_breaker_makes_tasks_wait_without_using_attempts(settings, dead_smtp):
    settings.NOTIFICATION_MAX_ATTEMPTS = 100
    rows = [row("alice") for _ in range(7)]
    fail_max = delivery.smtp_breaker.fail_max
    for notification in rows[:fail_max]:
        assert delivery.deliver(notification_id=notification.pk).result == "retry"
    assert delivery.smtp_breaker.current_state == pybreaker.STATE_OPEN
    assert SmtpBreakerState.objects.get().state == "open"  # where /health/status reads it
    waiting = delivery.deliver(notification_id=rows[-1].pk)
    assert waiting.result == "retry"
    assert waiting.retry_in > delivery.smtp_breaker.reset_timeout - 2
    rows[-1].refresh_from_db()
    assert rows[-1].attempts == 0 and rows[-1].claimed_at is None
