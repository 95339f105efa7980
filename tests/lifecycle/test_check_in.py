"""Check-in (``POST /bookings/{id}/check-in``) and the release of bookings nobody checked in to,
with a controlled clock (time-machine for the API, ``now=`` for the services)."""

from __future__ import annotations

import pytest

from apps.booking import services
from apps.booking.events import CANCELLED, CAUSE_NO_SHOW
from apps.booking.tasks import release_no_shows
from roombooking.models import PeriodicRun
from tests.factories import UserFactory
from tests.lifecycle.conftest import MINUTE, book, emails_of, events_of, fresh

pytestmark = pytest.mark.django_db


def check_in(client, booking):
    return client.post(f"/bookings/{booking.pk}/check-in")


@pytest.mark.parametrize(
    ("offset", "status", "code"),
    [
        (-11 * MINUTE, 409, "check_in_not_open"),
        (-10 * MINUTE, 200, None),
        (0 * MINUTE, 200, None),
        (15 * MINUTE, 200, None),
        (16 * MINUTE, 409, "check_in_closed"),
    ],
)
def test_the_window_is_ten_minutes_before_to_fifteen_after_the_start(
    user, check_in_room, client_for, time_machine, offset, status, code
):
    booking = book(user, check_in_room)
    time_machine.move_to(booking.use_start_dtm + offset, tick=False)
    answer = check_in(client_for(user), booking)
    assert answer.status_code == status, answer.json()
    if code:
        body = answer.json()
        assert body["code"] == code
        opens = (booking.use_start_dtm - 10 * MINUTE).astimezone(check_in_room.zone)
        closes = (booking.use_start_dtm + 15 * MINUTE).astimezone(check_in_room.zone)
        assert body["checkInOpensDtm"] == opens.isoformat()
        assert body["checkInClosesDtm"] == closes.isoformat()
        assert opens.isoformat() in body["message"] and closes.isoformat() in body["message"]
        assert fresh(booking).checked_in_at is None
    else:
        assert answer.json()["checkedInDtm"] is not None
        assert fresh(booking).checked_in_at == booking.use_start_dtm + offset


def test_checking_in_twice_is_harmless(user, check_in_room, client_for, time_machine):
    booking = book(user, check_in_room)
    time_machine.move_to(booking.use_start_dtm, tick=False)
    first = check_in(client_for(user), booking)
    time_machine.move_to(booking.use_start_dtm + MINUTE, tick=False)
    second = check_in(client_for(user), booking)
    assert first.status_code == second.status_code == 200
    assert second.json()["checkedInDtm"] == first.json()["checkedInDtm"]
    assert events_of(booking.pk, "BookingCheckedIn") == ["BookingCheckedIn"]
    assert client_for(user).get(f"/bookings/{booking.pk}").json()["checkedInDtm"] is not None


def test_only_the_booker_or_office_staff_check_in(
    user, other_user, manager, staff_user, check_in_room, client_for, time_machine
):
    mine, theirs = book(user, check_in_room), book(user, check_in_room)
    time_machine.move_to(mine.use_start_dtm, tick=False)
    assert check_in(client_for(other_user), mine).status_code == 404  # no hint it exists
    assert check_in(client_for(manager), mine).status_code == 403  # sees it, does not attend
    assert check_in(client_for(None), mine).status_code == 401
    assert fresh(mine).checked_in_at is None
    time_machine.move_to(theirs.use_start_dtm, tick=False)
    assert check_in(client_for(staff_user), theirs).status_code == 200


def test_a_room_without_check_in_and_unknown_bookings(user, plain_room, client_for, time_machine):
    booking = book(user, plain_room)
    time_machine.move_to(booking.use_start_dtm, tick=False)
    answer = check_in(client_for(user), booking)
    assert answer.status_code == 409 and answer.json()["code"] == "check_in_not_required"
    assert client_for(user).post("/bookings/999999/check-in").status_code == 404
    assert client_for(user).post(f"/bookings/{10**30}/check-in").status_code == 404


