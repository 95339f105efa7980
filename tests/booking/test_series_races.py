"""Series racing on PostgreSQL (real concurrent transactions): two series, or a series and single
bookings, for the same slots — exactly one booking holds each slot, a losing all-or-nothing
series leaves nothing behind; a series move racing single bookings of its new slots moves whole
or not at all; and a series decision racing a series cancellation ends in one consistent state
(no deadlock, no 5xx)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from apps.booking import services
from apps.booking.events import BOOKED
from apps.booking.models import Booking, Series
from apps.booking.services import series as series_services
from apps.booking.services import slots
from apps.booking.services.slots import lock_room
from roombooking.errors import Conflict
from tests.booking.series_support import FIRST, HOUR, WEEK, frozen
from tests.confirm.race import TIMEOUT, race, take_deferred_lock
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


@pytest.fixture(autouse=True)
def _frozen_clock():
    with frozen():
        yield


def book_series(user, room, start, *, count=4, skip=False):
    def run():
        try:
            series = services.book_series(
                actor=user,
                room_id=room.pk,
                use_start_dtm=start,
                use_end_dtm=start + HOUR,
                rrule=f"FREQ=WEEKLY;COUNT={count}",
                skip_conflicts=skip,
            )
            return series.pk
        except Conflict:
            return "conflict"

    return run


def book_one(user, room, start):
    def run():
        try:
            return services.create_booking(
                actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=start + HOUR
            ).pk
        except Conflict:
            return "conflict"

    return run


def assert_each_slot_held_once(room, starts):
    for start in starts:
        holders = Booking.objects.filter(
            room=room, status=BOOKED, use_start_dtm__lt=start + HOUR, use_end_dtm__gt=start
        )
        assert holders.count() == 1, (start, list(holders.values("pk", "booking_user__username")))


def test_two_series_for_the_same_slots_one_wins_whole(room):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for round_ in range(ROUNDS):
        start = FIRST + round_ * 5 * WEEK
        # Bob's series starts a week later: they share three of their four Mondays.
        results = race(book_series(alice, room, start), book_series(bob, room, start + WEEK))
        assert not any(isinstance(r, Exception) for r in results), results
        winners = [r for r in results if r != "conflict"]
        assert len(winners) == 1 and results.count("conflict") == 1, results
        [winner] = winners
        assert Booking.objects.filter(series_id=winner, status=BOOKED).count() == 4
    # Nothing half-made: every series left has its four occurrences, and there are ROUNDS.
    assert Series.objects.count() == ROUNDS
    for series in Series.objects.all():
        assert series.occurrences.filter(status=BOOKED).count() == 4
    assert_each_slot_held_once(
        room, [FIRST + r * 5 * WEEK + w * WEEK for r in range(ROUNDS) for w in range(1, 4)]
    )


def test_a_series_against_single_bookings_all_or_nothing(room):
    alice = UserFactory(username="alice")
    singles = [UserFactory(username=f"single{i}") for i in range(4)]
    for round_ in range(ROUNDS):
        start = FIRST + round_ * 5 * WEEK
        dates = [start + w * WEEK for w in range(4)]
        results = race(
            book_series(alice, room, start),
            *(book_one(user, room, when) for user, when in zip(singles, dates, strict=True)),
        )
        assert not any(isinstance(r, Exception) for r in results), results
        series_result, single_results = results[0], results[1:]
        if series_result == "conflict":  # a single got in first: the series booked nothing
            assert any(r != "conflict" for r in single_results), results
            assert not Booking.objects.filter(
                booking_user=alice, use_start_dtm__gte=start, use_start_dtm__lt=start + 4 * WEEK
            ).exists()
        else:  # the series got every slot; every single lost
            assert single_results == ["conflict"] * 4, results
        assert_each_slot_held_once(room, dates)


def test_a_series_skipping_conflicts_against_single_bookings(room):
    alice = UserFactory(username="alice")
    singles = [UserFactory(username=f"single{i}") for i in range(4)]
    for round_ in range(ROUNDS):
        start = FIRST + round_ * 5 * WEEK
        dates = [start + w * WEEK for w in range(4)]
        results = race(
            book_series(alice, room, start, skip=True),
            *(book_one(user, room, when) for user, when in zip(singles, dates, strict=True)),
        )
        assert not any(isinstance(r, Exception) for r in results), results
        assert_each_slot_held_once(room, dates)
        single_wins = sum(r != "conflict" for r in results[1:])
        if results[0] == "conflict":
            assert single_wins == 4
        else:
            series = Series.objects.get(pk=results[0])
            assert series.occurrences.count() == 4 - single_wins
            assert len(series.skipped) == single_wins


def move_series(user, booking_id, *, scope, shift, after=None):
    def run():
        if after is not None and not after.wait(TIMEOUT):
            return "never let go"
        anchor = Booking.objects.get(pk=booking_id)
        try:
            services.change_series(
                actor=user,
                booking_id=booking_id,
                scope=scope,
                use_start_dtm=anchor.use_start_dtm + shift,
                use_end_dtm=anchor.use_end_dtm + shift,
            )
            return "moved"
        except Conflict:
            return "conflict"

    return run


def book_one_after(user, room, start, after):
    book = book_one(user, room, start)

    def run():
        if after is not None and not after.wait(TIMEOUT):
            return "never let go"
        return book()

    return run


def starts_of(ids: list[int]) -> list[dt.datetime]:
    bookings = Booking.objects.in_bulk(ids)
    return [bookings[pk].use_start_dtm for pk in ids]


def signalling(lock_room, gate: dict[str, threading.Event]):
    """``lock_room`` that, once it holds the room's lock, lets the other side of the race go."""

    def locked(room, **kwargs):
        lock_room(room, **kwargs)
        take_deferred_lock()  # held now, not with the next statement
        gate["event"].set()

    return locked


