"""The hot path's database work, counted: a booking (with its approval request, booking list row,
outbox rows and event log rows) and the list pages stay within fixed numbers of statements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.booking import services
from tests.booking.conftest import compact, future
from tests.round_trips import count_round_trips

# Measured: 19 on SQLite, 20 on PostgreSQL (its per-room advisory lock), transaction control
# included; docs/performance.md lists them statement by statement. The waitlist's hold check
# (docs/waitlist.md) shares its SELECT with the overlap check; the approval request's booking
# list row and managers' addresses are remembered from the booking's (roombooking.txmemo), and
# its check for a cancellation of the new booking is answered by the bus's cascade.
MAX_BOOKING_STATEMENTS = {"sqlite": 19, "postgresql": 20}


@pytest.mark.django_db(transaction=True)
def test_a_booking_takes_a_fixed_number_of_statements(client_for, user, manager):
    room = services.create_room(name="Counted", capacity=4, managers=[manager.username])
    client = client_for(user)
    counts = []
    for day in (10, 11, 12):
        start = future(days=day)
        body = {
            "roomId": room.pk,
            "useStartDtm": compact(start),
            "useEndDtm": compact(start + dt.timedelta(hours=1)),
        }
        with CaptureQueriesContext(connection) as queries:
            assert client.post("/bookings", body, format="json").status_code == 201
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts  # the same work every time
    assert counts[0] <= MAX_BOOKING_STATEMENTS[connection.vendor], [
        q["sql"][:120] for q in queries.captured_queries
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/bookings", "/rooms", "/confirms", "/notifications"])
def test_list_pages_take_the_same_number_of_queries_whatever_their_size(
    client_for, staff_user, manager, path
):
    room = services.create_room(name="Listed", capacity=4, managers=[manager.username])
    for day in range(10, 40):
        start = future(days=day)
        services.create_booking(
            actor=staff_user, room_id=room.pk, use_start_dtm=start,
            use_end_dtm=start + dt.timedelta(hours=1),
        )  # fmt: skip
    client = client_for(staff_user)
    client.get(path)  # warm the user's permission cache as a real request would

    def count(size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{path}?page_size={size}").status_code == 200
        return len(queries)

    assert count(1) == count(10) == count(30)


# Measured: 14 on PostgreSQL since 2026-11-27 (20 before): the approver row, the booking list
# row and its manager row, the approval status and the booking list row's update travel with
# the next statement or the COMMIT, and BEGIN with the first statement
# (roombooking.postgresql.prepared.defer; docs/performance.md). 12 since 2026-11-28: the booker's
# row lock travels with the upcoming-booking count, the room's advisory lock with the overlap check.
MAX_BOOKING_ROUND_TRIPS = 12


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's round trips")
def test_a_booking_waits_for_a_fixed_number_of_answers(client_for, user, manager, monkeypatch):
    room = services.create_room(name="Waited", capacity=4, managers=[manager.username])
    client = client_for(user)
    counts = []
    for day in (10, 11, 12):  # the first prepares its statements
        start = future(days=day)
        body = {
            "roomId": room.pk,
            "useStartDtm": compact(start),
            "useEndDtm": compact(start + dt.timedelta(hours=1)),
        }
        with monkeypatch.context() as patch:
            waits = count_round_trips(patch)
            assert client.post("/bookings", body, format="json").status_code == 201
        counts.append(len(waits))
    assert counts[1] == counts[2] <= MAX_BOOKING_ROUND_TRIPS, counts
