"""Running actions at the same moment in threads, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

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
