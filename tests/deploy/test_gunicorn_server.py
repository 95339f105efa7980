"""The production server config (gunicorn.conf.py) with a real gunicorn: the application is loaded
once in the master and forked (``preload_app``, its heap frozen for the collector), so nothing may
connect or start a thread before the fork. A worker serves a booking, and the booking's emails
are still handed to the broker after commit, by a publishing thread of the worker's own."""

from __future__ import annotations

import ast
import datetime as dt
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import requests
from rest_framework.authtoken.models import Token

from apps.booking import services as booking_services
from apps.notification.models import Notification
from tests.factories import UserFactory
from tests.notification.conftest import PrivateRedis
from tests.processes import ROOT, free_port, process_env, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.kill()


@pytest.fixture
def server(private_redis, tmp_path):
    """``gunicorn -c gunicorn.conf.py roombooking.wsgi``, as the Procfile runs it, 2 processes."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "roombooking.wsgi"],
        cwd=ROOT,
        env=process_env(
            CELERY_BROKER_URL=private_redis.url,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="2",
            GUNICORN_THREADS="1",
            # No GUNICORN_CONTROL_SOCKET: the config leaves gunicorn's control socket (a thread
            # in the master) off, so any thread found there would be the app's.
        ),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"{base}/health/live", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_for(answers, timeout=60, interval=0.2)
        yield process, base, private_redis
    finally:
        stop(process, timeout=20)


def sockets_to(pid: int, ports: set[int]) -> list[str]:
    """The TCP connections of process ``pid`` whose remote port is one of ``ports``."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = str(fd.readlink()) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if fields[9] in inodes and remote_port in ports:
                found.append(line)
    return found


def queued_task_arguments(redis: PrivateRedis) -> list[str]:
    """The argument lists of the task messages waiting in the broker's default queue."""
    answer = subprocess.run(
        ["redis-cli", "-p", str(redis.port), "LRANGE", "celery", "0", "-1"],
        capture_output=True, text=True, check=True, timeout=10,
    )  # fmt: skip
    return [json.loads(line)["headers"]["argsrepr"] for line in answer.stdout.splitlines() if line]


def test_the_master_loads_the_app_but_connects_to_nothing_and_starts_no_thread(server):
    process, base, redis = server

    def workers() -> list[str]:
        found = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True)
        return found.stdout.split()

    # The first worker may answer before the master has forked the second (a loaded machine).
    wait_for(lambda: len(workers()) == 2, timeout=30, interval=0.2)
    for _ in range(4):  # the workers have served something and so connected by now
        assert requests.get(f"{base}/health/ready", timeout=10).status_code == 200
    assert len(workers()) == 2
    threads = len(list(Path(f"/proc/{process.pid}/task").iterdir()))
    assert threads == 1
    assert sockets_to(process.pid, {5432, redis.port}) == []
    # The app was loaded before the fork: the master holds Django's modules, so the workers
    # share them rather than importing their own copies (a worker's log shows no import).
    maps = Path(f"/proc/{process.pid}/maps").read_text()
    assert "psycopg" in maps


def test_a_worker_books_and_hands_the_emails_to_the_broker_after_the_fork(server):
    _, base, redis = server
    manager = UserFactory(username="preload-manager", email="manager@example.com", is_staff=True)
    booker = UserFactory(username="preload-booker", email="booker@example.com")
    room = booking_services.create_room(name="Forked", capacity=4, managers=[manager.username])
    token = Token.objects.create(user=booker).key
    start = dt.datetime.now(dt.UTC).replace(microsecond=0, second=0, minute=0)
    ids: set[int] = set()
    for day in (10, 11, 12):  # several requests: both workers get some (the kernel decides)
        slot = start + dt.timedelta(days=day)
        answer = requests.post(
            f"{base}/bookings",
            json={
                "roomId": room.pk,
                "useStartDtm": slot.isoformat(),
                "useEndDtm": (slot + dt.timedelta(hours=1)).isoformat(),
            },
            headers={"Authorization": f"Token {token}", "Accept": "application/json"},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        booking_id = answer.json()["id"]
        ids |= set(Notification.objects.filter(booking_id=booking_id).values_list("pk", flat=True))
    assert len(ids) == 6  # the booker's and the manager's email of each booking
    # One delivery task per booking's transaction, holding that booking's two rows.
    handed = wait_for(
        lambda: (found := queued_task_arguments(redis)) and len(found) >= 3 and found, timeout=20
    )
    batches = [ast.literal_eval(arguments)[0] for arguments in handed]
    assert sorted(len(batch) for batch in batches) == [2, 2, 2]
    assert sorted(pk for batch in batches for pk in batch) == sorted(ids)
