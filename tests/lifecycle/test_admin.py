"""The admin shows the check-in state of bookings and lets office staff set a room's
``requires_check_in``; the approval requests show when the approvers were reminded."""

from __future__ import annotations

import pytest

from apps.booking import services
from apps.booking.models import Room
from tests.booking.test_admin import NO_OPENING_HOURS
from tests.lifecycle.conftest import MINUTE, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_the_booking_list_shows_and_filters_the_check_in_state(
    staff_client, user, check_in_room, plain_room
):
    checked_in, waiting, released = (book(user, check_in_room) for _ in range(3))
    ordinary = book(user, plain_room)
    services.check_in(actor=user, booking_id=checked_in.pk, now=checked_in.use_start_dtm)
    services.release_no_shows(now=released.use_start_dtm + 20 * MINUTE)

    page = staff_client.get("/admin/booking/booking/")
    assert page.status_code == 200
    html = page.content.decode()
    local = checked_in.use_start_dtm.astimezone(check_in_room.zone)
    assert f"checked in {local:%H:%M}" in html
    assert "released: nobody checked in" in html and "not required" in html

    def listed(value: str) -> set[int]:
        page = staff_client.get(f"/admin/booking/booking/?check_in={value}")
        return {b.pk for b in page.context["cl"].queryset}

    assert listed("checked_in") == {checked_in.pk}
    assert listed("waiting") == {waiting.pk}
    assert listed("released") == {released.pk}
    detail = staff_client.get(f"/admin/booking/booking/{checked_in.pk}/change/")
    assert detail.status_code == 200 and "Checked in" in detail.content.decode()
    assert ordinary.pk not in listed("waiting")


def test_office_staff_make_a_room_require_check_in(staff_client, plain_room, manager):
    response = staff_client.post(
        f"/admin/booking/room/{plain_room.pk}/change/",
        {
            "name": plain_room.name,
            "capacity": "8",
            "location": "",
            "description": "",
            "equipment": "[]",
            "is_active": "on",
            "requires_check_in": "on",
            "time_zone": "Asia/Seoul",
            "max_duration": "12:00:00",
            "managers": [manager.pk],
            "approval_mode": "REQUIRED",  # the room policies' fields (docs/policies.md)
            **NO_OPENING_HOURS,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Room.objects.get(pk=plain_room.pk).requires_check_in is True
    listing = staff_client.get("/admin/booking/room/?requires_check_in__exact=1")
    assert [r.pk for r in listing.context["cl"].queryset] == [plain_room.pk]


def test_an_approval_request_shows_when_its_approvers_were_reminded(
    client, superuser, user, plain_room
):
    from apps.confirm import services as confirm_services
    from apps.confirm.models import Confirm

    booking = book(user, plain_room)
    confirm = Confirm.objects.get(booking_id=booking.pk)
    confirm_services.remind_pending_approvals(now=booking.use_start_dtm - MINUTE)
    client.force_login(superuser)
    page = client.get(f"/admin/confirm/confirm/{confirm.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Approvers reminded" in html and "Pending since" in html
