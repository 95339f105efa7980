"""Room policies on every booking path (create and change), with a controlled clock: minimum and
maximum duration, how far ahead, opening hours in the room's zone, the per-room limit per person,
and office staff's override, recorded in the event log."""

from __future__ import annotations

import datetime as dt
import inspect
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from apps.booking import services
from apps.booking.models import OpeningHours
from apps.booking.services.rooms import POLICY_FIELDS
from roombooking.errors import Conflict

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# A Monday morning; every test's clock stands still here.
NOW = dt.datetime(2030, 3, 4, 9, 0, tzinfo=BERLIN)
HOUR = dt.timedelta(hours=1)
WORKDAYS = [{"weekday": day, "opens": dt.time(8), "closes": dt.time(18)} for day in range(5)]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time in Berlin, ``days`` after NOW's date."""
    day = NOW.date() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def book(actor, room, start, end, **kwargs):
    return services.create_booking(
        actor=actor, room_id=room.pk, use_start_dtm=start, use_end_dtm=end, **kwargs
    )


def refusal(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def booking_events(published, kind: str) -> list[dict]:
    return [payload for name, payload in published() if name == kind]


@pytest.fixture
def strict_room(db):
    return services.create_room(
        name="Strict",
        capacity=4,
        time_zone="Europe/Berlin",
        min_duration=dt.timedelta(minutes=30),
        max_duration=dt.timedelta(hours=4),
        max_days_ahead=14,
        max_future_bookings_per_user=2,
        opening_hours=WORKDAYS,
    )


def test_a_booking_shorter_than_the_minimum_is_refused_naming_the_rule(user, strict_room):
    with pytest.raises(ValidationError) as refused:
        book(user, strict_room, at(1, 10), at(1, 10, 20))
    assert refusal(refused) == {
        "useEndDtm": [
            "Bookings of Strict last at least 30 min (min_duration); this one lasts 20 min."
        ]
    }
    assert book(user, strict_room, at(1, 10), at(1, 10, 30)).pk  # exactly the minimum


def test_the_maximum_duration_keeps_its_message(user, strict_room):
    with pytest.raises(ValidationError) as refused:
        book(user, strict_room, at(1, 9), at(1, 13, 1))
    assert refusal(refused) == {
        "useEndDtm": [
            "The booking lasts 4 h 01 min; Strict takes bookings of at most 4 h 00 min "
            "(max_duration)."
        ]
    }


def test_how_far_ahead_counts_from_now(user, strict_room):
    # NOW is Monday 09:00; 14 days ahead is Monday 09:00 two weeks later.
    assert book(user, strict_room, at(14, 8), at(14, 9)).pk
    with pytest.raises(ValidationError) as refused:
        book(user, strict_room, at(14, 9, 30), at(14, 10, 30))
    assert refusal(refused) == {
        "useStartDtm": [
            "Strict takes bookings at most 14 days ahead (max_days_ahead): the start may be "
            "2030-03-18T09:00:00+01:00 at the latest."
        ]
    }
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):  # a day later it fits
        assert book(user, strict_room, at(14, 9, 30), at(14, 10, 30)).pk


def test_opening_hours_are_wall_clock_times_in_the_rooms_zone(user, strict_room):
    assert book(user, strict_room, at(1, 8), at(1, 12)).pk  # Tuesday from opening
    assert book(user, strict_room, at(2, 14), at(2, 18)).pk  # Wednesday until closing


def test_opening_hours_stay_local_across_a_daylight_saving_change(user):
    room = services.create_room(name="Local", capacity=2, time_zone="Europe/Berlin")
    services.set_opening_hours(room_id=room.pk, opening_hours=WORKDAYS)
    # Berlin moves from +01:00 to +02:00 on 2030-03-31; naive times are the room's wall clock.
    assert book(user, room, dt.datetime(2030, 4, 1, 8), dt.datetime(2030, 4, 1, 9)).pk
    opening = dt.datetime(2030, 4, 2, 6, tzinfo=dt.UTC)  # 08:00 in Berlin (+02:00): open
    assert book(user, room, opening, opening + HOUR).pk
    with pytest.raises(ValidationError) as refused:
        book(user, room, opening - dt.timedelta(minutes=30), opening)  # 07:30 there
    assert "the start is 07:30" in refusal(refused)["useStartDtm"][0]


def test_outside_opening_hours_is_refused_with_the_hours(user, strict_room):
    limit = (
        "opening_hours: Mon 08:00-18:00, Tue 08:00-18:00, Wed 08:00-18:00, Thu 08:00-18:00, "
        "Fri 08:00-18:00"
    )
    with pytest.raises(ValidationError) as early:
        book(user, strict_room, at(1, 7, 30), at(1, 9))
    assert refusal(early) == {
        "useStartDtm": [f"Strict opens at 08:00 on Tuesdays ({limit}); the start is 07:30."]
    }
    with pytest.raises(ValidationError) as late:
        book(user, strict_room, at(1, 17), at(1, 18, 30))
    assert refusal(late) == {
        "useEndDtm": [f"Strict closes at 18:00 on Tuesdays ({limit}); the end is 18:30."]
    }
    with pytest.raises(ValidationError) as weekend:
        book(user, strict_room, at(5, 10), at(5, 11))  # Saturday
    assert refusal(weekend) == {"useStartDtm": [f"Strict is closed on Saturdays ({limit})."]}


