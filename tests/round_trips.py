"""Round trips to PostgreSQL, counted in the test's process."""

from __future__ import annotations

import psycopg


def count_round_trips(monkeypatch) -> list[int]:
    """A list that grows by one for each round trip from now on: each of psycopg's waits that
    sends or reads on the socket (a wait whose generator has nothing to do, as psycopg's commit
    of a transaction already committed, is none)."""
    counted: list[int] = []
    wait = psycopg.Connection.wait

    def counting(self, gen, *args, **kwargs):
        def watched():
            waited = False
            ready = None
            try:
                while True:
                    asked = gen.send(ready)
                    if not waited:
                        counted.append(1)
                        waited = True
                    ready = yield asked
            except StopIteration as stop:
                return stop.value

        return wait(self, watched(), *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "wait", counting)
    return counted
