"""``/bookings/waitlist`` over HTTP: join, list, read, withdraw, accept; errors name the field."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.booking import services
from apps.booking.models import WaitlistEntry
from tests.booking.conftest import compact
from tests.booking.waitlist.conftest import HOUR

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(client_for, user):
    return client_for(user)


@pytest.fixture
def bob(client_for, other_user):
    return client_for(other_user)


def join(client, room, slot, **extra):
    body = {"roomId": room.pk, "useStartDtm": compact(slot[0]), "useEndDtm": compact(slot[1])}
    return client.post("/bookings/waitlist", {**body, **extra}, format="json")


def test_joining_answers_201_with_the_entry(alice, bob, room, slot, taken):
    response = join(alice, room, slot, status="OFFERED", holdUntilDtm="2099-01-01T00:00:00Z")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"http://testserver/bookings/waitlist/{body['id']}"
    assert body["status"] == "WAITING"  # server-owned fields in the body are ignored
    assert body["holdUntilDtm"] is None and body["bookingId"] is None
    assert body["offeredStartDtm"] is None
    assert body["userId"] == "alice" and body["roomId"] == room.pk
    assert body["useStartDtm"] == slot[0].isoformat()  # the room's offset
    assert body["waitingAhead"] == 0
    assert join(bob, room, slot).json()["waitingAhead"] == 1
    assert alice.get(response["Location"]).json() == body


def test_a_free_slot_is_a_409_telling_to_book_it(alice, room, slot):
    response = join(alice, room, slot)
    assert response.status_code == 409
    assert response.json()["code"] == "slot_free"
    assert "POST /bookings" in response.json()["message"]


def test_joining_twice_is_a_409(alice, room, slot, taken):
    first = join(alice, room, slot).json()
    again = join(alice, room, slot)
    assert again.status_code == 409
    assert again.json()["code"] == "already_waiting" and again.json()["entryId"] == first["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"useStartDtm": "20301010100000", "useEndDtm": "20301010110000"}, "roomId"),
        ({"roomId": "x", "useStartDtm": "20301010100000", "useEndDtm": "20301010110000"}, "roomId"),
        ({"roomId": 1, "useStartDtm": "tomorrow", "useEndDtm": "20301010110000"}, "useStartDtm"),
        ({"roomId": 1, "useStartDtm": "20301010100000"}, "useEndDtm"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(alice, room, body, field):
    response = alice.post("/bookings/waitlist", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()


def test_an_unknown_room_or_a_past_slot_is_a_400(alice, room, slot):
    assert join(alice, room, slot, roomId=999_999).json()["errors"].keys() == {"roomId"}
    past = (slot[0] - dt.timedelta(days=400), slot[1] - dt.timedelta(days=400))
    assert "useStartDtm" in join(alice, room, past).json()["errors"]


def test_sign_in_is_required(client_for, room, slot):
    anonymous = client_for(None)
    assert join(anonymous, room, slot).status_code in (401, 403)
    assert anonymous.get("/bookings/waitlist").status_code in (401, 403)


def test_you_see_your_own_entries_and_staff_see_all(
    alice, bob, client_for, staff_user, room, slot, taken
):
    mine = join(alice, room, slot).json()
    theirs = join(bob, room, slot).json()
    assert [e["id"] for e in alice.get("/bookings/waitlist").json()["results"]] == [mine["id"]]
    assert bob.get(f"/bookings/waitlist/{mine['id']}").status_code == 404
    assert bob.delete(f"/bookings/waitlist/{mine['id']}").status_code == 404
    assert bob.post(f"/bookings/waitlist/{mine['id']}/accept").status_code == 404
    staff = client_for(staff_user)
    listed = staff.get("/bookings/waitlist?status=WAITING").json()["results"]
    assert [e["id"] for e in listed] == [theirs["id"], mine["id"]]  # newest first
    assert staff.get("/bookings/waitlist?status=ACCEPTED").json()["results"] == []
    assert staff.get("/bookings/waitlist?status=NOPE").status_code == 400


def test_withdrawing_is_a_204_and_then_a_409(alice, room, slot, taken):
    entry = join(alice, room, slot).json()
    assert alice.delete(f"/bookings/waitlist/{entry['id']}").status_code == 204
    assert alice.get(f"/bookings/waitlist/{entry['id']}").json()["status"] == "WITHDRAWN"
    again = alice.delete(f"/bookings/waitlist/{entry['id']}")
    assert again.status_code == 409 and again.json()["currentStatus"] == "WITHDRAWN"


def test_accepting_an_offer_answers_201_with_the_booking(alice, client_for, room, slot, taken):
    entry = join(alice, room, slot).json()
    early = alice.post(f"/bookings/waitlist/{entry['id']}/accept")
    assert early.status_code == 409 and early.json()["code"] == "not_offered"
    services.cancel_booking(booking_id=taken.pk, actor="holder")
    offer = alice.get(f"/bookings/waitlist/{entry['id']}").json()
    assert offer["status"] == "OFFERED" and offer["holdUntilDtm"]
    assert offer["offeredStartDtm"] == slot[0].isoformat()  # before it begins: the whole slot
    response = alice.post(f"/bookings/waitlist/{entry['id']}/accept")
    assert response.status_code == 201, response.json()
    booking = response.json()
    assert response["Location"] == f"http://testserver/bookings/{booking['id']}"
    assert (booking["bookingUserId"], booking["status"]) == ("alice", "BOOKED")
    assert booking["useStartDtm"] == slot[0].isoformat()
    entry = alice.get(f"/bookings/waitlist/{entry['id']}").json()
    assert (entry["status"], entry["bookingId"]) == ("ACCEPTED", booking["id"])


def test_accepting_after_the_hold_is_a_409(alice, client_for, room, slot, taken):
    entry = join(alice, room, slot).json()
    services.cancel_booking(booking_id=taken.pk, actor="holder")
    hold_until = WaitlistEntry.objects.get(pk=entry["id"]).hold_until
    with time_machine.travel(hold_until + dt.timedelta(seconds=1), tick=False):
        response = alice.post(f"/bookings/waitlist/{entry['id']}/accept")
    assert response.status_code == 409
    assert response.json()["code"] == "hold_expired" and response.json()["holdUntilDtm"]


def test_a_held_slot_is_a_409_for_another_booker(alice, bob, room, slot, taken):
    join(alice, room, slot)
    services.cancel_booking(booking_id=taken.pk, actor="holder")
    body = {"roomId": room.pk, "useStartDtm": compact(slot[0]), "useEndDtm": compact(slot[1])}
    response = bob.post("/bookings", body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "slot_held"
    assert response.json()["holds"][0]["useStartDtm"] == slot[0].isoformat()
    later = {**body, "useStartDtm": compact(slot[1]), "useEndDtm": compact(slot[1] + HOUR)}
    assert bob.post("/bookings", later, format="json").status_code == 201  # back to back is fine