def test_every_broken_rule_is_reported_at_once(user, strict_room):
    book(user, strict_room, at(1, 9), at(1, 10))
    book(user, strict_room, at(2, 9), at(2, 10))  # the per-room limit (2) is reached
    with pytest.raises(ValidationError) as refused:
        book(user, strict_room, at(20, 7), at(20, 7, 10))  # Sunday, short, far ahead
    errors = refusal(refused)
    assert len(errors["useEndDtm"]) == 1 and "(min_duration)" in errors["useEndDtm"][0]
    too_far, closed = errors["useStartDtm"]
    assert "(max_days_ahead)" in too_far and "closed on Sundays" in closed
    assert errors["bookingUserId"] == [
        "alice already holds 2 upcoming bookings of Strict; the limit is 2 "
        "(max_future_bookings_per_user)."
    ]


def test_a_move_reports_the_per_room_limit_with_the_slots_problems(user, strict_room, other_room):
    book(user, strict_room, at(1, 9), at(1, 10))
    book(user, strict_room, at(2, 9), at(2, 10))
    elsewhere = book(user, other_room, at(5, 7), at(5, 7, 10))  # Saturday, short: fine there
    with pytest.raises(ValidationError) as refused:
        services.change_booking(actor=user, booking_id=elsewhere.pk, room_id=strict_room.pk)
    errors = refusal(refused)
    assert set(errors) == {"useStartDtm", "useEndDtm", "bookingUserId"}
    assert "(max_future_bookings_per_user)" in errors["bookingUserId"][0]


def test_closing_at_midnight_admits_bookings_until_the_end_of_the_day(user):
    room = services.create_room(
        name="Late",
        capacity=2,
        time_zone="Europe/Berlin",
        opening_hours=[{"weekday": 1, "opens": dt.time(20), "closes": dt.time(0)}],
    )
    assert book(user, room, at(1, 22), at(2, 0)).pk
    with pytest.raises(ValidationError) as refused:
        book(user, room, at(1, 23), at(2, 0, 30))
    assert "Late closes at 24:00 on Tuesdays" in refusal(refused)["useEndDtm"][0]


def test_the_per_room_limit_counts_one_persons_upcoming_bookings_of_that_room(
    user, other_user, strict_room, other_room
):
    first = book(user, strict_room, at(1, 9), at(1, 10))
    book(user, strict_room, at(2, 9), at(2, 10))
    with pytest.raises(ValidationError) as refused:
        book(user, strict_room, at(3, 9), at(3, 10))
    assert refusal(refused) == {
        "bookingUserId": [
            "alice already holds 2 upcoming bookings of Strict; the limit is 2 "
            "(max_future_bookings_per_user)."
        ]
    }
    assert book(user, other_room, at(3, 9), at(3, 10)).pk  # another room: its own rules
    assert book(other_user, strict_room, at(3, 9), at(3, 10)).pk  # another person
    services.cancel_booking(booking_id=first.pk, actor="alice")  # a cancellation frees a place
    assert book(user, strict_room, at(4, 9), at(4, 10)).pk


def test_a_booking_that_has_ended_no_longer_counts(user, strict_room):
    book(user, strict_room, at(0, 10), at(0, 11))
    book(user, strict_room, at(0, 11), at(0, 12))
    with time_machine.travel(at(0, 12, 1), tick=False):
        assert book(user, strict_room, at(1, 9), at(1, 10)).pk


def test_changes_obey_the_policies_of_the_room_they_end_up_in(user, strict_room, other_room):
    booking = book(user, other_room, at(5, 7), at(5, 7, 10))  # Saturday, short: fine there
    with pytest.raises(ValidationError) as refused:
        services.change_booking(actor=user, booking_id=booking.pk, room_id=strict_room.pk)
    errors = refusal(refused)
    assert "min_duration" in errors["useEndDtm"][0]
    assert "closed on Saturdays" in errors["useStartDtm"][0]
    moved = services.change_booking(
        actor=user, booking_id=booking.pk, room_id=strict_room.pk,
        use_start_dtm=at(4, 9), use_end_dtm=at(4, 10),
    )  # fmt: skip
    assert moved.room == strict_room


def test_moving_into_a_room_counts_against_its_per_room_limit(user, strict_room, other_room):
    book(user, strict_room, at(1, 9), at(1, 10))
    book(user, strict_room, at(2, 9), at(2, 10))
    elsewhere = book(user, other_room, at(3, 9), at(3, 10))
    with pytest.raises(ValidationError) as refused:
        services.change_booking(actor=user, booking_id=elsewhere.pk, room_id=strict_room.pk)
    assert "(max_future_bookings_per_user)" in refusal(refused)["bookingUserId"][0]


