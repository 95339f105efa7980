"""Demo rooms: idempotent, and "Room 101" answers the original's roomId="101"."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.booking import services
from apps.booking.models import Room


@pytest.mark.django_db
def test_seed_demo_creates_rooms_once_and_ids_keep_counting_after_them():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    rooms = {room.pk: room for room in Room.objects.all()}
    assert sorted(rooms) == [101, 102, 103]
    assert rooms[101].name == "Room 101" and rooms[101].capacity == 6
    assert [u.username for u in rooms[101].managers.all()] == ["manager"]
    assert sorted(u.username for u in rooms[102].managers.all()) == ["admin", "manager"]
    assert not rooms[103].managers.exists()
    new = services.create_room(name="After the demo", capacity=3)
    assert new.pk > 103  # PostgreSQL: the id sequence was moved past the chosen ids
