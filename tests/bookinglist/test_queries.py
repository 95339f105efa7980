"""The number of queries per page does not grow with the page size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.bookinglist.builders import T0, created, publish, requested
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_bookinglist_listens")]


@pytest.fixture
def many_rows(db):
    events = []
    for n in range(1, 121):
        booking = created(
            n,
            room_id=10 + n % 3,
            room_managers=("manager", f"deputy{n % 2}"),
            booking_user_id="alice" if n % 2 else "bob",
            use_start_dtm=T0 + dt.timedelta(hours=n),
            use_end_dtm=T0 + dt.timedelta(hours=n, minutes=30),
        )
        events += [booking, requested(booking, confirm_id=n)]
    publish(*events)


def queries_for(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("who", ["staff", "manager", "alice"])
def test_queries_per_page_are_constant(client_for, staff_user, many_rows, who):
    viewer = staff_user if who == "staff" else UserFactory(username=who)
    client = client_for(viewer)
    client.get("/bookingLists?page_size=1")  # warm the user's permission cache
    counts = {
        size: queries_for(client, f"/bookingLists?page_size={size}&ordering=-useStartDtm")
        for size in (1, 10, 100)
    }
    assert len(set(counts.values())) == 1, counts
    assert counts[100] <= 4, counts  # count + page (+ the role checks)
    filtered = queries_for(client, "/bookingLists?page_size=100&roomId=11&confirmStatus=BOOKED")
    assert filtered == counts[100]


def test_a_full_page_carries_every_row(client_for, staff_user, many_rows):
    body = client_for(staff_user).get("/bookingLists?page_size=100").json()
    assert body["count"] == 120
    assert len(body["results"]) == 100
    assert body["results"][0]["roomManagers"] == ["deputy0", "manager"]


@pytest.mark.parametrize("who", ["staff", "manager", "alice"])
def test_the_kept_page_columns_give_the_statement_and_rows_of_values_per_request(
    many_rows, staff_user, who
):
    from apps.bookinglist import selectors
    from apps.bookinglist.serializers import ROW_FIELDS

    user = staff_user if who == "staff" else UserFactory(username=who)
    for _ in range(2):  # the second call narrows a clone of the kept queryset
        kept = selectors.visible_values(user=user, fields=ROW_FIELDS).filter(room_id=11)
        fresh = selectors.visible_rows(user=user).values(*ROW_FIELDS).filter(room_id=11)
        assert str(kept.query) == str(fresh.query)
        assert list(kept.order_by("booking_id")) == list(fresh.order_by("booking_id"))
        assert len(list(kept)) > 0
    assert selectors._values_of(ROW_FIELDS)._result_cache is None  # never evaluated itself
