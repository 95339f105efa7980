"""Several statements in one round trip: libpq's pipeline mode, for ``prepared.py``.

The statements go out together with one sync at the end, and PostgreSQL answers them in order;
after an error it skips the rest up to the sync (``PIPELINE_ABORTED``), so what ran before the
error ran, and nothing after it. Statements not yet prepared in the session are prepared in the
same round trip, under psycopg's own register, as ``prepared.run`` prepares them.
"""

from __future__ import annotations

from psycopg import errors, pq
from psycopg._preparing import Prepare
from psycopg.waiting import Ready, Wait

_FATAL, _ABORTED, _SYNC = (
    pq.ExecStatus.FATAL_ERROR, pq.ExecStatus.PIPELINE_ABORTED, pq.ExecStatus.PIPELINE_SYNC,
)  # fmt: skip
_WAIT_R, _WAIT_RW, _READY_R = Wait.R, Wait.RW, Ready.R
_SHOULD = Prepare.SHOULD
_TEXT = pq.Format.TEXT


def exchange(session, begin: bytes | None, items: list, commit: bool = False) -> list:
    """Send ``begin``, ``items`` (bound statements of ``prepared``, each prepared first if it
    is not yet) and ``COMMIT`` in libpq's pipeline mode, one round trip; returns each item's
    last result. The first error is raised, after psycopg's register of prepared statements
    has learnt which were prepared."""
    raw = session.raw
    pgconn, manager = raw.pgconn, raw._prepared
    sent: list[tuple] = []
    naming: dict[tuple, bytes] = {}  # prepared in this exchange, not registered yet
    pgconn.enter_pipeline_mode()
    try:
        if begin is not None:
            pgconn.send_query_params(begin, None)
        for bound in items:
            statement = bound.statement
            name = manager._names.get(statement.key)
            prepare = False
            if name is not None:
                manager._names.move_to_end(statement.key)
            elif statement.key in naming:
                name = naming[statement.key]
            else:
                prepare = True
                _, name = manager.get(statement, True)
                naming[statement.key] = name
                pgconn.send_prepare(name, statement.query, param_types=statement.types)
            pgconn.send_query_prepared(
                name, bound.values, param_formats=bound.formats, result_format=_TEXT
            )
            sent.append((statement, name, prepare))
        if commit:
            pgconn.send_query_params(b"COMMIT", None)
        pgconn.pipeline_sync()
        groups = raw.wait(_pipeline_results(pgconn))
    finally:
        _leave_pipeline(pgconn)
    answers = iter(groups)
    failed = None
    if begin is not None:
        failed = _first_error(next(answers))
    last = []
    for statement, name, prepare in sent:
        if prepare:
            prepared = next(answers)
            failed = failed or _first_error(prepared)
            if not any(r.status in (_FATAL, _ABORTED) for r in prepared):
                manager.maybe_add_to_cache(statement, _SHOULD, name)
        results = next(answers)
        failed = failed or _first_error(results)
        if prepare:
            manager.validate(statement.key, _SHOULD, name, results)
        last.append(results[-1])
    if commit:
        failed = failed or _first_error(next(answers))
    if failed is not None:
        raise errors.error_from_result(failed, encoding=session.encoding)
    return last


def _pipeline_results(pgconn):
    """psycopg's waiting protocol: send what libpq holds, then read every statement's results
    (a list each) up to the pipeline's sync."""
    while pgconn.flush():
        if (yield _WAIT_RW) & _READY_R:
            pgconn.consume_input()
    groups: list[list] = []
    current: list = []
    while True:
        while pgconn.is_busy():
            yield _WAIT_R
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            if current:  # one statement's results end
                groups.append(current)
                current = []
            else:  # the next statement's have not arrived yet
                yield _WAIT_R
                pgconn.consume_input()
        elif result.status == _SYNC:
            return groups
        else:
            current.append(result)


def _leave_pipeline(pgconn) -> None:
    """Back to libpq's normal mode. With results still pending (the exchange failed mid-way:
    that error is the one raised) the session cannot leave it: it is closed, and Django, which
    finds it closed, opens another instead of sending to a session in a state of its own."""
    try:
        pgconn.exit_pipeline_mode()
    except errors.OperationalError:
        pgconn.finish()


def _first_error(results: list):
    return next((r for r in results if r.status == _FATAL), None)
