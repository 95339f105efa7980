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


# --- INSERT texts built once per shape (roombooking/postgresql/compiler.py) ----------------------


def _insert_statements(objs, *, compiler_class, returning: bool, on_conflict=None):
    from django.db.models import sql

    from roombooking.models import EventLog

    query = sql.InsertQuery(EventLog, on_conflict=on_conflict)
    query.insert_values([f for f in EventLog._meta.concrete_fields if not f.primary_key], objs)
    compiler = compiler_class(query, connection, "default")
    compiler.returning_fields = [EventLog._meta.pk] if returning else None
    statements = [(text, tuple(map(_comparable, params))) for text, params in compiler.as_sql()]
    return statements, getattr(compiler, "returning_params", None)


def _comparable(param):
    """psycopg's wrappers (Jsonb, Int8) compare by identity: compare their type and value."""
    if hasattr(param, "obj"):
        return type(param).__name__, param.obj
    return type(param).__name__, param


def _events(count: int, event_type="Tested"):
    from roombooking.models import EventLog

    return [
        EventLog(event_type=event_type, payload={"n": n, "list": [1, "a"]}, booking_id=n)
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [1, 3])
@pytest.mark.parametrize("returning", [True, False])
@pytest.mark.parametrize("ignore_conflicts", [False, True])
def test_an_insert_is_the_statement_djangos_compiler_makes(count, returning, ignore_conflicts):
    import time_machine
    from django.db.models.constants import OnConflict
    from django.db.models.sql.compiler import SQLInsertCompiler as DjangosCompiler

    from roombooking.postgresql import compiler as ours

    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    with time_machine.travel(dt.datetime(2026, 11, 27, 6, 30, tzinfo=dt.UTC), tick=False):
        for _ in range(2):  # the first builds and keeps the text, the second reuses it
            objs = _events(count)
            expected = _insert_statements(
                objs, compiler_class=DjangosCompiler, returning=returning, on_conflict=on_conflict
            )
            made = _insert_statements(
                objs,
                compiler_class=connection.ops.compiler("SQLInsertCompiler"),
                returning=returning,
                on_conflict=on_conflict,
            )
            assert made == expected
    assert connection.ops.compiler("SQLInsertCompiler") is ours.SQLInsertCompiler
    assert any(shape[2] == count for shape in ours._KNOWN)


def test_an_expression_among_the_values_is_placed_by_django():
    from django.db.models import Value
    from django.db.models.functions import Upper
    from django.db.models.sql.compiler import SQLInsertCompiler as DjangosCompiler

    from roombooking.models import EventLog

    _insert_statements(
        _events(2), compiler_class=connection.ops.compiler("SQLInsertCompiler"), returning=True
    )
    objs = _events(2, event_type=Upper(Value("shouted")))
    made = _insert_statements(
        objs, compiler_class=connection.ops.compiler("SQLInsertCompiler"), returning=True
    )
    expected = _insert_statements(objs, compiler_class=DjangosCompiler, returning=True)
    assert made[0][0][0] == expected[0][0][0] and "UPPER" in made[0][0][0]
    EventLog.objects.bulk_create(_events(2, event_type=Upper(Value("shouted"))))
    assert EventLog.objects.filter(event_type="SHOUTED").count() == 2


def test_rows_inserted_through_the_kept_text_are_whole():
    from roombooking.models import EventLog

    for _ in range(3):  # the same shape each time: the kept text
        created = EventLog.objects.create(event_type="Whole", payload={"a": [1]}, booking_id=7)
        assert created.pk is not None and created.occurred_at is not None
    rows = EventLog.objects.bulk_create(_events(3, event_type="Bulk"))
    assert all(row.pk for row in rows)
    stored = EventLog.objects.get(pk=created.pk)
    assert (stored.event_type, stored.payload, stored.booking_id, stored.occurred_at) == (
        "Whole",
        {"a": [1]},
        7,
        created.occurred_at,
    )
    assert EventLog.objects.filter(event_type="Bulk").count() == 3


def test_a_statement_run_often_is_prepared_and_its_values_travel_apart():
    """Server-side binding (settings: DATABASE_PREPARE_THRESHOLD, 5 by default): the text
    repeats, so psycopg prepares it after five runs on the connection."""
    with connection.cursor() as cursor:
        for number in range(7):
            cursor.execute("SELECT %s::int + 40", [number])
            assert cursor.fetchone() == (number + 40,)
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT $1::int + 40'"
        )
        assert cursor.fetchone() == (1,)


def _candidate_values():
    from django.utils.functional import lazystr

    from apps.notification.models import Notification

    seoul = dt.timezone(dt.timedelta(hours=9))
    return [
        None, 0, 7, -3, 2**40, True, False, "", "text", "5", lazystr("lazy"),
        Notification.Status.PENDING, dt.datetime(2026, 11, 27, 6, 30, 1, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 27, 15, 30, tzinfo=seoul), dt.datetime(2026, 11, 27, 6, 30),
        dt.date(2026, 11, 27), 1.5, [1, "a"], {"a": 1},
    ]  # fmt: skip


def _prepared(compiler_class, model, field, value):
    """What ``compiler_class`` sends for ``value`` in ``field`` (or the error it raises)."""
    import warnings

    from django.db.models import sql

    from roombooking.postgresql.compiler import value_plan

    obj = model()
    setattr(obj, field.attname, value)
    query = sql.InsertQuery(model)
    query.insert_values([field], [obj])
    compiler = compiler_class(query, connection, "default")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a naive datetime's warning
            if hasattr(compiler, "_values"):
                plan = value_plan(field, compiler.connection)
                (prepared,), _ = compiler._values([(field, plan)])
            else:
                prepared = compiler.prepare_value(field, compiler.pre_save_val(field, obj))
    except Exception as error:
        return "raises", type(error).__name__
    return _comparable(prepared)


def test_every_fields_values_are_prepared_as_djangos_compiler_prepares_them():
    """For every field of every model and values of many types, those that the kept statements
    prepare directly and those that go Django's way: the same parameter, of the same type."""
    import time_machine
    from django.apps import apps
    from django.db.models.sql.compiler import SQLInsertCompiler as DjangosCompiler

    from roombooking.postgresql import compiler as ours

    compared, direct = 0, 0
    with time_machine.travel(dt.datetime(2026, 11, 27, 6, 30, tzinfo=dt.UTC), tick=False):
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                for value in _candidate_values():
                    expected = _prepared(DjangosCompiler, model, field, value)
                    made = _prepared(ours.SQLInsertCompiler, model, field, value)
                    assert made == expected, (model.__name__, field.name, value)
                    compared += 1
                    plan = ours._PLANS.get(field)
                    direct += plan is not None and plan[1](value)
    assert compared > 1000 and direct > 200  # both ways were taken, many times


def test_a_bulk_create_past_the_protocols_parameter_limit_is_sent_in_batches():
    """With server-side binding a statement carries at most 65,535 parameters; Django's backend
    sent a bulk_create of any size as one statement ("number of parameters must be between 0
    and 65535")."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    fields = [f for f in user_model._meta.concrete_fields if not f.primary_key]
    count = 65_535 // len(fields) + 100  # one statement would carry too many
    users = [user_model(username=f"bulk-{number}", password="!") for number in range(count)]

    user_model.objects.bulk_create(users)

    assert user_model.objects.filter(username__startswith="bulk-").count() == count
