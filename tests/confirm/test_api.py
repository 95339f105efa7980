"""``/confirms``: who sees what, filters, and deciding with PATCH."""

from __future__ import annotations

import pytest

from apps.confirm.events import BOOKED, CONFIRMED, DENIED
from apps.confirm.models import Confirm
from tests.confirm import bookings, events

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_requests(request_for, user, other_user):
    """alice's booking of Hanla (managed by "manager"), bob's booking of Hanla, and bob's booking
    of Jiri (managed by "carol")."""
    _, alices = request_for()
    _, bobs = request_for(booking_user_id="bob", booking_user_email="bob@example.com")
    _, jiri = request_for(
        room_id=202, room_name="Jiri", room_managers=("carol",), booking_user_id="bob"
    )
    return alices, bobs, jiri


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_each_role_sees_its_requests(
    client_for, three_requests, user, other_user, manager, other_manager, staff_user, superuser
):
    alices, bobs, jiri = three_requests
    assert ids(client_for(user).get("/confirms")) == {alices.pk}
    assert ids(client_for(other_user).get("/confirms")) == {bobs.pk, jiri.pk}
    assert ids(client_for(manager).get("/confirms")) == {alices.pk, bobs.pk}
    assert ids(client_for(other_manager).get("/confirms")) == {jiri.pk}
    assert ids(client_for(staff_user).get("/confirms")) == {alices.pk, bobs.pk, jiri.pk}
    assert ids(client_for(superuser).get("/confirms")) == {alices.pk, bobs.pk, jiri.pk}


def test_anonymous_is_refused(client_for, three_requests):
    response = client_for(None).get("/confirms")
    assert response.status_code in {401, 403}


def test_detail_has_the_originals_fields(client_for, request_for, manager):
    event, confirm = request_for()
    response = client_for(manager).get(f"/confirms/{confirm.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": confirm.pk,
        "bookingId": event.booking_id,
        "userId": "alice",
        "status": BOOKED,
        "confirmUserId": None,
        "confirmDtm": None,
        "reason": "",
        "roomId": 101,
        "roomName": "Hanla",
        "roomTimeZone": "Asia/Seoul",
        "approvers": ["manager"],
        "useStartDtm": "2030-03-04T10:00:00+09:00",
        "useEndDtm": "2030-03-04T11:00:00+09:00",
        "createdDtm": body["createdDtm"],
        "updatedDtm": body["updatedDtm"],
        "seriesId": None,
    }
    assert body["createdDtm"].endswith("+09:00")
    assert client_for(manager).get(f"/confirms/{confirm.pk}/").status_code == 200


def test_another_users_request_is_a_404(client_for, three_requests, user, other_manager):
    alices, bobs, jiri = three_requests
    assert client_for(user).get(f"/confirms/{bobs.pk}").status_code == 404
    assert client_for(other_manager).get(f"/confirms/{alices.pk}").status_code == 404
    assert client_for(user).get("/confirms/999999").status_code == 404
    assert client_for(user).get("/confirms/abc").status_code == 404
    assert client_for(user).get(f"/confirms/{2**64}").status_code == 404
    assert client_for(user).patch(f"/confirms/{2**64}", {"status": CONFIRMED}).status_code == 404


