"""A booking that moves: who is asked to decide again."""

from __future__ import annotations

import pytest

from apps.confirm.events import BOOKED, CONFIRMED
from apps.confirm.models import Confirm
from apps.notification.models import Notification
from tests.confirm import bookings


@pytest.mark.django_db
def test_a_pending_booking_moved_to_another_room_is_put_to_that_rooms_managers(
    booked, user, manager, other_manager
):
    booking, confirm = booked()
    carols_room = bookings.room(name="Carol's room", managers=("carol",))
    moved = bookings.api(user).patch(
        f"/bookings/{booking.pk}", {"roomId": carols_room.pk}, format="json"
    )
    assert moved.status_code == 200, moved.content
    confirm = Confirm.objects.get(booking_id=booking.pk)
    assert (confirm.status, confirm.approvers) == (BOOKED, ["carol"])
    asked = Notification.objects.filter(
        booking_id=booking.pk, event_type="ConfirmRequested", recipient_username="carol"
    )
    assert asked.count() == 1
    # carol may now decide; the previous room's manager may not even see it
    assert (
        bookings.api(other_manager)
        .patch(f"/confirms/{confirm.pk}", {"status": CONFIRMED}, format="json")
        .status_code
        == 200
    )


@pytest.mark.django_db
def test_a_pending_booking_moved_in_time_within_its_room_is_not_announced_again(
    booked, user, manager
):
    booking, confirm = booked()
    before = Notification.objects.filter(event_type="ConfirmRequested").count()
    start = bookings.next_free_day()
    moved = bookings.api(user).patch(
        f"/bookings/{booking.pk}",
        {"useStartDtm": start.isoformat(), "useEndDtm": start.replace(hour=2).isoformat()},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert Notification.objects.filter(event_type="ConfirmRequested").count() == before
    assert Confirm.objects.get(booking_id=booking.pk).status == BOOKED


@pytest.mark.django_db
def test_a_retried_decision_with_the_same_key_answers_the_first_time_again(booked, manager):
    booking, confirm = booked()
    client = bookings.api(manager)
    first = client.patch(
        f"/confirms/{confirm.pk}", {"status": CONFIRMED}, format="json",
        HTTP_IDEMPOTENCY_KEY="decide-1",
    )  # fmt: skip
    again = client.patch(
        f"/confirms/{confirm.pk}", {"status": CONFIRMED}, format="json",
        HTTP_IDEMPOTENCY_KEY="decide-1",
    )  # fmt: skip
    assert first.status_code == again.status_code == 200  # without the key, a 409
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = client.patch(
        f"/confirms/{confirm.pk}", {"status": "DENIED"}, format="json",
        HTTP_IDEMPOTENCY_KEY="decide-1",
    )  # fmt: skip
    assert other.status_code == 422
    assert Confirm.objects.get(pk=confirm.pk).status == CONFIRMED
