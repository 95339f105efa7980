"""Rooms that approve automatically: the request is made and approved by the system in the
booking's own transaction; the booker gets the usual emails (over real SMTP), no manager is
asked, and the booking list shows CONFIRMED. Moves into and out of such rooms."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from apps.booking import services as booking_services
from apps.booking.events import BookingCancelled, BookingChanged, BookingCreated
from apps.confirm.events import BOOKED, CONFIRMED, SYSTEM_USER
from apps.confirm.models import Confirm
from apps.notification import delivery
from apps.notification.models import Notification
from roombooking import bus
from roombooking.models import EventLog
from tests.booking.conftest import compact, future
from tests.notification.conftest import smtp_server  # noqa: F401  (a fixture used here too)

pytestmark = pytest.mark.django_db

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def room(db, manager):
    """A room whose bookings wait for ``manager`` (the default policy)."""
    return booking_services.create_room(name="Asked", capacity=4, managers=[manager.username])


@pytest.fixture
def automatic(staff_user, client_for, manager):
    response = client_for(staff_user).post(
        "/rooms",
        {"name": "Open desk", "capacity": 4, "managers": ["manager"], "approvalMode": "AUTOMATIC"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["approvalMode"] == "AUTOMATIC"
    return response.json()


def post_booking(client, room_id: int, days: int = 10) -> dict:
    body = {
        "roomId": room_id,
        "useStartDtm": compact(future(days=days)),
        "useEndDtm": compact(future(days=days, hour=11)),
    }
    response = client.post("/bookings", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def logged(booking_id: int) -> list[tuple[str, str]]:
    return [
        (record.event_type, record.actor)
        for record in EventLog.objects.filter(booking_id=booking_id).order_by("id")
    ]


def told(booking_id: int) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(booking_id=booking_id).order_by("id")
    return [(n.event_type, n.recipient_username) for n in rows]


def test_a_booking_is_approved_by_the_system_at_once(client_for, user, automatic):
    alice = client_for(user)
    booking = post_booking(alice, automatic["id"])
    confirm = Confirm.objects.get(booking_id=booking["id"])
    assert (confirm.status, confirm.confirm_user_id) == (CONFIRMED, SYSTEM_USER)
    assert confirm.confirm_dtm is not None
    assert logged(booking["id"]) == [("BookingCreated", "alice"), ("ConfirmCompleted", "system")]
    completed = EventLog.objects.get(booking_id=booking["id"], event_type="ConfirmCompleted")
    assert completed.payload["automatic"] is True
    created = EventLog.objects.get(booking_id=booking["id"], event_type="BookingCreated")
    assert created.payload["approval_required"] is False
    row = alice.get(f"/bookingLists/{booking['id']}").json()
    assert (row["confirmStatus"], row["confirmUserId"]) == ("CONFIRMED", "system")
    assert told(booking["id"]) == [("BookingCreated", "alice"), ("ConfirmCompleted", "alice")]


def test_the_booker_receives_both_emails_over_smtp(
    client_for,
    user,
    automatic,
    smtp_server,  # noqa: F811  (pytest hands the imported fixture in)
    settings,
):
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    delivery.smtp_breaker.close()
    booking = post_booking(client_for(user), automatic["id"])
    for notification in Notification.objects.filter(booking_id=booking["id"]):
        assert delivery.deliver(notification_id=notification.pk).result == "sent"
    room = f"conference room[{automatic['id']}] reservation"
    received = sorted((m["To"], m["Subject"].split(":")[0]) for m in smtp_server.messages)
    assert received == [
        ("alice@example.com", "Reservation approved"),
        ("alice@example.com", "Reservation complete"),
    ]
    contents = set(Notification.objects.values_list("contents", flat=True))
    assert contents == {f"{room} is complete", f"{room} has been approved"}


def test_a_room_that_requires_approval_still_asks_its_managers(client_for, user, room):
    booking = post_booking(client_for(user), room.pk)
    assert Confirm.objects.get(booking_id=booking["id"]).status == BOOKED
    assert ("ConfirmRequested", "manager") in told(booking["id"])


def test_a_pending_booking_moved_into_an_automatic_room_is_approved(
    client_for, user, room, automatic
):
    alice = client_for(user)
    booking = post_booking(alice, room.pk)
    moved = alice.patch(f"/bookings/{booking['id']}", {"roomId": automatic["id"]}, format="json")
    assert moved.status_code == 200, moved.content
    confirm = Confirm.objects.get(booking_id=booking["id"])
    assert (confirm.status, confirm.confirm_user_id) == (CONFIRMED, SYSTEM_USER)
    assert logged(booking["id"])[-2:] == [
        ("BookingChanged", "alice"),
        ("ConfirmCompleted", "system"),
    ]


def test_moving_within_an_automatic_room_keeps_the_approval(client_for, user, automatic):
    alice = client_for(user)
    booking = post_booking(alice, automatic["id"])
    later = {
        "useStartDtm": compact(future(days=12)),
        "useEndDtm": compact(future(days=12, hour=11)),
    }
    assert alice.patch(f"/bookings/{booking['id']}", later, format="json").status_code == 200
    assert Confirm.objects.get(booking_id=booking["id"]).status == CONFIRMED
    assert logged(booking["id"])[-1] == ("BookingChanged", "alice")  # no new decision


def test_moving_out_to_a_room_that_requires_approval_asks_its_managers(
    client_for, user, room, automatic
):
    alice = client_for(user)
    booking = post_booking(alice, automatic["id"])
    assert (
        alice.patch(f"/bookings/{booking['id']}", {"roomId": room.pk}, format="json").status_code
        == 200
    )
    confirm = Confirm.objects.get(booking_id=booking["id"])
    assert (confirm.status, confirm.confirm_user_id) == (BOOKED, None)
    assert told(booking["id"])[-1] == ("ConfirmRequested", "manager")


def test_switching_a_room_to_automatic_applies_to_new_bookings(client_for, user, room, staff_user):
    alice = client_for(user)
    before = post_booking(alice, room.pk)
    booking_services.update_room(room_id=room.pk, approval_mode="AUTOMATIC")
    after = post_booking(alice, room.pk, days=11)
    assert Confirm.objects.get(booking_id=before["id"]).status == BOOKED  # managers decide it
    assert Confirm.objects.get(booking_id=after["id"]).status == CONFIRMED


DAY_ONE = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)


def rebuild_request(booking_id: int) -> Confirm:
    """Delete the request and deliver the booking's logged events again, as a rebuild from the
    log does (the events only: no ``occurred_at`` passed along)."""
    with transaction.atomic():
        Confirm.objects.filter(booking_id=booking_id).delete()
        for seq, event in bus.replay(
            types=[BookingCreated, BookingChanged, BookingCancelled], booking_id=booking_id
        ):
            event.signal.send(sender=type(event), event=event, seq=seq)
    return Confirm.objects.get(booking_id=booking_id)


def test_the_automatic_approval_is_dated_by_its_event_live_and_rebuilt(client_for, user, automatic):
    with time_machine.travel(DAY_ONE, tick=False):
        booking = post_booking(client_for(user), automatic["id"])
    created = EventLog.objects.get(booking_id=booking["id"], event_type="BookingCreated")
    assert Confirm.objects.get(booking_id=booking["id"]).confirm_dtm == created.occurred_at
    with time_machine.travel(DAY_ONE + dt.timedelta(days=1), tick=False):
        rebuilt = rebuild_request(booking["id"])
    assert (rebuilt.status, rebuilt.confirm_dtm) == (CONFIRMED, created.occurred_at)


def test_an_approval_on_moving_in_is_dated_by_the_move_live_and_rebuilt(
    client_for, user, room, automatic
):
    alice = client_for(user)
    with time_machine.travel(DAY_ONE, tick=False):
        booking = post_booking(alice, room.pk)
    with time_machine.travel(DAY_ONE + dt.timedelta(hours=2), tick=False):
        url = f"/bookings/{booking['id']}"
        assert alice.patch(url, {"roomId": automatic["id"]}, format="json").status_code == 200
    moved = EventLog.objects.get(booking_id=booking["id"], event_type="BookingChanged")
    assert Confirm.objects.get(booking_id=booking["id"]).confirm_dtm == moved.occurred_at
    with time_machine.travel(DAY_ONE + dt.timedelta(days=1), tick=False):
        rebuilt = rebuild_request(booking["id"])
    assert (rebuilt.status, rebuilt.confirm_dtm) == (CONFIRMED, moved.occurred_at)
