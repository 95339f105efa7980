"""Waitlist races on PostgreSQL (real concurrent transactions): an offer and a new booking of the
same time never both win, two sweeps end each hold once, an acceptance and the sweep at the end
of its hold leave one consistent state, and a join racing a cancellation is never stranded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.booking import services
from apps.booking.events import BOOKED
from apps.booking.models import Booking, WaitlistEntry
from roombooking.errors import Conflict
from roombooking.models import EventLog
from tests.booking.conftest import future
from tests.booking.waitlist.conftest import HOUR
from tests.confirm.race import race
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 10


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
