"""Deciding a whole series at once (``PATCH /confirms/series/{id}``, the admin's actions), while
per-occurrence decisions keep working."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.booking.events import BOOKED as BOOKING_ACTIVE
from apps.booking.events import CANCELLED as BOOKING_CANCELLED
from apps.confirm.events import BOOKED, CONFIRMED
from apps.confirm.models import Confirm
from roombooking.models import EventLog
from tests.booking.series_support import frozen, post_series
from tests.confirm import bookings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with frozen():
        yield


@pytest.fixture
def series(hanla, user):
    """Alice's weekly series of four in Hanla (managed by ``manager``): (series id, booking ids)."""
    body = post_series(bookings.api(user), hanla, rrule="FREQ=WEEKLY;COUNT=4").json()
    return body["id"], [o["id"] for o in body["occurrences"]]


def decide(user, series_id, status, **extra):
    return bookings.api(user).patch(
        f"/confirms/series/{series_id}", {"status": status, **extra}, format="json"
    )


def test_each_occurrence_has_its_own_request_carrying_the_series(series, client_for, manager):
    series_id, ids = series
    requests = Confirm.objects.filter(booking_id__in=ids)
    assert requests.count() == 4 and {c.series_id for c in requests} == {series_id}
    listed = client_for(manager).get(f"/confirms?seriesId={series_id}").json()["results"]
    assert sorted(r["bookingId"] for r in listed) == ids
    assert {r["seriesId"] for r in listed} == {series_id}


def test_approving_the_series_approves_every_waiting_occurrence(series, manager, user):
    series_id, ids = series
    # One occurrence denied on its own first: it stays cancelled; the others get approved.
    lone = Confirm.objects.get(booking_id=ids[1])
    single = bookings.api(manager).patch(
        f"/confirms/{lone.pk}", {"status": "DENIED"}, format="json"
    )
    assert single.status_code == 200
    answer = decide(manager, series_id, CONFIRMED)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["seriesId"] == series_id and body["status"] == CONFIRMED
    assert sorted(c["bookingId"] for c in body["decided"]) == [ids[0], ids[2], ids[3]]
    assert set(Confirm.objects.filter(series_id=series_id).values_list("status", flat=True)) == {
        CONFIRMED
    }
    assert bookings.is_cancelled(ids[1])
    completed = EventLog.objects.filter(event_type="ConfirmCompleted")
    assert completed.count() == 3 and all(e.payload["in_series_action"] for e in completed)
    [summary] = EventLog.objects.filter(event_type="SeriesDecided")
    assert summary.payload["booking_ids"] == [ids[0], ids[2], ids[3]]
    again = decide(manager, series_id, CONFIRMED)
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_decide"


def test_denying_the_series_cancels_every_waiting_occurrence(series, manager, client_for, user):
    series_id, ids = series
    first = Confirm.objects.get(booking_id=ids[0])
    approved = bookings.api(manager).patch(f"/confirms/{first.pk}", {"status": CONFIRMED})
    assert approved.status_code == 200
    answer = decide(manager, series_id, "DENIED", reason="renovation")
    assert answer.status_code == 200, answer.content
    assert [bookings.is_cancelled(pk) for pk in ids] == [False, True, True, True]
    assert list(Confirm.objects.values_list("booking_id", "status")) == [(ids[0], CONFIRMED)]
    cancelled = EventLog.objects.filter(event_type="BookingCancelled")
    assert cancelled.count() == 3
    assert all(e.payload["in_series_action"] and e.payload["cause"] == "DENIED" for e in cancelled)
    series_view = client_for(user).get(f"/bookings/series/{series_id}").json()["occurrences"]
    assert [o["status"] for o in series_view] == [BOOKING_ACTIVE] + [BOOKING_CANCELLED] * 3
    assert not any(o["detached"] for o in series_view)  # denied with the series, not alone


def test_who_may_decide_a_series(series, user, other_manager, staff_user, superuser):
    series_id, _ = series
    assert decide(user, series_id, CONFIRMED).status_code == 403  # the booker sees, not decides
    assert decide(other_manager, series_id, CONFIRMED).status_code == 404
    assert decide(staff_user, series_id, CONFIRMED).status_code == 403  # the room has a manager
    assert decide(superuser, 999999, CONFIRMED).status_code == 404
    assert set(Confirm.objects.values_list("status", flat=True)) == {BOOKED}
    bad = decide(superuser, series_id, "MAYBE")
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    assert decide(superuser, series_id, CONFIRMED).status_code == 200


def test_idempotency_key_on_a_series_decision(series, manager):
    series_id, _ = series
    client = bookings.api(manager)
    headers = {"HTTP_IDEMPOTENCY_KEY": "decide-series-1"}
    first = client.patch(f"/confirms/series/{series_id}", {"status": CONFIRMED}, **headers)
    again = client.patch(f"/confirms/series/{series_id}", {"status": CONFIRMED}, **headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert EventLog.objects.filter(event_type="SeriesDecided").count() == 1


def test_the_admin_approves_a_whole_series_from_one_selected_request(series, manager, client):
    series_id, ids = series
    client.force_login(manager)
    one = Confirm.objects.get(booking_id=ids[2])
    response = client.post(
        reverse("admin:confirm_confirm_changelist"),
        {"action": "approve_series", "_selected_action": [one.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert f"series {series_id} (Hanla), 4 occurrence(s)" in response.content.decode()
    assert set(Confirm.objects.values_list("status", flat=True)) == {CONFIRMED}


def test_the_admin_denies_a_whole_series_with_a_reason(series, manager, client):
    series_id, ids = series
    client.force_login(manager)
    url = reverse("admin:confirm_confirm_changelist")
    one = Confirm.objects.get(booking_id=ids[0])
    asked = client.post(url, {"action": "deny_series", "_selected_action": [one.pk]})
    assert asked.status_code == 200 and b'value="deny_series"' in asked.content
    client.post(
        url,
        {
            "action": "deny_series",
            "_selected_action": [one.pk],
            "confirm_deny": "yes",
            "reason": "closed",
        },
    )
    assert all(bookings.is_cancelled(pk) for pk in ids)
    [summary] = EventLog.objects.filter(event_type="SeriesDecided")
    assert summary.payload["reason"] == "closed"
