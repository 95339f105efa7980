"""Random sequences of create, change and cancel (hypothesis, stateful): the stored active
bookings never overlap, every refusal is explained by a real overlap, and nothing that fits is
refused. A plain in-memory model of the rooms' timetables is the oracle."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from apps.booking import services
from apps.booking.events import BOOKED
from apps.booking.models import Booking
from roombooking.errors import Conflict
from tests.booking.conftest import future
from tests.factories import UserFactory

HOUR = dt.timedelta(hours=1)


def overlaps(a: tuple, b: tuple) -> bool:
    """Half-open intervals [start, end) of the same room."""
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


class Timetable(RuleBasedStateMachine):
    bookings = Bundle("bookings")

    def __init__(self) -> None:
        super().__init__()
        # Each run works inside a savepoint that teardown() rolls back: runs never see each other.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.user = UserFactory(username="prop-user")
        self.rooms = [services.create_room(name=f"prop-{i}", capacity=4) for i in range(2)]
        self.base = future(days=60, hour=0)
        self.model: dict[int, tuple] = {}  # booking id -> (room index, start, end)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def slot(self, room: int, start_hour: int, hours: int) -> tuple:
        start = self.base + start_hour * HOUR
        return (room, start, start + hours * HOUR)

    def expect(self, wanted: tuple, action, *, ignoring: int | None = None):
        clashes = [
            booking_id
            for booking_id, held in self.model.items()
            if booking_id != ignoring and overlaps(held, wanted)
        ]
        try:
            result = action()
        except Conflict as conflict:
            listed = [(c["useStartDtm"], c["useEndDtm"]) for c in conflict.extra["conflicts"]]
            expected = [
                (self.model[b][1].isoformat(), self.model[b][2].isoformat()) for b in clashes
            ]
            assert clashes, f"refused without an overlap: {wanted}"
            assert sorted(listed) == sorted(expected)
            return None
        assert not clashes, f"accepted {wanted} over {clashes}"
        return result

    @rule(
        target=bookings,
        room=st.integers(0, 1),
        start_hour=st.integers(0, 12),
        hours=st.integers(1, 4),
    )
    def create(self, room, start_hour, hours):
        wanted = self.slot(room, start_hour, hours)
        booking = self.expect(
            wanted,
            lambda: services.create_booking(
                actor=self.user,
                room_id=self.rooms[room].pk,
                use_start_dtm=wanted[1],
                use_end_dtm=wanted[2],
            ),
        )
        if booking is None:
            return -1  # a refused booking: later rules on it are no-ops
        self.model[booking.pk] = wanted
        return booking.pk

    @rule(
        booking_id=bookings,
        room=st.integers(0, 1),
        start_hour=st.integers(0, 12),
        hours=st.integers(1, 4),
    )
    def change(self, booking_id, room, start_hour, hours):
        if booking_id not in self.model:
            return
        wanted = self.slot(room, start_hour, hours)
        changed = self.expect(
            wanted,
            lambda: services.change_booking(
                actor=self.user,
                booking_id=booking_id,
                room_id=self.rooms[room].pk,
                use_start_dtm=wanted[1],
                use_end_dtm=wanted[2],
            ),
            ignoring=booking_id,
        )
        if changed is not None:
            self.model[booking_id] = wanted

    @rule(booking_id=consumes(bookings))
    def cancel(self, booking_id):
        if booking_id not in self.model:
            return
        services.cancel_booking(booking_id=booking_id, actor=self.user.username)
        del self.model[booking_id]

    @invariant()
    def stored_bookings_match_the_model_and_never_overlap(self):
        stored = {
            b.pk: (self.rooms.index(b.room), b.use_start_dtm, b.use_end_dtm)
            for b in Booking.objects.filter(status=BOOKED, room__in=self.rooms).select_related(
                "room"
            )
        }
        assert stored == self.model
        held = list(stored.values())
        for i, a in enumerate(held):
            for b in held[i + 1 :]:
                assert not overlaps(a, b)


@pytest.mark.django_db
def test_random_create_change_cancel_sequences_never_double_book():
    run_state_machine_as_test(
        Timetable,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
