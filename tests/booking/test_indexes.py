"""The per-person limit counts a person's upcoming bookings from an index that matches its
filter: it reads the bookings that have not ended, not the person's whole history.

Every booking runs the count as a prepared statement (roombooking/statements.py), and after
five runs PostgreSQL may keep a generic plan, made without the values: the plan is asserted
for that case, where an index that only starts with the person loses to a filter on the heap.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from apps.booking import selectors
from apps.booking.models import BOOKED, CANCELLED, Booking
from roombooking.statements import counted

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ENDED, UPCOMING, CANCELLED_UPCOMING = 1000, 4, 2


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


def _generic_plan_of_held_count(user, now: dt.datetime) -> tuple[int, dict]:
    """The count's rows and its generic plan, run (EXPLAIN ANALYZE) as PREPARE/EXECUTE."""
    sql, params = (
        counted(selectors.future_bookings_of(user, now=now))
        .query.get_compiler(connection=connection)
        .as_sql()
    )
    numbered = sql % tuple(f"${n}" for n in range(1, len(params) + 1))
    # The values as literals: a parameter of EXECUTE would reach the server without a type.
    execute = connection.ops.compose_sql(
        "EXECUTE held_count(" + ", ".join(["%s"] * len(params)) + ")", params
    )
    with connection.cursor() as cursor:
        cursor.execute(f"PREPARE held_count AS {numbered}")
        try:
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute(execute)
            [(held,)] = cursor.fetchall()
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {execute}")
            [(explained,)] = cursor.fetchall()
        finally:
            cursor.execute("DEALLOCATE held_count")
    return held, explained[0]["Plan"]


def _nodes(plan: dict) -> list[dict]:
    return [plan] + [node for child in plan.get("Plans", []) for node in _nodes(child)]


def test_the_upcoming_count_reads_only_bookings_that_have_not_ended(user, other_user, room):
    now = timezone.now().replace(microsecond=0)
    Booking.objects.bulk_create(
        _bookings(user, room, first=now - dt.timedelta(days=400), count=ENDED)
        + _bookings(user, room, first=now + dt.timedelta(days=1), count=UPCOMING)
        + _bookings(
            user, room, first=now + dt.timedelta(days=2), count=CANCELLED_UPCOMING, status=CANCELLED
        )
        + _bookings(other_user, room, first=now + dt.timedelta(days=3), count=UPCOMING)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Booking._meta.db_table}")

    held, plan = _generic_plan_of_held_count(user, now)

    assert held == UPCOMING
    nodes = _nodes(plan)
    [index_read] = [node for node in nodes if "Index Name" in node]  # an index scan, or bitmap
    assert index_read["Index Name"] == "booking_user_upcoming", nodes
    assert "use_end_dtm" in index_read["Index Cond"], nodes
    assert index_read["Actual Rows"] == UPCOMING, nodes  # the person's history is not read
    assert not any(node.get("Rows Removed by Filter") for node in nodes), nodes
