"""Who may do what, endpoint by endpoint, for every kind of caller.

One booking by its booker in a room with one manager; callers: anonymous, another plain user, the
booker, that room's manager, a manager of another room, office staff and a superuser. What a
caller may not do is 401 (anonymous), 403, or 404 where the object must stay invisible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group

from apps.booking import services as booking_services
from apps.booking.models import Booking
from apps.confirm.models import Confirm
from apps.notification.models import Notification
from roombooking.roles import OFFICE_STAFF_GROUP, ROOM_MANAGERS_GROUP
from tests.factories import UserFactory

ROLES = ("anonymous", "stranger", "booker", "manager", "other_manager", "staff", "superuser")


@dataclass
class World:
    users: dict
    room: object
    other_room: object
    booking: Booking
    confirm: Confirm
    notification: Notification


def start(days: int, hour: int = 10) -> str:
    day = dt.date.today() + dt.timedelta(days=days)
    return f"{day:%Y%m%d}{hour:02d}0000"


@pytest.fixture
def world(db) -> World:
    managers = Group.objects.get(name=ROOM_MANAGERS_GROUP)
    users = {
        "stranger": UserFactory(username="stranger"),
        "booker": UserFactory(username="booker"),
        "manager": UserFactory(username="manager", is_staff=True),
        "other_manager": UserFactory(username="other_manager", is_staff=True),
        "staff": UserFactory(username="officestaff", is_staff=True),
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    users["manager"].groups.add(managers)
    users["other_manager"].groups.add(managers)
    users["staff"].groups.add(Group.objects.get(name=OFFICE_STAFF_GROUP))
    room = booking_services.create_room(name="Room A", capacity=4, managers=["manager"])
    other_room = booking_services.create_room(name="Room B", capacity=4, managers=["other_manager"])
    booking = booking_services.create_booking(
        actor=users["booker"],
        room_id=room.pk,
        use_start_dtm=_local(start(30)),
        use_end_dtm=_local(start(30, 11)),
    )
    return World(
        users=users,
        room=room,
        other_room=other_room,
        booking=booking,
        confirm=Confirm.objects.get(booking_id=booking.pk),
        notification=Notification.objects.filter(recipient_username="booker").first(),
    )


def _local(compact: str) -> dt.datetime:
    return dt.datetime.strptime(compact, "%Y%m%d%H%M%S")


def call(client_for, world: World, role: str, method: str, path: str, data=None):
    client = client_for(None if role == "anonymous" else world.users[role])
    path = path.format(
        booking=world.booking.pk,
        confirm=world.confirm.pk,
        notification=world.notification.pk,
        room=world.room.pk,
    )
    return getattr(client, method.lower())(path, data, format="json")


def expect(**by_role: int) -> list[tuple[str, int]]:
    assert set(by_role) == set(ROLES), set(ROLES) ^ set(by_role)
    return list(by_role.items())


READS = {
    "GET /bookings/{booking}": expect(
        anonymous=401, stranger=404, booker=200, manager=200, other_manager=404, staff=200,
        superuser=200,
    ),
    "GET /confirms/{confirm}": expect(
        anonymous=401, stranger=404, booker=200, manager=200, other_manager=404, staff=200,
        superuser=200,
    ),
    "GET /notifications/{notification}": expect(
        anonymous=401, stranger=404, booker=200, manager=404, other_manager=404, staff=200,
        superuser=200,
    ),
    "GET /bookingLists/{booking}": expect(
        anonymous=401, stranger=404, booker=200, manager=200, other_manager=404, staff=200,
        superuser=200,
    ),
    "GET /bookingLists/export.csv": expect(
        anonymous=401, stranger=403, booker=403, manager=200, other_manager=200, staff=200,
        superuser=200,
    ),
    "GET /rooms/{room}": expect(
        anonymous=401, stranger=200, booker=200, manager=200, other_manager=200, staff=200,
        superuser=200,
    ),
    "GET /rooms/available?start=20300101100000&end=20300101110000": expect(
        anonymous=401, stranger=200, booker=200, manager=200, other_manager=200, staff=200,
        superuser=200,
    ),
    "GET /rooms/{room}/availability?date=2030-01-01": expect(
        anonymous=401, stranger=200, booker=200, manager=200, other_manager=200, staff=200,
        superuser=200,
    ),
}  # fmt: skip

WRITES = {
    ("PATCH /bookings/{booking}", "move"): expect(
        anonymous=401, stranger=404, booker=200, manager=403, other_manager=404, staff=200,
        superuser=200,
    ),
    ("DELETE /bookings/{booking}", None): expect(
        anonymous=401, stranger=404, booker=204, manager=403, other_manager=404, staff=204,
        superuser=204,
    ),
    ("PATCH /confirms/{confirm}", "approve"): expect(
        anonymous=401, stranger=404, booker=403, manager=200, other_manager=404, staff=403,
        superuser=200,
    ),
    ("POST /rooms", "new_room"): expect(
        anonymous=401, stranger=403, booker=403, manager=403, other_manager=403, staff=201,
        superuser=201,
    ),
    ("PATCH /rooms/{room}", "rename"): expect(
        anonymous=401, stranger=403, booker=403, manager=403, other_manager=403, staff=200,
        superuser=200,
    ),
    ("DELETE /rooms/{room}", None): expect(
        anonymous=401, stranger=403, booker=403, manager=403, other_manager=403, staff=204,
        superuser=204,
    ),
}  # fmt: skip

BODIES = {
    "move": {"useStartDtm": start(31), "useEndDtm": start(31, 11)},
    "approve": {"status": "CONFIRMED"},
    "new_room": {"name": "Room C", "capacity": 3},
    "rename": {"name": "Room A2"},
    None: None,
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "role", "status"),
    [(endpoint, role, status) for endpoint, rows in READS.items() for role, status in rows],
)
def test_reads(client_for, world, endpoint, role, status):
    method, path = endpoint.split(" ")
    response = call(client_for, world, role, method, path)
    assert response.status_code == status, response.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "body", "role", "status"),
    [(e, b, role, status) for (e, b), rows in WRITES.items() for role, status in rows],
)
def test_writes(client_for, world, endpoint, body, role, status):
    method, path = endpoint.split(" ")
    before = (Booking.objects.get(pk=world.booking.pk).use_start_dtm, world.confirm.status)
    response = call(client_for, world, role, method, path, BODIES[body])
    assert response.status_code == status, response.content[:300]
    if status >= 400 and "bookings" in path:  # a refused write changed nothing
        booking = Booking.objects.get(pk=world.booking.pk)
        assert (booking.use_start_dtm, booking.status) == (before[0], "BOOKED")
    if status >= 400 and "confirms" in path:
        assert Confirm.objects.get(pk=world.confirm.pk).status == before[1]


LISTS = ["/bookings", "/confirms", "/notifications", "/bookingLists"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("role", ["stranger", "other_manager"])
def test_no_list_shows_other_peoples_rows(client_for, world, path, role):
    body = call(client_for, world, role, "GET", path).json()
    assert body["count"] == 0, body


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
def test_every_list_is_closed_to_anonymous_callers(client_for, world, path):
    assert call(client_for, world, "anonymous", "GET", path).status_code == 401


@pytest.mark.django_db
def test_server_owned_fields_cannot_be_set_by_a_client(client_for, world):
    booker = world.users["booker"]
    answer = call(
        client_for,
        world,
        "booker",
        "POST",
        "/bookings",
        {
            "roomId": world.other_room.pk,
            "useStartDtm": start(40),
            "useEndDtm": start(40, 11),
            "id": 999999,
            "status": "CANCELLED",
            "bookingDtm": "2000-01-01T00:00:00Z",
        },
    ).json()
    created = Booking.objects.get(pk=answer["id"])
    assert created.pk != 999999 and created.status == "BOOKED" and created.booking_user == booker
    assert created.created_at.year > 2000
    decided = call(
        client_for,
        world,
        "manager",
        "PATCH",
        "/confirms/{confirm}",
        {"status": "CONFIRMED", "confirmUserId": "booker", "bookingId": 1, "userId": "x"},
    )
    assert decided.status_code == 200
    confirm = Confirm.objects.get(pk=world.confirm.pk)
    assert (confirm.confirm_user_id, confirm.booking_id, confirm.user_id) == (
        "manager",
        world.booking.pk,
        "booker",
    )
