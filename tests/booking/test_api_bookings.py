"""``/bookings`` over HTTP: the original's calls, validation, conflicts, visibility."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.booking import services
from apps.booking.models import Booking
from tests.booking.conftest import compact, future

HOUR = dt.timedelta(hours=1)


def post(client, **body):
    return client.post("/bookings", body, format="json")


@pytest.fixture
def alice(client_for, user):
    return client_for(user)


@pytest.fixture
def bob(client_for, other_user):
    return client_for(other_user)


@pytest.mark.django_db
def test_the_originals_call_works_as_written(alice, room):
    start = future()
    # http POST :8000/bookings roomId="101" useStartDtm="20200831183000" useEndDtm="..."
    response = post(
        alice,
        roomId=str(room.pk),
        useStartDtm=compact(start),
        useEndDtm=compact(start + HOUR),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"http://testserver/bookings/{body['id']}"
    assert body["_links"]["self"]["href"] == response["Location"]
    assert body["roomId"] == room.pk and body["roomName"] == "Room 101"
    assert body["bookingUserId"] == "alice" and body["status"] == "BOOKED"
    assert body["useStartDtm"] == start.isoformat() and body["useStartDtm"].endswith("+09:00")
    assert body["useEndDtm"] == (start + HOUR).isoformat()
    again = alice.get(response["Location"]).json()
    assert again == body


@pytest.mark.django_db
def test_short_compact_form_and_trailing_slash(alice, room):
    start = future(hour=13, minute=30)
    response = alice.post(
        "/bookings/",
        {"roomId": room.pk, "useStartDtm": compact(start)[:12], "useEndDtm": compact(start)[:12]
         .replace("1330", "1430")},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["useEndDtm"] == (start + HOUR).isoformat()


@pytest.mark.django_db
def test_server_owned_fields_are_ignored(alice, room):
    start = future()
    response = post(
        alice,
        id=424242,
        status="CANCELLED",
        bookingDtm="2000-01-01T00:00:00Z",
        updatedDtm="2000-01-01T00:00:00Z",
        roomId=room.pk,
        useStartDtm=start.isoformat(),
        useEndDtm=(start + HOUR).isoformat(),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"] != 424242 and body["status"] == "BOOKED"
    assert not body["bookingDtm"].startswith("2000")
    assert Booking.objects.get().status == "BOOKED"


@pytest.mark.django_db
def test_booking_for_someone_else(alice, client_for, staff_user, other_user, room):
    start = future()
    times = {"roomId": room.pk, "useStartDtm": compact(start), "useEndDtm": compact(start + HOUR)}
    refused = post(alice, bookingUserId="bob", **times)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only office staff may book for someone else."
    staff = client_for(staff_user)
    unknown = post(staff, bookingUserId="06675", **times)
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"bookingUserId": ["Unknown user: '06675'."]}
    made = post(staff, bookingUserId="bob", **times)
    assert made.status_code == 201 and made.json()["bookingUserId"] == "bob"


def _valid(room_id, start):
    return {"roomId": room_id, "useStartDtm": compact(start), "useEndDtm": compact(start + HOUR)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field, reason",
    [
        ({"roomId": None}, "roomId", "may not be null"),
        ({"roomId": "abc"}, "roomId", "Expected a positive whole number"),
        ({"roomId": True}, "roomId", "Expected a positive whole number"),
        ({"roomId": -3}, "roomId", "Expected a positive whole number"),
        ({"roomId": 987654}, "roomId", "Room 987654 does not exist."),
        ({"useStartDtm": "20200230103000"}, "useStartDtm", "day is out of range for month"),
        ({"useStartDtm": "next tuesday"}, "useStartDtm", "is not a date-time"),
        ({"useStartDtm": 20300101100000}, "useStartDtm", "got a number"),
        ({"useEndDtm": "x" * 5000}, "useEndDtm", "is not a date-time"),
        ({"useStartDtm": "20200831183000", "useEndDtm": "20200831193000"}, "useStartDtm",
         "is in the past"),
        ({"useEndDtm": "SAME"}, "useEndDtm", "must be after the start"),
        ({"useEndDtm": "TOO_LONG"}, "useEndDtm", "at most 12 h 00 min"),
        ({"bookingUserId": "x" * 151}, "bookingUserId", "no more than 150 characters"),
        ({"bookingUserId": ["alice"]}, "bookingUserId", "Not a valid string"),
    ],
)  # fmt: skip
def test_each_bad_input_is_a_400_naming_the_field(alice, room, change, field, reason):
    start = future()
    body = _valid(room.pk, start) | change
    if body["useEndDtm"] == "SAME":
        body["useEndDtm"] = body["useStartDtm"]
    elif body["useEndDtm"] == "TOO_LONG":
        body["useEndDtm"] = compact(start + dt.timedelta(hours=12, minutes=1))
    response = post(alice, **body)
    assert response.status_code == 400, response.json()
    error = response.json()
    assert error["status"] == 400 and error["path"] == "/bookings"
    assert reason in " ".join(error["errors"][field]), error
    assert not Booking.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["roomId", "useStartDtm", "useEndDtm"])
def test_missing_fields_are_named(alice, room, missing):
    body = _valid(room.pk, future())
    del body[missing]
    response = post(alice, **body)
    assert response.status_code == 400
    assert response.json()["errors"] == {missing: ["This field is required."]}


@pytest.mark.django_db
def test_an_inactive_room_takes_no_bookings(alice, room):
    services.deactivate_room(room_id=room.pk)
    response = post(alice, **_valid(room.pk, future()))
    assert response.status_code == 400
    assert "not in service" in response.json()["errors"]["roomId"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("body", ['["20300101100000"]', '"hello"', "42", "null", "{not json"])
def test_a_body_that_is_not_a_json_object_is_a_400(alice, room, body):
    response = alice.post("/bookings", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["status"] == 400 and response.json()["message"]


@pytest.mark.django_db
def test_a_taken_slot_is_a_409_listing_the_interval_without_names(alice, bob, room):
    start = future()
    assert post(alice, **_valid(room.pk, start)).status_code == 201
    response = post(
        bob,
        roomId=room.pk,
        useStartDtm=compact(start + HOUR / 2),
        useEndDtm=compact(start + 2 * HOUR),
    )
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == 409 and body["code"] == "slot_taken"
    assert body["conflicts"] == [
        {"useStartDtm": start.isoformat(), "useEndDtm": (start + HOUR).isoformat()}
    ]
    back_to_back = post(bob, **_valid(room.pk, start + HOUR))
    assert back_to_back.status_code == 201


@pytest.mark.django_db
def test_cancel_then_get_is_404_and_the_slot_is_free(alice, bob, room):
    start = future()
    made = post(alice, **_valid(room.pk, start)).json()
    assert alice.delete(f"/bookings/{made['id']}").status_code == 204
    assert alice.get(f"/bookings/{made['id']}").status_code == 404
    assert alice.delete(f"/bookings/{made['id']}").status_code == 404
    assert post(bob, **_valid(room.pk, start)).status_code == 201


@pytest.mark.django_db
def test_another_users_booking_is_a_404_for_reads_and_writes(alice, bob, room):
    made = post(alice, **_valid(room.pk, future())).json()
    url = f"/bookings/{made['id']}"
    assert bob.get(url).status_code == 404
    assert bob.patch(url, {"useEndDtm": compact(future(hour=12))}, format="json").status_code == 404
    assert bob.delete(url).status_code == 404
    assert bob.get("/bookings").json()["results"] == []
    assert bob.get(url).json() == alice.get("/no/such/thing").json() | {"path": url}
    assert Booking.objects.get().status == "BOOKED"


@pytest.mark.django_db
def test_managers_see_their_rooms_bookings_but_do_not_change_them(
    alice, client_for, manager, room, other_room
):
    mine = post(alice, **_valid(room.pk, future())).json()
    elsewhere = post(alice, **_valid(other_room.pk, future())).json()
    managing = client_for(manager)
    assert [b["id"] for b in managing.get("/bookings").json()["results"]] == [mine["id"]]
    assert managing.get(f"/bookings/{elsewhere['id']}").status_code == 404
    assert managing.delete(f"/bookings/{mine['id']}").status_code == 403


@pytest.mark.django_db
def test_patch_moves_times_with_the_same_checks(alice, room):
    start = future()
    made = post(alice, **_valid(room.pk, start)).json()
    url = f"/bookings/{made['id']}"
    moved = alice.patch(
        url, {"useStartDtm": compact(start + HOUR), "useEndDtm": compact(start + 2 * HOUR)},
        format="json",
    )  # fmt: skip
    assert moved.status_code == 200
    assert moved.json()["useStartDtm"] == (start + HOUR).isoformat()
    bad = alice.patch(url, {"useEndDtm": compact(start)}, format="json")
    assert bad.status_code == 400 and "useEndDtm" in bad.json()["errors"]
    ignored = alice.patch(url, {"status": "CANCELLED", "id": 1}, format="json")
    assert ignored.status_code == 200 and ignored.json()["status"] == "BOOKED"


@pytest.mark.django_db
def test_patch_booking_user_is_for_office_staff(alice, client_for, staff_user, room):
    # http PATCH :8000/bookings/7 bookingUserId="99999" (the original's call)
    made = post(alice, **_valid(room.pk, future())).json()
    url = f"/bookings/{made['id']}"
    assert alice.patch(url, {"bookingUserId": "bob"}, format="json").status_code == 403
    staff = client_for(staff_user)
    unknown = staff.patch(url, {"bookingUserId": "99999"}, format="json")
    assert unknown.status_code == 400 and "bookingUserId" in unknown.json()["errors"]
    moved = staff.patch(url, {"bookingUserId": "staff"}, format="json")
    assert moved.status_code == 200 and moved.json()["bookingUserId"] == "staff"
    assert alice.get(url).status_code == 404  # no longer hers


@pytest.mark.django_db
def test_list_filters_ordering_and_pagination(alice, client_for, staff_user, room, other_room):
    staff = client_for(staff_user)
    for day in (3, 1, 2):
        post(alice, **_valid(room.pk, future(days=day)))
    post(staff, **_valid(other_room.pk, future(days=2)))

    def ids_of(client, query):
        response = client.get("/bookings" + query)
        assert response.status_code == 200, response.json()
        return [(b["roomId"], b["useStartDtm"][:10]) for b in response.json()["results"]]

    d = {n: future(days=n).date().isoformat() for n in (1, 2, 3)}
    assert ids_of(alice, "") == [(room.pk, d[1]), (room.pk, d[2]), (room.pk, d[3])]
    assert len(ids_of(staff, "")) == 4
    assert ids_of(staff, f"?roomId={other_room.pk}") == [(other_room.pk, d[2])]
    assert ids_of(staff, "?bookingUserId=alice&ordering=-useStartDtm") == [
        (room.pk, d[3]), (room.pk, d[2]), (room.pk, d[1])
    ]  # fmt: skip
    window = f"?from={compact(future(days=2, hour=0))}&to={compact(future(days=3, hour=0))}"
    assert ids_of(staff, window + "&ordering=roomId") == [(room.pk, d[2]), (other_room.pk, d[2])]
    page = staff.get("/bookings?page_size=3&page=2").json()
    assert page["count"] == 4 and len(page["results"]) == 1
    bad = staff.get("/bookings?from=20200230000000")
    assert bad.status_code == 400 and "day is out of range" in bad.json()["errors"]["from"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/bookings", "/bookings/", "/rooms", "/bookings/1"])
def test_anonymous_gets_a_json_401_or_403(api_client, path):
    response = api_client.get(path)
    assert response.status_code in {401, 403}
    assert response.json()["status"] == response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/bookings/99999999999999999999",
        "/bookings/abc",
        "/bookings?roomId=99999999999999999999",
        "/bookings?roomId=abc",
        "/rooms?minCapacity=99999999999999999999",
        "/rooms/99999999999999999999",
        "/bookings?page=999",
        "/bookings?ordering=nonsense",
    ],
)
def test_odd_paths_and_parameters_are_4xx_not_500(alice, room, path):
    response = alice.get(path)
    assert response.status_code in {200, 400, 404}, response.content[:300]
    assert response.json()


@pytest.mark.django_db
def test_put_is_not_allowed_and_says_so(alice, room):
    made = post(alice, **_valid(room.pk, future())).json()
    response = alice.put(f"/bookings/{made['id']}", _valid(room.pk, future()), format="json")
    assert response.status_code == 405 and response.json()["status"] == 405


@pytest.mark.django_db
def test_moving_a_booking_within_a_room_taken_out_of_service_is_refused(alice, room):
    made = post(alice, **_valid(room.pk, future())).json()
    services.deactivate_room(room_id=room.pk)
    response = alice.patch(
        f"/bookings/{made['id']}", {"useEndDtm": compact(future(hour=12))}, format="json"
    )
    assert (
        response.status_code == 400 and "not in service" in response.json()["errors"]["roomId"][0]
    )
    assert alice.delete(f"/bookings/{made['id']}").status_code == 204  # cancelling still works
