""" "Find a room" knows the waitlist's live holds (issue #11): a slot held for someone else is not
free in ``/rooms/available``, ``/rooms/{id}/availability`` or the day view, since booking it
would be a 409 ``slot_held``; its holder still sees it as theirs; a hold that ran out is free
again at once, before the beat sweep ends it. Holds are made the real way: a booking, a
waitlist entry, a cancellation that offers the slot (controlled clock)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.booking import services
from apps.booking.models import WaitlistEntry
from tests.booking.conftest import SEOUL, compact
from tests.booking.waitlist.conftest import HOUR, refreshed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hold(taken, join, user):
    """alice's hold on ``slot``: she waited for it, and its booking was cancelled."""
    entry = join(user)
    services.cancel_booking(booking_id=taken.pk, actor="holder")
    entry = refreshed(entry)
    assert entry.status == "OFFERED" and entry.hold_until > dt.datetime.now(dt.UTC)
    return entry


@pytest.fixture
def run_out(hold):
    """The clock one second past the hold's end (the sweep has not run)."""
    with time_machine.travel(hold.hold_until + dt.timedelta(seconds=1), tick=False):
        yield
    assert refreshed(hold).status == "OFFERED"  # still: only the clock ended it


def available(client, start: dt.datetime, end: dt.datetime) -> list[str]:
    response = client.get("/rooms/available", {"start": compact(start), "end": compact(end)})
    assert response.status_code == 200, response.json()
    return [room["name"] for room in response.json()["rooms"]]


def busy(client, room, date: dt.date) -> list[dict]:
    response = client.get(f"/rooms/{room.pk}/availability", {"date": date.isoformat()})
    assert response.status_code == 200, response.json()
    return response.json()["busy"]


def free_slots(client, room, date: dt.date) -> list[tuple[str, str]]:
    response = client.get(f"/rooms/{room.pk}/availability", {"date": date.isoformat()})
    return [(slot["start"], slot["end"]) for slot in response.json()["free"]]


def day_row(user, room, date: dt.date):
    client = Client()
    client.force_login(user)
    page = client.get(f"/day?date={date}")
    assert page.status_code == 200
    return next(row for row in page.context["rows"] if row.room.pk == room.pk), page


# --- /rooms/available --------------------------------------------------------------------------


def test_a_room_held_for_someone_else_is_not_available(
    hold, client_for, other_user, room, other_room, slot
):
    bob = client_for(other_user)
    start, end = slot
    assert available(bob, start, end) == ["Big room"]
    assert available(bob, start + HOUR / 2, end + HOUR / 2) == ["Big room"]  # overlapping
    assert available(bob, start - HOUR, end + HOUR) == ["Big room"]  # containing
    assert available(bob, end, end + HOUR) == ["Room 101", "Big room"]  # back to back
    assert available(bob, start - HOUR, start) == ["Room 101", "Big room"]


def test_the_holder_still_finds_the_room(hold, client_for, user, other_room, slot):
    assert available(client_for(user), *slot) == ["Room 101", "Big room"]


def test_a_hold_that_ran_out_is_available_before_the_sweep(
    hold, run_out, client_for, other_user, other_room, slot
):
    assert available(client_for(other_user), *slot) == ["Room 101", "Big room"]


def test_available_is_still_one_query_with_holds(
    hold, client_for, other_user, user, slot, django_assert_num_queries
):
    for someone in (other_user, user):
        with django_assert_num_queries(1):
            available(client_for(someone), *slot)


# --- /rooms/{id}/availability ------------------------------------------------------------------


def test_a_hold_is_a_held_busy_interval_without_whose_it_is(
    hold, client_for, other_user, room, slot
):
    date = slot[0].date()
    bob = client_for(other_user)
    assert busy(bob, room, date) == [
        {
            "useStartDtm": slot[0].isoformat(),
            "useEndDtm": slot[1].isoformat(),
            "mine": False,
            "approvalStatus": "HELD",
            "holdUntilDtm": hold.hold_until.astimezone(SEOUL).isoformat(),
        }
    ]
    midnight = dt.datetime.combine(date, dt.time(), tzinfo=SEOUL)
    assert free_slots(bob, room, date) == [
        (midnight.isoformat(), slot[0].isoformat()),
        (slot[1].isoformat(), (midnight + dt.timedelta(days=1)).isoformat()),
    ]


def test_a_hold_of_the_rest_of_a_slot_that_began_is_busy_from_its_offered_start(
    taken, join, user, client_for, other_user, room, slot
):
    entry = join(user)
    left = slot[0] + dt.timedelta(minutes=20, seconds=30)
    with time_machine.travel(left, tick=False):
        services.cancel_booking(booking_id=taken.pk, actor="holder")
        (interval,) = busy(client_for(other_user), room, slot[0].date())
    rest = slot[0] + dt.timedelta(minutes=21)
    assert refreshed(entry).offered_start_dtm == rest
    assert (interval["useStartDtm"], interval["useEndDtm"]) == (
        rest.isoformat(),
        slot[1].isoformat(),
    )
    assert interval["approvalStatus"] == "HELD"


def test_the_holder_sees_their_hold_as_mine(hold, client_for, user, room, slot):
    (interval,) = busy(client_for(user), room, slot[0].date())
    assert interval["mine"] is True and interval["approvalStatus"] == "HELD"
    assert interval["waitlistEntryId"] == hold.pk
    assert "bookingUserId" not in interval  # a plain user, even about themself (as bookings)


