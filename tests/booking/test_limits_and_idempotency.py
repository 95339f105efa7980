"""Limits on bookings (future bookings per person, list windows) and Idempotency-Key retries
of POST /bookings, including twenty simultaneous retries through the real HTTP stack."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from rest_framework.authtoken.models import Token

from apps.booking.events import BOOKED
from apps.booking.models import Booking
from tests.booking.conftest import compact, future
from tests.processes import start_gunicorn, stop

HOUR = dt.timedelta(hours=1)


def body(room, start: dt.datetime) -> dict:
    return {"roomId": room.pk, "useStartDtm": compact(start), "useEndDtm": compact(start + HOUR)}


@pytest.mark.django_db
def test_a_person_cannot_hold_more_than_the_limit_of_upcoming_bookings(
    client_for, user, room, settings
):
    settings.BOOKING_MAX_FUTURE_PER_USER = 2
    client = client_for(user)
    for day in (10, 11):
        assert (
            client.post("/bookings", body(room, future(days=day)), format="json").status_code == 201
        )
    refused = client.post("/bookings", body(room, future(days=12)), format="json")
    assert refused.status_code == 400
    assert "the limit is 2" in refused.json()["errors"]["bookingUserId"][0]
    mine = Booking.objects.filter(booking_user=user, status=BOOKED)
    assert mine.count() == 2
    client.delete(f"/bookings/{mine.first().pk}")  # a cancelled booking frees a place
    assert client.post("/bookings", body(room, future(days=12)), format="json").status_code == 201


@pytest.mark.django_db
def test_office_staff_booking_for_someone_counts_against_that_person(
    client_for, user, staff_user, room, settings
):
    settings.BOOKING_MAX_FUTURE_PER_USER = 1
    staff = client_for(staff_user)
    first = {**body(room, future(days=10)), "bookingUserId": user.username}
    second = {**body(room, future(days=11)), "bookingUserId": user.username}
    assert staff.post("/bookings", first, format="json").status_code == 201
    assert staff.post("/bookings", second, format="json").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=20300101&to=20310301", "to"),  # wider than a year
        ("from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "to"),  # backwards
        ("from=yesterday", "from"),
        ("roomId=1.5", "roomId"),
    ],
)
def test_bad_list_queries_are_400s_naming_the_parameter(client_for, user, query, field):
    response = client_for(user).get(f"/bookings?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.django_db
def test_a_retried_post_with_the_same_key_books_once_and_answers_alike(client_for, user, room):
    client = client_for(user)
    payload = body(room, future(days=20))
    first = client.post("/bookings", payload, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = client.post("/bookings", payload, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Booking.objects.filter(status=BOOKED).count() == 1
    other = client.post(
        "/bookings", body(room, future(days=21)), format="json", HTTP_IDEMPOTENCY_KEY="retry-1"
    )
    assert other.status_code == 422


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_posts_with_one_key_over_http_book_once(user, room, tmp_path):
    token = Token.objects.create(user=user).key
    payload = body(room, future(days=25))
    server, base = start_gunicorn(log=tmp_path / "gunicorn.log")
    barrier = threading.Barrier(20)

    def send(_: int) -> requests.Response:
        with requests.Session() as session:
            session.headers.update({"Authorization": f"Token {token}", "Idempotency-Key": "k"})
            session.get(f"{base}/rooms/{room.pk}", timeout=30)  # connect before the race
            barrier.wait(timeout=30)
            return session.post(f"{base}/bookings", json=payload, timeout=60)

    try:
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(send, range(20)))
    finally:
        stop(server)
    assert [a.status_code for a in answers] == [201] * 20, [a.text[:200] for a in answers]
    assert len({a.text for a in answers}) == 1  # every answer is the first one, byte for byte
    assert Booking.objects.filter(status=BOOKED).count() == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 19
