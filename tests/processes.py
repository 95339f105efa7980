"""Starting real processes (Celery workers, web servers) against the test database and broker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def current_database_url() -> str:
    """DATABASE_URL of the database the tests are using right now (the test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="roombooking.test_settings",
        DATABASE_URL=current_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def start_worker(
    *, log: Path, name: str | None = None, extra_args: list[str] | None = None, **env: str
) -> subprocess.Popen:
    """A real ``celery worker`` process (not eager mode), logging to ``log``."""
    name = name or f"test-{uuid.uuid4().hex[:8]}"
    args = [
        sys.executable, "-m", "celery", "-A", "roombooking", "worker",
        "--loglevel=INFO", "--pool=solo", "--without-gossip", "--without-mingle",
        "-n", f"{name}@%h", *(extra_args or []),
    ]  # fmt: skip
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=process_env(**env),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_beat(*, log: Path, schedule: Path, **env: str) -> subprocess.Popen:
    """A real ``celery beat`` scheduler with its own schedule file, logging to ``log``."""
    args = [
        sys.executable, "-m", "celery", "-A", "roombooking", "beat",
        "--loglevel=INFO", f"--schedule={schedule}",
    ]  # fmt: skip
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=process_env(**env),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


def wait_for(condition: Callable[[], object], *, timeout: float = 30, interval: float = 0.1):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    *, log: Path, workers: int = 4, threads: int = 5, **env: str
) -> tuple[subprocess.Popen, str]:
    """The production server (gunicorn, several processes) on the test database.

    Returns the process and its base URL once it answers /health/live.
    """
    import urllib.request

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "roombooking.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread", "--timeout", "60",
        ],
        cwd=ROOT,
        env=process_env(**env),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/health/live", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    wait_for(answers, timeout=60, interval=0.2)
    return process, base
