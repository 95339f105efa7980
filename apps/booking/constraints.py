"""The database-level guarantee that a room is never double-booked (PostgreSQL only).

On SQLite the booking service's check-then-insert runs inside an IMMEDIATE transaction (the write
lock is taken at BEGIN), which serializes writers; SQLite has no exclusion constraints.
"""

from __future__ import annotations

from django.contrib.postgres import operations as postgres_operations
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Func


class TsTzRange(Func):
    """``tstzrange(start, end, '[)')``: the half-open interval a booking occupies."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresOnlyExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists on PostgreSQL and is silently absent elsewhere.

    Keeping it in the model's Meta (rather than in a raw SQL migration) keeps the migration state
    and the model in step; every SQL hook returns nothing on other databases, so the same migration
    runs on SQLite.
    """

    @staticmethod
    def _on_postgres(connection) -> bool:
        return connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if not self._on_postgres(schema_editor.connection):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not self._on_postgres(schema_editor.connection):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not self._on_postgres(schema_editor.connection):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if self._on_postgres(connections[using]):
            super().validate(model, instance, exclude=exclude, using=using)


class BtreeGistExtension(postgres_operations.BtreeGistExtension):
    """``CREATE EXTENSION btree_gist`` on PostgreSQL, nothing elsewhere.

    Unapplying leaves the extension installed: other tables may use it, and Django's own
    operation would query ``pg_extension`` even on SQLite.
    """

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        return None