def test_a_booking_at_the_limit_may_still_move_within_its_room(user, strict_room):
    book(user, strict_room, at(1, 9), at(1, 10))
    second = book(user, strict_room, at(2, 9), at(2, 10))
    moved = services.change_booking(actor=user, booking_id=second.pk, use_start_dtm=at(2, 8))
    assert moved.use_start_dtm == at(2, 8)


def test_office_staff_override_and_the_event_names_the_rules(staff_user, strict_room, published):
    booking = book(
        staff_user, strict_room, at(20, 7), at(20, 7, 10), override_policy=True
    )  # Sunday, too short, too far ahead
    [created] = booking_events(published, "BookingCreated")
    assert created["policy_override"] is True
    assert created["overridden_rules"] == ["min_duration", "max_days_ahead", "opening_hours"]
    assert created["actor"] == "staff"
    moved = services.change_booking(
        actor=staff_user, booking_id=booking.pk, use_end_dtm=at(20, 7, 5), override_policy=True
    )
    assert moved.use_end_dtm == at(20, 7, 5)
    [changed] = booking_events(published, "BookingChanged")
    assert changed["policy_override"] is True
    assert changed["overridden_rules"] == ["min_duration", "max_days_ahead", "opening_hours"]


def test_an_override_that_breaks_nothing_is_still_recorded(staff_user, strict_room, published):
    book(staff_user, strict_room, at(1, 9), at(1, 10), override_policy=True)
    [created] = booking_events(published, "BookingCreated")
    assert (created["policy_override"], created["overridden_rules"]) == (True, [])


def test_the_per_room_limit_is_overridable_the_global_one_is_not(
    staff_user, user, strict_room, settings, published
):
    for day in (1, 2):
        book(staff_user, strict_room, at(day, 9), at(day, 10), booking_user="alice")
    book(staff_user, strict_room, at(3, 9), at(3, 10), booking_user="alice", override_policy=True)
    assert booking_events(published, "BookingCreated")[-1]["overridden_rules"] == [
        "max_future_bookings_per_user"
    ]
    settings.BOOKING_MAX_FUTURE_PER_USER = 3
    with pytest.raises(ValidationError) as refused:
        book(
            staff_user, strict_room, at(4, 9), at(4, 10),
            booking_user="alice", override_policy=True,
        )  # fmt: skip
    assert refusal(refused)["bookingUserId"] == [
        "alice already holds 3 upcoming bookings; the limit is 3."
    ]


def test_only_office_staff_may_override(user, manager, strict_room):
    for someone in (user, manager):
        with pytest.raises(PermissionDenied):
            book(someone, strict_room, at(1, 9), at(1, 10), override_policy=True)


def test_an_override_never_allows_an_overlap_or_the_past(staff_user, user, strict_room):
    book(user, strict_room, at(1, 9), at(1, 10))
    with pytest.raises(Conflict):
        book(staff_user, strict_room, at(1, 9), at(1, 10), override_policy=True)
    with pytest.raises(ValidationError) as past:
        book(staff_user, strict_room, at(0, 7), at(0, 8), override_policy=True)
    assert "is in the past" in refusal(past)["useStartDtm"][0]


def test_a_room_with_default_policies_takes_anything_up_to_its_maximum(user, other_room):
    assert book(user, other_room, at(400, 3), at(400, 3, 1)).pk  # a year ahead, 1 min, at 3 am


def test_opening_hours_are_validated_and_replaced_as_a_whole(strict_room):
    with pytest.raises(ValidationError) as refused:
        services.set_opening_hours(
            room_id=strict_room.pk,
            opening_hours=[
                {"weekday": 0, "opens": dt.time(9), "closes": dt.time(8)},
                {"weekday": 2, "opens": dt.time(9), "closes": dt.time(17)},
                {"weekday": 2, "opens": dt.time(10), "closes": dt.time(17)},
            ],
        )
    assert refusal(refused) == {
        "openingHours": [
            "Monday: closes: Must be after opens (00:00: midnight).",
            "Wednesday appears more than once; one interval per weekday.",
        ]
    }
    assert OpeningHours.objects.filter(room=strict_room).count() == 5  # unchanged
    services.set_opening_hours(room_id=strict_room.pk, opening_hours=[])
    strict_room.refresh_from_db()
    assert strict_room.has_opening_hours is False
    assert not OpeningHours.objects.filter(room=strict_room).exists()


def test_a_minimum_above_the_maximum_is_refused(db):
    with pytest.raises(ValidationError) as refused:
        services.create_room(
            name="Odd", capacity=2, min_duration=dt.timedelta(hours=3),
            max_duration=dt.timedelta(hours=2),
        )  # fmt: skip
    assert refusal(refused) == {
        "minDurationMinutes": ["The minimum duration must not exceed the maximum duration."]
    }


def test_create_room_names_each_policy_in_its_signature():
    """No ``**policies``: a misspelt policy is a TypeError at the call, visible to type checkers."""
    parameters = inspect.signature(services.create_room).parameters
    assert not [p for p in parameters.values() if p.kind is inspect.Parameter.VAR_KEYWORD]
    assert set(POLICY_FIELDS) <= set(parameters)
    with pytest.raises(TypeError):
        services.create_room(name="Typo", capacity=1, max_day_ahead=3)