def test_office_staff_and_the_rooms_managers_see_whose_hold(
    hold, client_for, manager, staff_user, superuser, room, slot
):
    for someone in (manager, staff_user, superuser):
        (interval,) = busy(client_for(someone), room, slot[0].date())
        assert interval["approvalStatus"] == "HELD" and interval["mine"] is False
        assert (interval["waitlistEntryId"], interval["bookingUserId"]) == (hold.pk, "alice")
    other_manager = UserFactory(username="dora", is_staff=True)  # is_staff alone shows nothing
    services.create_room(name="Dora's", capacity=2, managers=["dora"])
    (interval,) = busy(client_for(other_manager), room, slot[0].date())
    assert "waitlistEntryId" not in interval and "bookingUserId" not in interval


def test_a_hold_next_to_bookings_keeps_the_order_and_the_gaps(
    hold, client_for, other_user, carol, room, slot
):
    before = services.create_booking(
        actor=carol, room_id=room.pk, use_start_dtm=slot[0] - HOUR, use_end_dtm=slot[0]
    )
    services.create_booking(
        actor=carol, room_id=room.pk, use_start_dtm=slot[1] + HOUR, use_end_dtm=slot[1] + 2 * HOUR
    )
    intervals = busy(client_for(other_user), room, slot[0].date())
    assert [(i["useStartDtm"], i["approvalStatus"]) for i in intervals] == [
        (before.use_start_dtm.astimezone(SEOUL).isoformat(), "PENDING"),
        (slot[0].isoformat(), "HELD"),
        ((slot[1] + HOUR).isoformat(), "PENDING"),
    ]
    free = free_slots(client_for(other_user), room, slot[0].date())
    assert (slot[1].isoformat(), (slot[1] + HOUR).isoformat()) in free
    assert not any(start < slot[1].isoformat() and end > slot[0].isoformat() for start, end in free)


def test_a_hold_that_ran_out_is_free_in_the_day_before_the_sweep(
    hold, run_out, client_for, other_user, room, slot
):
    assert busy(client_for(other_user), room, slot[0].date()) == []


def test_the_day_is_still_one_query_with_holds(
    hold, client_for, user, manager, superuser, other_user, room, slot
):
    date = slot[0].date()
    services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=slot[1], use_end_dtm=slot[1] + HOUR
    )
    services.create_booking(
        actor=manager, room_id=room.pk, use_start_dtm=slot[1] + HOUR, use_end_dtm=slot[1] + 2 * HOUR
    )
    for someone in (manager, superuser):
        with CaptureQueriesContext(connection) as queries:
            assert len(busy(client_for(someone), room, date)) == 3
        assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    # A plain user seeing someone else's hold: the office-staff check is a column of it.
    with CaptureQueriesContext(connection) as queries:
        assert len(busy(client_for(other_user), room, date)) == 3
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]


# --- the day view ------------------------------------------------------------------------------


def test_a_held_hour_is_a_held_block_and_no_free_cell(hold, other_user, room, slot):
    date, hour = slot[0].date(), slot[0].hour
    row, page = day_row(other_user, room, date)
    assert [(b.label, b.held, b.mine) for b in row.blocks] == [("Held", True, False)]
    assert "alice" not in row.blocks[0].title
    cells = {cell.hour: cell.free for cell in row.cells}
    assert cells[hour] is False and cells[hour - 1] is True and cells[hour + 1] is True
    html = page.content.decode()
    assert f"room={room.pk}&amp;start={date}T{hour:02d}:00#book" not in html  # not clickable
    assert f"room={room.pk}&amp;start={date}T{hour + 1:02d}:00#book" in html
    assert 'class="block held"' in html and ">Held</div>" in html


def test_the_holder_sees_your_hold_and_managers_see_whose(hold, user, manager, room, slot):
    date, hour = slot[0].date(), slot[0].hour
    row, _ = day_row(user, room, date)
    assert [(b.label, b.held, b.mine) for b in row.blocks] == [("Your hold", True, True)]
    assert {cell.hour: cell.free for cell in row.cells}[hour] is False  # accept it instead
    row, _ = day_row(manager, room, date)
    assert [b.label for b in row.blocks] == ["Held for alice"]


def test_a_hold_that_ran_out_is_a_free_cell_before_the_sweep(hold, run_out, other_user, room, slot):
    row, _ = day_row(other_user, room, slot[0].date())
    assert row.blocks == []
    assert {cell.hour: cell.free for cell in row.cells}[slot[0].hour] is True


def test_the_day_view_takes_as_many_queries_with_holds_as_without(
    hold, other_user, room, other_room, slot
):
    def count() -> int:
        client = Client()
        client.force_login(other_user)
        client.get(f"/day?date={slot[0].date()}")  # warm the session as a browser would
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/day?date={slot[0].date()}").status_code == 200
        return len(queries)

    with_hold = count()
    WaitlistEntry.objects.filter(pk=hold.pk).update(status="WITHDRAWN")
    assert count() == with_hold == DAY_VIEW_QUERIES


# The session, its user, the form's rooms, the grid's rooms (with their holds), the day's
# bookings, the office-staff check: 6 measured on main before holds were shown, and still 6.
DAY_VIEW_QUERIES = 6
