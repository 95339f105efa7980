"""The beat task's sweep: which PENDING rows it hands to the broker again (controlled clock)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.notification import services
from apps.notification.models import Notification, SmtpBreakerState
from tests.notification.test_api import row

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch, settings):
    settings.NOTIFICATION_REQUEUE_AFTER = 60
    settings.NOTIFICATION_CLAIM_TIMEOUT = 120
    sent: list[int] = []

    def publish_now(ids):
        sent.extend(ids)
        return list(ids)

    monkeypatch.setattr("apps.notification.handoff.publish_now", publish_now)
    return sent


def test_only_rows_left_waiting_are_handed_over_again(published):
    now = timezone.now() + dt.timedelta(seconds=600)  # ten minutes later
    ago = lambda seconds: now - dt.timedelta(seconds=seconds)  # noqa: E731
    left = row("a")  # its task was never published (broker down)
    stale_claim = row("b", claimed_at=ago(121), claim_token="dead-worker")
    late_retry = row("c", retry_at=ago(61))
    row("d", claimed_at=ago(10), claim_token="busy-worker")  # a live claim
    row("e", retry_at=ago(10))  # its retry task is due just now: leave it to that task
    row("f", requeued_at=ago(30))  # re-enqueued recently
    row("g", status="SENT")
    row("h", status="FAILED")
    assert services.requeue_pending_notifications(now=now) == [
        left.pk,
        stale_claim.pk,
        late_retry.pk,
    ]
    assert published == [left.pk, stale_claim.pk, late_retry.pk]
    assert Notification.objects.get(pk=left.pk).requeued_at == now
    # within the next minute the same rows are not handed over again
    assert services.requeue_pending_notifications(now=now + dt.timedelta(seconds=20)) == []


def test_new_rows_are_left_to_their_own_hand_off(published):
    row("a")
    assert services.requeue_pending_notifications() == []
    assert published == []


def test_breaker_reports_of_gone_workers_are_forgotten_after_a_day():
    now = timezone.now()
    SmtpBreakerState.objects.create(
        worker="gone:1", state="open", changed_at=now - dt.timedelta(days=2)
    )
    SmtpBreakerState.objects.create(worker="alive:2", state="closed", changed_at=now)
    assert services.forget_old_breaker_states(now=now) == 1
    assert list(SmtpBreakerState.objects.values_list("worker", flat=True)) == ["alive:2"]
