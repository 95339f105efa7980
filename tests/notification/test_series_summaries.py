"""One summary email per series action, not one per occurrence (the booking, confirm and
notification apps together, through their services and the API)."""

from __future__ import annotations

import pytest

from apps.booking import services as booking_services
from apps.notification.models import Notification
from tests.booking.series_support import FIRST, HOUR, WEEK, frozen, post_series
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock(settings):
    settings.API_THROTTLE_WRITES = ""
    with frozen():
        yield


@pytest.fixture
def room(db):
    UserFactory(username="manager")
    return booking_services.create_room(name="Orion", capacity=8, managers=["manager"])


@pytest.fixture
def weekly(client_for, user, room):
    body = post_series(client_for(user), room, rrule="FREQ=WEEKLY;COUNT=5", skipConflicts=True)
    assert body.status_code == 201, body.content
    return body.json()["id"], [o["id"] for o in body.json()["occurrences"]]


def sent() -> list[tuple[str, str, str]]:
    return list(
        Notification.objects.order_by("id").values_list(
            "event_type", "recipient_username", "contents"
        )
    )


def test_booking_a_series_sends_one_summary_to_the_booker_and_one_to_the_managers(
    client_for, user, other_user, room
):
    booking_services.create_booking(
        actor=other_user,
        room_id=room.pk,
        use_start_dtm=FIRST + WEEK,
        use_end_dtm=FIRST + WEEK + HOUR,
    )
    Notification.objects.all().delete()
    response = post_series(client_for(user), room, rrule="FREQ=WEEKLY;COUNT=5", skipConflicts=True)
    assert response.status_code == 201, response.content
    assert sent() == [
        (
            "SeriesBooked",
            "alice",
            f"conference room[{room.pk}] reservation is complete: a series of 4",
        ),
        (
            "SeriesBooked",
            "manager",
            f"conference room[{room.pk}] series of 4 reservations waits for your approval",
        ),
    ]
    body = Notification.objects.get(recipient_username="alice").body
    assert body.count("booking #") == 4
    assert "Skipped, already taken (1):\n  2027-01-18 10:00" in body
    assert "2027-01-11 10:00-11:00" in body and "(Asia/Seoul)" not in body.split("\n")[0]


def test_moving_and_cancelling_part_of_a_series_send_one_summary_each(client_for, user, weekly):
    series_id, ids = weekly
    Notification.objects.all().delete()
    client = client_for(user)
    moved = client.patch(
        f"/bookings/{ids[1]}?scope=following",
        {
            "useStartDtm": (FIRST + WEEK).replace(hour=14).isoformat(),
            "useEndDtm": (FIRST + WEEK).replace(hour=15).isoformat(),
        },
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert [(t, who) for t, who, _ in sent()] == [
        ("SeriesChanged", "alice"),
        ("SeriesChanged", "manager"),
    ]
    assert "series reservation has been changed (4)" in sent()[0][2]
    Notification.objects.all().delete()
    assert client.delete(f"/bookings/{ids[3]}?scope=following").status_code == 204
    assert sent() == [("SeriesCancelled", "alice", "reservation has been canceled (2 of a series)")]


def test_a_single_occurrence_changed_alone_gets_the_usual_emails(client_for, user, weekly):
    series_id, ids = weekly
    Notification.objects.all().delete()
    assert client_for(user).delete(f"/bookings/{ids[0]}").status_code == 204
    assert sent() == [("BookingCancelled", "alice", "reservation has been canceled")]


def test_deciding_a_series_sends_one_summary_to_the_booker(client_for, user, weekly):
    series_id, ids = weekly
    manager = UserFactory(username="manager")
    Notification.objects.all().delete()
    answer = client_for(manager).patch(
        f"/confirms/series/{series_id}", {"status": "DENIED", "reason": "works"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert sent() == [
        (
            "SeriesDecided",
            "alice",
            "reservation has been canceled: approval denied (5 of a series) (works)",
        )
    ]


def test_a_room_without_managers_tells_office_staff_once(client_for, user, staff_user):
    quiet = booking_services.create_room(name="Quiet", capacity=2)
    Notification.objects.all().delete()
    assert post_series(client_for(user), quiet, rrule="FREQ=DAILY;COUNT=3").status_code == 201
    assert [(t, who) for t, who, _ in sent()] == [
        ("SeriesBooked", "alice"),
        ("SeriesBooked", "staff"),
    ]


def test_a_room_approving_automatically_sends_the_booker_one_summary_and_asks_nobody(
    client_for, user, room
):
    booking_services.update_room(room_id=room.pk, approval_mode="AUTOMATIC")
    Notification.objects.all().delete()
    assert post_series(client_for(user), room, rrule="FREQ=DAILY;COUNT=3").status_code == 201
    assert sent() == [
        (
            "SeriesBooked",
            "alice",
            f"conference room[{room.pk}] reservation is complete: a series of 3, approved",
        )
    ]
