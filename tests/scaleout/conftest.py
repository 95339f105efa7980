"""Fixtures of the scale-out tests: a private redis-server, an SMTP sink (aiosmtpd) in this
process, and a registry of started processes that are all stopped at teardown, whatever happens."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.notification.conftest import (
    PrivateRedis,
    private_broker,  # noqa: F401  (a fixture used here too)
    smtp_server,  # noqa: F401  (a fixture used here too)
)
from tests.processes import stop


@pytest.fixture
def private_redis():
    """A redis-server of this test only: the broker of every process the test starts (the test
    process itself publishes nothing)."""
    if not shutil.which("redis-server") and not Path("/usr/bin/redis-server").exists():
        pytest.fail("redis-server is not installed")
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.kill()


@pytest.fixture
def smtp_sink(smtp_server):  # noqa: F811  (pytest hands the imported fixture in)
    """The notification tests' aiosmtpd sink, under the name these tests use."""
    return smtp_server


class Processes:
    """Processes started by a test, with their logs; ``stop_all`` ends each of them and anything
    it started (each runs in its own session, so its process group is its own)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.started: list[tuple[str, subprocess.Popen]] = []

    def add(self, name: str, process: subprocess.Popen) -> subprocess.Popen:
        self.started.append((name, process))
        return process

    def log(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def stop_all(self) -> None:
        for _, process in reversed(self.started):
            stop(process, timeout=20)
        for _, process in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # leftovers: prefork children, ...

    def tails(self, lines: int = 30) -> str:
        """The end of every log, for a failure message."""
        parts = []
        for name, _ in self.started:
            path = self.log(name)
            text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
            parts.append(f"--- {name} ---\n" + "\n".join(text))
        return "\n".join(parts)


@pytest.fixture
def processes(tmp_path):
    registry = Processes(tmp_path)
    yield registry
    registry.stop_all()
