"""``/rooms``: everyone signed in reads and filters; office staff create, change, deactivate."""

from __future__ import annotations

import pytest

from apps.booking import services
from apps.booking.models import Room


@pytest.fixture
def rooms(db, manager):
    return [
        services.create_room(
            name="Room 101", capacity=6, equipment=["tv"], managers=["manager"], location="3F"
        ),
        services.create_room(
            name="Hall", capacity=40, equipment=["projector", "video call"], location="1F"
        ),
        services.create_room(name="Old", capacity=10, equipment=["projector"], is_active=False),
    ]


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [room["name"] for room in response.json()["results"]]


@pytest.mark.django_db
def test_everyone_signed_in_lists_and_filters_rooms(client_for, user, rooms):
    alice = client_for(user)
    assert names(alice.get("/rooms")) == ["Hall", "Old", "Room 101"]
    assert names(alice.get("/rooms?minCapacity=10")) == ["Hall", "Old"]
    assert names(alice.get("/rooms?equipment=projector")) == ["Hall", "Old"]
    assert names(alice.get("/rooms?equipment=projector,Video%20Call")) == ["Hall"]
    assert names(alice.get("/rooms?equipment=video")) == []  # whole tags only
    assert names(alice.get("/rooms?active=true&minCapacity=5")) == ["Hall", "Room 101"]
    assert names(alice.get("/rooms?search=room")) == ["Room 101"]
    assert names(alice.get("/rooms?search=1f")) == ["Hall"]
    assert names(alice.get("/rooms?ordering=-capacity")) == ["Hall", "Old", "Room 101"]
    bad = alice.get("/rooms?minCapacity=lots")
    assert bad.status_code == 400 and "minCapacity" in bad.json()["errors"]
    detail = alice.get(f"/rooms/{rooms[0].pk}").json()
    assert detail == {
        "id": rooms[0].pk,
        "name": "Room 101",
        "capacity": 6,
        "location": "3F",
        "description": "",
        "equipment": ["tv"],
        "isActive": True,
        "timeZone": "Asia/Seoul",
        "maxDurationMinutes": 720,
        "requiresCheckIn": False,
        "managers": ["manager"],
        "approvalMode": "REQUIRED",
        "minDurationMinutes": None,
        "maxDaysAhead": None,
        "maxFutureBookingsPerUser": None,
        "openingHours": [],
    }


@pytest.mark.django_db
def test_only_office_staff_change_rooms(client_for, user, manager, rooms):
    for someone in (user, manager):
        client = client_for(someone)
        assert client.post("/rooms", {"name": "X", "capacity": 2}, format="json").status_code == 403
        assert client.patch(f"/rooms/{rooms[0].pk}", {"capacity": 9}).status_code == 403
        assert client.delete(f"/rooms/{rooms[0].pk}").status_code == 403
    assert Room.objects.get(pk=rooms[0].pk).capacity == 6


@pytest.mark.django_db
def test_office_staff_create_change_and_deactivate(client_for, staff_user, user, rooms):
    staff = client_for(staff_user)
    made = staff.post(
        "/rooms",
        {
            "name": "Focus",
            "capacity": 2,
            "equipment": ["Whiteboard"],
            "managers": ["manager", "alice"],
            "timeZone": "Europe/Berlin",
            "maxDurationMinutes": 120,
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    room = made.json()
    assert made["Location"] == f"http://testserver/rooms/{room['id']}"
    assert room["equipment"] == ["whiteboard"] and room["managers"] == ["alice", "manager"]
    assert room["maxDurationMinutes"] == 120 and room["timeZone"] == "Europe/Berlin"
    changed = staff.patch(f"/rooms/{room['id']}", {"capacity": 4, "managers": []}, format="json")
    assert changed.status_code == 200 and changed.json()["capacity"] == 4
    assert changed.json()["managers"] == []
    assert staff.delete(f"/rooms/{room['id']}").status_code == 204
    assert client_for(user).get(f"/rooms/{room['id']}").json()["isActive"] is False
    back = staff.patch(f"/rooms/{room['id']}", {"isActive": True}, format="json")
    assert back.json()["isActive"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field, reason",
    [
        ({"managers": ["manager", "nobody"]}, "managers", "Unknown user: nobody."),
        ({"timeZone": "Mars/Base"}, "timeZone", "is not a known time zone"),
        ({"name": "Hall"}, "name", "already exists"),
        ({"capacity": 0}, "capacity", "greater than or equal to 1"),
        ({"equipment": ["a" * 40]}, "equipment.0", "no more than 32 characters"),
        ({"equipment": ["laser!"]}, "equipment", "is not a valid tag"),
        ({"name": "n" * 101}, "name", "no more than 100 characters"),
        ({"isActive": "yes"}, "isActive", "Expected true or false"),
        ({"requiresCheckIn": "on"}, "requiresCheckIn", "Expected true or false"),
        ({"requiresCheckIn": 1}, "requiresCheckIn", "Expected true or false"),
    ],
)
def test_room_input_errors_name_the_field(client_for, staff_user, rooms, body, field, reason):
    response = client_for(staff_user).post(
        "/rooms", {"name": "New", "capacity": 3} | body, format="json"
    )
    assert response.status_code == 400, response.json()
    assert reason in " ".join(response.json()["errors"][field])
