"""Starting a real Celery worker for the notification tests: SMTP to the in-process aiosmtpd
server, short timeouts, its own beat schedule file."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from apps.notification.models import Notification
from tests.processes import start_worker, stop, wait_for

FAST = {
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_TIMEOUT": "2",
    "NOTIFICATION_RETRY_BACKOFF": "1",
    "NOTIFICATION_RETRY_BACKOFF_MAX": "2",
    "NOTIFICATION_SMTP_BREAKER_RESET": "2",
    "NOTIFICATION_CLAIM_TIMEOUT": "5",
    "NOTIFICATION_REQUEUE_AFTER": "2",
    "NOTIFICATION_REQUEUE_INTERVAL": "1",
}


def notification_worker(
    tmp_path: Path,
    smtp_port: int,
    *,
    beat: bool = False,
    name: str = "w",
    extra_args: list[str] | None = None,
    **env: str,
) -> subprocess.Popen:
    extra = ["--beat", f"--schedule={tmp_path / f'beat-{name}'}"] if beat else []
    extra += extra_args or []
    return start_worker(
        log=tmp_path / f"worker-{name}.log",
        extra_args=extra,
        **{**FAST, "EMAIL_PORT": str(smtp_port), **env},
    )


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the worker and everything it started (no cleanup, no acks)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def all_sent(ids: list[int], timeout: float = 60) -> None:
    def done() -> bool:
        return Notification.objects.filter(pk__in=ids, status="SENT").count() == len(ids)

    wait_for(done, timeout=timeout, interval=0.2)


__all__ = ["all_sent", "kill", "notification_worker", "stop", "wait_for"]
