"""Slots freed by the lifecycle sweeps (a request nobody approved in time, a booking nobody
checked in to) go to the waitlist on the sweep's clock: the services' ``now=``, never the wall
clock (docs/waitlist.md, docs/lifecycle.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.booking import services
from apps.booking.events import BOOKED
from apps.booking.models import Booking
from apps.confirm import services as confirm_services
from roombooking.errors import Conflict
from roombooking.models import EventLog
from tests.booking.waitlist.conftest import refreshed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def check_in_room(db, manager):
    return services.create_room(
        name="Focus", capacity=4, managers=[manager.username], requires_check_in=True
    )


@pytest.fixture
def no_show(check_in_room, slot):
    """``slot`` of the check-in room, booked by "holder", who will not check in."""
    start, end = slot
    return services.create_booking(
        actor=UserFactory(username="holder"),
        room_id=check_in_room.pk,
        use_start_dtm=start,
        use_end_dtm=end,
    )


def waitlist_events() -> list[tuple[str, dict]]:
    return [
        (r.event_type, r.payload)
        for r in EventLog.objects.filter(event_type__startswith="Waitlist").order_by("id")
    ]


def wait(user, room, start, end):
    return services.join_waitlist(actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=end)


def test_an_expiry_offers_on_the_sweeps_clock(taken, room, user, slot):
    start, end = slot
    later_half = wait(user, room, start + 30 * MINUTE, end)
    assert confirm_services.expire_pending_approvals(now=start) != []
    entry = refreshed(later_half)
    assert entry.status == "OFFERED"
    assert entry.offered_at == start  # the sweep's moment, not the wall clock's (days earlier)


def test_a_release_offers_on_the_sweeps_clock(no_show, check_in_room, user, slot):
    start, end = slot
    later_half = wait(user, check_in_room, start + 30 * MINUTE, end)
    moment = start + 15 * MINUTE + SECOND
    assert services.release_no_shows(now=moment) == [no_show.pk]
    entry = refreshed(later_half)
    assert (entry.status, entry.offered_at) == ("OFFERED", moment)


def test_a_cancellation_given_a_moment_offers_at_that_moment(taken, room, user, slot):
    start, _ = slot
    entry = wait(user, room, *slot)
    moment = start - 2 * dt.timedelta(hours=1)
    services.cancel_booking(booking_id=taken.pk, actor="holder", now=moment)
    entry = refreshed(entry)
    assert (entry.offered_at, refreshed(taken).cancelled_at) == (moment, moment)


# --- a slot freed after it began: the rest is offered ------------------------------------------


def test_an_expiry_at_the_start_offers_the_rest_to_the_first_in_line(
    taken, room, user, other_user, slot
):
    start, end = slot
    first, second = wait(user, room, *slot), wait(other_user, room, *slot)
    moment = start + 40 * SECOND  # the sweep runs every minute: it sees the start a little late
    assert confirm_services.expire_pending_approvals(now=moment) != []
    first, second = refreshed(first), refreshed(second)
    assert (first.status, first.offered_at) == ("OFFERED", moment)
    assert first.offered_start_dtm == start + MINUTE  # the next whole minute: never the past
    assert first.hold_until == moment + 30 * MINUTE
    assert second.status == "WAITING"
    [(_, payload)] = [e for e in waitlist_events() if e[0] == "WaitlistOffered"]
    assert payload["offered_start_dtm"] == (start + MINUTE).astimezone(dt.UTC).isoformat()


def test_a_release_of_a_no_show_offers_the_rest(no_show, check_in_room, user, slot):
    start, end = slot
    entry = wait(user, check_in_room, *slot)
    moment = start + 15 * MINUTE + SECOND  # the check-in window closed a second ago
    assert services.release_no_shows(now=moment) == [no_show.pk]
    entry = refreshed(entry)
    assert (entry.status, entry.offered_at) == ("OFFERED", moment)
    assert (entry.offered_start_dtm, entry.hold_until) == (
        start + 16 * MINUTE,
        moment + 30 * MINUTE,
    )


@pytest.fixture
def released(no_show, check_in_room, user, other_user, slot):
    """The no-show released 15 minutes and a second into ``slot``: alice holds the rest, bob
    waits behind her. Returns alice's entry and the release's moment."""
    entry = wait(user, check_in_room, *slot)
    wait(other_user, check_in_room, *slot)
    moment = slot[0] + 15 * MINUTE + SECOND
    services.release_no_shows(now=moment)
    return refreshed(entry), moment


def test_accepting_after_the_start_books_the_part_still_ahead(
    released, user, check_in_room, slot, published
):
    entry, moment = released
    accepted = moment + 4 * MINUTE + 10 * SECOND
    booking = services.accept_waitlist_offer(actor=user, entry_id=entry.pk, now=accepted)
    assert (booking.use_start_dtm, booking.use_end_dtm) == (slot[0] + 20 * MINUTE, slot[1])
    assert (booking.booking_user, booking.room, booking.status) == (user, check_in_room, BOOKED)
    assert published()[-1][0] == "BookingCreated"  # the normal path: approval, list, emails
    entry = refreshed(entry)
    assert (entry.status, entry.booking_id) == ("ACCEPTED", booking.pk)


def test_the_hold_keeps_the_rest_from_everyone_else(released, carol, check_in_room, slot):
    entry, moment = released
    during = moment + 2 * MINUTE

    def carol_books(start, *, now):
        return services.create_booking(
            actor=carol, room_id=check_in_room.pk, use_start_dtm=start, use_end_dtm=slot[1], now=now
        )

    with pytest.raises(Conflict) as conflict:
        carol_books(slot[0] + 20 * MINUTE, now=during)
    assert conflict.value.get_codes() == "slot_held"
    [hold] = conflict.value.extra["holds"]
    assert hold["useStartDtm"] == (slot[0] + 16 * MINUTE).isoformat()  # the part held
    assert Booking.objects.filter(booking_user=carol).count() == 0
    # When the hold has run out (before the sweep ends it), the rest is anyone's.
    assert carol_books(slot[0] + 50 * MINUTE, now=entry.hold_until).status == BOOKED


def test_an_entry_whose_slot_has_ended_gets_no_offer(
    no_show, check_in_room, user, other_user, slot
):
    start, end = slot
    first_quarter = wait(user, check_in_room, start, start + 15 * MINUTE)  # first in line
    whole = wait(other_user, check_in_room, *slot)
    moment = start + 15 * MINUTE + SECOND
    services.release_no_shows(now=moment)
    assert (refreshed(first_quarter).status, refreshed(whole).status) == ("WAITING", "OFFERED")
    assert services.expire_waitlist_holds(now=moment)["waiting"] == 1  # the sweep closes it
    assert refreshed(first_quarter).status == "EXPIRED"
    [(_, payload)] = [e for e in waitlist_events() if e[0] == "WaitlistExpired"]
    assert (payload["entry_id"], payload["was_offered"]) == (first_quarter.pk, False)


@pytest.fixture
def half_hour_minimum(db, manager):
    return services.create_room(
        name="Board room",
        capacity=12,
        managers=[manager.username],
        min_duration=30 * MINUTE,
    )


@pytest.mark.parametrize(
    ("cancelled_after", "offered"),
    [(20 * MINUTE, True), (30 * MINUTE + SECOND, False)],
)
def test_the_rest_is_offered_while_the_room_takes_a_booking_that_short(
    half_hour_minimum, user, slot, cancelled_after, offered
):
    start, end = slot
    booking = services.create_booking(
        actor=UserFactory(username="holder"),
        room_id=half_hour_minimum.pk,
        use_start_dtm=start,
        use_end_dtm=end,
    )
    entry = wait(user, half_hour_minimum, *slot)
    moment = start + cancelled_after
    services.cancel_booking(booking_id=booking.pk, actor="holder", now=moment)  # left early
    entry = refreshed(entry)
    if not offered:  # less than the room's 30 minutes is left to book
        assert entry.status == "WAITING"
        return
    # The hold ends at the last moment the rest still makes 30 minutes, not 30 minutes later.
    assert (entry.status, entry.hold_until) == ("OFFERED", end - 30 * MINUTE)
    last_second = entry.hold_until - SECOND
    taken = services.accept_waitlist_offer(actor=user, entry_id=entry.pk, now=last_second)
    assert (taken.use_start_dtm, taken.use_end_dtm) == (end - 30 * MINUTE, end)


def test_in_a_room_that_needs_approval_the_rest_stands_only_if_approved_before_it_starts(
    taken, room, user, other_user, slot
):
    """Accepting books through the normal path, and there a request still pending at its start
    expires: the booking of the rest starts a minute after the acceptance, so it expires at the
    next sweep unless a manager approved it; the rest then goes to the next in line."""
    start, end = slot
    first, second = wait(user, room, *slot), wait(other_user, room, *slot)
    confirm_services.expire_pending_approvals(now=start + 40 * SECOND)
    booking = services.accept_waitlist_offer(actor=user, entry_id=first.pk, now=start + 50 * SECOND)
    assert booking.use_start_dtm == start + MINUTE
    confirm_services.expire_pending_approvals(now=start + MINUTE + 20 * SECOND)
    assert refreshed(booking).status == "CANCELLED"
    second = refreshed(second)
    assert (second.status, second.offered_start_dtm) == ("OFFERED", start + 2 * MINUTE)
