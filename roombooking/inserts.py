"""New model instances inserted as ``bulk_create`` inserts them, without its per-call machinery.

``QuerySet.bulk_create`` (and ``Model.save`` for a new row) builds an ``InsertQuery`` and its
compiler for every call, prepares each instance for the bulk insert, wraps the insert in a
transaction block, and ``save`` adds the model's save path around it: with the INSERT's text
already kept (``roombooking/postgresql/compiler.py``), that machinery was about a tenth of a
loaded web worker's samples (py-spy, a booking writes eight new rows). ``insert_new`` keeps,
per model, number of rows and kind of insert, the statement Django's own compiler writes and
each column's way to its value (``compiler.value_plan``, the compiler's own), and runs it
with ``roombooking.cursors.run_statement``.

What it does as ``bulk_create`` does: it checks related objects are saved and takes their
keys (``_prepare_related_fields_for_save``), runs each field's ``pre_save`` where Django's way
is not the plain one (``auto_now_add`` times, defaults computed by the field), sets the
returned primary keys and the instances' state. Like ``bulk_create`` it sends no ``pre_save``
or ``post_save`` signal (nothing in this project listens to them). Anything else goes
``bulk_create``'s way: another database than PostgreSQL, a model with parents, instances with
and without primary keys mixed, a primary key the database does not make, values that are
expressions, returned values that need converting, calls of more than ``KEPT_ROWS_MAX`` rows.
Tested against ``bulk_create``, row by row, for every model it writes
(tests/platform/test_inserts.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from django.db import connections, router, transaction
from django.db.models import AutoField, Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

from roombooking.cursors import defer_statement, run_statement
from roombooking.postgresql.compiler import prepared_values, value_plan

# Statements are kept for calls of up to this many rows: the services write one row, or one a
# recipient or manager. A larger call goes bulk_create's way, which splits it under the
# protocol's parameter limit (roombooking/postgresql/base.py); kept, it would be one statement
# past that limit, and one more kept text for each new row count.
KEPT_ROWS_MAX = 100

_KEPT: dict[tuple, _Insert | None] = {}
_lock = threading.Lock()


class _Insert:
    __slots__ = ("sql", "plans", "returning", "_holds")

    def __init__(self, sql: str, plans: list, returning: list, model) -> None:
        self.sql, self.plans, self.returning, self._holds = sql, plans, returning, model


def insert_new(objs: Sequence[Model], *, ignore_conflicts: bool = False) -> Sequence[Model]:
    """Insert ``objs``, new instances of one model, in one statement; returns them with their
    primary keys set (not with ``ignore_conflicts``: ``ON CONFLICT DO NOTHING``, whose skipped
    rows return nothing, as with ``bulk_create``)."""
    if not objs:
        return objs
    using, connection, kept, values = _statement(objs, ignore_conflicts)
    if values is None:
        return (
            type(objs[0])
            ._default_manager.using(using)
            .bulk_create(objs, ignore_conflicts=ignore_conflicts)
        )
    with transaction.mark_for_rollback_on_error(using=using):
        rows = run_statement(connection, kept.sql, values)[0]
    if kept.returning:
        for obj, row in zip(objs, rows, strict=True):
            for field, value in zip(kept.returning, row, strict=True):
                setattr(obj, field.attname, value)
    if kept.returning or objs[0].pk is not None:  # bulk_create's: not rows it cannot know
        for obj in objs:
            obj._state.adding = False
            obj._state.db = using
    return objs


def insert_later(objs: Sequence[Model], *, ignore_conflicts: bool = False) -> None:
    """Insert ``objs`` as ``insert_new`` does, with the transaction's next statement or its
    commit, in the same round trip (``roombooking.cursors.defer_statement``): for rows whose
    keys nobody reads. The instances are left as they were (no keys set, not marked saved),
    and an error of the insert is raised by the statement or the commit it travels with.
    Where ``insert_new`` would go ``bulk_create``'s way, the rows are inserted now."""
    if not objs:
        return
    using, connection, kept, values = _statement(objs, ignore_conflicts)
    if values is None:
        insert_new(objs, ignore_conflicts=ignore_conflicts)  # bulk_create's way, now
        return
    with transaction.mark_for_rollback_on_error(using=using):
        defer_statement(connection, kept.sql, values)


