"""One delivery task per hand-off: its rows are still claimed, sent and retried one by one."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
import redis as redis_py
from django.core import mail
from django.utils import timezone

from apps.notification import delivery, handoff
from apps.notification.tasks import deliver_notifications
from tests.notification.test_api import row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def closed_breaker():
    delivery.smtp_breaker.close()
    yield
    delivery.smtp_breaker.close()


def _queued(url: str) -> list[tuple[str, list, dict]]:
    """(task name, positional arguments, headers) of every message waiting on Redis."""
    found = []
    for raw in redis_py.Redis.from_url(url).lrange("celery", 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        found.append((message["headers"]["task"], args, message["headers"]))
    return found


def test_a_hand_off_is_one_task_and_a_sweep_is_spread_over_several(private_broker):
    assert handoff.publish_now([11, 12]) == [11, 12]
    sweep = list(range(100, 100 + 2 * handoff.IDS_PER_TASK + 1))
    assert handoff.publish_now(sweep) == sweep
    tasks = _queued(private_broker.url)
    assert {name for name, _, _ in tasks} == {"notification.deliver_each"}
    batches = sorted(args[0] for _, args, _ in tasks)
    assert [11, 12] in batches and len(batches) == 4
    assert sorted(i for batch in batches if batch != [11, 12] for i in batch) == sweep
    assert max(len(batch) for batch in batches) == handoff.IDS_PER_TASK


def test_each_row_is_sent_once_and_a_row_to_retry_gets_its_own_task(private_broker, settings):
    """The second row is claimed by another worker (a batch run again after its worker died
    meets its unfinished row so): it is left alone and looked at again by a task of its own."""
    settings.NOTIFICATION_CLAIM_TIMEOUT = 60
    sent = row("alice")
    claimed = row("bob", claimed_at=timezone.now(), claim_token="other-worker")
    done = row("carol", status="SENT")

    assert deliver_notifications([sent.pk, claimed.pk, done.pk]) == ["sent", "retry", "done"]
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert deliver_notifications([sent.pk]) == ["done"]  # run again: nothing is sent twice
    assert len(mail.outbox) == 1

    ((name, args, headers),) = _queued(private_broker.url)
    assert name == "notification.deliver" and args == [claimed.pk]
    eta = dt.datetime.fromisoformat(headers["eta"])
    assert 59 < (eta - timezone.now()).total_seconds() < 62  # when the claim would lapse
