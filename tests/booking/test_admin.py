"""The admin goes through the booking services: cancelling publishes, rooms get managers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from apps.booking import services
from apps.booking.models import Booking, Room
from tests.booking.conftest import future


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def bookings(user, other_user, room, other_room):
    start = future()
    return [
        services.create_booking(
            actor=u, room_id=r.pk, use_start_dtm=start, use_end_dtm=start + dt.timedelta(hours=1)
        )
        for u, r in ((user, room), (other_user, other_room))
    ]


@pytest.mark.django_db
def test_bookings_are_searchable_and_filterable(staff_client, bookings, room):
    page = staff_client.get("/admin/booking/booking/?q=alice")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    page = staff_client.get(
        f"/admin/booking/booking/?room__id__exact={room.pk}&status__exact=BOOKED"
    )
    assert [b.pk for b in page.context["cl"].queryset] == [bookings[0].pk]
    assert staff_client.get(f"/admin/booking/booking/{bookings[0].pk}/change/").status_code == 200
    assert staff_client.get("/admin/booking/booking/add/").status_code == 403


@pytest.mark.django_db
def test_cancel_action_goes_through_the_service(staff_client, bookings, published):
    response = staff_client.post(
        "/admin/booking/booking/",
        {"action": "cancel_bookings", ACTION_CHECKBOX_NAME: [b.pk for b in bookings]},
    )
    assert response.status_code == 302
    assert set(Booking.objects.values_list("status", flat=True)) == {"CANCELLED"}
    cancelled = [p for kind, p in published() if kind == "BookingCancelled"]
    assert [p["actor"] for p in cancelled] == ["staff", "staff"]


# The inline's management form, as the admin page sends it.
NO_OPENING_HOURS = {
    "opening_hours-TOTAL_FORMS": "0",
    "opening_hours-INITIAL_FORMS": "0",
    "opening_hours-MIN_NUM_FORMS": "0",
    "opening_hours-MAX_NUM_FORMS": "7",
}


@pytest.mark.django_db
def test_room_admin_creates_through_the_service(staff_client, manager):
    response = staff_client.post(
        "/admin/booking/room/add/",
        {
            "name": "Admin room",
            "capacity": "8",
            "location": "",
            "description": "",
            "equipment": '["Projector"]',
            "is_active": "on",
            "time_zone": "Asia/Seoul",
            "max_duration": "04:00:00",
            "managers": [manager.pk],
            "approval_mode": "REQUIRED",
            **NO_OPENING_HOURS,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    room = Room.objects.get(name="Admin room")
    assert room.equipment == ["projector"]  # normalized by the service
    assert list(room.managers.all()) == [manager]
    assert room.max_duration == dt.timedelta(hours=4)


@pytest.mark.django_db
def test_a_room_manager_sees_only_their_rooms_bookings_and_cannot_cancel(
    client, manager, bookings, room
):
    from django.contrib.auth.models import Group

    from roombooking.roles import ROOM_MANAGERS_GROUP

    manager.groups.add(Group.objects.get(name=ROOM_MANAGERS_GROUP))
    client.force_login(manager)
    page = client.get("/admin/booking/booking/")
    assert page.status_code == 200
    assert [b.pk for b in page.context["cl"].queryset] == [bookings[0].pk]
    client.post(
        "/admin/booking/booking/",
        {"action": "cancel_bookings", ACTION_CHECKBOX_NAME: [bookings[0].pk]},
    )
    assert Booking.objects.get(pk=bookings[0].pk).status == "BOOKED"
