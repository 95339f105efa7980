"""Real parts: a Celery worker process, an SMTP server (aiosmtpd) in this process, and for the
fault scenarios a private redis-server broker that the test kills or pauses.

Each email must arrive exactly once (counted by its X-Notification-Id header at the server).
"""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from apps.notification import handoff
from apps.notification.breaker import OPEN
from apps.notification.models import Notification
from roombooking import bus
from tests.notification.conftest import booking_created
from tests.notification.processes import all_sent, kill, notification_worker, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def publish_timed(event) -> float:
    """Seconds from the start of the change to the return of its commit (hand-off included)."""
    started = time.perf_counter()
    with transaction.atomic():
        bus.publish(event)
    return time.perf_counter() - started


def rows_of(count_before: int) -> list[int]:
    return list(Notification.objects.order_by("id").values_list("id", flat=True)[count_before:])


def assert_each_arrived_once(smtp_server, ids: list[int]) -> None:
    received = smtp_server.ids()
    assert {i: received[i] for i in ids} == {i: 1 for i in ids}
    rows = Notification.objects.filter(pk__in=ids)
    assert all(r.status == "SENT" and r.send_dtm for r in rows)


def test_healthy_path_each_email_arrives_once_with_the_original_texts(
    people, smtp_server, tmp_path
):
    worker = notification_worker(tmp_path, smtp_server.port)
    try:
        for _ in range(3):
            publish_timed(booking_created())
        ids = rows_of(0)
        all_sent(ids)
    finally:
        stop(worker)
    assert_each_arrived_once(smtp_server, ids)
    message = smtp_server.messages[0]
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "Reservation complete: Orion, 2030-09-02 13:30"
    [text, invite] = [p for p in message.walk() if not p.is_multipart()]  # body + invite.ics
    body = text.get_payload(decode=True).decode()
    assert invite.get_content_type() == "text/calendar" and invite.get_filename() == "invite.ics"
    assert "conference room[556677] reservation is complete" in body
    assert "2030-09-02 13:30-14:30 (Asia/Seoul)" in body


def test_broker_killed_requests_stay_fast_and_every_email_arrives_once_later(
    people, smtp_server, private_broker, tmp_path
):
    worker = notification_worker(
        tmp_path, smtp_server.port, beat=True, CELERY_BROKER_URL=private_broker.url
    )
    try:
        publish_timed(booking_created())  # the connection pool now holds a live connection
        all_sent(rows_of(0))
        private_broker.kill()
        durations = [publish_timed(booking_created()) for _ in range(5)]
        assert max(durations) < 1.0, durations
        assert handoff.publish_breaker.state == OPEN  # the hand-offs did fail, and stopped trying
        waiting = rows_of(1)
        assert Notification.objects.filter(pk__in=waiting, status="PENDING").count() == 5
        private_broker.start()  # same port; the worker reconnects, beat re-enqueues
        all_sent(waiting, timeout=90)
    finally:
        stop(worker)
    print(f"publish with the broker killed: max {max(durations) * 1000:.0f} ms")
    assert_each_arrived_once(smtp_server, rows_of(0))


def test_broker_paused_requests_stay_fast_and_every_email_arrives_once_later(
    people, smtp_server, private_broker, tmp_path
):
    worker = notification_worker(
        tmp_path, smtp_server.port, beat=True, CELERY_BROKER_URL=private_broker.url
    )
    try:
        publish_timed(booking_created())
        all_sent(rows_of(0))
        private_broker.pause(5000)
        durations = [publish_timed(booking_created()) for _ in range(5)]
        assert max(durations) < 1.0, durations
        assert handoff.publish_breaker.state == OPEN  # the hand-offs did fail, and stopped trying
        all_sent(rows_of(1), timeout=90)
    finally:
        stop(worker)
    print(f"publish with the broker paused: max {max(durations) * 1000:.0f} ms")
    assert_each_arrived_once(smtp_server, rows_of(0))


