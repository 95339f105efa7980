"""Django's SQL compilers, with the text of an INSERT built once per shape and its common values
prepared without the field machinery.

Django assembles an INSERT's text anew for every row it writes (quoting each column, joining a
placeholder per value), though for one model, one set of columns and one number of rows it is
always the same: with the ORM building the statements, that was about a twelfth of a booking's
Python CPU (nine inserts each). Here the text is kept per shape. Not kept: statements with
expressions among the values, fields with placeholders of their own, or several statements per
insert.

Each value then goes through ``pre_save`` and ``get_db_prep_save``, five or six calls deep per
field (about a tenth of a booking's Python CPU under cProfile), though for the plain fields of
Django's own classes and values of their own type these give back the value itself, or on
PostgreSQL an integer in psycopg's wrapper of the column's size (``_plain``). Those values are
prepared directly; any other field or value goes Django's way. Both are tested against Django's
compiler, value by value, for every field of every model
(tests/platform/test_postgresql_backend.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import models
from django.db.models.sql import compiler
from django.db.models.sql.compiler import (  # noqa: F401 (a backend's compiler module offers all)
    SQLAggregateCompiler,
    SQLCompiler,
    SQLDeleteCompiler,
    SQLUpdateCompiler,
)

from roombooking.cursors import run_statement

_KNOWN: dict[tuple, _Kept] = {}  # shape -> the text, its returning params, the value plans

# How a plain field's value of an accepted type is prepared: as it is, or wrapped.
Plan = tuple[str, Callable[[object], bool], Callable[[object], object] | None]
_PLANS: dict[models.Field, Plan | None] = {}

_AUTO = (models.AutoField, models.BigAutoField, models.SmallAutoField)
_INTEGERS = (
    models.IntegerField, models.BigIntegerField, models.SmallIntegerField,
    models.PositiveIntegerField, models.PositiveBigIntegerField, models.PositiveSmallIntegerField,
)  # fmt: skip


def _is_int(value: object) -> bool:
    return type(value) is int or value is None  # not bool: Django turns True into 1


def _is_text(value: object) -> bool:
    return isinstance(value, str) or value is None  # CharField.to_python keeps any str


def _is_bool(value: object) -> bool:
    return type(value) is bool or value is None


def _is_aware(value: object) -> bool:
    # A naive datetime is made aware by Django (with a warning): its way.
    return value is None or (type(value) is dt.datetime and value.utcoffset() is not None)


def _plain(field: models.Field, connection) -> Plan | None:
    """The plan for ``field``, or None: it goes Django's way. Only Django's own classes, exactly
    (a subclass may prepare its values differently), whose ``pre_save`` reads the attribute."""
    kind = type(field)
    if kind is models.ForeignKey:  # Django prepares its value as its target field's
        plan = _plain(field.target_field, connection)
        return (field.attname, *plan[1:]) if plan is not None else None
    if kind in _AUTO:  # get_prep_value is int(); validate_autopk_value keeps it on PostgreSQL
        return field.attname, _is_int, None
    if kind in _INTEGERS:
        return field.attname, _is_int, _wrapper(connection.ops, field.get_internal_type())
    if kind in (models.CharField, models.TextField):
        return field.attname, _is_text, None
    if kind is models.BooleanField:
        return field.attname, _is_bool, None
    if kind is models.DateTimeField and not (field.auto_now or field.auto_now_add):
        return field.attname, _is_aware, None  # adapt_datetimefield_value keeps it here
    return None


def value_plan(field: models.Field, connection) -> Plan | None:
    """How ``field``'s value is prepared for an INSERT (kept per field): a plan for the plain
    fields of Django's own classes, None for Django's way (``pre_save``, ``get_db_prep_save``)."""
    try:
        return _PLANS[field]
    except KeyError:
        return _PLANS.setdefault(field, _plain(field, connection))


def prepared_values(objs, plans, *, pre_save, prepare) -> tuple[list, bool]:
    """The INSERT values of ``objs`` for the fields' ``plans`` (``value_plan``): a plain value
    as it is (or wrapped); any other through ``pre_save(field, obj)`` (a plan's field: its
    attribute, as Django's ``pre_save`` reads it) and ``prepare(field, value)``, Django's way.
    Also whether any went Django's way."""
    values, djangos_way = [], False
    for obj in objs:
        for field, plan in plans:
            if plan is not None:
                attname, accepts, wrap = plan
                value = getattr(obj, attname)
                if accepts(value):
                    values.append(value if wrap is None else wrap(value))
                    continue
            else:
                value = pre_save(field, obj)
            values.append(prepare(field, value))
            djangos_way = True
    return values, djangos_way


def _wrapper(ops, internal_type: str) -> Callable[[object], object]:
    wrap = ops.integerfield_type_map[internal_type]  # psycopg's Int2/Int4/Int8
    return lambda value: value if value is None else wrap(value)


class SQLInsertCompiler(compiler.SQLInsertCompiler):
    def as_sql(self):
        shape = self._shape()
        known = _KNOWN.get(shape)
        if known is None:
            self._plain_values = False
            statements = super().as_sql()
            if self._keepable() and self._plain_values and len(statements) == 1:
                returning_params = tuple(getattr(self, "returning_params", ()))
                plans = [(f, value_plan(f, self.connection)) for f in self.query.fields]
                # The entry holds the fields and the model: the ids in its key stay theirs.
                _KNOWN[shape] = _Kept(statements[0][0], returning_params, plans, self.query)
            return statements
        values, maybe_expression = self._values(known.plans)
        if maybe_expression and any(hasattr(value, "as_sql") for value in values):
            return super().as_sql()  # an expression: Django places it (pre_save runs again)
        if self.returning_fields:
            self.returning_params = known.returning_params
        return [(known.text, (*values, *known.returning_params))]

    def execute_sql(self, returning_fields=None):
        """Django's for PostgreSQL (it returns the columns asked for from the INSERT itself, a
        row per object), run by ``roombooking.cursors.run_statement``: a prepared statement on
        the session, or the session's kept cursor."""
        opts = self.query.get_meta()
        self.returning_fields = returning_fields
        for sql, params in self.as_sql():
            rows = run_statement(self.connection, sql, params)[0]
        if not self.returning_fields:
            return []
        converters = self.get_converters(
            [field.get_col(opts.db_table) for field in self.returning_fields]
        )
        if converters:
            rows = self.apply_converters(rows, converters)
        return list(rows)

    def _values(self, plans) -> tuple[list, bool]:
        """The values, prepared; and whether any went Django's way (it may be an expression)."""
        return prepared_values(
            self.query.objs, plans, pre_save=self.pre_save_val, prepare=self.prepare_value
        )

    def assemble_as_sql(self, fields, value_rows):
        self._plain_values = not any(
            hasattr(value, "as_sql") for row in value_rows for value in row
        )
        return super().assemble_as_sql(fields, value_rows)

    def _shape(self) -> tuple:
        """What the text depends on, by identity: hashing Django's fields (their ``__hash__`` is
        Python, a tuple of three attributes) for each insert cost more than the lookup saved."""
        query = self.query
        return (
            id(query.model),
            tuple(map(id, query.fields)),
            len(query.objs),
            tuple(map(id, self.returning_fields or ())),
            query.on_conflict,
            tuple(map(id, query.update_fields or ())),
            tuple(map(id, query.unique_fields or ())),
        )

    def _keepable(self) -> bool:
        fields = self.query.fields
        return bool(fields) and not any(hasattr(field, "get_placeholder") for field in fields)


class _Kept:
    __slots__ = ("text", "returning_params", "plans", "_holds")

    def __init__(self, text: str, returning_params: tuple, plans: list, query) -> None:
        self.text, self.returning_params, self.plans = text, returning_params, plans
        self._holds = (query.model, query.fields, query.update_fields, query.unique_fields)
