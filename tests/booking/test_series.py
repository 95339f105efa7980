"""Recurring series: booking from an RRULE, all or nothing or skipping conflicts, the checks of
the rule, and reading a series (API and services, on a frozen clock)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.booking import services
from apps.booking.events import BOOKED
from apps.booking.models import Booking, Series
from roombooking.models import EventLog
from tests.booking.series_support import (
    BERLIN,
    DAY,
    FIRST,
    HOUR,
    SEOUL,
    WEEK,
    active_starts,
    frozen,
    hold,
    logged_types,
    post_series,
    series_body,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock_and_no_throttle(settings):
    settings.API_THROTTLE_WRITES = ""  # many writes at one frozen instant
    with frozen():
        yield


def single(user, room, start, end=None):
    return services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=end or start + HOUR
    )


def test_a_weekly_series_books_every_occurrence_with_its_own_events(client_for, user, room):
    response = post_series(client_for(user), room, rrule="RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5")
    assert response.status_code == 201, response.content
    body = response.json()
    series = Series.objects.get()
    assert response["Location"].endswith(f"/bookings/series/{series.pk}")
    assert body["rrule"] == "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5"
    assert body["skipped"] == []
    expected = [FIRST, FIRST + 2 * DAY, FIRST + WEEK, FIRST + WEEK + 2 * DAY, FIRST + 2 * WEEK]
    assert [o["useStartDtm"] for o in body["occurrences"]] == [s.isoformat() for s in expected]
    assert {o["status"] for o in body["occurrences"]} == {BOOKED}
    assert {o["approvalStatus"] for o in body["occurrences"]} == {"PENDING"}
    assert active_starts(series.pk) == expected
    types = logged_types()
    assert types.count("BookingCreated") == 5 and types.count("ConfirmRequested") == 5
    assert types[-1] == "SeriesBooked"  # the summary comes last
    created = EventLog.objects.filter(event_type="BookingCreated")
    assert all(e.payload["series_id"] == series.pk for e in created)
    assert all(e.payload["in_series_action"] for e in created)
    one = client_for(user).get(f"/bookings/{body['occurrences'][0]['id']}").json()
    assert one["seriesId"] == series.pk and one["detached"] is False


def test_occurrences_keep_their_wall_clock_time_across_daylight_saving(client_for, user):
    berlin = services.create_room(name="Berlin", capacity=4, time_zone="Europe/Berlin")
    start = dt.datetime(2027, 3, 22, 9, 0, tzinfo=BERLIN)  # DST starts on 2027-03-28
    response = post_series(
        client_for(user), berlin, start=start, rrule="FREQ=WEEKLY;UNTIL=20270405"
    )
    assert response.status_code == 201, response.content
    starts = [o["useStartDtm"] for o in response.json()["occurrences"]]
    assert starts == [
        "2027-03-22T09:00:00+01:00",
        "2027-03-29T09:00:00+02:00",  # still 09:00 on the wall clock
        "2027-04-05T09:00:00+02:00",  # UNTIL as a date includes that day
    ]


def test_monthly_on_the_second_tuesday(client_for, user, room):
    start = dt.datetime(2027, 1, 12, 14, 0, tzinfo=SEOUL)
    response = post_series(
        client_for(user), room, start=start, rrule="FREQ=MONTHLY;BYDAY=2TU;COUNT=3"
    )
    assert response.status_code == 201, response.content
    days = [o["useStartDtm"][:10] for o in response.json()["occurrences"]]
    assert days == ["2027-01-12", "2027-02-09", "2027-03-09"]


def test_a_taken_occurrence_refuses_the_whole_series_and_lists_every_taken_date(
    client_for, user, other_user, room
):
    single(other_user, room, FIRST + WEEK)
    single(other_user, room, FIRST + 3 * WEEK + HOUR / 2)
    before = EventLog.objects.count()
    response = post_series(client_for(user), room, rrule="FREQ=WEEKLY;COUNT=5")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "series_conflict"
    assert body["conflictingDates"] == ["2027-01-18", "2027-02-01"]
    assert body["conflicts"][0] == {
        "useStartDtm": (FIRST + WEEK).isoformat(),
        "useEndDtm": (FIRST + WEEK + HOUR).isoformat(),
        "bookings": [
            {
                "useStartDtm": (FIRST + WEEK).isoformat(),
                "useEndDtm": (FIRST + WEEK + HOUR).isoformat(),
            }
        ],
    }
    # Nothing half-made: no series, no occurrence, no event.
    assert not Series.objects.exists()
    assert Booking.objects.filter(booking_user=user).count() == 0
    assert EventLog.objects.count() == before


def test_a_held_occurrence_is_listed_with_its_hold(client_for, user, other_user, room):
    single(other_user, room, FIRST + WEEK)
    held = hold(room, FIRST + 2 * WEEK)
    response = post_series(client_for(user), room, rrule="FREQ=WEEKLY;COUNT=3")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["conflictingDates"] == ["2027-01-18", "2027-01-25"]
    assert "booked or held" in body["message"]
    assert "holds" not in body["conflicts"][0]  # booked, not held
    assert body["conflicts"][1]["bookings"] == []
    assert body["conflicts"][1]["holds"] == [
        {
            "useStartDtm": (FIRST + 2 * WEEK).isoformat(),
            "useEndDtm": (FIRST + 2 * WEEK + HOUR).isoformat(),
            "holdUntilDtm": held.hold_until.astimezone(SEOUL).isoformat(),
        }
    ]
    assert not Series.objects.exists()


def test_skip_conflicts_books_the_free_occurrences_and_reports_the_others(
    client_for, user, other_user, room
):
    single(other_user, room, FIRST + WEEK)
    response = post_series(client_for(user), room, rrule="FREQ=WEEKLY;COUNT=3", skipConflicts=True)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["skipped"] == [(FIRST + WEEK).isoformat()]
    assert active_starts(body["id"]) == [FIRST, FIRST + 2 * WEEK]
    [summary] = EventLog.objects.filter(event_type="SeriesBooked")
    assert summary.payload["skipped"] == [(FIRST + WEEK).astimezone(dt.UTC).isoformat()]
    assert client_for(user).get(f"/bookings/series/{body['id']}").json()["skipped"] == [
        (FIRST + WEEK).isoformat()
    ]


def test_skip_conflicts_with_every_occurrence_taken_is_a_409(client_for, user, other_user, room):
    for week in range(2):
        single(other_user, room, FIRST + week * WEEK)
    response = post_series(client_for(user), room, rrule="FREQ=WEEKLY;COUNT=2", skipConflicts=True)
    assert response.status_code == 409
    assert response.json()["conflictingDates"] == ["2027-01-11", "2027-01-18"]
    assert not Series.objects.exists()


@pytest.mark.parametrize(
    ("rrule", "reason"),
    [
        ("FREQ=WEEKLY", "either COUNT or UNTIL"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20270301", "either COUNT or UNTIL"),
        ("FREQ=YEARLY;COUNT=2", "FREQ must be one of DAILY, WEEKLY, MONTHLY"),
        ("FREQ=HOURLY;COUNT=2", "FREQ must be one of"),
        ("FREQ=DAILY;COUNT=2;BYHOUR=9", "BYHOUR is not supported"),
        ("FREQ=DAILY;COUNT=two", "Not a valid recurrence rule"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=2", "Not a valid recurrence rule"),
        ("FREQ=DAILY;;COUNT=2", "is not a NAME=VALUE part"),
        ("FREQ=DAILY;COUNT=2;COUNT=3", "COUNT is given twice"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL must be a date"),
        ("FREQ=DAILY;UNTIL=20261231", "gives no occurrence"),
        ("FREQ=DAILY;COUNT=101", "more than 100 occurrences"),
        ("FREQ=DAILY;UNTIL=20290101", "more than 100 occurrences"),
        ("", "This field may not be blank"),
        ("DTSTART:20270101T000000\nRRULE:FREQ=DAILY;COUNT=2", "is not a NAME=VALUE part"),
    ],
)
def test_a_bad_rule_is_a_400_naming_rrule(client_for, user, room, rrule, reason):
    response = post_series(client_for(user), room, rrule=rrule)
    assert response.status_code == 400, response.content
    [message] = response.json()["errors"]["rrule"]
    assert reason in message
    assert not Booking.objects.exists()


def test_the_occurrence_limit_comes_from_the_settings(client_for, user, room, settings):
    settings.BOOKING_SERIES_MAX_OCCURRENCES = 3
    refused = post_series(client_for(user), room, rrule="FREQ=DAILY;COUNT=4")
    assert refused.status_code == 400
    assert "at most 3" in refused.json()["errors"]["rrule"][0]
    assert post_series(client_for(user), room, rrule="FREQ=DAILY;COUNT=3").status_code == 201


def test_until_in_utc_is_read_in_the_rooms_zone(client_for, user, room):
    # 2027-01-25T01:00Z is 10:00 in Seoul: the third Monday's occurrence starts exactly then.
    response = post_series(client_for(user), room, rrule="FREQ=WEEKLY;UNTIL=20270125T010000Z")
    assert [o["useStartDtm"][:10] for o in response.json()["occurrences"]] == [
        "2027-01-11",
        "2027-01-18",
        "2027-01-25",
    ]


def test_bad_times_of_the_first_occurrence_name_their_field(client_for, user, room):
    past = post_series(client_for(user), room, start=FIRST - 30 * DAY)
    assert "useStartDtm" in past.json()["errors"]
    backwards = post_series(client_for(user), room, end=FIRST - HOUR)
    assert "useEndDtm" in backwards.json()["errors"]
    missing = client_for(user).post("/bookings/series", {"roomId": room.pk}, format="json")
    assert set(missing.json()["errors"]) == {"useStartDtm", "useEndDtm", "rrule"}


def test_an_occurrence_over_the_per_person_limit_names_its_date(client_for, user, room, settings):
    settings.BOOKING_MAX_FUTURE_PER_USER = 2
    response = post_series(client_for(user), room, rrule="FREQ=WEEKLY;COUNT=3")
    assert response.status_code == 400
    [message] = response.json()["errors"]["bookingUserId"]
    assert message.startswith("Occurrence on 2027-01-25: alice already holds 2")
    assert not Series.objects.exists()


def test_only_office_staff_book_a_series_for_someone_else(
    client_for, user, other_user, staff_user, room
):
    refused = post_series(client_for(user), room, bookingUserId="bob")
    assert refused.status_code == 403
    made = post_series(client_for(staff_user), room, bookingUserId="bob")
    assert made.status_code == 201 and made.json()["bookingUserId"] == "bob"


def test_server_owned_fields_in_the_body_are_ignored(client_for, user, room):
    response = post_series(client_for(user), room, id=999, skipped=["x"], occurrences=[])
    assert response.status_code == 201
    assert response.json()["id"] != 999 and response.json()["skipped"] == []


def test_who_sees_a_series(client_for, user, other_user, manager, staff_user, room):
    series_id = post_series(client_for(user), room).json()["id"]
    for reader in (user, manager, staff_user):
        answer = client_for(reader).get(f"/bookings/series/{series_id}/")
        assert answer.status_code == 200
        assert len(answer.json()["occurrences"]) == 4
    assert client_for(other_user).get(f"/bookings/series/{series_id}").status_code == 404
    assert client_for(None).get(f"/bookings/series/{series_id}").status_code in {401, 403}
    assert client_for(user).get("/bookings/series/999999").status_code == 404


def test_idempotency_key_replays_the_first_answer(client_for, user, room):
    client = client_for(user)
    headers = {"HTTP_IDEMPOTENCY_KEY": "series-1"}
    body = {
        "roomId": room.pk,
        "useStartDtm": FIRST.isoformat(),
        "useEndDtm": (FIRST + HOUR).isoformat(),
        "rrule": "FREQ=DAILY;COUNT=3",
    }
    first = client.post("/bookings/series", body, format="json", **headers)
    again = client.post("/bookings/series", body, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Series.objects.count() == 1 and Booking.objects.count() == 3
    other = client.post("/bookings/series", {**body, "rrule": "FREQ=DAILY;COUNT=2"}, **headers)
    assert other.status_code == 422


def test_every_occurrence_meets_the_rooms_policies(client_for, user, staff_user, room):
    services.update_room(room_id=room.pk, max_days_ahead=22)  # FIRST is 7 days ahead
    refused = post_series(client_for(user), room, rrule="FREQ=WEEKLY;COUNT=4")
    assert refused.status_code == 400, refused.content
    [message] = refused.json()["errors"]["useStartDtm"]
    assert message.startswith("Occurrence on 2027-02-01: Room 101 takes bookings at most 22 days")
    assert not Series.objects.exists()
    overridden = post_series(
        client_for(staff_user), room, rrule="FREQ=WEEKLY;COUNT=4", overridePolicy=True
    )
    assert overridden.status_code == 201, overridden.content
    created = EventLog.objects.filter(event_type="BookingCreated").order_by("id")
    assert [e.payload["overridden_rules"] for e in created] == [[], [], [], ["max_days_ahead"]]
    assert post_series(client_for(user), room, overridePolicy=True).status_code == 403


def test_a_room_that_approves_automatically_approves_every_occurrence(client_for, user, room):
    services.update_room(room_id=room.pk, approval_mode="AUTOMATIC")
    body = post_series(client_for(user), room, rrule="FREQ=DAILY;COUNT=3").json()
    assert [o["approvalStatus"] for o in body["occurrences"]] == ["CONFIRMED"] * 3
    completed = EventLog.objects.filter(event_type="ConfirmCompleted")
    assert completed.count() == 3 and all(e.payload["in_series_action"] for e in completed)
    assert EventLog.objects.get(event_type="SeriesBooked").payload["approval_required"] is False


@pytest.mark.parametrize("field", ["skipConflicts", "overridePolicy"])
@pytest.mark.parametrize("flag", ["perhaps", "yes", "on", "1", "off", "true", 1, 0, None])
def test_a_flag_that_is_not_a_json_boolean_is_a_400(client_for, staff_user, room, field, flag):
    """As for POST /bookings: a flag that skips conflicts or overrides policies is set by a
    JSON true only, never by "yes", "on" or 1 read as one."""
    refused = post_series(client_for(staff_user), room, **{field: flag})
    assert refused.status_code == 400, refused.content
    [message] = refused.json()["errors"][field]
    assert "true or false" in message or "null" in message
    assert not Series.objects.exists()


def test_the_flags_in_the_browsable_apis_form_are_the_text_true(client_for, staff_user, room):
    body = series_body(room, skipConflicts="true", overridePolicy="true")
    created = client_for(staff_user).post("/bookings/series", body)  # multipart, as a form posts
    assert created.status_code == 201, created.content
