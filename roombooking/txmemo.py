"""What a transaction wrote, remembered for the rest of it, so that it need not read it back.

A booking's cascade publishes several events in one transaction (BookingCreated, then
ConfirmRequested), and each app's receiver of the second reads back what its receiver of the
first has just written (the booking list row, the booking's calendar state, the people it
emailed). A value remembered here is recalled only while it is still true: in the transaction
that wrote it, and not after a rollback to a savepoint it was written in.

How: with each value a no-op commit callback is registered. Django keeps a transaction's commit
callbacks until it ends, and drops those registered inside a savepoint that is rolled back; so
the value holds exactly as long as its callback is still pending. Outside a transaction nothing
is remembered (autocommit: each statement is its own transaction).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

from django.db import transaction

_local = threading.local()
_PRUNE_ABOVE = 512  # entries of ended transactions are dropped when the memo grows past this


class _Pending:
    """The commit callback that stands for one remembered value (it does nothing)."""

    __slots__ = ()

    def __call__(self) -> None:
        pass


def remember(namespace: str, key: Hashable, value: object) -> None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    token = _Pending()
    connection.on_commit(token)
    memo = _memo()
    if len(memo) > _PRUNE_ABOVE:
        pending = _pending_tokens(connection)
        for stale in [k for k, (t, _) in memo.items() if id(t) not in pending]:
            del memo[stale]
    memo[(namespace, key)] = (token, value)


def recall(namespace: str, key: Hashable) -> object | None:
    """The value remembered for ``key`` if it still holds, else None."""
    memo = _memo()
    entry = memo.get((namespace, key))
    if entry is None:
        return None
    token, value = entry
    if id(token) in _pending_tokens(transaction.get_connection()):
        return value
    del memo[(namespace, key)]
    return None


def forget(namespace: str) -> None:
    """Drop every value of ``namespace`` (its rows were rewritten some other way)."""
    memo = _memo()
    for key in [k for k in memo if k[0] == namespace]:
        del memo[key]


def _memo() -> dict:
    memo = getattr(_local, "memo", None)
    if memo is None:
        memo = _local.memo = {}
    return memo


def _pending_tokens(connection) -> set[int]:
    return {id(func) for _, func, _ in connection.run_on_commit if isinstance(func, _Pending)}
