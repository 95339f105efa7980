"""Statements of a fixed shape, compiled once per process and then run with new values.

The ORM builds and compiles every statement anew: on a booking that was about a third of its
Python CPU (docs/performance.md), on a list page the token lookup alone a sixth. A ``Template``
compiles the queryset its builder returns once, from a call with marker values in place of the
arguments; each run puts the call's values where the markers landed in the compiled parameters.
So the SQL stays the selector's own (the builder calls the selectors), and only the work of
building and compiling it is saved. An ``UpdateTemplate`` does the same for an UPDATE (the builder
returns the queryset and the values to set). A value takes the type Django gave the marker in its
place (psycopg's ``Int4`` or ``Int8`` for an integer column), so the parameters are the ORM's.

A builder's SQL must not depend on its arguments' values (no branching or arithmetic on them):
the template is compiled a second time with the markers in the opposite order, and a builder
whose SQL or parameter positions differ between the two is refused (``TemplateError``).

PostgreSQL only: other backends adapt values before they reach the parameters (SQLite turns
datetimes into text, so the markers cannot be found), and there the builder's queryset simply
runs through the ORM. Both paths give the same rows (tests/platform/test_statements.py).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, Func, IntegerField, Model, QuerySet, sql
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError
from psycopg.types.numeric import Int8

from roombooking.cursors import defer_statement, run_statement

_MARKER_EPOCH = dt.datetime(2901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)  # no real booking is this late


def counted(queryset: QuerySet) -> QuerySet:
    """``queryset.count()`` as a queryset of one row, ``(n,)``, for a template to run.
    ``COUNT`` as a plain function: the ``Count`` aggregate would group by the primary key here."""
    count = Func(F("pk"), function="COUNT", output_field=IntegerField())
    return queryset.order_by().values_list(count)


class TemplateError(Exception):
    """A builder whose SQL depends on its arguments' values cannot be a template."""


def _marker(kind: type, number: int) -> object:
    if kind is int:
        return 1_987_600_000 + number  # within a 32-bit integer column's range
    if kind is dt.datetime:
        return _MARKER_EPOCH + dt.timedelta(days=number, microseconds=number)
    if kind is str:
        return f"\x1fmarker-{number}\x1f"
    raise TypeError(f"no marker for {kind!r}")


def _wrapped(value: object, wrapper: type | None) -> object:
    return value if wrapper is None or value is None else wrapper(value)


