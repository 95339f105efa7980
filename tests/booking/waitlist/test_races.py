"""Waitlist races on PostgreSQL (real concurrent transactions): an offer and a new booking of the
same time never both win, two sweeps end each hold once, an acceptance and the sweep at the end
of its hold leave one consistent state, and a join racing a cancellation is never stranded.

Rounds started together (``race``) check that every outcome is consistent, whichever order the
scheduler picks. Where the docs say what each order gives, two more rounds arrange the orders
(``in_order``: the first holds the room's lock until the second asks for it) and assert both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from apps.booking import services
from apps.booking.events import BOOKED
from apps.booking.models import Booking, WaitlistEntry
from roombooking.errors import Conflict
from roombooking.models import EventLog
from tests.booking.conftest import future
from tests.booking.waitlist.conftest import HOUR
from tests.confirm.race import in_order, race
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 10
# Where the booking services take the room's lock: a new booking (ensure_free), an offer, a join.
ROOM_LOCK = [
    "apps.booking.services.slots.lock_room",
    "apps.booking.services.waitlist_offers.lock_room",
    "apps.booking.services.waitlist.lock_room",
]


@pytest.fixture(autouse=True)
def roomy_limit(settings):
    settings.BOOKING_WAITLIST_MAX_PER_USER = 1000  # the rounds leave entries behind


@pytest.fixture
def people(db):
    return {name: UserFactory(username=name) for name in ("holder", "alice", "bob", "carol")}


def book(user, room, start):
    return services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
    )


def wait(user, room, start):
    return services.join_waitlist(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
    )


def in_this_order(actions: dict[str, Callable[[], Any]], *, first: str) -> dict[str, Any]:
    """The two named ``actions`` run with ``in_order`` around the room's lock, ``first`` first;
    their results by name."""
    second = next(name for name in actions if name != first)
    results = in_order(actions[first], actions[second], lock=ROOM_LOCK)
    return {first: results[0], second: results[1]}


def outcome(result) -> str:
    if isinstance(result, Conflict):
        return result.get_codes()
    if isinstance(result, Exception):
        raise result  # anything else is a bug (a deadlock, a 500)
    return "ok"


def test_an_offer_racing_a_new_booking_never_both_win(room, people):
    """The cancellation makes its offer under the room's lock, in its own transaction: carol
    either sees the booking (still there) or the hold (already made), never a free slot."""
    seen = set()
    for day in range(ROUNDS):
        start = future(days=50 + day)
        taken = book(people["holder"], room, start)
        entry = wait(people["alice"], room, start)
        cancelled, booked = race(
            lambda t=taken: services.cancel_booking(booking_id=t.pk, actor="holder"),
            lambda s=start: book(people["carol"], room, s),
        )
        assert outcome(cancelled) == "ok"
        assert outcome(booked) in {"slot_taken", "slot_held"}
        entry.refresh_from_db()
        assert entry.status == "OFFERED"  # the first in line got it
        assert not Booking.objects.filter(status=BOOKED, use_start_dtm=start).exists()
        seen.add(outcome(booked))
    print("offer-vs-booking outcomes:", seen)


@pytest.mark.parametrize("first", ["cancellation", "booking"])
def test_an_offer_and_a_new_booking_in_each_order(room, people, first):
    """The cancellation's offer first: carol meets the hold. Carol first: she meets the booking,
    still there. Either way alice gets the offer and nobody books the slot."""
    start = future(days=60)
    taken = book(people["holder"], room, start)
    entry = wait(people["alice"], room, start)
    actions = {
        "cancellation": lambda: services.cancel_booking(booking_id=taken.pk, actor="holder"),
        "booking": lambda: book(people["carol"], room, start),
    }
    results = in_this_order(actions, first=first)
    assert outcome(results["cancellation"]) == "ok"
    assert outcome(results["booking"]) == ("slot_held" if first == "cancellation" else "slot_taken")
    entry.refresh_from_db()
    assert entry.status == "OFFERED"
    assert not Booking.objects.filter(status=BOOKED, use_start_dtm=start).exists()


@pytest.fixture
def check_in_room(db, manager):
    return services.create_room(
        name="Focus", capacity=4, managers=[manager.username], requires_check_in=True
    )


def released_rest(people, room, day: int):
    """A no-show's hour on ``day``, alice waiting for it, and two actions at the moment its
    check-in window has closed: the release (which offers alice the rest) and carol booking the
    rest herself. Returns them, alice's entry and the slot's start."""
    start = future(days=day)
    no_show = book(people["holder"], room, start)
    entry = wait(people["alice"], room, start)
    moment = start + dt.timedelta(minutes=15, seconds=1)
    return (
        {
            "release": lambda: services.release_no_shows(now=moment),
            "booking": lambda: services.create_booking(
                actor=people["carol"],
                room_id=room.pk,
                use_start_dtm=start + dt.timedelta(minutes=20),
                use_end_dtm=start + HOUR,
                now=moment,
            ),
        },
        no_show,
        entry,
        start,
    )


def assert_alice_holds_the_rest(entry, start) -> None:
    entry.refresh_from_db()
    assert (entry.status, entry.offered_start_dtm) == ("OFFERED", start + dt.timedelta(minutes=16))
    assert not Booking.objects.filter(status=BOOKED, use_start_dtm__gte=start).exists()


def test_an_offer_of_the_rest_racing_a_new_booking_never_both_win(check_in_room, people):
    """A slot that has begun: the release offers the rest under the room's lock while carol
    books it. She meets the no-show's booking (still there) or alice's hold, never a free rest."""
    seen = set()
    for day in range(ROUNDS):
        actions, no_show, entry, start = released_rest(people, check_in_room, 180 + day)
        released, booked = race(actions["release"], actions["booking"])
        assert released == [no_show.pk], released
        assert outcome(booked) in {"slot_taken", "slot_held"}
        assert_alice_holds_the_rest(entry, start)
        seen.add(outcome(booked))
    print("rest-offer-vs-booking outcomes:", seen)


@pytest.mark.parametrize("first", ["release", "booking"])
def test_an_offer_of_the_rest_and_a_new_booking_in_each_order(check_in_room, people, first):
    actions, no_show, entry, start = released_rest(people, check_in_room, 200)
    results = in_this_order(actions, first=first)
    assert results["release"] == [no_show.pk], results
    assert outcome(results["booking"]) == ("slot_held" if first == "release" else "slot_taken")
    assert_alice_holds_the_rest(entry, start)


def test_the_next_offer_racing_a_new_booking_never_both_win(room, people):
    """alice's hold ran out: the sweep offers the slot to bob while carol books it. Two tables,
    no constraint between them: only the room's lock (taken by both) keeps them apart."""
    seen = set()
    for day in range(3 * ROUNDS):
        start = future(days=130 + day)
        taken = book(people["holder"], room, start)
        alice, bob = wait(people["alice"], room, start), wait(people["bob"], room, start)
        services.cancel_booking(booking_id=taken.pk, actor="holder")
        ran_out = timezone.now() - dt.timedelta(seconds=1)
        WaitlistEntry.objects.filter(pk=alice.pk).update(hold_until=ran_out)
        swept, booked = race(
            lambda: services.expire_waitlist_holds(),
            lambda s=start: book(people["carol"], room, s),
        )
        assert not isinstance(swept, Exception), swept
        bob.refresh_from_db()
        carol = outcome(booked)
        if carol == "ok":  # carol first: the sweep saw her booking and offered nothing
            assert bob.status == "WAITING"
        else:  # the sweep first: carol met bob's hold
            assert (carol, bob.status) == ("slot_held", "OFFERED")
        seen.add(carol)
    print("next-offer-vs-booking outcomes:", seen)


