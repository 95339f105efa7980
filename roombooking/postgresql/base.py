"""Django's PostgreSQL backend, reading timestamps with psycopg's C loader, building the
text of an INSERT once per shape (``compiler.py``), and writing JSON parameters with orjson
where it writes the same value (``jsonb.py``).

Django registers its own ``timestamptz`` loader (to give every value the connection's time
zone), a subclass of psycopg's pure-Python one: parsing a timestamp in Python was about a
twentieth of a booking list page, which reads six per row. Our connections run in UTC
(``settings.USE_TZ``, no ``TIME_ZONE`` per database), where psycopg's C loader gives the same
values: aware datetimes in ``datetime.UTC``. It is used then; anything else keeps Django's.

Its health check (``is_usable``) sends a statement only when the connection's socket has
something to say.
"""

from __future__ import annotations

import datetime as dt
import select
from functools import lru_cache

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader, get_adapters_template
from django.db.backends.utils import debug_transaction
from django.db.models.fields.composite import CompositePrimaryKey
from psycopg import adapt
from psycopg._cmodule import _psycopg  # None without psycopg's C extension (psycopg-binary)
from psycopg.types.json import Jsonb

from roombooking.postgresql import jsonb, prepared

# The protocol counts a statement's bound parameters in 16 bits. Django's PostgreSQL backend
# puts no limit on a batch (with client-side binding there was none), so with server-side
# binding a large enough bulk_create, bulk_update or deletion failed outright.
MAX_QUERY_PARAMS = 65_535


class DatabaseOperations(base.DatabaseOperations):
    compiler_module = "roombooking.postgresql.compiler"  # INSERT texts built once per shape

    def bulk_batch_size(self, fields, objs) -> int:
        """As many rows a statement as the protocol's parameter limit allows (as Django's
        Oracle and SQLite backends do for theirs)."""
        params_per_row = sum(
            len(field.fields) if isinstance(field, CompositePrimaryKey) else 1 for field in fields
        )
        return MAX_QUERY_PARAMS // params_per_row if params_per_row else len(objs)

    def adapt_json_value(self, value, encoder):
        if encoder is None:  # Django's json.dumps: the same jsonb value, written faster
            return Jsonb(value, dumps=jsonb.dumps)
        return super().adapt_json_value(value, encoder)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def is_usable(self) -> bool:
        """Django's health check (``CONN_HEALTH_CHECKS``, at a request's first statement) without
        its round trip while the session is quiet. Django sends ``SELECT 1``: about 0.2 ms of
        Python CPU and 0.4 ms of waiting, on every request (measured in-process). An idle session
        has nothing to read; when the server ends one (a restart, ``pg_terminate_backend``, an
        idle timeout) it says so or closes the socket, which then has something to read. So a
        socket with something to read gets Django's check (a notification waiting is harmless:
        the check passes), a quiet one is usable, and a connection psycopg knows to be broken
        is not."""
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            quiet = not poller.poll(0)
        except (OSError, ValueError):
            quiet = False
        return True if quiet else super().is_usable()

    # Deferred writes (``prepared.defer``) travel with the transaction's next statement: the
    # kept statements' (``prepared.run``), a cursor's (Django checks the transaction before
    # every cursor statement, savepoints' included: they are sent first), or its commit's. A
    # rollback drops them, and so does a rollback to a savepoint: the savepoint's own statement
    # sent every write deferred before it, so what is still held was deferred after it.

    def validate_no_broken_transaction(self) -> None:
        super().validate_no_broken_transaction()
        session = prepared.holding(self)
        if session is not None:
            with self.wrap_database_errors:
                prepared.flush(session)

    def _commit(self):
        session = prepared.holding(self)
        if session is not None:
            with debug_transaction(self, "COMMIT"), self.wrap_database_errors:
                prepared.commit(session)  # psycopg's commit below then finds nothing to do
        return super()._commit()

    def _rollback(self):
        session = prepared.holding(self)
        if session is not None:
            prepared.forget(session)
        return super()._rollback()

    def _savepoint_rollback(self, sid):
        session = prepared.holding(self)
        if session is not None:
            prepared.forget(session)
        return super()._savepoint_rollback(sid)

    def get_connection_params(self):
        params = super().get_connection_params()
        if _psycopg is not None and self.timezone is dt.UTC:
            params["context"] = _utc_adapters()
        return params


class UtcTimestamptzLoader(BaseTzLoader):
    """Django's loader class (Django's cursors compare its ``timezone`` with the connection's
    and register their own when they differ), whose instances are psycopg's C loader: the C
    type cannot be subclassed, and psycopg calls the class to make each cursor's loader."""

    timezone = dt.UTC

    def __new__(cls, oid, context=None):
        return _psycopg.TimestamptzLoader(oid, context)


@lru_cache
def _utc_adapters() -> adapt.AdaptersMap:
    adapters = adapt.AdaptersMap(get_adapters_template(True, dt.UTC))
    adapters.register_loader("timestamptz", UtcTimestamptzLoader)
    return adapters
