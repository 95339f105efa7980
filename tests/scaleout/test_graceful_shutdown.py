"""Graceful shutdown, as a deployment stops or rolls processes: the web server drains the requests
it has, a Celery worker finishes its current task and gives back the ones it had only reserved."""

from __future__ import annotations

import datetime as dt
import re
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from apps.booking import services as booking_services
from apps.notification.models import Notification
from tests.factories import UserFactory
from tests.processes import start_gunicorn, start_worker, wait_for

GRACEFUL_TIMEOUT = 10  # GUNICORN_GRACEFUL_TIMEOUT of the server under test
IN_FLIGHT = 8  # each of the server's 2 processes has this many threads: all are being handled
HOUR = dt.timedelta(hours=1)


def lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_gunicorn_on_sigterm_finishes_the_requests_in_flight_and_exits_0(private_redis, processes):
    """The requests are ordinary ones (no test endpoint): they are held in flight by a lock on
    the token table, which every token-authenticated request reads first."""
    manager = UserFactory(username="manager", is_staff=True)
    room = booking_services.create_room(name="Drain", capacity=4, managers=[manager.username])
    tokens = [
        Token.objects.create(user=UserFactory(username=f"u{i}")).key for i in range(IN_FLIGHT)
    ]
    start = dt.datetime.now(dt.UTC).replace(microsecond=0, second=0, minute=0) + dt.timedelta(
        days=20
    )
    server, base = start_gunicorn(
        log=processes.log("web"),
        workers=2,
        threads=IN_FLIGHT,
        CELERY_BROKER_URL=private_redis.url,
        GUNICORN_GRACEFUL_TIMEOUT=str(GRACEFUL_TIMEOUT),
    )
    processes.add("web", server)
    locked, release = threading.Event(), threading.Event()

    def hold_the_token_table() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("LOCK TABLE authtoken_token IN ACCESS EXCLUSIVE MODE")
                locked.set()
                release.wait(60)
        finally:
            connection.close()

    def request(index: int) -> int:
        headers = {"Authorization": f"Token {tokens[index]}", "Accept": "application/json"}
        if index % 2:
            return requests.get(f"{base}/rooms/{room.pk}", headers=headers, timeout=60).status_code
        slot = start + 2 * HOUR * index
        body = {
            "roomId": room.pk,
            "useStartDtm": slot.isoformat(),
            "useEndDtm": (slot + HOUR).isoformat(),
        }
        return requests.post(f"{base}/bookings", json=body, headers=headers, timeout=60).status_code

    locker = threading.Thread(target=hold_the_token_table)
    locker.start()
    try:
        assert locked.wait(10)
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            answers = [pool.submit(request, i) for i in range(IN_FLIGHT)]
            wait_for(lambda: lock_waiters() >= IN_FLIGHT, timeout=30)  # all in flight, waiting
            server.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            time.sleep(1)
            assert server.poll() is None  # draining, not gone
            # and serving no new connection (refused, or left unanswered in the backlog)
            with pytest.raises((requests.ConnectionError, requests.Timeout)):
                requests.get(f"{base}/health/live", timeout=2)
            release.set()
            statuses = sorted(answer.result(timeout=60) for answer in answers)
        exit_code = server.wait(GRACEFUL_TIMEOUT + 5)
        stopped_after = time.monotonic() - signalled
    finally:
        release.set()
        locker.join(30)
    assert statuses == [200] * (IN_FLIGHT // 2) + [201] * (IN_FLIGHT // 2)
    assert exit_code == 0
    assert stopped_after < GRACEFUL_TIMEOUT
    print(
        f"\ngunicorn drained {IN_FLIGHT} requests and exited 0 {stopped_after:.1f} s after SIGTERM"
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_sigterm_finishes_its_task_and_gives_back_the_rest(
    private_broker, smtp_sink, processes
):
    """The SMTP server holds its answer to the first email while the worker gets SIGTERM: the
    worker finishes that task (the first booking's two emails), returns the tasks it had
    reserved, and exits. A second worker sends the rest: every email arrives exactly once."""
    manager = UserFactory(username="manager", is_staff=True)
    room = booking_services.create_room(name="Mail", capacity=4, managers=[manager.username])
    booker = UserFactory(username="booker")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0, second=0, minute=0) + dt.timedelta(
        days=20
    )
    for i in range(3):
        slot = start + 2 * HOUR * i
        booking_services.create_booking(
            actor=booker, room_id=room.pk, use_start_dtm=slot, use_end_dtm=slot + HOUR
        )
    rows = list(Notification.objects.values_list("id", flat=True))
    assert len(rows) >= 6  # the booker's and the manager's email of each booking
    env = {
        "CELERY_BROKER_URL": private_broker.url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        "EMAIL_TIMEOUT": "30",
    }
    smtp_sink.hold_data_after = 0  # the first email is taken, its "250" held back
    first = processes.add(
        "worker-1",
        start_worker(
            log=processes.log("worker-1"),
            name="first",
            # as in production: the main process reserves tasks while its child runs one
            extra_args=["--pool=prefork", "--concurrency=1"],
            **env,
        ),
    )
    wait_for(smtp_sink.stalled.is_set, timeout=60)
    first.send_signal(signal.SIGTERM)
    time.sleep(1.5)  # the server answers a couple of seconds late
    assert first.poll() is None  # still finishing the delivery in progress
    smtp_sink.hold_data.clear()
    exit_code = first.wait(30)
    first_log = processes.log("worker-1").read_text()
    sent_by_first = set(Notification.objects.filter(status="SENT").values_list("id", flat=True))
    assert exit_code == 0, first_log[-3000:]
    # The task in progress, no other: the rows of one booking's hand-off (its booker's and its
    # manager's email), the first of them the one whose "250" was held back.
    held = smtp_sink.ids()
    in_progress = Notification.objects.get(pk=next(iter(held))).booking_id
    assert sent_by_first == set(
        Notification.objects.filter(booking_id=in_progress).values_list("id", flat=True)
    )
    assert len(sent_by_first) == 2 and held == Counter({row: 1 for row in sent_by_first})
    # the reserved, unstarted tasks went back to the broker
    restored = re.search(r"Restoring (\d+) unacknowledged message", first_log)
    assert restored, first_log[-3000:]

    second = processes.add(
        "worker-2", start_worker(log=processes.log("worker-2"), name="second", **env)
    )
    wait_for(lambda: Notification.objects.filter(status="SENT").count() == len(rows), timeout=60)
    time.sleep(1)  # a duplicate would arrive now
    second.terminate()
    assert smtp_sink.ids() == Counter({row: 1 for row in rows})
    print(
        f"\nworker stopped by SIGTERM finished the task in progress ({len(sent_by_first)} emails) "
        f"and returned {restored[1]} reserved tasks; the next worker sent the other "
        f"{len(rows) - len(sent_by_first)}; each of "
        f"{len(rows)} emails once"
    )
