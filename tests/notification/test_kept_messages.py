"""roombooking.broker.KeptTaskMessage: a hand-off's messages are Celery's own, made once and
filled in, and carry the request's id; other brokers get Celery's way."""

from __future__ import annotations

import base64
import json

import pytest
import redis as redis_py
from celery.signals import after_task_publish, before_task_publish
from kombu import Connection

from apps.notification import handoff
from apps.notification.tasks import deliver_notifications
from roombooking import requestid
from roombooking.broker import KeptTaskMessage
from roombooking.celery import app


def _queued(url: str) -> list[dict]:
    """The messages waiting on Redis, oldest first, with their bodies decoded."""
    found = []
    for raw in reversed(redis_py.Redis.from_url(url).lrange("celery", 0, -1)):
        message = json.loads(raw)
        message["body"] = json.loads(base64.b64decode(message["body"]))
        found.append(message)
    return found


def test_each_message_is_celerys_own_but_for_the_delivery_tag(private_broker):
    assert handoff.publish_now(list(range(1, 12))) == list(range(1, 12))  # two messages
    kept = _queued(private_broker.url)
    assert [m["body"][0] for m in kept] == [[list(range(1, 9))], [[9, 10, 11]]]
    redis_py.Redis.from_url(private_broker.url).delete("celery")
    with app.producer_or_acquire() as producer:  # the same tasks through Celery and kombu
        for message in kept:
            deliver_notifications.apply_async(
                args=message["body"][0], task_id=message["headers"]["id"], retry=False,
                producer=producer,
            )  # fmt: skip
    celerys = _queued(private_broker.url)
    for ours, theirs in zip(kept, celerys, strict=True):
        assert ours["properties"].pop("delivery_tag") != theirs["properties"].pop("delivery_tag")
        assert ours == theirs
    ids = [m["headers"]["id"] for m in kept]
    assert len(set(ids)) == 2 and all(m["headers"]["root_id"] in ids for m in kept)
    assert handoff.publish_now([1]) and KeptTaskMessage._made  # made once, kept


def test_the_requests_id_rides_along_and_the_publish_signals_are_sent(private_broker):
    """The publishing thread runs in the request's context: its id is a header of the message
    (roombooking.requestid), as Celery's ``before_task_publish`` receivers add it."""
    published = []

    def seen(sender=None, headers=None, **kwargs):
        published.append((sender, headers["id"]))

    after_task_publish.connect(seen)
    token = requestid.current.set("req-kept-7")
    try:
        assert handoff.hand_off([31, 32])
    finally:
        requestid.current.reset(token)
        after_task_publish.disconnect(seen)
    (message,) = _queued(private_broker.url)
    assert message["headers"]["request_id"] == "req-kept-7"
    assert published == [("notification.deliver_each", message["headers"]["id"])]
    assert handoff.hand_off([33])  # no request: no request id
    assert "request_id" not in _queued(private_broker.url)[-1]["headers"]


def test_a_receiver_changing_a_message_leaves_the_next_as_made(private_broker):
    """``before_task_publish`` receivers get the message's own headers and properties: what one
    changes in place, nested values included, is not in the next message."""

    def meddle(headers=None, properties=None, **kwargs):
        headers["stamps"]["meddled"] = True
        headers["timelimit"].append(99)
        properties["delivery_info"]["meddled"] = True

    handoff.publish_now([40])  # the kept message is made (by Celery, with the signals) first
    redis_py.Redis.from_url(private_broker.url).delete("celery")
    before_task_publish.connect(meddle)
    try:
        handoff.publish_now([41])
    finally:
        before_task_publish.disconnect(meddle)
    handoff.publish_now([42])
    meddled, plain = _queued(private_broker.url)
    assert meddled["headers"]["stamps"] == {"meddled": True}
    assert meddled["headers"]["timelimit"] == [None, None, 99]
    assert plain["headers"]["stamps"] == {} and plain["headers"]["timelimit"] == [None, None]
    assert "meddled" not in plain["properties"]["delivery_info"]


def test_other_brokers_are_published_through_celery():
    with Connection("memory://") as connection, connection.Producer() as producer:
        assert KeptTaskMessage._make(deliver_notifications, producer) is None


@pytest.mark.django_db(transaction=True)
def test_kombus_consumer_reads_them(private_broker):
    """As a worker's consumer reads them (tests/notification/test_workers.py: real workers)."""
    handoff.publish_now([41, 42])
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue("celery", no_ack=True)
        try:
            message = queue.get(timeout=5)
        finally:
            queue.close()
    assert message.headers["task"] == "notification.deliver_each"
    assert message.payload[0] == [[41, 42]]
    assert message.properties["delivery_info"]["routing_key"] == "celery"
