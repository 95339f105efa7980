"""Every beat task that sweeps shared state runs at most once per period (a second scheduler
started by mistake sends it too)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notification.tasks import REQUEUE_PERIOD, requeue_pending_notifications
from roombooking.models import PeriodicRun
from roombooking.tasks import purge_expired_idempotency_keys

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("task", [requeue_pending_notifications, purge_expired_idempotency_keys])
def test_the_second_send_within_a_period_does_nothing(task):
    assert task() == 0  # ran: nothing to do on an empty database
    assert task() is None  # skipped
    assert PeriodicRun.objects.count() == 1


def test_the_requeue_sweep_runs_again_in_the_next_period():
    assert requeue_pending_notifications() == 0
    PeriodicRun.objects.update(last_run=timezone.now() - timedelta(seconds=REQUEUE_PERIOD))
    assert requeue_pending_notifications() == 0
