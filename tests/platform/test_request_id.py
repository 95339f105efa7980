"""A request id on every response and log line, carried into the Celery tasks a request causes."""

from __future__ import annotations

import json
import uuid

import pytest

from roombooking import requestid
from roombooking.tasks import record_worker_heartbeat
from tests.processes import start_worker, stop, wait_for


def test_every_response_carries_a_request_id(client):
    first = client.get("/health/live")
    second = client.get("/health/live")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_proxys_request_id_is_kept_and_garbage_is_replaced(client):
    assert client.get("/health/live", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    replaced = client.get("/health/live", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert replaced != "<script>" and len(replaced) == 32


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_request_id_reaches_the_worker_log_as_json(tmp_path):
    log = tmp_path / "worker.log"
    # A queue of its own: no backlog from earlier tests ahead of the task, no other worker of
    # this run taking it.
    queue = f"request-id-{uuid.uuid4().hex[:8]}"
    worker = start_worker(log=log, LOG_FORMAT="json", extra_args=["--queues", queue])
    token = requestid.current.set("req-from-web-42")
    try:
        record_worker_heartbeat.apply_async(kwargs={"nonce": "rid"}, queue=queue)
    finally:
        requestid.current.reset(token)
    try:
        wait_for(lambda: "req-from-web-42" in log.read_text(), timeout=60)
    except AssertionError as timeout:  # say what the worker was doing (a CI run failed here once)
        raise AssertionError(
            f"{timeout}; the worker's log ends:\n{log.read_text()[-3000:]}"
        ) from None
    finally:
        stop(worker)
    text = log.read_text()
    records = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except ValueError as error:
                raise AssertionError(f"not a JSON log line ({error}): {line!r}") from None
    tagged = [record for record in records if record.get("request_id") == "req-from-web-42"]
    assert tagged, text[-3000:]
    assert {"time", "level", "logger", "message"} <= set(tagged[0])
