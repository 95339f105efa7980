"""The read-only booking list page in the admin."""

from __future__ import annotations

import pytest

from tests.bookinglist.builders import created, publish
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_bookinglist_listens")]
LIST = "/admin/bookinglist/bookinglistrow/"


@pytest.fixture
def rows(db):
    publish(
        created(1, room_id=10, room_name="A", room_managers=("manager",)),
        created(2, room_id=20, room_name="B", room_managers=("mia",), booking_user_id="bob"),
        created(3, room_id=10, room_name="A", room_managers=("manager",), booking_user_id="bob"),
    )


def listed(client, query: str = "") -> list[int]:
    response = client.get(LIST + query)
    assert response.status_code == 200
    return sorted(row.booking_id for row in response.context["cl"].result_list)


def signed_in(client, user):
    client.force_login(user)
    return client


def test_office_staff_see_every_row_with_filters(client, staff_user, rows):
    client = signed_in(client, staff_user)
    assert listed(client) == [1, 2, 3]
    assert listed(client, "?roomId=10") == [1, 3]
    assert listed(client, "?booking_status__exact=BOOKED&roomId=20") == [2]
    assert listed(client, "?q=bob") == [2, 3]
    assert listed(client, "?bookingUserId=bob&roomId=10") == [3]
    page = client.get(LIST + "?bookingUserId=bob&booking_status__exact=BOOKED").content.decode()
    assert "Add booking list row" not in page
    # The room box keeps the other filters when it is submitted.
    assert '<input type="hidden" name="bookingUserId" value="bob">' in page
    assert '<input type="hidden" name="booking_status__exact" value="BOOKED">' in page
    assert '<input type="text" name="roomId" value=""' in page


def test_a_room_id_that_is_not_a_number_is_refused(client, staff_user, rows):
    response = signed_in(client, staff_user).get(LIST + "?roomId=ten")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_a_room_manager_sees_their_rooms_rows(client, rows):
    manager = UserFactory(username="manager", is_staff=True)
    client = signed_in(client, manager)
    assert listed(client) == [1, 3]
    assert client.get(f"{LIST}1/change/").status_code == 200  # a read-only detail page
    assert client.get(f"{LIST}2/change/").status_code == 302  # not theirs: "does not exist"
    assert b"Booking list" in client.get("/admin/").content


def test_nothing_can_be_added_changed_or_deleted(client, staff_user, rows):
    client = signed_in(client, staff_user)
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.get(f"{LIST}1/delete/").status_code == 403
    response = client.post(f"{LIST}1/change/", {"booking_status": "CANCELLED"})
    assert response.status_code == 403
    page = client.get(f"{LIST}1/change/").content.decode()
    assert 'name="_save"' not in page


def test_admin_users_without_a_role_do_not_see_it(client, rows):
    client = signed_in(client, UserFactory(username="dora", is_staff=True))
    assert client.get(LIST).status_code == 403
    assert b"Booking list" not in client.get("/admin/").content