@pytest.mark.parametrize("first", ["sweep", "booking"])
def test_the_next_offer_and_a_new_booking_in_each_order(room, people, first):
    """Both outcomes the docs promise, each arranged: the sweep's offer first, carol meets bob's
    hold; carol first, the sweep sees her booking and bob keeps waiting."""
    start = future(days=170)
    taken = book(people["holder"], room, start)
    alice, bob = wait(people["alice"], room, start), wait(people["bob"], room, start)
    services.cancel_booking(booking_id=taken.pk, actor="holder")
    ran_out = timezone.now() - dt.timedelta(seconds=1)
    WaitlistEntry.objects.filter(pk=alice.pk).update(hold_until=ran_out)
    results = in_this_order(
        {
            "sweep": lambda: services.expire_waitlist_holds(),
            "booking": lambda: book(people["carol"], room, start),
        },
        first=first,
    )
    assert not isinstance(results["sweep"], Exception), results
    bob.refresh_from_db()
    if first == "sweep":
        assert results["sweep"]["offered"] == 1
        assert (outcome(results["booking"]), bob.status) == ("slot_held", "OFFERED")
    else:
        assert results["sweep"] == {"holds": 1, "waiting": 0, "offered": 0}
        assert (outcome(results["booking"]), bob.status) == ("ok", "WAITING")


