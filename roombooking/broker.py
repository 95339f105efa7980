"""kombu's Redis transport with one kept client per channel, for ``redis://`` brokers.

kombu's Redis channel builds a new ``redis.Redis`` for every publish (``conn_or_acquire``); in
redis-py 8 that copies the client's table of some 170 response callbacks each time: about a
third of the CPU of handing a booking's delivery tasks to the broker (docs/performance.md). A
client holds no connection of its own (it borrows one from the channel's pool for each
command), so one per channel serves every publish, from any thread. Settings select it
(``CELERY_BROKER_TRANSPORT = transport_for(CELERY_BROKER_URL)``) for ``redis://`` URLs;
``rediss://`` keeps kombu's own (kombu checks that scheme's TLS options by its name).
"""

from __future__ import annotations

import base64
import contextvars
import copy
import os
import threading
import uuid
from contextlib import contextmanager

import orjson
from celery.signals import after_task_publish, before_task_publish
from celery.utils.saferepr import saferepr
from kombu.transport import redis

_capture = threading.local()  # .messages: a list while a KeptTaskMessage is being made


class Channel(redis.Channel):
    _kept: tuple | None = None  # (the pool it was made for, the client)

    def _put(self, queue, message, **kwargs):
        captured = getattr(_capture, "messages", None)
        if captured is None:
            return super()._put(queue, message, **kwargs)
        if self._expires and queue in self._expires:
            raise _NotKept("the queue expires: kombu sets its expiry with each message")
        priority = self._get_message_priority(message, reverse=False)
        captured.append((self._q_for_pri(queue, priority), message))
        raise _Captured  # the publish ends here: nothing sent, no after_task_publish

    @contextmanager
    def conn_or_acquire(self, client=None):
        if client:
            yield client
            return
        pool = self.pool  # a new one after a fork or a failed connection check
        if self._kept is None or self._kept[0] is not pool:
            self._kept = (pool, self._create_client())
        yield self._kept[1]


class Transport(redis.Transport):
    Channel = Channel


TRANSPORT = f"{__name__}:Transport"


def transport_for(url: str) -> str | None:
    """Celery's ``broker_transport`` for ``url``: ours for ``redis://`` and ``filesystem://``
    (roombooking/broker_filesystem.py), else None (kombu picks the transport by the scheme)."""
    from roombooking import broker_filesystem

    scheme = url.split("://", 1)[0]
    return {"redis": TRANSPORT, "filesystem": broker_filesystem.TRANSPORT}.get(scheme)


class _NotKept(Exception):
    pass


class _Captured(Exception):  # not an error: the recorded message's way out
    pass


_MARKER_ID = "00000000-0000-4000-8000-00000000cafe"  # where the task id goes
_MARKER_ARGS = [[-19_876_543_210]]  # where the arguments go


