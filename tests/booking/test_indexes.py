"""The two questions every booking asks read from indexes that match their filters, so their cost
follows what is upcoming, not the history that grows for as long as the service runs:

- the per-person limit's count of the booker's bookings that have not ended;
- the overlap check: does an active booking of the room share time with the slot?

Every booking runs both as prepared statements (roombooking/statements.py), and after five runs
PostgreSQL may keep a generic plan, made without the values: the plans are asserted for that
case, where an index that only starts with the right columns loses to a filter on the heap.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from apps.booking import selectors, services
from apps.booking.models import BOOKED, CANCELLED, Booking
from apps.booking.services import slots
from roombooking.statements import counted

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ENDED, UPCOMING, OTHER_ROOMS = 2000, 4, 9


def _bookings(user, room, *, first: dt.datetime, count: int, status: str = BOOKED) -> list:
    return [
        Booking(
            room=room,
            booking_user=user,
            use_start_dtm=first + dt.timedelta(hours=hour),
            use_end_dtm=first + dt.timedelta(hours=hour, minutes=30),
            status=status,
        )
        for hour in range(count)
    ]


def _with_history(user, room, now: dt.datetime, *more: Booking) -> None:
    """``ENDED`` bookings of ``user`` in ``room``, and a few in each of ``OTHER_ROOMS`` rooms (the
    planner then expects a room's share of the rows, not all of them), ended before ``now``;
    and ``more``."""
    past = now - dt.timedelta(days=400)
    history = _bookings(user, room, first=past, count=ENDED)
    for number in range(OTHER_ROOMS):
        other = services.create_room(name=f"Other room {number}", capacity=4)
        history += _bookings(user, other, first=past, count=ENDED // OTHER_ROOMS)
    Booking.objects.bulk_create([*history, *more])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Booking._meta.db_table}")


def _run_generic_plan(queryset: QuerySet) -> tuple[list[tuple], list[dict]]:
    """``queryset``'s rows and the nodes of its generic plan, run (EXPLAIN ANALYZE) as
    PREPARE/EXECUTE."""
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    numbered = sql % tuple(f"${n}" for n in range(1, len(params) + 1))
    # The values as literals: a parameter of EXECUTE would reach the server without a type.
    execute = connection.ops.compose_sql(
        "EXECUTE under_test(" + ", ".join(["%s"] * len(params)) + ")", params
    )
    with connection.cursor() as cursor:
        cursor.execute(f"PREPARE under_test AS {numbered}")
        try:
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute(execute)
            rows = cursor.fetchall()
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {execute}")
            [(explained,)] = cursor.fetchall()
        finally:
            cursor.execute("DEALLOCATE under_test")
    return rows, _nodes(explained[0]["Plan"])


def _nodes(plan: dict) -> list[dict]:
    return [plan] + [node for child in plan.get("Plans", []) for node in _nodes(child)]


def _index_reads_of_bookings(nodes: list[dict]) -> list[dict]:
    """The plan's reads of an index of the bookings (an index scan, or a bitmap's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s", [Booking._meta.db_table]
        )
        indexes = {name for (name,) in cursor.fetchall()}
    return [node for node in nodes if node.get("Index Name") in indexes]


def test_the_upcoming_count_reads_only_bookings_that_have_not_ended(user, other_user, room):
    now = timezone.now().replace(microsecond=0)
    _with_history(
        user,
        room,
        now,
        *_bookings(user, room, first=now + dt.timedelta(days=1), count=UPCOMING),
        *_bookings(user, room, first=now + dt.timedelta(days=2), count=2, status=CANCELLED),
        *_bookings(other_user, room, first=now + dt.timedelta(days=3), count=UPCOMING),
    )

    rows, nodes = _run_generic_plan(counted(selectors.future_bookings_of(user, now=now)))

    assert rows == [(UPCOMING,)]
    [index_read] = _index_reads_of_bookings(nodes)
    assert index_read["Index Name"] == "booking_user_upcoming", nodes
    assert "use_end_dtm" in index_read["Index Cond"], nodes
    assert index_read["Actual Rows"] == UPCOMING, nodes  # the person's history is not read
    assert not any(node.get("Rows Removed by Filter") for node in nodes), nodes


@pytest.mark.parametrize("taken", [False, True], ids=["free", "taken"])
def test_the_overlap_check_does_not_read_the_rooms_history(user, room, taken):
    now = timezone.now().replace(microsecond=0)
    start = now + dt.timedelta(days=7)
    in_the_way = _bookings(user, room, first=start - dt.timedelta(minutes=15), count=int(taken))
    later = _bookings(user, room, first=start + dt.timedelta(hours=2), count=UPCOMING)
    _with_history(user, room, now, *in_the_way, *later)

    rows, nodes = _run_generic_plan(
        slots._taken_or_held(
            room_id=room.pk,
            start=start,
            end=start + dt.timedelta(hours=1),
            now=now,
            holder_id=user.pk,
        )
    )

    assert rows == [(taken, False)]
    [index_read] = _index_reads_of_bookings(nodes)
    # Read from the room's first booking, its 2,000 ended ones took 13-14 pages of the index
    # ordered by start; from the first entry that ends after the slot starts: the root, a leaf
    # and, when one is in the way, its table page.
    assert index_read["Shared Hit Blocks"] + index_read["Shared Read Blocks"] <= 3, index_read
