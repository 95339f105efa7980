"""roombooking.broker: kombu's Redis transport with one kept client per channel."""

from __future__ import annotations

import base64
import json

import redis as redis_py

from apps.notification import handoff
from roombooking import broker
from roombooking.celery import app


def test_plain_redis_urls_get_the_kept_client_transport_and_others_kombus_choice():
    assert broker.transport_for("redis://127.0.0.1:6379/0") == "roombooking.broker:Transport"
    assert broker.transport_for("filesystem://") == "roombooking.broker_filesystem:Transport"
    for url in ("rediss://h:6380/0?ssl_cert_reqs=required", "memory://"):
        assert broker.transport_for(url) is None


def test_publishes_share_one_client_and_every_task_arrives(private_broker):
    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, broker.Transport)
    assert handoff.publish_now([1, 2]) == [1, 2]
    assert handoff.publish_now([3]) == [3]
    with app.producer_or_acquire() as producer:
        channel = producer.channel
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second
            assert first.connection_pool is channel.pool
    queued = redis_py.Redis.from_url(private_broker.url).lrange("celery", 0, -1)
    assert sorted(_args(message)[0] for message in queued) == [[1, 2], [3]]


def test_a_new_pool_gets_a_new_client(private_broker):
    """After a fork or a failed connection check kombu replaces the channel's pool; a client
    of the old pool must not outlive it."""
    with app.producer_or_acquire() as producer:
        channel = producer.channel
        with channel.conn_or_acquire() as before:
            pass
        channel._disconnect_pools()
        with channel.conn_or_acquire() as after:
            assert after is not before
            assert after.connection_pool is channel.pool
            assert after.ping()


def _args(message: bytes) -> list:
    """The task's positional arguments, from a Celery protocol 2 message on Redis."""
    return json.loads(base64.b64decode(json.loads(message)["body"]))[0]
