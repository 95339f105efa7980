"""roombooking.cursors: one kept cursor per database session, Django's checks where they are due."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roombooking.cursors import statement_cursor

pytestmark = pytest.mark.django_db


def _run(sql: str):
    with statement_cursor(connection) as cursor:
        cursor.execute(sql)
        return cursor, cursor.fetchall()


def test_statements_share_the_sessions_cursor():
    _run("SELECT 1")  # the session's first: Django's checks, then kept
    first, rows = _run("SELECT 2")
    second, more = _run("SELECT 3")
    assert (rows, more) == ([(2,)], [(3,)])
    assert first is second


def test_logged_queries_get_djangos_debug_cursor():
    kept, _ = _run("SELECT 1")
    with CaptureQueriesContext(connection) as captured:
        logged, rows = _run("SELECT 4")
    assert logged is not kept and rows == [(4,)]
    assert [q["sql"] for q in captured.captured_queries] == ["SELECT 4"]
    assert _run("SELECT 5")[0] is kept  # logging over: the kept one again


def test_a_due_health_check_runs_first(settings):
    kept, _ = _run("SELECT 1")
    if not connection.health_check_enabled:
        pytest.skip("health checks are on for a database URL (CONN_HEALTH_CHECKS)")
    connection.health_check_done = False  # as at the start of a request
    fresh, rows = _run("SELECT 6")
    assert fresh is not kept and rows == [(6,)] and connection.health_check_done


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend")
def test_a_session_ended_by_the_server_is_not_used_again():
    """A kept cursor of a session the server ended: the next request's health check finds the
    session gone and reconnects; the new session gets a new cursor."""
    found = {}

    def a_worker_thread():  # its own connection, as a web worker has
        try:
            kept, _ = _run("SELECT 1")
            _run("SELECT 1")
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                found["pid"] = cursor.fetchone()[0]
            ended.set()
            go_on.wait(10)
            connection.close_if_unusable_or_obsolete()  # Django's request_started handler
            after, rows = _run("SELECT 7")
            found.update(rows=rows, new_cursor=after is not kept)
        finally:
            connection.close()

    ended, go_on = threading.Event(), threading.Event()
    worker = threading.Thread(target=a_worker_thread)
    worker.start()
    assert ended.wait(10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [found["pid"]])
        # It returns once the signal is sent; the session has ended when its backend is gone
        # (until then its socket may still look quiet to the health check).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [found["pid"]])
            if cursor.fetchone() is None:
                break
            time.sleep(0.01)
    go_on.set()
    worker.join(20)
    assert found == {"pid": found["pid"], "rows": [(7,)], "new_cursor": True}
