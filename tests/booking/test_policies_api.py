"""Room policies through the API (staff write them on /rooms; bookings obey them and office staff
override them with overridePolicy) and through the admin (the opening hours inline)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.booking import services
from apps.booking.models import OpeningHours, Room
from tests.booking.conftest import compact, future
from tests.booking.test_admin import NO_OPENING_HOURS

pytestmark = pytest.mark.django_db

POLICIES = {
    "approvalMode": "AUTOMATIC",
    "minDurationMinutes": 30,
    "maxDaysAhead": 60,
    "maxFutureBookingsPerUser": 3,
    "openingHours": [
        {"weekday": 0, "opens": "08:00", "closes": "18:00"},
        {"weekday": 5, "opens": "10:00", "closes": "24:00"},
    ],
}


def booking_body(room_id: int, days: int, hour: int, minutes: int = 60, **extra) -> dict:
    start = future(days=days, hour=hour)
    end = start + dt.timedelta(minutes=minutes)
    return {"roomId": room_id, "useStartDtm": compact(start), "useEndDtm": compact(end), **extra}


def test_office_staff_set_policies_and_everyone_reads_them(client_for, staff_user, user, room):
    staff = client_for(staff_user)
    changed = staff.patch(f"/rooms/{room.pk}", POLICIES, format="json")
    assert changed.status_code == 200, changed.content
    read = client_for(user).get(f"/rooms/{room.pk}").json()
    assert {key: read[key] for key in POLICIES} == {
        **POLICIES,
        "openingHours": [
            {"weekday": 0, "weekdayName": "Monday", "opens": "08:00", "closes": "18:00"},
            {"weekday": 5, "weekdayName": "Saturday", "opens": "10:00", "closes": "24:00"},
        ],
    }
    listed = client_for(user).get("/rooms").json()["results"]
    assert [r["openingHours"] for r in listed if r["id"] == room.pk] == [read["openingHours"]]
    cleared = staff.patch(
        f"/rooms/{room.pk}",
        {"openingHours": [], "minDurationMinutes": None, "maxDaysAhead": None},
        format="json",
    )
    assert cleared.status_code == 200
    assert (cleared.json()["openingHours"], cleared.json()["minDurationMinutes"]) == ([], None)
    assert Room.objects.get(pk=room.pk).has_opening_hours is False


def test_only_office_staff_write_policies(client_for, user, manager, room):
    for someone in (user, manager):
        refused = client_for(someone).patch(f"/rooms/{room.pk}", POLICIES, format="json")
        assert refused.status_code == 403
    assert Room.objects.get(pk=room.pk).approval_mode == "REQUIRED"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"approvalMode": "SOMETIMES"}, "approvalMode", '"SOMETIMES" is not a valid choice.'),
        ({"maxDaysAhead": 0}, "maxDaysAhead", "greater than or equal to 1"),
        ({"maxFutureBookingsPerUser": -1}, "maxFutureBookingsPerUser", "greater than or equal"),
        ({"minDurationMinutes": 721}, "minDurationMinutes", "must not exceed the maximum"),
        (
            {"openingHours": [{"weekday": 7, "opens": "08:00", "closes": "18:00"}]},
            "openingHours",
            "less than or equal to 6",
        ),
        (
            {"openingHours": [{"weekday": 1, "opens": "8 am", "closes": "18:00"}]},
            "openingHours",
            "Expected a time such as 08:30 (HH:MM), got '8 am'.",
        ),
        (
            {"openingHours": [{"weekday": 1, "opens": "18:00", "closes": "08:00"}]},
            "openingHours",
            "Must be after opens (24:00: midnight).",
        ),
        (
            {"openingHours": [{"weekday": 1, "opens": "08:00", "closes": "18:00"}] * 2},
            "openingHours",
            "Tuesday appears more than once; one interval per weekday.",
        ),
        ({"openingHours": [{"weekday": 1}]}, "openingHours", "This field is required."),
        (
            {"openingHours": [{"weekday": 1, "opens": "08:00", "closes": "18:00"}] * 8},
            "openingHours",
            "no more than 7",
        ),
    ],
)
def test_bad_policies_are_400s_naming_the_field(
    client_for, staff_user, room, change, field, message
):
    refused = client_for(staff_user).patch(f"/rooms/{room.pk}", change, format="json")
    assert refused.status_code == 400, refused.content
    errors = refused.json()["errors"]
    # named by the field, e.g. "openingHours" or "openingHours.0.weekday"
    assert all(name.startswith(field) for name in errors) and message in str(errors), errors


def test_a_violation_is_a_400_naming_the_rule_and_its_limit(client_for, user, room):
    services.update_room(room_id=room.pk, min_duration=dt.timedelta(minutes=30))
    refused = client_for(user).post("/bookings", booking_body(room.pk, 10, 9, 15), format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "useEndDtm": [
            "Bookings of Room 101 last at least 30 min (min_duration); this one lasts 15 min."
        ]
    }


def test_office_staff_override_with_the_flag_and_it_is_logged(
    client_for, staff_user, user, room, published
):
    services.update_room(room_id=room.pk, max_days_ahead=7)
    far = booking_body(room.pk, 30, 9)
    assert client_for(user).post("/bookings", far, format="json").status_code == 400
    staff = client_for(staff_user)
    created = staff.post("/bookings", {**far, "overridePolicy": True}, format="json")
    assert created.status_code == 201, created.content
    [(_, payload)] = [p for p in published() if p[0] == "BookingCreated"]
    assert (payload["policy_override"], payload["overridden_rules"]) == (True, ["max_days_ahead"])
    moved = staff.patch(
        f"/bookings/{created.json()['id']}",
        {
            "useStartDtm": compact(future(days=31, hour=9)),
            "useEndDtm": compact(future(days=31, hour=10)),
            "overridePolicy": True,
        },
        format="json",
    )
    assert moved.status_code == 200, moved.content
    [(_, change)] = [p for p in published() if p[0] == "BookingChanged"]
    assert (change["policy_override"], change["overridden_rules"]) == (True, ["max_days_ahead"])


def test_override_by_anyone_else_is_a_403(client_for, user, room):
    services.update_room(room_id=room.pk, max_days_ahead=7)
    body = {**booking_body(room.pk, 30, 9), "overridePolicy": True}
    refused = client_for(user).post("/bookings", body, format="json")
    assert refused.status_code == 403
    assert "overridePolicy" in refused.json()["message"]
    fine = {**booking_body(room.pk, 3, 9), "overridePolicy": False}
    assert client_for(user).post("/bookings", fine, format="json").status_code == 201


@pytest.mark.parametrize("flag", ["perhaps", "yes", "on", "1", "off", "true", 1, 0, None])
def test_an_override_flag_that_is_not_a_json_boolean_is_a_400(client_for, staff_user, room, flag):
    body = {**booking_body(room.pk, 3, 9), "overridePolicy": flag}
    refused = client_for(staff_user).post("/bookings", body, format="json")
    assert refused.status_code == 400, refused.content
    [message] = refused.json()["errors"]["overridePolicy"]
    assert "true or false" in message or "null" in message


def test_the_override_flag_in_the_browsable_apis_form_is_the_text_true(
    client_for, staff_user, room
):
    body = {**booking_body(room.pk, 3, 9), "overridePolicy": "true"}
    created = client_for(staff_user).post("/bookings", body)  # multipart, as an HTML form posts
    assert created.status_code == 201, created.content


def test_the_admin_edits_policies_and_opening_hours_through_the_service(client, superuser, room):
    client.force_login(superuser)
    page = client.get(f"/admin/booking/room/{room.pk}/change/")
    assert page.status_code == 200 and b"Opening hours" in page.content
    form = {
        "name": room.name,
        "capacity": "6",
        "location": "",
        "description": "",
        "equipment": "[]",
        "is_active": "on",
        "time_zone": "Asia/Seoul",
        "max_duration": "12:00:00",
        "managers": [],
        "approval_mode": "AUTOMATIC",
        "min_duration": "00:15:00",
        "max_days_ahead": "30",
        "max_future_bookings_per_user": "",
        **NO_OPENING_HOURS,
        "opening_hours-TOTAL_FORMS": "2",
        "opening_hours-0-weekday": "0",
        "opening_hours-0-opens": "08:00",
        "opening_hours-0-closes": "18:00",
        "opening_hours-1-weekday": "4",
        "opening_hours-1-opens": "09:00",
        "opening_hours-1-closes": "00:00",
    }
    saved = client.post(f"/admin/booking/room/{room.pk}/change/", form)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    room.refresh_from_db()
    assert (room.approval_mode, room.min_duration, room.max_days_ahead) == (
        "AUTOMATIC",
        dt.timedelta(minutes=15),
        30,
    )
    assert room.has_opening_hours is True
    hours = OpeningHours.objects.filter(room=room).order_by("weekday")
    assert [(h.weekday, h.opens, h.closes) for h in hours] == [
        (0, dt.time(8), dt.time(18)),
        (4, dt.time(9), dt.time(0)),
    ]
    # deleting both rows makes the room always open again
    ids = [str(h.pk) for h in hours]
    form.update(
        {
            "opening_hours-INITIAL_FORMS": "2",
            "opening_hours-0-id": ids[0],
            "opening_hours-0-room": str(room.pk),
            "opening_hours-0-DELETE": "on",
            "opening_hours-1-id": ids[1],
            "opening_hours-1-room": str(room.pk),
            "opening_hours-1-DELETE": "on",
        }
    )
    assert client.post(f"/admin/booking/room/{room.pk}/change/", form).status_code == 302
    room.refresh_from_db()
    assert room.has_opening_hours is False and not OpeningHours.objects.filter(room=room).exists()