class _Compiled:
    def __init__(self, compiler, markers: dict[object, str], suffix: str) -> None:
        sql, params = compiler.as_sql()
        self.sql = sql + suffix
        self.needs_transaction = bool(compiler.query.select_for_update)
        # Each parameter: the argument it takes its value from (and the type Django wrapped the
        # marker in, psycopg's Int4 or Int8 for an integer column, so a value is wrapped alike),
        # or its constant value.
        self.slots: list[tuple[str | None, object]] = []
        for param in params:
            if isinstance(param, (list, tuple, set, dict)):
                raise TemplateError(f"a parameter holds several values: {param!r}")
            name = markers.get(param) if isinstance(param, (int, str, dt.datetime)) else None
            if name is None:
                self.slots.append((None, param))
            else:
                wrapper = None if type(param) in (int, str, dt.datetime) else type(param)
                self.slots.append((name, wrapper))
        missing = set(markers.values()) - {name for name, _ in self.slots}
        if missing:
            raise TemplateError(f"arguments not in the statement: {sorted(missing)}")
        fields = [column for column, _, _ in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        self.compiler = compiler
        self._instances: tuple | None = None  # how rows become model instances, made once

    def instance_maker(self, using: str) -> tuple:
        """(model, init_list, first, end, populators), as Django's ModelIterable derives them."""
        if self._instances is None:
            compiler = self.compiler
            if compiler.annotation_col_map:
                raise TemplateError("objects() takes querysets without annotations")
            info, select = compiler.klass_info, compiler.select
            first, end = info["select_fields"][0], info["select_fields"][-1] + 1
            init_list = [column[0].target.attname for column in select[first:end]]
            populators = get_related_populators(info, select, using)
            self._instances = (info["model"], init_list, first, end, populators)
        return self._instances


class Template:
    """``Template(build, room_id=int, start=dt.datetime)``: ``build(room_id=…, start=…)``
    returns a queryset whose SQL has the same shape for every value; ``suffix`` is appended to
    its SQL (``" FOR SHARE"``, which the ORM cannot say)."""

    made: list[Template] = []  # every template, for the test comparing each with the ORM

    def __init__(self, build: Callable[..., QuerySet], *, suffix: str = "", **kinds: type):
        self.build, self.suffix, self.kinds = build, suffix, kinds
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()
        Template.made.append(self)

    def rows(
        self,
        *,
        using: str = DEFAULT_DB_ALIAS,
        window: tuple[int, int] | None = None,
        **values: Any,
    ) -> list[tuple]:
        """The rows of the builder's queryset for ``values`` (tuples, values converted as the
        ORM converts them). ``window``: ``(offset, limit)``, the rows of the slice
        ``[offset : offset + limit]`` (a paginator's page), the limit and offset being
        parameters of the one kept statement instead of text of a statement per page."""
        compiled = self._for(using)
        if compiled is None:
            queryset = self.build(**values).using(using)
            if window is not None:
                queryset = queryset[window[0] : window[0] + window[1]]
            return [tuple(row) for row in queryset]
        rows = self._execute(compiled, using, values, window)
        if compiled.converters:
            rows = [
                tuple(row) for row in compiled.compiler.apply_converters(rows, compiled.converters)
            ]
        return rows

    def run_later(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> None:
        """``rows``, sent with the transaction's next statement or its commit, in the same round
        trip (``roombooking.cursors.defer_statement``), for a statement whose rows nobody reads:
        a row lock that the next statement runs under (PostgreSQL runs them in order, and the
        next one only once the lock is granted). An error of it (a lock timeout, a deadlock) is
        raised by the statement it travels with. Elsewhere it runs now."""
        compiled = self._for(using)
        if compiled is None:
            list(self.build(**values).using(using))
            return
        connection = connections[using]
        if compiled.needs_transaction and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        defer_statement(connection, compiled.sql, self._params(compiled, values))

    def objects(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[Model]:
        """The model instances of the builder's queryset for ``values`` (``select_related``
        ones attached), as iterating the queryset gives them."""
        compiled = self._for(using)
        if compiled is None:
            return list(self.build(**values).using(using))
        model, init_list, first, end, populators = compiled.instance_maker(using)
        found = []
        for row in self.rows(using=using, **values):
            instance = model.from_db(using, init_list, row[first:end])
            for populator in populators:
                populator.populate(row, instance)
            found.append(instance)
        return found

    def compile(self, *, using: str = DEFAULT_DB_ALIAS) -> None:
        """Compile now rather than at the first run (PostgreSQL; elsewhere nothing to do): a
        builder whose SQL depends on its values raises ``TemplateError`` here."""
        self._for(using)

    def sql_with_params(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any):
        """The statement a run sends (for the tests comparing it with the ORM's own)."""
        compiled = self._for(using)
        return compiled.sql, self._params(compiled, values)

    def _for(self, using: str) -> _Compiled | None:
        compiled = self._compiled.get(using)  # compiled: the alias is PostgreSQL's
        if compiled is not None:
            return compiled
        if connections[using].vendor != "postgresql":
            return None
        with self._lock:
            compiled = self._compiled.get(using) or self._compile(using)
            self._compiled[using] = compiled
        return compiled

    def _compile(self, using: str) -> _Compiled:
        names = list(self.kinds)
        ascending = {_marker(self.kinds[name], n): name for n, name in enumerate(names)}
        descending = {
            _marker(self.kinds[name], len(names) - n): name for n, name in enumerate(names)
        }
        compiled = [
            _Compiled(self._compiler(markers, using), markers, self.suffix)
            for markers in (ascending, descending)
        ]
        first, second = compiled
        if first.sql != second.sql or [n for n, _ in first.slots] != [n for n, _ in second.slots]:
            raise TemplateError(f"{self.build.__qualname__}: its SQL depends on the values")
        return first

    def _compiler(self, markers: dict[object, str], using: str):
        queryset = self.build(**{name: marker for marker, name in markers.items()}).using(using)
        return queryset.query.get_compiler(using=using)

    def _params(self, compiled: _Compiled, values: dict[str, Any]) -> list[object]:
        if values.keys() != self.kinds.keys():
            raise TypeError(f"expected {sorted(self.kinds)}, got {sorted(values)}")
        return [
            other if name is None else _wrapped(values[name], other)
            for name, other in compiled.slots
        ]

    def _execute(
        self,
        compiled: _Compiled,
        using: str,
        values: dict[str, Any],
        window: tuple[int, int] | None = None,
    ) -> list[tuple]:
        connection = connections[using]
        if compiled.needs_transaction and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        sql, params = compiled.sql, self._params(compiled, values)
        if window is not None:
            if compiled.needs_transaction or self.suffix:
                raise TemplateError("a window goes with a plain SELECT only")
            offset, limit = window  # bigints: one prepared statement for every page
            sql, params = f"{sql} LIMIT %s OFFSET %s", [*params, Int8(limit), Int8(offset)]
        return run_statement(connection, sql, params)[0]


class UpdateTemplate(Template):
    """``UpdateTemplate(build, booking_id=int, seq=int)``: ``build(booking_id=…, seq=…)``
    returns ``(queryset, updates)``, and ``run(**values)`` runs the UPDATE that
    ``queryset.update(**updates)`` runs, returning the number of rows changed. A value the ORM
    would prepare differently from the marker it was compiled with (a naive datetime, a bool for
    an integer, None) runs through the ORM (``accepts``). One table only: an update the ORM
    splits into several statements (a parent model's fields) is refused."""

    def run(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> int:
        compiled = self._compiled_for(using, values)
        if compiled is None:
            queryset, updates = self.build(**values)
            return queryset.using(using).update(**updates)
        params = self._params(compiled, values)
        with transaction.mark_for_rollback_on_error(using=using):
            return run_statement(connections[using], compiled.sql, params)[1]

    def run_later(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> None:
        """``run``, with the transaction's next statement or its commit, in the same round trip
        (``roombooking.cursors.defer_statement``): for an update whose row count nobody reads.
        An error of the update is raised by the statement or the commit it travels with. Where
        ``run`` would go through the ORM, the update runs now."""
        compiled = self._compiled_for(using, values)
        if compiled is None:
            queryset, updates = self.build(**values)
            queryset.using(using).update(**updates)
            return
        params = self._params(compiled, values)
        with transaction.mark_for_rollback_on_error(using=using):
            defer_statement(connections[using], compiled.sql, params)

    def _compiled_for(self, using: str, values: dict[str, Any]) -> _Compiled | None:
        """The compiled statement for these values, or None: the ORM's way."""
        compiled = self._for(using)
        if values.keys() != self.kinds.keys():
            raise TypeError(f"expected {sorted(self.kinds)}, got {sorted(values)}")
        if compiled is None or not all(
            accepts(self.kinds[name], value) for name, value in values.items()
        ):
            return None
        return compiled

    def _compiler(self, markers: dict[object, str], using: str):
        queryset, updates = self.build(**{name: marker for marker, name in markers.items()})
        query = queryset.query.chain(sql.UpdateQuery)
        query.add_update_values(updates)
        query.clear_select_clause()
        if query.related_updates:
            raise TemplateError(f"{self.build.__qualname__}: updates more than one table")
        return _UpdateCompiler(query.get_compiler(using=using))


class _UpdateCompiler:
    """An update compiler as _Compiled reads a select's (nothing selected, nothing locked)."""

    def __init__(self, compiler) -> None:
        self.compiler, self.query = compiler, compiler.query
        self.select, self.col_count = [], 0

    def as_sql(self):
        return self.compiler.as_sql()

    def get_converters(self, fields):
        return {}


def accepts(kind: type, value: object) -> bool:
    """Whether the ORM prepares ``value`` for a column of ``kind`` as it prepared the marker
    (so that the compiled statement with the value in the marker's place is the ORM's)."""
    if kind is int:
        return type(value) is int
    if kind is str:
        return isinstance(value, str)
    if kind is dt.datetime:
        return type(value) is dt.datetime and value.utcoffset() is not None
    return False
