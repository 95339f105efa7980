"""roombooking.postgresql: Django's PostgreSQL backend with psycopg's C timestamp loader. Its
timestamps must be exactly what Django's own loader gives (aware, UTC, to the microsecond)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg._cmodule import _psycopg
from psycopg.postgres import types

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's timestamp loader (CI runs it)"
    ),
    pytest.mark.django_db,
]

VALUES = {
    "2026-11-27 03:04:05.123456+00": dt.datetime(2026, 11, 27, 3, 4, 5, 123456, tzinfo=dt.UTC),
    "2030-09-02 13:30:00+09": dt.datetime(2030, 9, 2, 4, 30, tzinfo=dt.UTC),
    "1999-12-31 23:59:59.999999-08": dt.datetime(2000, 1, 1, 7, 59, 59, 999999, tzinfo=dt.UTC),
    "0001-01-01 00:00:00+00": dt.datetime(1, 1, 1, tzinfo=dt.UTC),
}
QUERY = "SELECT v::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n"


def _read(cursor) -> list[dt.datetime]:
    cursor.execute(QUERY, [list(VALUES)])
    return [row[0] for row in cursor.fetchall()]


def test_timestamps_are_read_by_psycopgs_c_loader():
    with connection.cursor() as cursor:
        _read(cursor)
        loader = cursor.cursor._tx.get_loader(types["timestamptz"].oid, 0)
    assert type(loader) is _psycopg.TimestamptzLoader  # not Django's pure-Python subclass


def test_they_equal_what_djangos_loader_reads():
    with connection.cursor() as cursor:
        ours = _read(cursor)

    class DjangosLoader(BaseTzLoader):
        timezone = dt.UTC

    with connection.cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", DjangosLoader)
        djangos = _read(cursor)

    assert ours == djangos == list(VALUES.values())
    assert all(value.tzinfo is dt.UTC for value in ours + djangos)