class KeptTaskMessage:
    """One task's message as Celery and kombu write it to a Redis broker, made once per process
    and thread, then filled in for each publish: the task id, the arguments (and their
    ``argsrepr``) and kombu's delivery tag. Celery's ``apply_async`` builds every message anew
    (its headers, about eight configuration lookups, ``saferepr`` of the arguments) and kombu
    binds and declares the queue, copies entities and encodes twice: about two thirds of the
    CPU of handing a booking's rows to the broker (docs/performance.md).

    ``for_task`` publishes the task once through Celery and kombu with marker values, on our
    channel, which records the message instead of sending it (``Channel._put``: the publish
    ends there, so receivers of ``after_task_publish`` do not hear of it; those of
    ``before_task_publish`` do, with the markers), in an empty context (no request's headers).
    Each publish puts its values where the markers landed. A
    message with a marker anywhere else, another encoding, a queue that expires, or Celery's
    task-sent events on: refused (None), and the caller publishes through Celery. Each message
    gets ``before_task_publish`` and ``after_task_publish`` as Celery sends them (the request
    id header is added there). Tested: each message is Celery's own but for the delivery tag
    (tests/notification/test_kept_messages.py); real workers run the tasks
    (tests/notification/test_workers.py).
    """

    _made: dict[tuple, tuple[object, KeptTaskMessage | None]] = {}
    _lock = threading.Lock()

    def __init__(self, task, client, key: str, message: dict, id_paths: list, body: list) -> None:
        # The channel's kept client (``Channel.conn_or_acquire``): it borrows a connection from
        # the channel's pool for each command and makes a new one after a failure.
        self.task_name, self.client, self.key, self.message = task.name, client, key, message
        self.id_paths = id_paths
        # A part's lists and dicts (headers' timelimit and stamps, delivery_info) are copied
        # for each message: a before_task_publish receiver may change them in place.
        self.nested = {
            part: [name for name, value in message[part].items() if isinstance(value, list | dict)]
            for part in ("headers", "properties")
        }
        self.kwargs, self.embed = body[1], body[2]
        info = message["properties"]["delivery_info"]
        self.exchange, self.routing_key = info["exchange"], info["routing_key"]

    @classmethod
    def for_task(cls, task) -> KeptTaskMessage | None:
        """``task``'s kept message for this process and thread (``reply_to`` names the
        thread) and the app's broker connection pool (a new one: another broker, or after a
        fork), made on first use; None: publish through Celery."""
        place = (task.name, os.getpid(), threading.get_ident())
        pool = task.app.pool
        found = cls._made.get(place)
        if found is None or found[0] is not pool:
            with cls._lock, task.app.producer_or_acquire() as producer:
                found = cls._made[place] = (
                    pool,
                    contextvars.Context().run(cls._make, task, producer),
                )
        return found[1]

    @classmethod
    def _make(cls, task, producer) -> KeptTaskMessage | None:
        if not isinstance(producer.channel, Channel) or task.app.conf.task_send_sent_event:
            return None
        _capture.messages = captured = []
        try:
            task.apply_async(args=_MARKER_ARGS, task_id=_MARKER_ID, retry=False, producer=producer)
        except _Captured:
            pass
        except _NotKept:
            return None
        finally:
            del _capture.messages
        if len(captured) != 1:
            return None
        key, message = captured[0]
        headers, properties = message.get("headers") or {}, message.get("properties") or {}
        if (
            message.get("content-type") != "application/json"
            or message.get("content-encoding") != "utf-8"
            or properties.get("body_encoding") != "base64"
            or headers.get("argsrepr") != saferepr(_MARKER_ARGS)
        ):
            return None
        body = orjson.loads(base64.b64decode(message["body"]))
        if body[0] != _MARKER_ARGS:
            return None
        kept = {**message, "body": None, "headers": {**headers, "argsrepr": None}}
        kept["properties"] = {**properties, "delivery_tag": None}
        id_paths = [
            (part, name)
            for part in ("headers", "properties")
            for name, value in kept[part].items()
            if value == _MARKER_ID
        ]
        for part, name in id_paths:
            kept[part] = {**kept[part], name: None}
        rest = orjson.dumps([kept, body[1:]]).decode()
        if not id_paths or _MARKER_ID in rest or str(_MARKER_ARGS[0][0]) in rest:
            return None
        with producer.channel.conn_or_acquire() as client:
            return cls(task, client, key, copy.deepcopy(kept), id_paths, body)

    def publish(self, arg_lists: list[list]) -> list[str]:
        """One message per element of ``arg_lists`` (the task's positional arguments), pushed
        in one command; returns the task ids."""
        payloads, sent = [], []
        for args in arg_lists:
            task_id = str(uuid.uuid4())
            headers = dict(self.message["headers"])
            properties = dict(self.message["properties"])
            parts = {"headers": headers, "properties": properties}
            for part, names in self.nested.items():
                for name in names:
                    parts[part][name] = copy.deepcopy(parts[part][name])
            for part, name in self.id_paths:
                parts[part][name] = task_id
            headers["argsrepr"] = _argsrepr(args)
            properties["delivery_tag"] = str(uuid.uuid4())
            body = (args, self.kwargs, self.embed)
            before_task_publish.send(
                sender=self.task_name, body=body, exchange=self.exchange,
                routing_key=self.routing_key, declare=[], headers=headers,
                properties=properties, retry_policy=None,
            )  # fmt: skip
            message = {**self.message, "headers": headers, "properties": properties}
            message["body"] = base64.b64encode(orjson.dumps(body)).decode()
            payloads.append(orjson.dumps(message))
            sent.append((task_id, body, headers))
        self.client.lpush(self.key, *payloads)
        for _, body, headers in sent:
            after_task_publish.send(
                sender=self.task_name, body=body, headers=headers,
                exchange=self.exchange, routing_key=self.routing_key,
            )  # fmt: skip
        return [task_id for task_id, _, _ in sent]


def _argsrepr(args: list) -> str:
    """Celery's ``saferepr`` of the arguments; for lists of integers that is their ``repr``
    (a tenth of the CPU of a publish, the other way)."""
    if all(type(arg) is list and all(type(i) is int for i in arg) for arg in args):
        return repr(args)
    return saferepr(args)
