"""``GET /rooms/{id}/availability?date=``: one room's day in its zone, with one query."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from apps.booking import services
from tests.booking.conftest import future
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def berlin_room(manager):
    return services.create_room(
        name="Spree", capacity=8, time_zone="Europe/Berlin", managers=[manager.username]
    )


def book(user, room, start: dt.datetime, end: dt.datetime):
    return services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=end
    )


def day_of(client, room, date: dt.date) -> dict:
    response = client.get(f"/rooms/{room.pk}/availability", {"date": date.isoformat()})
    assert response.status_code == 200, response.json()
    return response.json()


def berlin(date: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=BERLIN)


def test_busy_intervals_and_free_slots_in_the_rooms_zone(client_for, user, other_user, berlin_room):
    date = future(days=30).date()
    day_before = date - dt.timedelta(days=1)
    overnight = book(other_user, berlin_room, berlin(day_before, 22), berlin(date, 1))
    mine = book(user, berlin_room, berlin(date, 9), berlin(date, 10, 30))
    book(other_user, berlin_room, berlin(date, 14), berlin(date, 15))
    book(other_user, berlin_room, berlin(date, 23), berlin(date + dt.timedelta(days=1), 2))
    gone = book(other_user, berlin_room, berlin(date, 16), berlin(date, 17))
    services.cancel_booking(booking_id=gone.pk, actor=other_user.username)

    body = day_of(client_for(user), berlin_room, date)

    offset = berlin(date, 0).strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"

    def at(hour: int, minute: int = 0) -> str:
        return f"{date}T{hour:02d}:{minute:02d}:00{offset}"

    next_midnight = berlin(date + dt.timedelta(days=1), 0).isoformat()
    assert body == {
        "roomId": berlin_room.pk,
        "roomName": "Spree",
        "timeZone": "Europe/Berlin",
        "isActive": True,
        "date": date.isoformat(),
        "dayStart": at(0),
        "dayEnd": next_midnight,
        "busy": [
            {
                "useStartDtm": at(0),
                "useEndDtm": at(1),
                "mine": False,
                "approvalStatus": "PENDING",
            },  # clipped to the day
            {
                "useStartDtm": at(9),
                "useEndDtm": at(10, 30),
                "mine": True,
                "bookingId": mine.pk,
                "approvalStatus": "PENDING",
            },
            {
                "useStartDtm": at(14),
                "useEndDtm": at(15),
                "mine": False,
                "approvalStatus": "PENDING",
            },
            {
                "useStartDtm": at(23),
                "useEndDtm": next_midnight,
                "mine": False,
                "approvalStatus": "PENDING",
            },
        ],
        "free": [
            {"start": at(1), "end": at(9)},
            {"start": at(10, 30), "end": at(14)},
            {"start": at(15), "end": at(23)},
        ],
    }
    assert overnight.pk not in [entry.get("bookingId") for entry in body["busy"]]


def test_office_staff_and_the_rooms_managers_see_who_booked(
    client_for, user, other_user, manager, staff_user, superuser, berlin_room
):
    date = future(days=30).date()
    booking = book(other_user, berlin_room, berlin(date, 9), berlin(date, 10))
    shown = {"bookingId": booking.pk, "bookingUserId": other_user.username}
    for someone in (manager, staff_user, superuser):
        busy = day_of(client_for(someone), berlin_room, date)["busy"]
        assert busy == [{**busy[0], **shown, "mine": False, "approvalStatus": "PENDING"}], someone
    other_manager = UserFactory(username="carol", is_staff=True)  # is_staff alone shows nothing
    services.create_room(name="Carol's", capacity=2, managers=["carol"])
    for someone in (user, other_manager):
        assert set(day_of(client_for(someone), berlin_room, date)["busy"][0]) == {
            "useStartDtm",
            "useEndDtm",
            "mine",
            "approvalStatus",
        }


def test_a_day_changing_to_summer_time_has_23_hours(client_for, user, berlin_room):
    body = day_of(client_for(user), berlin_room, dt.date(2031, 3, 30))  # clocks go 2:00 -> 3:00
    assert (body["dayStart"], body["dayEnd"]) == (
        "2031-03-30T00:00:00+01:00",
        "2031-03-31T00:00:00+02:00",
    )
    assert body["free"] == [{"start": body["dayStart"], "end": body["dayEnd"]}]


def test_a_room_out_of_service_has_no_free_slots(client_for, user, berlin_room):
    services.deactivate_room(room_id=berlin_room.pk)
    body = day_of(client_for(user), berlin_room, future().date())
    assert (body["isActive"], body["busy"], body["free"]) == (False, [], [])


def test_answers_with_one_query(
    client_for, user, other_user, manager, staff_user, superuser, berlin_room,
    django_assert_num_queries,
):  # fmt: skip
    date = future(days=30).date()
    book(user, berlin_room, berlin(date, 8), berlin(date, 9))
    # Clients made by force_authenticate: authentication itself makes no query.
    for someone in (user, manager, superuser):  # own bookings only / the manager / superuser
        with django_assert_num_queries(1):
            day_of(client_for(someone), berlin_room, date)
    book(other_user, berlin_room, berlin(date, 10), berlin(date, 11))
    for someone in (manager, superuser):
        with django_assert_num_queries(1):
            day_of(client_for(someone), berlin_room, date)

    # Someone else's booking seen by a plain user and by office staff (through their group):
    # whether they are office staff is a column of the same query.
    stranger = UserFactory(username="dave")
    for someone, sees_names in ((stranger, False), (staff_user, True)):
        with django_assert_num_queries(1):
            busy = day_of(client_for(someone), berlin_room, date)["busy"]
        assert ("bookingUserId" in busy[1]) is sees_names

    # A room with opening hours: that weekday's hours are joined in the same query.
    services.set_opening_hours(
        room_id=berlin_room.pk,
        opening_hours=[{"weekday": date.weekday(), "opens": dt.time(7), "closes": dt.time(19)}],
    )
    with django_assert_num_queries(1):
        free = day_of(client_for(user), berlin_room, date)["free"]
    assert free[0]["start"].startswith(f"{date.isoformat()}T07:00")


@pytest.mark.parametrize(
    "params",
    [{}, {"date": ""}, {"date": "20300101"}, {"date": "2030-13-01"}, {"date": "0001-01-01"}],
)
def test_a_missing_or_bad_date_is_400_naming_it(client_for, user, berlin_room, params):
    response = client_for(user).get(f"/rooms/{berlin_room.pk}/availability", params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["date"]


@pytest.mark.parametrize("room_id", ["999999", str(2**63), "9" * 30])
def test_an_unknown_room_is_404(client_for, user, room_id):
    response = client_for(user).get(f"/rooms/{room_id}/availability", {"date": "2030-01-01"})
    assert response.status_code == 404


def test_anonymous_is_401(api_client, berlin_room):
    response = api_client.get(f"/rooms/{berlin_room.pk}/availability", {"date": "2030-01-01"})
    assert response.status_code == 401
