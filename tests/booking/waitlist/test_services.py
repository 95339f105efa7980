"""The waitlist's services: joining, offers on every freed slot, holds that block other bookers,
accepting through the normal booking path, withdrawing, and the expiry sweep (controlled clock)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings

from apps.booking import services
from apps.booking.events import BOOKED, CAUSE_DENIED
from apps.booking.models import Booking, WaitlistEntry
from roombooking.errors import Conflict
from roombooking.models import EventLog
from tests.booking.waitlist.conftest import HOUR, refreshed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def waitlist_events() -> list[tuple[str, dict]]:
    return [
        (r.event_type, r.payload)
        for r in EventLog.objects.filter(event_type__startswith="Waitlist").order_by("id")
    ]


def code(conflict: pytest.ExceptionInfo) -> str:
    return conflict.value.get_codes()


# --- joining -----------------------------------------------------------------------------------


def test_joining_a_taken_slot_waits_in_line(taken, join, user, other_user):
    first, second = join(user), join(other_user)
    assert (first.status, second.status) == ("WAITING", "WAITING")
    assert first.created_at <= second.created_at
    assert [kind for kind, _ in waitlist_events()] == ["WaitlistJoined", "WaitlistJoined"]


def test_a_free_slot_cannot_be_joined_book_it_instead(room, join, user):
    with pytest.raises(Conflict) as conflict:
        join(user)
    assert code(conflict) == "slot_free"
    assert "POST /bookings" in str(conflict.value.detail)
    assert not WaitlistEntry.objects.exists()


def test_a_partly_taken_slot_can_be_joined(taken, join, user, slot):
    entry = join(user, start=slot[0] + HOUR / 2, end=slot[1] + HOUR)
    assert entry.status == "WAITING"


def test_joining_twice_is_a_409_naming_the_entry(taken, join, user):
    entry = join(user)
    with pytest.raises(Conflict) as conflict:
        join(user)
    assert code(conflict) == "already_waiting"
    assert conflict.value.extra == {"entryId": entry.pk}
    assert WaitlistEntry.objects.count() == 1


def test_you_cannot_wait_for_your_own_booking(taken, join):
    with pytest.raises(Conflict) as conflict:
        join(taken.booking_user)
    assert code(conflict) == "own_booking"


def test_a_slot_must_make_sense_as_a_booking(taken, join, user, slot):
    with pytest.raises(ValidationError) as error:
        join(user, start=slot[1], end=slot[0])
    assert "useEndDtm" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        join(user, room_id=999_999)
    assert "roomId" in error.value.message_dict


@override_settings(BOOKING_WAITLIST_MAX_PER_USER=2)
def test_one_person_waits_for_a_bounded_number_of_slots(room, user, join, slot):
    holder = _holder()
    days = [dt.timedelta(days=day) for day in range(3)]
    for day in days:
        services.create_booking(
            actor=holder, room_id=room.pk, use_start_dtm=slot[0] + day, use_end_dtm=slot[1] + day
        )
    join(user, start=slot[0] + days[0], end=slot[1] + days[0])
    join(user, start=slot[0] + days[1], end=slot[1] + days[1])
    with pytest.raises(ValidationError) as error:
        join(user, start=slot[0] + days[2], end=slot[1] + days[2])
    assert "the limit is 2" in str(error.value)


def _holder():
    return UserFactory(username="holder")


# --- offers ------------------------------------------------------------------------------------


def test_a_cancellation_offers_the_slot_to_the_first_in_line(taken, join, user, other_user):
    first, second = join(user), join(other_user)
    moment = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        services.cancel_booking(booking_id=taken.pk, actor="holder")
    first, second = refreshed(first), refreshed(second)
    assert first.status == "OFFERED"
    assert first.offered_at == moment
    assert first.hold_until == moment + dt.timedelta(minutes=30)  # the default hold
    assert second.status == "WAITING"
    kind, payload = waitlist_events()[-1]
    assert kind == "WaitlistOffered"
    assert payload["entry_id"] == first.pk and payload["user_id"] == "alice"
    assert payload["actor"] == "holder"


@override_settings(BOOKING_WAITLIST_HOLD_MINUTES=5)
def test_the_hold_lasts_the_configured_time(taken, join, user):
    entry = join(user)
    services.cancel_booking(booking_id=taken.pk, actor="holder")
    entry = refreshed(entry)
    assert entry.hold_until - entry.offered_at == dt.timedelta(minutes=5)


def test_a_hold_offered_just_before_the_start_lasts_its_time_and_books_the_rest(
    taken, join, user, slot
):
    # Once the slot has begun the rest can still be booked, so the hold is not cut at the start.
    entry = join(user)
    offered = slot[0] - dt.timedelta(minutes=10)
    services.cancel_booking(booking_id=taken.pk, actor="holder", now=offered)
    entry = refreshed(entry)
    assert (entry.offered_start_dtm, entry.hold_until) == (slot[0], offered + 30 * MINUTE)
    booking = services.accept_waitlist_offer(
        actor=user, entry_id=entry.pk, now=slot[0] + 5 * MINUTE + dt.timedelta(seconds=30)
    )
    assert (booking.use_start_dtm, booking.use_end_dtm) == (slot[0] + 6 * MINUTE, slot[1])


def test_a_denial_frees_the_slot_too(taken, join, user):
    entry = join(user)
    services.cancel_booking(booking_id=taken.pk, actor="manager", cause=CAUSE_DENIED)
    assert refreshed(entry).status == "OFFERED"


def test_a_moved_booking_frees_its_old_slot(taken, join, user, slot):
    entry = join(user)
    services.change_booking(
        actor=taken.booking_user,
        booking_id=taken.pk,
        use_start_dtm=slot[0] + dt.timedelta(days=1),
        use_end_dtm=slot[1] + dt.timedelta(days=1),
    )
    assert refreshed(entry).status == "OFFERED"


def test_only_an_entirely_free_slot_is_offered(room, taken, join, user, other_user, slot):
    # A second booking still covers the later half of alice's wider slot: bob, behind her but
    # waiting for the freed hour only, gets the offer.
    later = services.create_booking(
        actor=_holder(), room_id=room.pk, use_start_dtm=slot[1], use_end_dtm=slot[1] + HOUR
    )
    wide = join(user, start=slot[0], end=slot[1] + HOUR)
    narrow = join(other_user)
    services.cancel_booking(booking_id=taken.pk, actor="holder")
    assert (refreshed(wide).status, refreshed(narrow).status) == ("WAITING", "OFFERED")
    assert later.status == BOOKED


def test_disjoint_entries_in_a_freed_interval_are_all_offered(room, user, other_user, join, slot):
    long = services.create_booking(
        actor=_holder(), room_id=room.pk, use_start_dtm=slot[0], use_end_dtm=slot[0] + 3 * HOUR
    )
    early = join(user, start=slot[0], end=slot[0] + HOUR)
    late = join(other_user, start=slot[0] + 2 * HOUR, end=slot[0] + 3 * HOUR)
    services.cancel_booking(booking_id=long.pk, actor="holder")
    assert (refreshed(early).status, refreshed(late).status) == ("OFFERED", "OFFERED")


# --- holds -------------------------------------------------------------------------------------


@pytest.fixture
def offered(taken, join, user, other_user):
    """alice holds the freed slot; bob waits behind her."""
    first, second = join(user), join(other_user)
    services.cancel_booking(booking_id=taken.pk, actor="holder")
    return refreshed(first), refreshed(second)


def test_a_held_slot_is_a_409_for_everyone_else(offered, room, carol, slot):
    with pytest.raises(Conflict) as conflict:
        services.create_booking(
            actor=carol, room_id=room.pk, use_start_dtm=slot[0], use_end_dtm=slot[1]
        )
    assert code(conflict) == "slot_held"
    [hold] = conflict.value.extra["holds"]
    assert hold["holdUntilDtm"].startswith(offered[0].hold_until.astimezone(room.zone).isoformat())
    assert "alice" not in str(conflict.value.extra)  # who holds it stays private


def test_a_held_slot_cannot_be_taken_by_moving_a_booking_into_it(offered, room, carol, slot):
    elsewhere = services.create_booking(
        actor=carol, room_id=room.pk, use_start_dtm=slot[1], use_end_dtm=slot[1] + HOUR
    )
    with pytest.raises(Conflict) as conflict:
        services.change_booking(actor=carol, booking_id=elsewhere.pk, use_start_dtm=slot[0])
    assert code(conflict) == "slot_held"


def test_a_hold_that_ran_out_no_longer_blocks(offered, room, carol, slot):
    with time_machine.travel(offered[0].hold_until + dt.timedelta(seconds=1), tick=False):
        booking = services.create_booking(
            actor=carol, room_id=room.pk, use_start_dtm=slot[0], use_end_dtm=slot[1]
        )
    assert booking.status == BOOKED


def test_accepting_books_through_the_normal_path(offered, user, room, published):
    alice, bob = offered
    booking = services.accept_waitlist_offer(actor=user, entry_id=alice.pk)
    alice = refreshed(alice)
    assert (alice.status, alice.booking_id) == ("ACCEPTED", booking.pk)
    assert (booking.booking_user, booking.room, booking.status) == (user, room, BOOKED)
    assert published()[-1][0] == "BookingCreated"  # approval, booking list and email follow
    assert waitlist_events()[-1][0] == "WaitlistAccepted"
    assert refreshed(bob).status == "WAITING"
    with pytest.raises(Conflict) as conflict:
        services.accept_waitlist_offer(actor=user, entry_id=alice.pk)
    assert code(conflict) == "already_accepted"
    assert conflict.value.extra == {"bookingId": booking.pk}


def test_office_staff_accept_for_the_waiting_person(offered, staff_user, user):
    booking = services.accept_waitlist_offer(actor=staff_user, entry_id=offered[0].pk)
    assert booking.booking_user == user


def test_a_waiting_entry_cannot_be_accepted(offered, other_user):
    with pytest.raises(Conflict) as conflict:
        services.accept_waitlist_offer(actor=other_user, entry_id=offered[1].pk)
    assert code(conflict) == "not_offered"
    assert Booking.objects.filter(status=BOOKED).count() == 0


def test_accepting_after_the_hold_ran_out_is_a_409(offered, user):
    alice = offered[0]
    with time_machine.travel(alice.hold_until, tick=False), pytest.raises(Conflict) as conflict:
        services.accept_waitlist_offer(actor=user, entry_id=alice.pk)
    assert code(conflict) == "hold_expired"
    assert refreshed(alice).status == "OFFERED"  # the sweep ends it and moves on


def test_someone_else_cannot_accept_or_withdraw_your_entry(offered, other_user):
    from django.http import Http404

    with pytest.raises(Http404):
        services.accept_waitlist_offer(actor=other_user, entry_id=offered[0].pk)
    with pytest.raises(Http404):
        services.withdraw_from_waitlist(actor=other_user, entry_id=offered[0].pk)


# --- withdrawing and the sweep -----------------------------------------------------------------


def test_withdrawing_an_offer_passes_it_on(offered, user):
    alice, bob = offered
    services.withdraw_from_waitlist(actor=user, entry_id=alice.pk)
    assert (refreshed(alice).status, refreshed(bob).status) == ("WITHDRAWN", "OFFERED")
    with pytest.raises(Conflict) as conflict:
        services.withdraw_from_waitlist(actor=user, entry_id=alice.pk)
    assert code(conflict) == "entry_closed"


def test_the_sweep_ends_a_hold_and_offers_the_next_once(offered):
    alice, bob = offered
    later = alice.hold_until + dt.timedelta(seconds=1)
    assert services.expire_waitlist_holds(now=alice.hold_until - dt.timedelta(seconds=1)) == {
        "holds": 0,
        "waiting": 0,
        "offered": 0,
    }
    with time_machine.travel(later, tick=False):
        first = services.expire_waitlist_holds()
        again = services.expire_waitlist_holds()
    assert first == {"holds": 1, "waiting": 0, "offered": 1}
    assert again == {"holds": 0, "waiting": 0, "offered": 0}
    alice, bob = refreshed(alice), refreshed(bob)
    assert (alice.status, alice.closed_at) == ("EXPIRED", later)
    assert (bob.status, bob.offered_at) == ("OFFERED", later)
    kinds = [kind for kind, _ in waitlist_events()]
    assert kinds.count("WaitlistExpired") == 1 and kinds.count("WaitlistOffered") == 2


def test_the_sweep_ends_waiting_entries_whose_slot_ended(taken, join, user, slot):
    entry = join(user)
    # Begun is not over: a release or an expiry may still offer the rest.
    assert services.expire_waitlist_holds(now=slot[0] + MINUTE)["waiting"] == 0
    assert refreshed(entry).status == "WAITING"
    with time_machine.travel(slot[1], tick=False):
        assert services.expire_waitlist_holds()["waiting"] == 1
    assert refreshed(entry).status == "EXPIRED"
    [(kind, payload)] = [e for e in waitlist_events() if e[0] == "WaitlistExpired"]
    assert payload["was_offered"] is False


def test_the_beat_task_runs_once_per_period(offered):
    from apps.booking import tasks

    with time_machine.travel(offered[0].hold_until + dt.timedelta(seconds=1), tick=False):
        assert tasks.expire_waitlist_holds() == {"holds": 1, "waiting": 0, "offered": 1}
        assert tasks.expire_waitlist_holds() is None  # a second scheduler's tick: skipped
