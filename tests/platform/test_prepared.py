"""roombooking.postgresql.prepared: the kept statements as prepared statements through libpq,
with a cursor's answers (rows, row counts, errors) and Django's checks and logging kept."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import Jsonb
from django.test.utils import CaptureQueriesContext
from psycopg.types.numeric import Int8

from roombooking.cursors import run_statement
from roombooking.models import EventLog

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's prepared statements"
    ),
]

TYPED = (
    "SELECT %s::int AS i, %s::bigint AS b, %s::text AS t, %s::timestamptz AS ts, %s::jsonb AS j,"
    " %s::boolean AS f, %s::numeric AS n, %s::uuid AS u, %s::date AS d, %s::text AS nothing"
)


def _prepared_texts() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _warm() -> None:
    """The session's first statement goes Django's way (its checks); later ones are kept."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    run_statement(connection, "SELECT 1", [])


def _values():
    return [
        7, Int8(2**40), "ünïcode ' text", dt.datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC),
        Jsonb({"a": [1, 2.5, None]}), True, decimal.Decimal("12.345"),
        uuid.UUID("12345678-1234-5678-1234-567812345678"), dt.date(2030, 1, 2), None,
    ]  # fmt: skip


def test_rows_are_a_cursors_rows_and_the_statement_is_prepared():
    _warm()
    with connection.cursor() as cursor:
        cursor.execute(TYPED, _values())
        expected = cursor.fetchall()
    rows, count = run_statement(connection, TYPED, _values())
    assert rows == expected and count == 1
    assert [type(v) for v in rows[0]] == [type(v) for v in expected[0]]
    assert rows[0][3].tzinfo is not None and rows[0][3].utcoffset() == dt.timedelta(0)
    assert any("$10::text AS nothing" in text for text in _prepared_texts())


def test_a_requests_first_statement_runs_the_health_check_and_is_prepared():
    _warm()
    if not connection.health_check_enabled:
        pytest.skip("health checks are on for a database URL (CONN_HEALTH_CHECKS)")
    connection.health_check_done = False  # as at the start of a request
    assert run_statement(connection, "SELECT %s::int AS first_of_request", [5]) == ([(5,)], 1)
    assert connection.health_check_done
    assert any("first_of_request" in text for text in _prepared_texts())


def test_row_counts_of_updates_and_inserts():
    _warm()
    with transaction.atomic():
        for number in range(3):
            EventLog.objects.create(event_type="Probe", payload={}, actor="a", booking_id=number)
        sql = 'UPDATE "roombooking_eventlog" SET "actor" = %s WHERE "event_type" = %s'
        assert run_statement(connection, sql, ["b", "Probe"]) == ([], 3)
        assert run_statement(connection, sql, ["c", "Nothing"]) == ([], 0)
        assert set(EventLog.objects.values_list("actor", flat=True)) == {"b"}


def test_a_run_inside_atomic_belongs_to_its_transaction():
    _warm()
    insert = (
        'INSERT INTO "roombooking_eventlog" ("event_type", "payload", "occurred_at", "actor")'
        ' VALUES (%s, %s, %s, %s) RETURNING "id"'
    )
    with transaction.atomic():
        sid = transaction.savepoint()
        rows, _ = run_statement(
            connection, insert, ["Probe", Jsonb({}), dt.datetime.now(dt.UTC), ""]
        )
        assert EventLog.objects.filter(pk=rows[0][0]).exists()
        transaction.savepoint_rollback(sid)
        assert not EventLog.objects.filter(pk=rows[0][0]).exists()


@pytest.mark.django_db(transaction=True)
def test_errors_are_djangos_and_the_statements_come_back_after_the_rollback():
    """A unique violation: Django's IntegrityError, the atomic block rolled back. psycopg
    deallocates every prepared statement on a rollback; the next run prepares its own again."""
    _warm()
    sql = (
        'INSERT INTO "roombooking_periodicrun" ("name", "last_run") VALUES (%s, %s) RETURNING "id"'
    )
    now = dt.datetime.now(dt.UTC)
    run_statement(connection, sql, ["once", now])
    with pytest.raises(IntegrityError), transaction.atomic():
        run_statement(connection, sql, ["twice", now])
        run_statement(connection, sql, ["once", now])
    assert not any(sql.split(" VALUES")[0] in t for t in _prepared_texts())  # deallocated
    rows, count = run_statement(connection, sql, ["again", now])
    assert count == 1 and rows[0][0] > 0
    assert any('"roombooking_periodicrun"' in text for text in _prepared_texts())
    with connection.cursor() as cursor:
        cursor.execute('SELECT "name" FROM "roombooking_periodicrun" ORDER BY "id"')
        assert [r[0] for r in cursor.fetchall()] == ["once", "again"]


def test_a_broken_transaction_is_refused_as_django_refuses_it():
    _warm()
    with transaction.atomic():
        with pytest.raises(DataError), transaction.atomic(savepoint=False):
            run_statement(connection, "SELECT 1 / 0 = 1 FROM (SELECT NULL::int AS x) s", [])
        with pytest.raises(transaction.TransactionManagementError):
            run_statement(connection, "SELECT 1", [])


def test_logged_queries_and_execute_wrappers_see_every_statement():
    _warm()
    with CaptureQueriesContext(connection) as captured:
        assert run_statement(connection, "SELECT %s::int", [41]) == ([(41,)], 1)
    assert [q["sql"] for q in captured.captured_queries] == ["SELECT 41::int"]
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert run_statement(connection, "SELECT %s::int + 1", [41]) == ([(42,)], 1)
    assert seen == ["SELECT %s::int + 1"]


def test_no_prepared_statements_when_they_are_turned_off():
    """``DATABASE_PREPARE_THRESHOLD=off`` (a pooler that cannot keep them): the cursor's way."""
    _warm()
    raw = connection.connection
    before, raw.prepare_threshold = raw.prepare_threshold, None
    try:
        sql = "SELECT %s::int AS not_prepared_here"
        assert run_statement(connection, sql, [3]) == ([(3,)], 1)
        assert not any("not_prepared_here" in text for text in _prepared_texts())
    finally:
        raw.prepare_threshold = before