def test_smtp_down_for_a_while_retries_then_each_email_arrives_once(people, smtp_server, tmp_path):
    smtp_server.stop()
    worker = notification_worker(tmp_path, smtp_server.port, NOTIFICATION_MAX_ATTEMPTS="30")
    try:
        for _ in range(4):
            publish_timed(booking_created())
        ids = rows_of(0)
        wait_for(
            lambda: (
                Notification.objects.filter(pk__in=ids, attempts__gte=1)
                .exclude(last_error="")
                .count()
                == 4
            ),
            timeout=60,
        )
        time.sleep(3)  # down "for a while": retries and the open breaker keep the tasks waiting
        smtp_server.start()
        all_sent(ids, timeout=90)
    finally:
        stop(worker)
    assert_each_arrived_once(smtp_server, ids)
    assert max(Notification.objects.filter(pk__in=ids).values_list("attempts", flat=True)) > 1


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    people, smtp_server, tmp_path
):
    """Killed while talking to the SMTP server, before the server has the message."""
    for _ in range(8):
        publish_timed(booking_created())
    ids = rows_of(0)
    smtp_server.hold_rcpt_after = 3  # the 4th email stalls before its DATA
    first = notification_worker(tmp_path, smtp_server.port, name="first")
    try:
        wait_for(smtp_server.stalled.is_set, timeout=60)
        kill(first)
    finally:
        stop(first)
    smtp_server.hold_rcpt.clear()
    assert smtp_server.count() == 3
    second = notification_worker(tmp_path, smtp_server.port, beat=True, name="second")
    try:
        all_sent(ids, timeout=90)
    finally:
        stop(second)
    assert_each_arrived_once(smtp_server, ids)


def test_the_window_a_kill_after_the_server_accepted_resends_that_one_email(
    people, smtp_server, tmp_path
):
    """SMTP cannot ask the server whether it has a message: a worker killed after the server took
    it and before the row says SENT sends it again (the measured window, docs/notification.md)."""
    for _ in range(5):
        publish_timed(booking_created())
    ids = rows_of(0)
    smtp_server.hold_data_after = 2  # the 3rd email is taken, then its 250 reply is held
    first = notification_worker(tmp_path, smtp_server.port, name="first")
    try:
        wait_for(smtp_server.stalled.is_set, timeout=60)
        kill(first)
    finally:
        stop(first)
    smtp_server.hold_data.clear()
    second = notification_worker(tmp_path, smtp_server.port, beat=True, name="second")
    try:
        all_sent(ids, timeout=90)
    finally:
        stop(second)
    received = smtp_server.ids()
    assert [received[i] for i in ids] == [1, 1, 2, 1, 1]
    assert Notification.objects.filter(pk__in=ids, status="SENT").count() == 5


def test_a_row_that_kills_its_worker_every_time_ends_failed_not_in_a_loop(people, tmp_path):
    """Prefork: the pool replaces the killed child and the task comes back (reject on worker
    lost); the attempts counted before each try stop it."""
    publish_timed(booking_created())
    [notification_id] = rows_of(0)
    worker = notification_worker(
        tmp_path,
        25,  # never used: the backend below kills the worker before any SMTP
        beat=True,
        extra_args=["--pool=prefork", "--concurrency=1"],
        EMAIL_BACKEND="tests.notification.killer_backend.EmailBackend",
        NOTIFICATION_MAX_ATTEMPTS="3",
        NOTIFICATION_CLAIM_TIMEOUT="2",
        NOTIFICATION_REQUEUE_AFTER="1",
    )
    try:
        wait_for(
            lambda: Notification.objects.filter(pk=notification_id, status="FAILED").exists(),
            timeout=90,
        )
        assert worker.poll() is None  # the worker itself lives on
    finally:
        stop(worker)
    row = Notification.objects.get(pk=notification_id)
    assert row.attempts == 4 and row.send_dtm is None
    assert row.last_error == "gave up after 3 attempts that never finished"
    log = (tmp_path / "worker-w.log").read_text()
    assert "WorkerLostError" in log or "SIGKILL" in log
