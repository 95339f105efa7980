"""A real Celery worker process consumes a real task from the configured broker."""

from __future__ import annotations

import uuid

import pytest

from roombooking.models import WorkerHeartbeat
from roombooking.tasks import record_worker_heartbeat
from tests.processes import start_worker, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_worker_process_consumes_a_task(tmp_path):
    nonce = uuid.uuid4().hex
    worker = start_worker(log=tmp_path / "worker.log")
    try:
        record_worker_heartbeat.delay(nonce=nonce)
        beat = wait_for(lambda: WorkerHeartbeat.objects.filter(nonce=nonce).first(), timeout=60)
    finally:
        stop(worker)
    assert beat.hostname.startswith("test-")
    assert worker.returncode is not None
