"""The whole approval cycle through the API, with the booking app's real /bookings."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.confirm.events import BOOKED, CONFIRMED, DENIED
from tests.confirm import bookings
from tests.confirm.bookings import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(manager):
    return bookings.room()


def test_create_then_the_request_appears_then_approve(room, user, manager):
    booking, _ = bookings.book(actor=user, room=room)
    listed = api(manager).get("/confirms", {"bookingId": booking.pk}).json()["results"]
    assert len(listed) == 1
    request = listed[0]
    assert request["status"] == BOOKED and request["userId"] == user.username
    assert request["roomId"] == room.pk and request["approvers"] == ["manager"]
    assert request["useStartDtm"] == booking.body["useStartDtm"]
    assert [r["id"] for r in api(user).get("/confirms").json()["results"]] == [request["id"]]

    approved = api(manager).patch(
        f"/confirms/{request['id']}", {"status": CONFIRMED}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["confirmUserId"] == "manager"
    assert api(user).get(f"/confirms/{request['id']}").json()["status"] == CONFIRMED
    assert api(user).get(f"/bookings/{booking.pk}").status_code == 200  # the booking stands


def test_create_then_deny_cancels_the_booking_and_frees_the_slot(room, user, other_user, manager):
    start = bookings.next_free_day()
    booking, confirm = bookings.book(actor=user, room=room, start=start)
    denied = api(manager).patch(
        f"/confirms/{confirm.pk}", {"status": DENIED, "reason": "Room closed"}, format="json"
    )
    assert denied.status_code == 200
    assert denied.json()["status"] == DENIED and denied.json()["reason"] == "Room closed"
    assert api(user).get(f"/bookings/{booking.pk}").status_code == 404
    assert api(manager).get(f"/confirms/{confirm.pk}").status_code == 404
    assert api(user).get(f"/confirms/{confirm.pk}").status_code == 404
    again, _ = bookings.book(actor=other_user, room=room, start=start)  # the slot is free again
    assert again.pk != booking.pk


def test_cancel_removes_the_request(room, user, manager):
    booking, confirm = bookings.book(actor=user, room=room)
    assert bookings.cancel(actor=user, booking_id=booking.pk) == 204
    assert api(manager).get(f"/confirms/{confirm.pk}").status_code == 404
    assert api(manager).get("/confirms", {"bookingId": booking.pk}).json()["count"] == 0
    late = api(manager).patch(f"/confirms/{confirm.pk}", {"status": CONFIRMED}, format="json")
    assert late.status_code == 404


def test_moving_an_approved_booking_asks_again(room, user, manager):
    booking, confirm = bookings.book(actor=user, room=room)
    api(manager).patch(f"/confirms/{confirm.pk}", {"status": CONFIRMED}, format="json")
    later = dt.datetime.fromisoformat(booking.body["useEndDtm"]) + dt.timedelta(hours=1)
    moved = api(user).patch(
        f"/bookings/{booking.pk}",
        {
            "useStartDtm": later.isoformat(),
            "useEndDtm": (later + dt.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert moved.status_code == 200, moved.content
    again = api(manager).get(f"/confirms/{confirm.pk}").json()
    assert again["status"] == BOOKED and again["confirmUserId"] is None
    assert again["useStartDtm"] == moved.json()["useStartDtm"]


def test_a_room_without_managers_waits_for_office_staff(user, staff_user, manager):
    unmanaged = bookings.room(name="Quiet", managers=())
    booking, confirm = bookings.book(actor=user, room=unmanaged)
    assert api(manager).get(f"/confirms/{confirm.pk}").status_code == 404
    approved = api(staff_user).patch(
        f"/confirms/{confirm.pk}", {"status": CONFIRMED}, format="json"
    )
    assert approved.status_code == 200
