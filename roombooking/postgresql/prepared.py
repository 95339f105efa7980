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

Round trips: the transaction's ``BEGIN`` travels with its first statement, and writes whose
answers nobody reads (``defer``: the approver row, the booking list's rows and updates, the
booking's approval status) wait for the transaction's next statement or its ``COMMIT`` and
travel with it, all in libpq's pipeline mode (``pipeline.py``): a booking went from 20 round
trips to 14 (tests/booking/test_query_counts.py) and its latency down a little; throughput did
not move (docs/performance.md). Locks whose next statement is what waits for them travel the
same way (``Template.run_later``, ``lock_room(with_next_statement=True)``): 12. Django's
checks before every cursor statement, its commit and its rollbacks send or drop them
(``roombooking/postgresql/base.py``).

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

from roombooking.postgresql.pipeline import exchange

# On psycopg's connection, the session's own: one per session, however Django's connection is
# reached (the wrapper or the ``connection`` proxy), so every run sees the deferred writes.
_SESSION = "_roombooking_prepared"
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

    __slots__ = ("raw", "transformer", "statements", "formats", "encoding", "usable", "pending")

    def __init__(self, raw) -> None:
        self.raw = raw
        self.transformer = Transformer(raw)
        # (Django's text, the parameters' types) -> PostgreSQL's text ($1 placeholders)
        self.statements: dict[tuple[str, tuple[int, ...]], _Statement] = {}
        self.formats: dict[int, list[PyFormat]] = {}
        self.encoding = raw.pgconn._encoding
        self.usable = True
        # Writes whose answers nobody reads (``defer``), bound, in order: they go to the server
        # with the transaction's next statement or its commit, in the same round trip.
        self.pending: list[_Bound] = []


def session(connection) -> _Session | None:
    """The session's state, when ``run`` may take a statement instead of a cursor (see the
    module's doc): not while the request's health check is due (the caller runs it first), nor
    while queries are logged or execute wrappers are installed; None when it may not."""
    raw = connection.connection
    if raw is None:
        return None
    found = getattr(raw, _SESSION, None)
    if found is None:
        found = _Session(raw)
        setattr(raw, _SESSION, found)
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
    row count. The caller translates errors (``connection.wrap_database_errors``).

    The transaction's ``BEGIN`` (psycopg's own text) and the writes deferred before it
    (``defer``) travel with it in one round trip (libpq's pipeline mode); an error of any of
    them is raised here, the first one's."""
    raw = session.raw
    with raw.lock:
        bound = _bind(session, sql, params)
        begin = _begin(raw)
        if begin is None and not session.pending:
            result = _run_alone(session, bound)
        else:
            result = exchange(session, begin, [*_take_pending(session), bound])[-1]
        if raw._prepared._to_flush:
            raw.wait(raw._prepared.maintain_gen(raw))
    return _answer(session, result)


def defer(session: _Session, sql: str, params: Sequence) -> None:
    """Bind ``sql`` with ``params`` now and send it with the transaction's next statement
    (``run``, a cursor's: ``flush``) or its commit (``commit``), in the same round trip. For
    writes inside a transaction whose answers nobody reads: an error of one is raised by the
    statement or the commit it travels with, and rolls the transaction back as any error
    does."""
    with session.raw.lock:
        session.pending.append(_bind(session, sql, params))


def flush(session: _Session) -> None:
    """Send the deferred writes now (before a statement that does not go through ``run``)."""
    raw = session.raw
    with raw.lock:
        if session.pending:
            exchange(session, _begin(raw), _take_pending(session))


def commit(session: _Session) -> None:
    """Send the deferred writes and ``COMMIT`` in one round trip. psycopg's own ``commit()``
    then finds the session idle and sends nothing."""
    raw = session.raw
    with raw.lock:
        if session.pending:
            exchange(session, _begin(raw), _take_pending(session), commit=True)


def holding(connection) -> _Session | None:
    """The connection's session when it holds deferred writes, else None."""
    found = getattr(connection.connection, _SESSION, None)
    return found if found is not None and found.pending else None


def forget(session: _Session) -> None:
    """Drop the deferred writes (the transaction is rolled back: they would be too)."""
    session.pending.clear()


class _Bound:
    """A statement with its parameters dumped, ready to send."""

    __slots__ = ("statement", "values", "formats")

    def __init__(self, statement: _Statement, values, formats) -> None:
        self.statement, self.values, self.formats = statement, values, formats


def _bind(session: _Session, sql: str, params: Sequence) -> _Bound:
    transformer = session.transformer
    count = len(params)
    formats = session.formats.get(count)
    if formats is None:
        formats = session.formats[count] = [PyFormat.AUTO] * count
    values = transformer.dump_sequence(params, formats)
    statement = session.statements.get((sql, transformer.types))
    if statement is None:
        statement = _Statement(_converted(session, sql, params), transformer.types)
        session.statements[(sql, transformer.types)] = statement
    return _Bound(statement, values, transformer.formats)


def _begin(raw) -> bytes | None:
    """psycopg's ``BEGIN`` when the session is idle in a transaction psycopg would open."""
    if raw._autocommit or raw.pgconn.transaction_status != _IDLE:
        return None
    return raw._get_tx_start_command()


def _take_pending(session: _Session) -> list[_Bound]:
    pending, session.pending = session.pending, []
    return pending


def _run_alone(session: _Session, bound: _Bound):
    """One statement, its own round trip (and its PREPARE's, the first time)."""
    raw, statement = session.raw, bound.statement
    pgconn = raw.pgconn
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
    pgconn.send_query_prepared(name, bound.values, param_formats=bound.formats, result_format=_TEXT)
    results = raw.wait(_psycopg.execute(pgconn))
    if prepare:
        manager.validate(statement.key, _SHOULD, name, results)
    return results[-1]


def _answer(session: _Session, result) -> tuple[list[tuple], int]:
    status = result.status
    if status == _TUPLES_OK:
        transformer = session.transformer
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
