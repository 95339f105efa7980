"""How fast a backlog of notifications drains into a local SMTP server with two worker processes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rb_notification \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/notification_drain.py

Without the variables it runs on a SQLite file and the folder broker under var/. It migrates the
database, writes N PENDING rows (marked "[bench]", removed again at the end), queues one delivery
task per row, starts an aiosmtpd server in this process and two ``celery worker --pool=solo``
processes, and waits until every row is SENT. It prints the figures and writes
bench/results/notification_drain.json. The broker's default queue is purged first: point it at a
broker nobody else uses.

Also measured: the duplicate window, from the SMTP server's acceptance of a message to the
``send_dtm`` the worker then records (a worker killed inside it sends that email again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roombooking.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-notification.sqlite3'}")
os.environ.setdefault("CELERY_BROKER_DIR", str(ROOT / "var" / "bench-notification-broker"))
os.environ.setdefault("LOG_LEVEL", "WARNING")


class Sink:
    """Counts what arrives and when (by the X-Notification-Id header)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: dict[int, list[float]] = {}

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        header = next(
            line for line in content.split(b"\r\n") if line.startswith(b"X-Notification-Id:")
        )
        notification_id = int(header.split(b":", 1)[1])
        with self.lock:
            self.accepted.setdefault(notification_id, []).append(time.time())
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900, help="give up after (seconds)")
    args = parser.parse_args()

    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max

    from apps.notification import handoff
    from apps.notification.models import Notification
    from roombooking.celery import app

    call_command("migrate", verbosity=0)
    Notification.objects.filter(subject__startswith="[bench]").delete()
    app.control.purge()

    sink = Sink()
    port = free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()

    base = (Notification.objects.aggregate(m=Max("event_seq"))["m"] or 0) + 1_000_000_000
    rows = [
        Notification(
            recipient_username=f"bench{i}",
            recipient_email=f"bench{i}@example.com",
            event_type="BookingCreated",
            event_seq=base + i,
            booking_id=i,
            contents=f"conference room[{i % 50}] reservation is complete",
            subject=f"[bench] Reservation complete #{i}",
            body=f"conference room[{i % 50}] reservation is complete\n\nRoom: bench\n",
        )
        for i in range(args.count)
    ]
    started = time.perf_counter()
    Notification.objects.bulk_create(rows, batch_size=1000)
    ids = list(
        Notification.objects.filter(subject__startswith="[bench]").values_list("id", flat=True)
    )
    write_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for chunk in range(0, len(ids), 1000):
        handoff.publish_now(ids[chunk : chunk + 1000])
    publish_seconds = time.perf_counter() - started
    print(
        f"{len(ids)} rows written in {write_seconds:.1f} s, tasks queued in {publish_seconds:.1f} s"
    )

    env = dict(os.environ)
    env.update(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    logs = ROOT / "var"
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "roombooking",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"bench{n}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=(logs / f"bench-notification-worker{n}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for n in range(args.workers)
    ]
    drain_started = time.perf_counter()
    pending = Notification.objects.filter(pk__in=ids).exclude(status="SENT")
    try:
        while True:
            left = pending.count()
            elapsed = time.perf_counter() - drain_started
            print(f"\r{elapsed:6.1f} s  {len(ids) - left:6d} sent", end="", flush=True)
            if left == 0:
                break
            if elapsed > args.timeout:
                raise SystemExit(f"\nnot drained within {args.timeout} s")
            time.sleep(0.5)
        drain_seconds = time.perf_counter() - drain_started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
        smtp.stop()
    print()

    sent = {
        pk: send_dtm.timestamp()
        for pk, send_dtm in Notification.objects.filter(pk__in=ids).values_list("id", "send_dtm")
    }
    first_sent, last_sent = min(sent.values()), max(sent.values())
    windows_ms = sorted(
        (sent[pk] - times[0]) * 1000 for pk, times in sink.accepted.items() if pk in sent
    )
    received = sum(len(times) for times in sink.accepted.values())
    result = {
        "measuredAt": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "database": connection.vendor,
        "broker": settings.BROKER_VENDOR,
        "notifications": len(ids),
        "workerProcesses": args.workers,
        "cpus": os.cpu_count(),
        "rowsWrittenSeconds": round(write_seconds, 2),
        "tasksQueuedSeconds": round(publish_seconds, 2),
        "drainSeconds": round(drain_seconds, 2),
        "emailsPerSecond": round(len(ids) / drain_seconds, 1),
        "steadyEmailsPerSecond": round(len(ids) / max(last_sent - first_sent, 1e-9), 1),
        "emailsReceived": received,
        "duplicates": received - len(sink.accepted),
        "missing": len(set(ids) - set(sink.accepted)),
        "duplicateWindowMs": {
            "p50": round(statistics.median(windows_ms), 2),
            "p99": round(windows_ms[int(len(windows_ms) * 0.99) - 1], 2),
            "max": round(windows_ms[-1], 2),
        },
    }
    Notification.objects.filter(pk__in=ids).delete()
    out = ROOT / "bench" / "results" / "notification_drain.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