def test_two_sweeps_at_once_end_each_hold_once(room, people):
    starts = [future(days=70 + day) for day in range(ROUNDS)]
    for start in starts:
        taken = book(people["holder"], room, start)
        wait(people["alice"], room, start)
        wait(people["bob"], room, start)
        services.cancel_booking(booking_id=taken.pk, actor="holder")
    hold_until = WaitlistEntry.objects.filter(status="OFFERED").latest("hold_until").hold_until
    later = hold_until + dt.timedelta(seconds=1)
    first, second = race(
        lambda: services.expire_waitlist_holds(now=later),
        lambda: services.expire_waitlist_holds(now=later),
    )
    assert first["holds"] + second["holds"] == ROUNDS, (first, second)
    assert first["offered"] + second["offered"] == ROUNDS
    statuses = dict(WaitlistEntry.objects.values_list("user__username", "status").distinct())
    assert statuses == {"alice": "EXPIRED", "bob": "OFFERED"}
    assert EventLog.objects.filter(event_type="WaitlistExpired").count() == ROUNDS
    assert EventLog.objects.filter(event_type="WaitlistOffered").count() == 2 * ROUNDS


def test_an_acceptance_racing_the_sweep_ends_in_one_state(room, people):
    seen = set()
    for day in range(ROUNDS):
        start = future(days=90 + day)
        taken = book(people["holder"], room, start)
        alice, bob = wait(people["alice"], room, start), wait(people["bob"], room, start)
        services.cancel_booking(booking_id=taken.pk, actor="holder")
        alice.refresh_from_db()
        before, after = (alice.hold_until + dt.timedelta(seconds=s) for s in (-1, 1))
        accepted, swept = race(
            lambda e=alice, b=before: services.accept_waitlist_offer(
                actor=people["alice"], entry_id=e.pk, now=b
            ),
            lambda a=after: services.expire_waitlist_holds(now=a),
        )
        alice.refresh_from_db()
        bob.refresh_from_db()
        if outcome(accepted) == "ok":
            assert (alice.status, alice.booking_id) == ("ACCEPTED", accepted.pk)
            assert bob.status == "WAITING"
            seen.add("accepted")
        else:
            assert outcome(accepted) == "not_offered"  # the sweep ended it first
            assert (alice.status, bob.status) == ("EXPIRED", "OFFERED")
            assert not Booking.objects.filter(status=BOOKED, use_start_dtm=start).exists()
            seen.add("expired")
        assert not isinstance(swept, Exception), swept
    print("accept-vs-sweep outcomes:", seen)


def test_a_join_racing_the_cancellation_is_never_stranded(room, people):
    seen = set()
    for day in range(ROUNDS):
        start = future(days=110 + day)
        taken = book(people["holder"], room, start)
        joined, cancelled = race(
            lambda s=start: wait(people["alice"], room, s),
            lambda t=taken: services.cancel_booking(booking_id=t.pk, actor="holder"),
        )
        assert outcome(cancelled) == "ok"
        if outcome(joined) == "ok":
            joined.refresh_from_db()
            assert joined.status == "OFFERED"  # joined first: the cancellation offered it
        else:
            assert outcome(joined) == "slot_free"  # the cancellation first: book it instead
        seen.add(outcome(joined))
    print("join-vs-cancel outcomes:", seen)


@pytest.mark.parametrize("first", ["join", "cancellation"])
def test_a_join_and_the_cancellation_in_each_order(room, people, first):
    start = future(days=120)
    taken = book(people["holder"], room, start)
    results = in_this_order(
        {
            "join": lambda: wait(people["alice"], room, start),
            "cancellation": lambda: services.cancel_booking(booking_id=taken.pk, actor="holder"),
        },
        first=first,
    )
    assert outcome(results["cancellation"]) == "ok"
    if first == "join":  # joined while taken; the cancellation then offered it
        results["join"].refresh_from_db()
        assert results["join"].status == "OFFERED"
    else:  # the slot was free by the time the join looked: book it instead
        assert outcome(results["join"]) == "slot_free"
        assert not WaitlistEntry.objects.exists()
