"""One cursor per database session for the statements the platform runs itself.

Django makes a new cursor for every statement: its wrapper, psycopg's cursor, the health check
and thread checks, about 35 µs each, measured in-process (a booking runs twenty statements). The
kept statements (``roombooking.statements``) and the INSERTs of ``roombooking.postgresql``
read each statement's results before they run the next one, so they can share one cursor per
database session: ``statement_cursor`` hands them the session's kept cursor.

Django's own checks still run where they matter: a new cursor (``connection.cursor()``, which
makes them) is used while the request's health check is not done yet, while queries are logged
(``CaptureQueriesContext``, ``DEBUG``: they need Django's debug cursor), and for the first
statement of each new database session. Execute wrappers and the broken-transaction check run
on every ``execute``, kept cursor or not.

``run_statement`` goes one step further on PostgreSQL: after the request's health check, and
unless queries are logged or wrapped, a statement runs as a prepared statement straight through
libpq (``roombooking.postgresql.prepared``), with Django's broken-transaction check and error
translation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from roombooking.postgresql import prepared

_KEPT = "_roombooking_kept_cursor"  # on the DatabaseWrapper: (its psycopg connection, cursor)


@contextmanager
def statement_cursor(connection) -> Iterator:
    """A cursor for statements whose results are read before the next statement runs."""
    cursor = _kept(connection)
    if cursor is None:
        cursor = connection.cursor()  # Django's checks run here
        if not _checks_done(connection):  # a debug cursor, or checks still due: this one only
            with cursor:
                yield cursor
            return
        connection.__dict__[_KEPT] = (connection.connection, cursor)
    yield cursor


def run_statement(connection, sql: str, params: Sequence) -> tuple[list[tuple], int]:
    """Run ``sql`` with ``params``; returns its rows (none for a statement that returns none)
    and its row count. On PostgreSQL it runs as a prepared statement straight through libpq
    (``roombooking.postgresql.prepared``) after Django's checks that a cursor would run (the
    request's health check, the broken transaction) and with its error translation; where
    that may not take it (queries logged, a new session), on ``statement_cursor``."""
    session = None
    if connection.vendor == "postgresql":
        connection.close_if_health_check_failed()  # a request's first statement: as a cursor
        session = prepared.session(connection)
    if session is not None:
        if connection.needs_rollback:
            connection.validate_no_broken_transaction()  # raises, as a cursor's execute does
        with connection.wrap_database_errors:
            return prepared.run(session, sql, params)
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description is not None else []
        return rows, cursor.rowcount


def defer_statement(connection, sql: str, params: Sequence) -> None:
    """Run ``sql`` with ``params`` with the transaction's next statement or its commit, in the
    same round trip (``roombooking.postgresql.prepared.defer``), where ``run_statement`` would
    take it straight through libpq inside a transaction; elsewhere now. For writes whose answers
    nobody reads: an error of one is raised by the statement or the commit it travels with, as
    the same Django exception, and rolls the transaction back as any error does."""
    if connection.vendor == "postgresql" and not connection.get_autocommit():
        connection.close_if_health_check_failed()
        session = prepared.session(connection)
        if session is not None and not connection.needs_rollback:
            prepared.defer(session, sql, params)
            return
    run_statement(connection, sql, params)


def _kept(connection):
    found = connection.__dict__.get(_KEPT)
    if found is None or not _checks_done(connection):
        return None
    raw, cursor = found
    if raw is not connection.connection or _closed(raw) or _closed(cursor.cursor):
        return None  # a new session (reconnected after a close or a failed check)
    return cursor


def _checks_done(connection) -> bool:
    return (
        connection.connection is not None
        and not connection.queries_logged
        and (connection.health_check_done or not connection.health_check_enabled)
    )


def _closed(handle) -> bool:
    return getattr(handle, "closed", False)  # psycopg's; SQLite's handles do not say
