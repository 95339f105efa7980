"""roombooking.postgresql: Django's health check without a round trip while the session is quiet,
and Django's own check (SELECT 1) when the socket has something to say."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's"),
    pytest.mark.django_db,
]


def _last_statement_of(pid: int) -> str:
    """What the server last ran for backend ``pid``, asked over a connection of its own."""
    with psycopg.connect(_dsn(), autocommit=True) as other:
        return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[
            0
        ]


def _dsn() -> str:
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")}
    )


def _in_a_thread_of_its_own(body):
    """Runs ``body`` with a database connection of its own (closed afterwards)."""
    found = {}

    def run():
        try:
            found["result"] = body()
        except Exception as error:  # raised again in the test's thread
            found["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    if "error" in found:
        raise found["error"]
    return found["result"]


def test_a_quiet_session_is_usable_without_a_statement():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement'")
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    assert connection.is_usable()
    assert _last_statement_of(pid) == "SELECT pg_backend_pid()"  # no SELECT 1 was sent


def test_a_session_the_server_ended_is_not_usable():
    def body():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with psycopg.connect(_dsn(), autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.2)  # the server's goodbye reaches the socket
        usable = connection.is_usable()
        connection.close_if_unusable_or_obsolete()
        connection.health_check_done = False
        with connection.cursor() as cursor:  # Django's check closes it; the next one connects
            cursor.execute("SELECT pg_backend_pid()")
            return usable, cursor.fetchone()[0] != pid

    assert _in_a_thread_of_its_own(body) == (False, True)


def test_a_waiting_notification_leaves_the_session_usable():
    def body():
        with connection.cursor() as cursor:
            cursor.execute("LISTEN room_booking_test")
        with psycopg.connect(_dsn(), autocommit=True) as other:
            other.execute("NOTIFY room_booking_test")
        time.sleep(0.2)
        usable = connection.is_usable()  # something to read: Django's SELECT 1, which passes
        with connection.cursor() as cursor:
            cursor.execute("SELECT 2")
            return usable, cursor.fetchone()[0]

    assert _in_a_thread_of_its_own(body) == (True, 2)