@pytest.mark.parametrize("order", ["at once", "move first", "singles first"])
@pytest.mark.parametrize("scope", ["following", "all"])
def test_a_series_move_against_single_bookings_of_its_new_slots(room, monkeypatch, scope, order):
    """Alice moves her Mondays two hours later while others book those later slots: either the
    move got there first (every occurrence moved, every single a 409) or a single did (nothing
    moved, and then no single is in anyone's way: all of them booked). Never some occurrences
    moved and others not, never two bookings in one slot. "at once": a barrier starts everyone
    (the singles, quicker, mostly win); "move first": the singles start once the move holds the
    room's lock (it is still moving); "singles first": the move starts once a single holds it."""
    alice = UserFactory(username="alice")
    singles = [UserFactory(username=f"single{i}") for i in range(4)]
    shift = 2 * HOUR
    gate = {"event": threading.Event()}  # a new one each round
    if order == "move first":  # the move's own lock_room (the singles' is slots.lock_room)
        monkeypatch.setattr(series_services, "lock_room", signalling(lock_room, gate))
    elif order == "singles first":  # the move's calls (in change_booking) come after the gate
        monkeypatch.setattr(slots, "lock_room", signalling(lock_room, gate))
    outcomes = []
    for round_ in range(ROUNDS):
        start = FIRST + round_ * 5 * WEEK
        series_id = book_series(alice, room, start)()
        ids = list(
            Booking.objects.filter(series_id=series_id)
            .order_by("use_start_dtm")
            .values_list("pk", flat=True)
        )
        reached = ids[1:] if scope == "following" else ids
        before = starts_of(reached)
        targets = [when + shift for when in before]
        gate["event"] = threading.Event()  # booking the series above went through lock_room
        results = race(
            move_series(
                alice,
                reached[0],
                scope=scope,
                shift=shift,
                after=gate["event"] if order == "singles first" else None,
            ),
            *(
                book_one_after(user, room, when, gate["event"] if order == "move first" else None)
                for user, when in zip(singles, targets, strict=False)
            ),
        )
        assert not any(isinstance(r, Exception) for r in results), results
        move, single_results = results[0], results[1:]
        outcomes.append(move)
        if move == "moved":
            assert starts_of(reached) == targets
            assert single_results == ["conflict"] * len(targets), results
        else:
            assert move == "conflict", results
            assert starts_of(reached) == before  # nothing half-moved
            assert all(isinstance(r, int) for r in single_results), results  # all booked
        if scope == "following":
            assert starts_of(ids[:1]) == [start]  # before the anchor: never reached
        assert_each_slot_held_once(room, targets)
        for when in before:  # alice's old slots: hers if the move lost, free if it won
            holders = Booking.objects.filter(
                room=room, status=BOOKED, use_start_dtm__lt=when + HOUR, use_end_dtm__gt=when
            )
            assert holders.count() == (0 if move == "moved" else 1)
    if order == "move first":
        assert outcomes == ["moved"] * ROUNDS
    elif order == "singles first":
        assert outcomes == ["conflict"] * ROUNDS
    print(f"series move ({scope}) vs singles, {order}: {outcomes}")


def test_deciding_a_series_while_the_booker_cancels_it(room, manager):
    from apps.confirm import services as confirm_services
    from apps.confirm.models import Confirm

    alice = UserFactory(username="alice")
    for round_ in range(ROUNDS):
        start = FIRST + round_ * 5 * WEEK
        series_id = book_series(alice, room, start)()
        ids = list(Booking.objects.filter(series_id=series_id).values_list("pk", flat=True))

        def approve(series_id=series_id):
            try:
                return len(
                    confirm_services.decide_series(
                        series_id=series_id, user=manager, status="CONFIRMED"
                    )
                )
            except Conflict:
                return "nothing waits"
            except Exception as exc:  # Http404 when the cancellation came first
                return type(exc).__name__

        first = min(ids)

        def cancel(first=first):
            services.cancel_series(actor="alice", booking_id=first, scope="all")
            return "cancelled"

        results = race(approve, cancel)
        assert results[1] == "cancelled", results
        assert results[0] in (4, "nothing waits", "Http404"), results
        assert Booking.objects.filter(pk__in=ids, status=BOOKED).count() == 0
        assert not Confirm.objects.filter(booking_id__in=ids).exists()  # no orphan request
