"""Kept list pages (apps/bookinglist/pages.py) answer exactly what the ORM's pages answer."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection

from apps.bookinglist import pages
from tests.bookinglist.builders import (
    T0,
    cancelled,
    completed,
    created,
    denied,
    publish,
    requested,
)
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("only_bookinglist_listens"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="kept pages are PostgreSQL's (CI runs it)"
    ),
]

FILTERS = [
    "roomId=11", "roomId=12", "bookingUserId=alice", "bookingUserId=bob", "bookingId=7",
    "seriesId=3", "bookingStatus=BOOKED", "bookingStatus=CANCELLED",
    "bookingStatus=BOOKED,CANCELLED", "confirmStatus=BOOKED",
    "confirmStatus=CONFIRMED&confirmStatus=DENIED", "from=2026-12-03",
    "to=2026-12-04T12:00:00%2B09:00", "from=202612020900", "ordering=useStartDtm",
    "ordering=-bookingDtm", "ordering=bookingDtm,-useStartDtm", "page_size=7", "page_size=7&page=3",
    "page=last&page_size=9",
]  # fmt: skip


@pytest.fixture
def rows(db):
    events = []
    for n in range(1, 61):
        booking = created(
            n,
            room_id=10 + n % 3,
            room_managers=("manager", f"deputy{n % 2}"),
            booking_user_id="alice" if n % 2 else "bob",
            use_start_dtm=T0 + dt.timedelta(hours=5 * n),
            use_end_dtm=T0 + dt.timedelta(hours=5 * n, minutes=30),
            booking_dtm=T0 - dt.timedelta(minutes=n * 7 % 60),  # ties: the tie-break decides
        )
        events += [booking, requested(booking, confirm_id=n)]
        if n % 5 == 0:
            events.append(completed(booking, confirm_id=n))
        elif n % 7 == 0:
            events.append(denied(booking, confirm_id=n, reason="no"))
        elif n % 11 == 0:
            events.append(cancelled(booking))
    publish(*events)


def _answers(client, paths, monkeypatch, *, kept: bool) -> list:
    with monkeypatch.context() as patch:
        made = []
        original = pages.kept_page

        def spy(**kwargs):
            made.append(original(**kwargs) if kept else None)
            return made[-1]

        patch.setattr(pages, "kept_page", spy)
        answers = []
        for path in paths:
            response = client.get(path)
            answers.append((path, response.status_code, response.json()))
    if kept:
        assert all(isinstance(page, pages.KeptPage) for page in made), paths
    return answers


@pytest.mark.parametrize("who", ["staff", "manager", "deputy1", "alice", "stranger"])
def test_every_filter_and_ordering_answers_as_the_orm(
    client_for, staff_user, rows, who, monkeypatch
):
    viewer = staff_user if who == "staff" else UserFactory(username=who)
    client = client_for(viewer)
    rng = random.Random(f"kept-pages-{who}")
    queries = FILTERS + ["&".join(rng.sample(FILTERS[:17], rng.randint(2, 4))) for _ in range(25)]
    paths = [f"/bookingLists?{query}" for query in queries]
    kept = _answers(client, paths, monkeypatch, kept=True)
    assert kept == _answers(client, paths, monkeypatch, kept=False)
    counts = [body["count"] for _, status, body in kept if status == 200]
    assert (max(counts) == 0) if who == "stranger" else (max(counts) > 0)


def test_bad_input_and_pages_out_of_range_answer_as_the_orm(
    client_for, staff_user, rows, monkeypatch
):
    client = client_for(staff_user)
    paths = [
        f"/bookingLists?{query}"
        for query in ("roomId=abc", "bookingStatus=NOPE", "page=99",
                      "from=2026-12-09&to=2026-12-01", "roomId=99999", "page_size=0")
    ]  # fmt: skip
    orm = _answers(client, paths, monkeypatch, kept=False)
    assert [status for _, status, _ in orm] == [400, 400, 404, 400, 200, 400]
    assert _answers(client, paths, monkeypatch, kept=True) == orm


def test_shapes_are_kept_once_and_bounded(client_for, staff_user, rows, monkeypatch):
    monkeypatch.setattr(pages, "_shapes", {})
    client = client_for(staff_user)
    for room in (10, 11, 12, 10):
        assert client.get(f"/bookingLists?roomId={room}").status_code == 200
    assert len(pages._shapes) == 1  # one shape, whatever the room
    monkeypatch.setattr(pages, "MAX_SHAPES", 1)
    body = client.get("/bookingLists?bookingUserId=alice").json()  # a second shape: the ORM's
    assert len(pages._shapes) == 1 and body["count"] == 30
