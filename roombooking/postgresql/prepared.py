"""The platform's kept statements, run as prepared statements straight through libpq.

A statement through a psycopg cursor passes some twenty Python frames on its way: Django's
cursor wrapper, psycopg's query conversion (the text's placeholders, looked up in a cache), its
prepared-statement bookkeeping (counting runs before it prepares), its generators, the cursor's
result selection. For the statements the platform keeps (``roombooking.statements``, the INSERT
texts of ``compiler.py``) most of that is known after their first run: the text is fixed, so is
whether it is prepared. Timed in-process, a one-row SELECT by primary key took 77–95 µs of CPU
on Django's kept cursor, 57–72 µs on a bare psycopg cursor and 26–54 µs through ``run`` (5 runs
of 5,000 each); a booking runs about eighteen such statements.

``run`` binds and executes a statement with psycopg's C adapters (the connection's: Django's
loaders included) and its C ``execute`` generator, under the connection's lock, opening the
transaction as psycopg would. It prepares a statement the first time it sees its text with those
parameter types, in psycopg's own register of the session's prepared statements: psycopg then
forgets them with its own (it deallocates every one after a rollback, since a rolled-back DROP
may have made them stale) and evicts the least used beyond its maximum, and ``run`` prepares
again what is gone. Errors are psycopg's own exceptions, built from the server's answer.

Only where it cannot differ from the cursor's path (``session``): a PostgreSQL session with the
C extension, prepared statements allowed (``DATABASE_PREPARE_THRESHOLD`` not ``off``), no
pipeline, no execute wrappers installed, queries not logged (the debug cursor must see them).
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import errors, pq
from psycopg._cmodule import _psycopg  # None without psycopg's C extension (psycopg-binary)
from psycopg._preparing import Prepare
from psycopg._queries import PostgresQuery
from psycopg.adapt import PyFormat, Transformer

_SESSION = "_roombooking_prepared"  # on the DatabaseWrapper: the session's prepared statements
_TUPLES_OK, _COMMAND_OK, _FATAL = (
    pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK, pq.ExecStatus.FATAL_ERROR,
)  # fmt: skip
_IDLE = pq.TransactionStatus.IDLE
_SHOULD = Prepare.SHOULD
_TEXT = pq.Format.TEXT
_TIMESTAMPTZ = 1184  # the type's oid
_CONNECTION_OK = pq.ConnStatus.OK


class _Session:
    """What one database session's runs share: the adapters' transformer, the texts."""

    __slots__ = ("raw", "transformer", "statements", "formats", "encoding", "usable")

    def __init__(self, raw) -> None:
        self.raw = raw
        self.transformer = Transformer(raw)
        # (Django's text, the parameters' types) -> PostgreSQL's text ($1 placeholders)
        self.statements: dict[tuple[str, tuple[int, ...]], _Statement] = {}
        self.formats: dict[int, list[PyFormat]] = {}
        self.encoding = raw.pgconn._encoding
        self.usable = True


def session(connection) -> _Session | None:
    """The session's state, when ``run`` may take a statement instead of a cursor (see the
    module's doc): not while the request's health check is due (the caller runs it first), nor
    while queries are logged or execute wrappers are installed; None when it may not."""
    raw = connection.connection
    found = connection.__dict__.get(_SESSION)
    if found is None or found.raw is not raw:
        if raw is None:
            return None
        found = connection.__dict__[_SESSION] = _Session(raw)
        found.usable = _psycopg is not None and _loads_like_cursors(connection)
    if (
        not found.usable
        or connection.execute_wrappers
        or connection.queries_logged
        or not (connection.health_check_done or not connection.health_check_enabled)
        or raw.pgconn.status != _CONNECTION_OK
        or raw._pipeline is not None
        or raw._prepared.prepare_threshold is None
    ):
        return None
    return found


def _loads_like_cursors(connection) -> bool:
    """Django gives a cursor a timestamp loader of its own when the session's zone differs
    from its connection's loader's (``create_cursor``); ``run`` loads with the connection's."""
    loader = connection.connection.adapters.get_loader(_TIMESTAMPTZ, _TEXT)
    return loader is not None and getattr(loader, "timezone", None) == connection.timezone


def run(session: _Session, sql: str, params: Sequence) -> tuple[list[tuple], int]:
    """Run ``sql`` (Django's placeholders) with ``params`` on the ``session`` (from
    ``session(connection)``); returns its rows (tuples, loaded as a cursor loads them) and its
    row count. The caller translates errors (``connection.wrap_database_errors``)."""
    raw, transformer = session.raw, session.transformer
    with raw.lock:
        pgconn = raw.pgconn
        if not raw._autocommit and pgconn.transaction_status == _IDLE:
            raw.wait(raw._start_query())  # BEGIN, as psycopg sends it
        count = len(params)
        formats = session.formats.get(count)
        if formats is None:
            formats = session.formats[count] = [PyFormat.AUTO] * count
        values = transformer.dump_sequence(params, formats)
        statement = session.statements.get((sql, transformer.types))
        if statement is None:
            statement = _Statement(_converted(session, sql, params), transformer.types)
            session.statements[(sql, transformer.types)] = statement
        # psycopg's own register of the session's prepared statements: it forgets them (and
        # deallocates them) when a rollback or a DROP may have made them stale, and evicts the
        # least used beyond its maximum. Asked to prepare at once (True), not after five runs.
        manager = raw._prepared
        name = manager._names.get(statement.key)
        prepare = name is None
        if prepare:
            _, name = manager.get(statement, True)
            pgconn.send_prepare(name, statement.query, param_types=statement.types)
            for result in raw.wait(_psycopg.execute(pgconn)):
                if result.status == _FATAL:
                    raise errors.error_from_result(result, encoding=session.encoding)
            manager.maybe_add_to_cache(statement, _SHOULD, name)
        else:
            manager._names.move_to_end(statement.key)
        pgconn.send_query_prepared(
            name, values, param_formats=transformer.formats, result_format=_TEXT
        )
        results = raw.wait(_psycopg.execute(pgconn))
        if prepare:
            manager.validate(statement.key, _SHOULD, name, results)
        if manager._to_flush:
            raw.wait(manager.maintain_gen(raw))
    result = results[-1]
    status = result.status
    if status == _TUPLES_OK:
        transformer.set_pgresult(result)
        return transformer.load_rows(0, result.ntuples, tuple), result.ntuples
    if status == _COMMAND_OK:
        found = result.command_tuples
        return [], -1 if found is None else found
    if status == _FATAL:
        raise errors.error_from_result(result, encoding=session.encoding)
    raise errors.InternalError(f"unexpected result status {pq.ExecStatus(status).name}")


class _Statement:
    """What psycopg's prepared-statement register reads of a query."""

    __slots__ = ("query", "types", "key")

    def __init__(self, query: bytes, types: tuple[int, ...]) -> None:
        self.query, self.types, self.key = query, types, (query, types)


def _converted(session: _Session, sql: str, params: Sequence) -> bytes:
    """PostgreSQL's text of Django's ``sql`` ($1 placeholders), by psycopg's own conversion."""
    query = PostgresQuery(session.transformer)
    query.convert(sql, params)
    return query.query
