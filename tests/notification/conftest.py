"""Fixtures of the notification tests: events to publish, a real SMTP server (aiosmtpd) in this
process, and a private redis-server broker that a test may kill or pause."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import itertools
import logging
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from apps.booking.events import BookingCreated
from roombooking import bus
from tests.factories import UserFactory
from tests.processes import free_port

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
_booking_ids = itertools.count(1000)
SEOUL = "Asia/Seoul"


def booking_created(**overrides) -> BookingCreated:
    start = dt.datetime(2030, 9, 2, 4, 30, tzinfo=dt.UTC)  # 13:30 in Seoul
    values = dict(
        actor="alice",
        booking_id=next(_booking_ids),
        room_id=556677,
        room_name="Orion",
        room_time_zone=SEOUL,
        room_managers=("manager",),
        booking_user_id="alice",
        booking_user_email="alice@example.com",
        use_start_dtm=start,
        use_end_dtm=start + dt.timedelta(hours=1),
        status="BOOKED",
        booking_dtm=start - dt.timedelta(days=1),
    )
    values.update(overrides)
    return BookingCreated(**values)


def publish(*events) -> list[int]:
    """Publish events in one transaction (as the booking and confirm apps do); their seqs."""
    with transaction.atomic():
        return [bus.publish(e) for e in events]


@pytest.fixture
def only_notification_receivers():
    """Deliver events to this app's receivers only: the tests publish events by hand (the
    booking and confirm apps would react to them with their own rows and rules)."""
    from apps.booking import events as booking_events
    from apps.confirm import events as confirm_events

    signals = [
        booking_events.booking_created,
        booking_events.booking_changed,
        booking_events.booking_cancelled,
        confirm_events.confirm_requested,
        confirm_events.confirm_completed,
        confirm_events.confirm_denied,
    ]
    saved = {}
    for signal in signals:
        saved[signal] = signal.receivers
        with signal.lock:
            signal.receivers = [
                r for r in signal.receivers if str(r[0][0]).startswith("notification.")
            ]
            signal.sender_receivers_cache.clear()
    yield
    for signal, receivers in saved.items():
        with signal.lock:
            signal.receivers = receivers
            signal.sender_receivers_cache.clear()


@pytest.fixture
def people(db, only_notification_receivers):
    return {
        "alice": UserFactory(username="alice"),
        "bob": UserFactory(username="bob"),
        "manager": UserFactory(username="manager", is_staff=True),
    }


# --- SMTP -----------------------------------------------------------------------------------------
@dataclass
class SmtpSink:
    """What the in-process SMTP server received. ``hold_rcpt``: while set, the server stalls in
    RCPT (before the message exists); ``hold_data``: stalls after receiving the message, before
    answering 250 (the message counts as accepted)."""

    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    hold_rcpt: threading.Event = field(default_factory=threading.Event)
    hold_data: threading.Event = field(default_factory=threading.Event)
    stalled: threading.Event = field(default_factory=threading.Event)
    hold_rcpt_after: int | None = None  # hold in RCPT once this many messages arrived
    hold_data_after: int | None = None  # hold after DATA once this many messages arrived
    controller: Controller | None = None
    port: int = 0

    async def _hold(self, gate: threading.Event) -> None:
        while gate.is_set():
            self.stalled.set()
            await asyncio.sleep(0.02)

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold_rcpt_after is not None and self.count() >= self.hold_rcpt_after:
            self.hold_rcpt_after = None
            self.hold_rcpt.set()
        await self._hold(self.hold_rcpt)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.messages.append(message)
        if self.hold_data_after is not None and self.count() > self.hold_data_after:
            self.hold_data_after = None
            self.hold_data.set()
        await self._hold(self.hold_data)
        return "250 Message accepted for delivery"

    # helpers
    def ids(self) -> Counter:
        with self.lock:
            return Counter(int(m["X-Notification-Id"]) for m in self.messages)

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    sink = SmtpSink(port=free_port())
    sink.start()
    yield sink
    sink.hold_rcpt.clear()
    sink.hold_data.clear()
    sink.stop()


# --- A private Redis broker -----------------------------------------------------------------------
class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def pause(self, milliseconds: int) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "CLIENT", "PAUSE", str(milliseconds)],
            check=True,
            capture_output=True,
            timeout=5,
        )


# What settings.py sets for a Redis broker (the test process itself runs on the folder broker).
REDIS_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "visibility_timeout": 3600,
}


def _use_broker(url: str, transport_options: dict, *, close: bool = False) -> None:
    """Point this process's Celery app at ``url``. kombu keeps one pool per broker for the whole
    process, so only the private broker's pool is ever closed (``close``)."""
    from roombooking.broker import transport_for
    from roombooking.celery import app

    if close and app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.broker_transport = transport_for(url)  # as settings.py chooses it
    app.conf.broker_transport_options = transport_options


@pytest.fixture
def private_broker(monkeypatch):
    """A redis-server of this test only, used as the broker by this process (and by workers
    started with ``CELERY_BROKER_URL=private_broker.url``)."""
    from apps.notification import handoff
    from roombooking.celery import app

    if not shutil.which("redis-server") and not shutil.which("/usr/bin/redis-server"):
        pytest.fail("redis-server is not installed")
    redis = PrivateRedis()
    redis.start()
    saved = app.conf.broker_url, dict(app.conf.broker_transport_options or {})
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)  # Celery reads it before its own conf
    _use_broker(redis.url, REDIS_TRANSPORT_OPTIONS)
    handoff.publish_breaker.success()  # start closed
    yield redis
    monkeypatch.undo()
    _use_broker(*saved, close=True)
    handoff.publish_breaker.success()
    redis.kill()
