"""The request path's breaker (own, lock-free during the call) and the /health/status parts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.notification.breaker import CLOSED, HALF_OPEN, OPEN, Breaker
from apps.notification.models import Notification, SmtpBreakerState
from tests.notification.test_api import row


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_failures_and_lets_one_trial_through_later():
    clock = Clock()
    breaker = Breaker(fail_max=2, reset_timeout=10, clock=clock)
    assert breaker.allow()
    breaker.failure()
    assert breaker.state == CLOSED and breaker.allow()
    breaker.failure()
    assert breaker.state == OPEN and not breaker.allow()
    clock.now += 10
    assert breaker.state == HALF_OPEN
    assert breaker.allow() and not breaker.allow()  # one trial at a time
    breaker.failure()  # the trial failed: open again for a full timeout
    assert breaker.state == OPEN
    clock.now += 10
    assert breaker.allow()
    breaker.success()
    assert breaker.state == CLOSED and breaker.allow()


@pytest.mark.django_db
def test_status_shows_the_backlog_and_the_smtp_breaker_and_stays_ready(client, settings):
    settings.NOTIFICATION_REQUEUE_AFTER = 60
    old = row("alice")
    Notification.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=300)
    )
    row("bob", status="FAILED")
    SmtpBreakerState.objects.create(worker="w1:1", state="open", changed_at=timezone.now())
    body = client.get("/health/status").json()
    outbox, smtp = body["components"]["outbox"], body["components"]["smtpBreaker"]
    assert outbox["status"] == "DEGRADED" and outbox["pending"] == 1 and outbox["failed"] == 1
    assert 299 <= outbox["oldestPendingAgeSeconds"] < 320
    assert smtp["status"] == "DEGRADED" and smtp["state"] == "open"
    assert client.get("/health/ready").status_code == 200


@pytest.mark.django_db
def test_an_empty_outbox_is_up(client):
    body = client.get("/health/status").json()
    assert body["components"]["outbox"]["status"] == "UP"
    assert body["components"]["smtpBreaker"]["status"] == "UP"
