"""A stateful property test through the real booking and confirm services: random sequences of
create, change, hand over, cancel, approve, deny and rebuild. After every step each booking's list
row says what the booking and its approval say; at the end ``check_bookinglist`` finds no drift
and delivering every logged event once more changes nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from apps.booking import services as booking_services
from apps.booking.models import Booking
from apps.bookinglist import services
from apps.bookinglist.models import BookingListManager, BookingListRow
from apps.bookinglist.projection import PROJECTED_EVENTS
from apps.confirm import services as confirm_services
from apps.confirm.models import Confirm
from roombooking import bus
from roombooking.errors import Conflict
from tests.factories import UserFactory

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
REFUSED = (Conflict, ValidationError, Http404, PermissionDenied)

ROW_FIELDS = [
    *("room_id", "room_name", "room_managers", "booking_user_id", "use_start_dtm"),
    *("use_end_dtm", "booking_dtm", "booking_status", "cancelled_dtm", "cancel_cause"),
    *("cancel_reason", "confirm_id", "confirm_status", "confirm_user_id", "confirm_dtm"),
    "confirm_reason",
]

pytestmark = pytest.mark.django_db


def slot(day: int, hour: int, hours: int) -> tuple[dt.datetime, dt.datetime]:
    base = dt.datetime.now(SEOUL).date() + dt.timedelta(days=30 + day)
    start = dt.datetime(base.year, base.month, base.day, hour, tzinfo=SEOUL)
    return start, start + dt.timedelta(hours=hours)


slots = st.builds(
    slot, st.integers(0, 2), st.integers(8, 16), st.integers(1, 3)
)  # few days and hours, so that overlaps (409s) happen too


def build_machine(*, users: dict, rooms: list, manager_of: dict):
    class BookingListMachine(RuleBasedStateMachine):
        bookings = Bundle("bookings")

        def __init__(self) -> None:
            super().__init__()
            # Each example runs in a savepoint that teardown() rolls back.
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            # The approval state the list must show after the request is gone (a cancellation
            # deletes it): the last one seen, by booking id.
            self.last_confirm: dict[int, dict] = {}

        @rule(target=bookings, who=st.sampled_from(["alice", "bob"]), room=st.integers(0, 1))
        def create(self, who, room):
            return self._create(who, room)

        @rule(
            target=bookings,
            who=st.sampled_from(["alice", "bob"]),
            room=st.integers(0, 1),
            when=slots,
        )
        def create_at(self, who, room, when):
            return self._create(who, room, when)

        def _create(self, who, room, when=None):
            start, end = when or slot(0, 9, 1)
            try:
                booking = booking_services.create_booking(
                    actor=users[who], room_id=rooms[room].pk, use_start_dtm=start, use_end_dtm=end
                )
            except REFUSED:
                event("create refused")
                return None
            event("created")
            return booking.pk

        @rule(booking_id=bookings, room=st.integers(0, 1), when=slots)
        def change(self, booking_id, room, when):
            if booking_id is None:
                return
            booking = Booking.objects.select_related("booking_user").get(pk=booking_id)
            with contextlib.suppress(*REFUSED):
                booking_services.change_booking(
                    actor=booking.booking_user,
                    booking_id=booking_id,
                    room_id=rooms[room].pk,
                    use_start_dtm=when[0],
                    use_end_dtm=when[1],
                )

        @rule(booking_id=bookings)
        def cancel(self, booking_id):
            if booking_id is None:
                return
            booking = Booking.objects.select_related("booking_user").get(pk=booking_id)
            booking_services.cancel_booking(
                booking_id=booking_id, actor=booking.booking_user.username
            )

        @rule(booking_id=bookings)
        def approve(self, booking_id):
            self._decide(booking_id, confirm_services.complete_confirm)

        @rule(booking_id=bookings, reason=st.sampled_from(["", "Room under repair"]))
        def deny(self, booking_id, reason):
            self._decide(booking_id, confirm_services.deny_confirm, reason=reason)

        def _decide(self, booking_id, decide, **kwargs):
            if booking_id is None:
                return
            confirm = Confirm.objects.filter(booking_id=booking_id).first()
            if confirm is None:
                return  # cancelled: nothing left to decide
            manager = users[manager_of[confirm.room_id]]
            try:
                decided = decide(confirm_id=confirm.pk, user=manager, **kwargs)
            except REFUSED:
                event(f"{decide.__name__} refused")
                return
            event(decide.__name__)
            # A denial deletes the request with the booking; remember what it said.
            self.last_confirm[booking_id] = confirm_fields(decided)

        @invariant()
        def list_agrees_with_bookings_and_approvals(self):
            for confirm in Confirm.objects.all():
                self.last_confirm[confirm.booking_id] = confirm_fields(confirm)
            bookings = Booking.objects.select_related("room", "booking_user")
            rows = {row.booking_id: row for row in BookingListRow.objects.all()}
            assert sorted(rows) == sorted(b.pk for b in bookings)
            managers: dict[int, list[str]] = {}
            for row_id, username in BookingListManager.objects.order_by("username").values_list(
                "row_id", "username"
            ):
                managers.setdefault(row_id, []).append(username)
            for booking in bookings:
                row = rows[booking.pk]
                expected_managers = [manager_of[booking.room_id]]
                assert row_fields(row) == {
                    "room_id": booking.room_id,
                    "room_name": booking.room.name,
                    "room_managers": expected_managers,
                    "booking_user_id": booking.booking_user.username,
                    "use_start_dtm": booking.use_start_dtm,
                    "use_end_dtm": booking.use_end_dtm,
                    "booking_dtm": booking.created_at,
                    "booking_status": booking.status,
                    "cancelled_dtm": booking.cancelled_at,
                    "cancel_cause": booking.cancel_cause,
                    "cancel_reason": booking.cancel_reason,
                    **self.last_confirm[booking.pk],
                }, booking.pk
                assert managers.get(booking.pk, []) == expected_managers

        @rule(booking_id=bookings, who=st.sampled_from(["alice", "bob"]))
        def give_to(self, booking_id, who):
            """Office staff hand a booking to someone else (a BookingChanged of the booker)."""
            if booking_id is None:
                return
            try:
                booking_services.change_booking(
                    actor=users["staff"], booking_id=booking_id, booking_user=who
                )
            except REFUSED:
                event("hand over refused")
                return
            event("handed over")

        @rule()
        def rebuild(self):
            """A rebuild in the middle changes nothing, and later events apply on top of it."""
            services.rebuild_booking_list()

        def teardown(self):
            try:
                out = io.StringIO()
                call_command("check_bookinglist", stdout=out)  # raises on drift
                assert "no drift" in out.getvalue()
                # Every event delivered once more (a replay) is ignored.
                before = table()
                for seq, event in bus.replay(types=list(PROJECTED_EVENTS)):
                    assert services.record_event(event=event, seq=seq) is False
                assert table() == before
            finally:
                transaction.set_rollback(True)
                self.atomic.__exit__(None, None, None)

    return BookingListMachine


def table() -> list:
    return [
        list(BookingListRow.objects.order_by("booking_id").values()),
        sorted(BookingListManager.objects.values_list("row_id", "username")),
    ]


def confirm_fields(confirm: Confirm) -> dict:
    return {
        "confirm_id": confirm.pk,
        "confirm_status": confirm.status,
        "confirm_user_id": confirm.confirm_user_id,
        "confirm_dtm": confirm.confirm_dtm,
        "confirm_reason": confirm.reason,
    }


def row_fields(row: BookingListRow) -> dict:
    return {name: getattr(row, name) for name in ROW_FIELDS}


def test_booking_list_follows_random_bookings_and_decisions(staff_user):
    users = {name: UserFactory(username=name) for name in ("alice", "bob", "manager", "mia")}
    users["staff"] = staff_user
    rooms = [
        booking_services.create_room(name="Room A", capacity=4, managers=["manager"]),
        booking_services.create_room(name="Room B", capacity=8, managers=["mia"]),
    ]
    manager_of = {rooms[0].pk: "manager", rooms[1].pk: "mia"}
    machine = build_machine(users=users, rooms=rooms, manager_of=manager_of)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
