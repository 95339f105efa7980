"""Running actions at the same moment in threads, each on its own database connection: in
whichever order the scheduler picks (``race``), or in an order arranged with the lock they
contend for (``in_order``)."""

from __future__ import annotations

import contextlib
import functools
import importlib
import threading
from collections.abc import Callable, Sequence
from typing import Any
from unittest import mock

from django.db import connection

TIMEOUT = 60


def race(*actions: Callable[[], Any]) -> list[Any]:
    """Start every action at once (a barrier) and return their results in order; an exception
    is returned as the result instead of being raised."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            results[index] = action()
        except Exception as exc:  # the outcome under test
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, action), daemon=True)
        for i, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a racing action did not finish"
    return results


def take_deferred_lock() -> None:
    """Send now what the lock function left for the transaction's next statement
    (``lock_room(room, with_next_statement=True)``): a cursor's statement sends it first, and
    only then does this thread hold the lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


class _Order:
    """The state two ``in_order`` threads share: which of them is which, and the two moments
    that arrange the order (``first`` holds the lock, ``second`` is about to ask for it)."""

    def __init__(self) -> None:
        self.role = threading.local()
        self.first_holds, self.second_asks = threading.Event(), threading.Event()
        self.first_locked = self.second_asked = False

    def gated(self, real: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(real)
        def call(*args: Any, **kwargs: Any) -> Any:
            role = getattr(self.role, "name", None)
            if role == "second" and not self.second_asked:
                self.second_asked = True
                self.second_asks.set()  # and now waits in ``real`` for first to commit
            result = real(*args, **kwargs)
            if role == "first" and not self.first_locked:
                take_deferred_lock()
                self.first_locked = True
                self.first_holds.set()
                # Keep the lock, in first's open transaction, until second asks for it.
                self.second_asks.wait(TIMEOUT)
            return result

        return call


def in_order(
    first: Callable[[], Any], second: Callable[[], Any], *, lock: Sequence[str]
) -> list[Any]:
    """Run ``first`` and ``second`` at once, each on its own connection, in a known order:
    ``first`` takes the contended lock and keeps it, its transaction open, until ``second`` is
    about to ask for the same lock; ``second`` then waits for ``first`` to commit and goes on
    against what ``first`` wrote. ``race`` leaves the order to the scheduler, so which order a
    test sees is luck; this arranges each order on purpose, so a test can assert both.

    ``lock``: dotted paths of the function that takes the lock (``lock_room``,
    ``roombooking.bus.lock_booking``), patched for the call; several when modules import it by
    name. Each thread's first call of it is the one that counts, so both must take the same lock
    first. Returns the results like ``race``; fails when the order could not be arranged (a
    thread that never took the lock)."""
    order = _Order()
    results: list[Any] = [None, None]

    def run(index: int, role: str, action: Callable[[], Any]) -> None:
        order.role.name = role
        try:
            if role == "second":
                order.first_holds.wait(TIMEOUT)
            results[index] = action()
        except Exception as exc:  # the outcome under test
            results[index] = exc
        finally:
            # Never leave the other thread waiting for a moment that will not come.
            (order.first_holds if role == "first" else order.second_asks).set()
            connection.close()

    with contextlib.ExitStack() as patches:
        for path in lock:
            module, name = path.rsplit(".", 1)
            owner = importlib.import_module(module)
            patches.enter_context(mock.patch.object(owner, name, order.gated(getattr(owner, name))))
        threads = [
            threading.Thread(target=run, args=(0, "first", first), daemon=True),
            threading.Thread(target=run, args=(1, "second", second), daemon=True),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
            assert not thread.is_alive(), "an ordered action did not finish"
    assert order.first_locked and order.second_asked, (
        f"the order was not arranged (first took the lock: {order.first_locked}, second asked "
        f"for it: {order.second_asked}): {results}"
    )
    return results
