"""The database state every booking and list page measurement starts from.

Before 2026-11-28 the limit and the service ran one after the other on tables that grew with
every run: pgbench wrote some 20,000 bookings in its two 10-second runs, and the service then ran
on those. Each booking counts its booker's upcoming bookings and checks its room for overlaps,
so the later runs did more work per booking: in one probe the limit gave 824, 2,015, 955 and
1,429 tx/s on 0, 8,000, 38,000 and 48,000 bookings, and the service's runs came after the
limit's. The share compared two different databases.

Now a ``Baseline`` is made once (after the list rows are loaded): each bench user holds
``HISTORY_PER_USER`` upcoming bookings (the production cap, BOOKING_MAX_FUTURE_PER_USER's
default), so the planner's statistics and each booking's count are those of a used office, not
of an empty table. ``restore()`` brings the booking tables back to it and settles the database
(``harness.settle``) before each measurement: the limit's and the service's runs all start from
the same rows.
"""

from __future__ import annotations

import time

from bench import harness

HISTORY_PER_USER = 100

# Booked slots after the range the load generators draw from (BASE_EPOCH plus up to five million
# minutes), one hour each, a minute apart per room, over every room: they count as upcoming for
# their booker and never collide with a generated slot, so the 409 rate stays what it was.
HISTORY_SQL = """
INSERT INTO booking_booking (room_id, booking_user_id, use_start_dtm, use_end_dtm, status,
    created_at, updated_at, cancel_cause, cancel_reason, approval_status, approval_seq, detached)
SELECT rooms.ids[1 + i %% rooms.n], users.ids[1 + (i / rooms.n) %% users.n],
    to_timestamp(%(base)s::bigint + (5000060 + (i / rooms.n) * 61) * 60),
    to_timestamp(%(base)s::bigint + (5000120 + (i / rooms.n) * 61) * 60),
    'BOOKED', now(), now(), '', '', 'BOOKED', 0, false
FROM generate_series(0, %(count)s - 1) AS i,
    (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM booking_room) AS rooms,
    (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM auth_user
     WHERE username ~ '^bench[0-9]+$') AS users
"""


class Baseline:
    """The booking tables as they are now plus each bench user's history, kept for ``restore``.

    Tables empty now are emptied again, and the history written again into the (empty) bookings
    table: fresh pages and indexes each time, where deleting a run's rows would leave them to
    grow. Tables holding rows now (the rooms, the loaded booking list) lose the rows added
    since."""

    def __init__(self, database_url: str, models: list, *, base_epoch: int) -> None:
        from django.db import connection

        self.database_url = database_url
        self.values = {"base": base_epoch}
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM auth_user WHERE username ~ '^bench[0-9]+$'")
            self.values["count"] = cursor.fetchone()[0] * HISTORY_PER_USER
            self.tops: dict[str, tuple[str, int]] = {}
            for model in models:
                table, key = model._meta.db_table, model._meta.pk.column
                cursor.execute(f"SELECT COALESCE(max({quote(key)}), 0) FROM {quote(table)}")
                self.tops[table] = (key, cursor.fetchone()[0])
        if self.tops["booking_booking"][1]:
            raise ValueError("a baseline starts from an empty bookings table (reset_bookings)")
        self.restore()

    def restore(self) -> None:
        from django.db import connection, transaction

        started = time.perf_counter()
        quote = connection.ops.quote_name
        emptied = [table for table, (_, top) in self.tops.items() if top == 0]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(quote(table) for table in emptied))
            cursor.execute(HISTORY_SQL, self.values)
            for table, (key, top) in self.tops.items():
                if table not in emptied:
                    cursor.execute(f"DELETE FROM {quote(table)} WHERE {quote(key)} > %s", [top])
        connection.close()  # the settle's VACUUM must not wait for this session
        harness.settle(self.database_url)
        self.seconds = time.perf_counter() - started

    @property
    def bookings(self) -> int:
        return self.values["count"]