def _statement(objs: Sequence[Model], ignore_conflicts: bool):
    """The database alias and connection for ``objs``, their kept statement and its values
    (None, None: ``bulk_create``'s way)."""
    model = type(objs[0])
    using = router.db_for_write(model, instance=objs[0])
    connection = connections[using]
    kept = _kept(connection, model, objs, ignore_conflicts)
    values = _values(kept, objs, connection) if kept is not None else None
    return using, connection, kept, values


_UNSEEN = object()


def _kept(connection, model, objs, ignore_conflicts: bool) -> _Insert | None:
    """The kept statement for this call, or None (bulk_create's way)."""
    if connection.vendor != "postgresql" or len(objs) > KEPT_ROWS_MAX:
        return None
    with_pk = objs[0].pk is not None
    shape = (id(model), connection.alias, len(objs), ignore_conflicts, with_pk)
    kept = _KEPT.get(shape, _UNSEEN)
    if kept is _UNSEEN:
        with _lock:
            kept = _KEPT.get(shape, _UNSEEN)
            if kept is _UNSEEN:
                kept = _KEPT[shape] = (
                    _compiled(connection, model, objs, ignore_conflicts, with_pk)
                    if _keepable(model, with_pk=with_pk)
                    else None
                )
    if kept is not None and len(objs) > 1:
        for obj in objs:  # one model, and keys all given or all the database's
            if type(obj) is not model or (obj.pk is not None) is not with_pk:
                return None
    return kept


def _keepable(model, *, with_pk: bool) -> bool:
    """No parents' rows to write first; a key given, or one the database makes (bulk_create
    asks the field for a value otherwise)."""
    pk = model._meta.pk
    return not model._meta.parents and (with_pk or isinstance(pk, AutoField) or pk.db_returning)


def _compiled(connection, model, objs, ignore_conflicts: bool, with_pk: bool) -> _Insert | None:
    """Django's statement for this shape, compiled as ``bulk_create`` compiles it (from copies
    of the first call's instances, which stay as they were)."""
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.generated]
    if not with_pk:
        fields = [f for f in fields if not isinstance(f, AutoField)]
    returning = [] if ignore_conflicts or with_pk else list(opts.db_returning_fields)
    query = InsertQuery(model, on_conflict=OnConflict.IGNORE if ignore_conflicts else None)
    query.insert_values(fields, [_copy(obj) for obj in objs])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = returning
    statements = compiler.as_sql()
    if len(statements) != 1 or any(hasattr(p, "as_sql") for p in statements[0][1]):
        return None
    if returning and compiler.get_converters([f.get_col(opts.db_table) for f in returning]):
        return None
    sql, params = statements[0]
    returning_params = tuple(getattr(compiler, "returning_params", ()))
    if returning_params:
        return None  # none on PostgreSQL; a backend that has them goes bulk_create's way
    plans = [(field, value_plan(field, connection)) for field in fields]
    return _Insert(sql, plans, returning, model)


def _copy(obj: Model) -> Model:
    clone = type(obj).__new__(type(obj))
    clone.__dict__ = dict(obj.__dict__)
    return clone


class _Expression(Exception):
    pass


def _values(kept: _Insert, objs: Sequence[Model], connection) -> list | None:
    """The statement's values, prepared as Django's compiler prepares them; None when one is
    an expression (``bulk_create`` places those)."""

    def prepare(field, value):
        if hasattr(value, "resolve_expression"):
            raise _Expression
        return field.get_db_prep_save(value, connection=connection)

    for obj in objs:
        if obj._state.fields_cache:  # Django checks cached related objects only: none, nothing
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
    try:
        return prepared_values(objs, kept.plans, pre_save=_pre_save, prepare=prepare)[0]
    except _Expression:
        return None


def _pre_save(field, obj):
    return field.pre_save(obj, True)