def test_filters_by_status_room_and_booking(client_for, three_requests, manager, staff_user):
    alices, bobs, jiri = three_requests
    client_for(manager).patch(f"/confirms/{bobs.pk}", {"status": CONFIRMED}, format="json")
    staff = client_for(staff_user)
    assert ids(staff.get("/confirms", {"status": CONFIRMED})) == {bobs.pk}
    assert ids(staff.get("/confirms?status=BOOKED&status=CONFIRMED")) == {
        alices.pk,
        bobs.pk,
        jiri.pk,
    }
    assert ids(staff.get("/confirms", {"roomId": 202})) == {jiri.pk}
    assert ids(staff.get("/confirms", {"bookingId": alices.booking_id})) == {alices.pk}
    assert ids(staff.get("/confirms", {"userId": "bob"})) == {bobs.pk, jiri.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "MAYBE"}, "status"),
        ({"roomId": "abc"}, "roomId"),
        ({"bookingId": "x"}, "bookingId"),
        ({"bookingId": "1.5"}, "bookingId"),
        ({"roomId": str(2**63)}, "roomId"),
        ({"ordering": "password"}, "ordering"),
    ],
)
def test_bad_filters_are_400s_naming_the_field(client_for, staff_user, params, field):
    response = client_for(staff_user).get("/confirms", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_ordering_and_pagination(client_for, request_for, staff_user):
    for hour in (3, 1, 2):
        start = events.START.replace(hour=hour)
        request_for(use_start_dtm=start, use_end_dtm=start.replace(minute=30))
    staff = client_for(staff_user)
    body = staff.get("/confirms", {"ordering": "-useStartDtm", "page_size": 2}).json()
    assert body["count"] == 3
    assert [row["useStartDtm"][11:16] for row in body["results"]] == ["12:00", "11:00"]
    second = staff.get(body["next"]).json()
    assert [row["useStartDtm"][11:16] for row in second["results"]] == ["10:00"]


def test_manager_approves(client_for, request_for, manager):
    _, confirm = request_for()
    response = client_for(manager).patch(
        f"/confirms/{confirm.pk}", {"status": CONFIRMED}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == CONFIRMED and body["confirmUserId"] == "manager"
    assert body["confirmDtm"].endswith("+09:00")
    assert client_for(manager).get(f"/confirms/{confirm.pk}").json()["status"] == CONFIRMED


def test_deny_answers_200_denied_and_then_the_request_is_gone(client_for, booked, manager):
    booking, confirm = booked()
    response = client_for(manager).patch(
        f"/confirms/{confirm.pk}", {"status": DENIED, "reason": "Closed"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == DENIED and response.json()["reason"] == "Closed"
    assert client_for(manager).get(f"/confirms/{confirm.pk}").status_code == 404
    again = client_for(manager).patch(f"/confirms/{confirm.pk}", {"status": DENIED}, format="json")
    assert again.status_code == 404
    assert bookings.is_cancelled(booking.pk)


def test_a_second_approval_is_a_409_with_the_current_status(client_for, request_for, manager):
    _, confirm = request_for()
    client = client_for(manager)
    assert client.patch(f"/confirms/{confirm.pk}", {"status": CONFIRMED}).status_code == 200
    response = client.patch(f"/confirms/{confirm.pk}", {"status": CONFIRMED}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["currentStatus"] == CONFIRMED
    assert body["status"] == 409 and body["path"] == f"/confirms/{confirm.pk}"
    back = client.patch(f"/confirms/{confirm.pk}", {"status": BOOKED}, format="json")
    assert back.status_code == 409 and back.json()["currentStatus"] == CONFIRMED


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "MAYBE"}, "status"),
        ({}, "status"),
        ({"status": DENIED, "reason": "x" * 501}, "reason"),
    ],
)
def test_bad_decisions_are_400s(client_for, request_for, manager, data, field):
    _, confirm = request_for()
    response = client_for(manager).patch(f"/confirms/{confirm.pk}", data, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    confirm.refresh_from_db()
    assert confirm.status == BOOKED


def test_who_may_decide(
    client_for, request_for, user, other_user, manager, other_manager, staff_user, superuser
):
    _, confirm = request_for()

    def patch(who):
        return (
            client_for(who)
            .patch(f"/confirms/{confirm.pk}", {"status": CONFIRMED}, format="json")
            .status_code
        )

    assert patch(user) == 403  # the booker sees it but may not decide
    assert patch(staff_user) == 403  # office staff see it; the room has a manager
    assert patch(other_user) == 404  # may not even see it
    assert patch(other_manager) == 404
    assert Confirm.objects.get(pk=confirm.pk).status == BOOKED
    assert patch(superuser) == 200


def test_office_staff_decide_for_rooms_without_managers(
    client_for, request_for, staff_user, manager
):
    _, confirm = request_for(room_managers=())
    assert (
        client_for(manager).patch(f"/confirms/{confirm.pk}", {"status": CONFIRMED}).status_code
        == 404
    )
    response = client_for(staff_user).patch(f"/confirms/{confirm.pk}", {"status": CONFIRMED})
    assert response.status_code == 200
    assert response.json()["confirmUserId"] == "staff"


def test_put_and_delete_are_not_allowed(client_for, request_for, superuser):
    _, confirm = request_for()
    client = client_for(superuser)
    assert client.put(f"/confirms/{confirm.pk}", {"status": CONFIRMED}).status_code == 405
    assert client.delete(f"/confirms/{confirm.pk}").status_code == 405
    assert client.post("/confirms", {}).status_code == 405


def test_the_browsable_api_offers_the_decision_form(client, request_for, manager):
    _, confirm = request_for()
    client.force_login(manager)
    page = client.get(f"/confirms/{confirm.pk}", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert "PATCH" in html and "&quot;status&quot;" in html and "&quot;reason&quot;" in html
