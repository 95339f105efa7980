"""The browsable API is a user interface: its pages render and its forms ask for the input."""

from __future__ import annotations

import pytest

from apps.booking import services
from tests.booking.conftest import future


@pytest.mark.django_db
def test_pages_render_with_forms_for_what_a_client_sends(client, staff_user, user, room):
    booking = services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=future(), use_end_dtm=future(hour=11)
    )
    client.force_login(staff_user)
    listing = client.get("/bookings", HTTP_ACCEPT="text/html")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert 'name="useStartDtm"' in html and 'name="bookingUserId"' in html
    assert 'name="bookingDtm"' not in html  # server-owned: not in the form
    detail = client.get(f"/bookings/{booking.pk}", HTTP_ACCEPT="text/html")
    assert detail.status_code == 200 and "Room 101" in detail.content.decode()
    rooms = client.get("/rooms", HTTP_ACCEPT="text/html")
    assert rooms.status_code == 200 and 'name="capacity"' in rooms.content.decode()


@pytest.mark.django_db
def test_the_html_form_books_a_room(client, user, room):
    client.force_login(user)
    start = future()
    response = client.post(
        "/bookings",
        {
            "roomId": str(room.pk),
            "useStartDtm": start.strftime("%Y%m%d%H%M"),
            "useEndDtm": start.strftime("%Y%m%d") + "1100",
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["useEndDtm"].endswith("T11:00:00+09:00")


@pytest.mark.django_db
def test_pages_with_edit_forms_render(client, staff_user, user, room):
    """The PATCH forms are filled from the object through the input serializers."""
    booking = services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=future(), use_end_dtm=future(hour=11)
    )
    client.force_login(staff_user)
    booking_page = client.get(f"/bookings/{booking.pk}", HTTP_ACCEPT="text/html")
    assert booking_page.status_code == 200
    assert "bookingUserId" in booking_page.content.decode()
    room_page = client.get(f"/rooms/{room.pk}", HTTP_ACCEPT="text/html")
    assert room_page.status_code == 200 and "maxDurationMinutes" in room_page.content.decode()
