"""Django's SQL compilers, with the text of an INSERT built once per shape.

Django assembles an INSERT's text anew for every row it writes (quoting each column, joining a
placeholder per value), though for one model, one set of columns and one number of rows it is
always the same: with the ORM building the statements, that was about a twelfth of a booking's
Python CPU (nine inserts each). Here the text is kept per shape, and each insert only prepares
its values, exactly as Django does (``pre_save_val`` and ``prepare_value``, which also run every
field's ``pre_save``). Not kept: statements with expressions among the values, fields with
placeholders of their own, or several statements per insert (tested against Django's compiler
in tests/platform/test_postgresql_backend.py).
"""

from __future__ import annotations

from django.db.models.sql import compiler
from django.db.models.sql.compiler import (  # noqa: F401 (a backend's compiler module offers all)
    SQLAggregateCompiler,
    SQLCompiler,
    SQLDeleteCompiler,
    SQLUpdateCompiler,
)

_KNOWN: dict[tuple, tuple[str, tuple]] = {}  # shape -> (text, returning params)


class SQLInsertCompiler(compiler.SQLInsertCompiler):
    def as_sql(self):
        shape = self._shape()
        known = _KNOWN.get(shape) if shape is not None else None
        if known is None:
            self._plain_values = False
            statements = super().as_sql()
            if shape is not None and self._plain_values and len(statements) == 1:
                _KNOWN[shape] = (statements[0][0], tuple(getattr(self, "returning_params", ())))
            return statements
        fields = self.query.fields
        values = [
            self.prepare_value(field, self.pre_save_val(field, obj))
            for obj in self.query.objs
            for field in fields
        ]
        if any(hasattr(value, "as_sql") for value in values):
            return super().as_sql()  # an expression: Django places it (pre_save runs again)
        text, returning_params = known
        if self.returning_fields:
            self.returning_params = returning_params
        return [(text, (*values, *returning_params))]

    def assemble_as_sql(self, fields, value_rows):
        self._plain_values = not any(
            hasattr(value, "as_sql") for row in value_rows for value in row
        )
        return super().assemble_as_sql(fields, value_rows)

    def _shape(self) -> tuple | None:
        query, fields = self.query, self.query.fields
        if not fields or any(hasattr(field, "get_placeholder") for field in fields):
            return None
        return (
            query.model,
            tuple(fields),
            len(query.objs),
            tuple(self.returning_fields or ()),
            query.on_conflict,
            tuple(query.update_fields or ()),
            tuple(query.unique_fields or ()),
        )