def test_a_booking_nobody_checked_in_to_is_released_when_the_window_closes(
    user, other_user, check_in_room, client_for, time_machine
):
    booking = book(user, check_in_room)
    closes = booking.use_start_dtm + 15 * MINUTE

    assert services.release_no_shows(now=closes) == []  # still open, to the second
    assert services.release_no_shows(now=closes + MINUTE) == [booking.pk]
    assert services.release_no_shows(now=closes + 2 * MINUTE) == []  # once

    released = fresh(booking)
    assert (released.status, released.cancel_cause) == (CANCELLED, CAUSE_NO_SHOW)
    local = closes.astimezone(check_in_room.zone)
    assert released.cancel_reason == f"nobody checked in by {local:%H:%M}"
    room = f"conference room[{check_in_room.pk}]"
    assert emails_of(booking.pk, "BookingCancelled") == [
        ("BookingCancelled", "alice", f"{room} reservation has been released: nobody checked in"),
        ("BookingCancelled", "manager", f"{room} reservation has been released: nobody checked in"),
    ]
    # The slot is free for the rest of the meeting; the booker's late check-in is told why.
    services.create_booking(
        actor=other_user,
        room_id=check_in_room.pk,
        use_start_dtm=closes + 5 * MINUTE,
        use_end_dtm=booking.use_end_dtm,
    )
    time_machine.move_to(closes + 3 * MINUTE, tick=False)
    answer = check_in(client_for(user), booking)
    assert answer.status_code == 409 and answer.json()["code"] == "booking_released"
    assert "nobody checked in" in answer.json()["message"]


def test_a_check_in_that_lost_to_the_release_is_a_409_saying_so(user, check_in_room):
    """What the loser of the race sees, even with a clock that says the window is open."""
    from roombooking.errors import Conflict

    booking = book(user, check_in_room)
    closes = booking.use_start_dtm + 15 * MINUTE
    services.release_no_shows(now=closes + MINUTE)
    with pytest.raises(Conflict) as lost:
        services.check_in(actor=user, booking_id=booking.pk, now=closes)
    assert lost.value.get_codes() == "booking_released"


def test_checked_in_ended_and_ordinary_bookings_are_not_released(user, check_in_room, plain_room):
    checked_in = book(user, check_in_room)
    services.check_in(actor=user, booking_id=checked_in.pk, now=checked_in.use_start_dtm)
    short = book(user, check_in_room, length=10 * MINUTE)  # over before the window closes
    ordinary = book(user, plain_room)
    for booking in (checked_in, short, ordinary):
        assert services.release_no_shows(now=booking.use_start_dtm + 20 * MINUTE) == []
        assert fresh(booking).status == "BOOKED"


def test_the_beat_task_releases(user, check_in_room, time_machine):
    booking = book(user, check_in_room)
    time_machine.move_to(booking.use_start_dtm + 16 * MINUTE, tick=False)
    PeriodicRun.objects.all().delete()
    assert release_no_shows() == 1
    assert release_no_shows() is None  # the same period: skipped
    assert fresh(booking).cancel_cause == CAUSE_NO_SHOW


def test_a_room_can_be_made_to_require_check_in(staff_user, client_for, plain_room):
    answer = client_for(staff_user).patch(
        f"/rooms/{plain_room.pk}", {"requiresCheckIn": True}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["requiresCheckIn"] is True
    bad = client_for(staff_user).patch(
        f"/rooms/{plain_room.pk}", {"requiresCheckIn": "sometimes"}, format="json"
    )
    assert bad.status_code == 400 and "requiresCheckIn" in bad.json()["errors"]
    someone = UserFactory(username="someone")
    assert client_for(someone).get(f"/rooms/{plain_room.pk}").json()["requiresCheckIn"] is True
