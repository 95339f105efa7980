"""Slots freed by the lifecycle sweeps (a request nobody approved in time, a booking nobody
checked in to) go to the waitlist on the sweep's clock: the services' ``now=``, never the wall
clock (docs/waitlist.md, docs/lifecycle.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.booking import services
from apps.confirm import services as confirm_services
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
