"""No double booking under concurrency: the real HTTP stack (gunicorn, several processes) and
threads through the service. On PostgreSQL the exclusion constraint decides races; on SQLite
IMMEDIATE transactions serialize the check and the insert."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection, connections
from rest_framework.authtoken.models import Token

from apps.booking import services
from apps.booking.events import BOOKED
from apps.booking.models import Booking
from roombooking.errors import Conflict
from roombooking.models import EventLog
from tests.booking.conftest import compact, future
from tests.factories import UserFactory
from tests.processes import start_gunicorn, stop

CONTENDERS = 20
HOUR = dt.timedelta(hours=1)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_twenty_requests_for_one_slot_over_http_book_it_once(room, tmp_path):
    tokens = [
        Token.objects.create(user=UserFactory(username=f"racer{i}")).key for i in range(CONTENDERS)
    ]
    start = future(days=40)
    body = {
        "roomId": str(room.pk),
        "useStartDtm": compact(start),
        "useEndDtm": compact(start + HOUR),
    }
    server, base = start_gunicorn(log=tmp_path / "gunicorn.log")
    barrier = threading.Barrier(CONTENDERS)

    def contend(token: str) -> requests.Response:
        with requests.Session() as session:
            session.headers.update(
                {"Authorization": f"Token {token}", "Accept": "application/json"}
            )
            session.get(f"{base}/rooms/{room.pk}", timeout=30)  # open the connection first
            barrier.wait(timeout=30)
            return session.post(f"{base}/bookings", json=body, timeout=60)

    try:
        with ThreadPoolExecutor(CONTENDERS) as pool:
            answers = list(pool.map(contend, tokens))
    finally:
        stop(server)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * (CONTENDERS - 1), [a.text[:300] for a in answers]
    winner = next(a.json() for a in answers if a.status_code == 201)
    for loser in (a.json() for a in answers if a.status_code == 409):
        assert loser["conflicts"] == [
            {"useStartDtm": start.isoformat(), "useEndDtm": (start + HOUR).isoformat()}
        ]
    [booking] = Booking.objects.filter(status=BOOKED)
    assert booking.pk == winner["id"] and booking.booking_user.username == winner["bookingUserId"]


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_through_the_service_book_the_slot_once(room):
    users = [UserFactory(username=f"thread{i}") for i in range(CONTENDERS)]
    start = future(days=41)
    barrier = threading.Barrier(CONTENDERS)

    def contend(user) -> str:
        try:
            barrier.wait(timeout=30)
            services.create_booking(
                actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
            )
            return "booked"
        except Conflict:
            return "conflict"
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(CONTENDERS) as pool:
        outcomes = sorted(pool.map(contend, users))
    assert outcomes == ["booked"] + ["conflict"] * (CONTENDERS - 1)
    assert Booking.objects.filter(status=BOOKED).count() == 1
    if connection.vendor == "sqlite":  # concurrency on SQLite needs a file, not :memory:
        assert "memory" not in connection.settings_dict["NAME"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_overlap_that_slips_past_the_check_is_a_409_from_the_constraint(
    user, other_user, room, monkeypatch
):
    """What the loser of a race sees on PostgreSQL: the check found nothing, the insert hit the
    exclusion constraint, and the answer is the same 409 (inside a caller's transaction, here
    the test's, create_booking's savepoint rolls back and the caller's transaction stays
    usable)."""
    start = future()
    services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
    )
    monkeypatch.setattr(services.bookings, "ensure_free", lambda slot, **kwargs: None)
    with pytest.raises(Conflict) as conflict:
        services.create_booking(
            actor=other_user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
        )
    assert conflict.value.extra["conflicts"] == [
        {"useStartDtm": start.isoformat(), "useEndDtm": (start + HOUR).isoformat()}
    ]
    assert Booking.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_whose_insert_the_constraint_refuses_rolls_back_whole_and_is_a_409(
    user, other_user, room, monkeypatch
):
    """The insert has no savepoint of its own (two statements less per booking): the
    constraint aborts the request's transaction, which rolls back whole, and the 409's list of
    overlaps is read after it. A change that moves onto a taken slot is answered alike."""
    start = future()
    taken = services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
    )
    later = services.create_booking(
        actor=other_user, room_id=room.pk, use_start_dtm=start + 2 * HOUR,
        use_end_dtm=start + 3 * HOUR,
    )  # fmt: skip
    logged = EventLog.objects.count()
    monkeypatch.setattr(services.bookings, "ensure_free", lambda slot, **kwargs: None)
    expected = [{"useStartDtm": start.isoformat(), "useEndDtm": (start + HOUR).isoformat()}]
    with pytest.raises(Conflict) as conflict:
        services.create_booking(
            actor=other_user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
        )
    assert conflict.value.extra["conflicts"] == expected
    with pytest.raises(Conflict) as conflict:
        services.change_booking(
            actor=other_user, booking_id=later.pk, use_start_dtm=start + HOUR / 2,
            use_end_dtm=start + 3 * HOUR / 2,
        )  # fmt: skip
    assert conflict.value.extra["conflicts"] == expected
    later.refresh_from_db()
    assert (later.use_start_dtm, later.use_end_dtm) == (start + 2 * HOUR, start + 3 * HOUR)
    assert list(Booking.objects.order_by("pk")) == [taken, later]
    assert EventLog.objects.count() == logged  # nothing of the refused writes was kept
    assert not connection.in_atomic_block
