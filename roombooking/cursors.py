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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
