"""Races decided by the database (PostgreSQL, real concurrent transactions): every race ends in
one consistent state — no orphan request, no approved cancelled booking — and the loser gets a
409 (or a 404 when the booking was cancelled first)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.booking.models import Booking
from apps.confirm.events import CONFIRMED, DENIED
from apps.confirm.models import Confirm
from roombooking.models import EventLog
from tests.confirm import bookings
from tests.confirm.conftest import make_manager
from tests.confirm.race import race
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 10


def client(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def patch(user, confirm_id: int, status: str):
    return lambda: (
        client(user).patch(f"/confirms/{confirm_id}", {"status": status}, format="json").status_code
    )


def events_of(booking_id: int) -> list[str]:
    return list(
        EventLog.objects.filter(booking_id=booking_id)
        .order_by("id")
        .values_list("event_type", flat=True)
    )


def assert_cancelled_and_gone(booking_id: int) -> None:
    assert bookings.is_cancelled(booking_id)
    assert not Confirm.objects.filter(booking_id=booking_id).exists()  # no orphan request
    # ... and the booking list, fed by the same events, says so too (no "approved" row for a
    # cancelled booking): its rows skip events older than the last applied sequence number.
    auditor = UserFactory(username="auditor", is_staff=True, is_superuser=True)
    row = client(auditor).get(f"/bookingLists/{booking_id}")
    assert row.status_code == 200, row.content
    assert row.json()["bookingStatus"] == "CANCELLED", row.json()


def test_approve_while_the_booker_cancels(booked, manager, user):
    outcomes = set()
    for _ in range(3 * ROUNDS):  # the interleaving that once lost a cancellation is rare
        booking, confirm = booked()
        approved, cancelled = race(
            patch(manager, confirm.pk, CONFIRMED),
            lambda b=booking: bookings.cancel(actor=user, booking_id=b.pk),
        )
        assert cancelled == 204  # the booker's cancellation always goes through
        assert approved in {200, 404}
        assert_cancelled_and_gone(booking.pk)
        # Sequence numbers are taken at insert, not at commit: when the approval commits first
        # its ConfirmCompleted may still be logged after the BookingCancelled.
        assert events_of(booking.pk).count("ConfirmCompleted") == (1 if approved == 200 else 0)
        outcomes.add(approved)
    print("approve-vs-cancel outcomes:", outcomes)


def test_two_managers_approve_at_once(booked, manager):
    carol = make_manager("carol")
    room = bookings.room(name="Jiri", managers=("manager", "carol"))
    for _ in range(ROUNDS):
        booking, confirm = booked(room=room)
        results = race(patch(manager, confirm.pk, CONFIRMED), patch(carol, confirm.pk, CONFIRMED))
        assert sorted(results) == [200, 409]
        confirm.refresh_from_db()
        assert confirm.status == CONFIRMED
        assert confirm.confirm_user_id == ["manager", "carol"][results.index(200)]
        assert events_of(booking.pk).count("ConfirmCompleted") == 1


def test_one_manager_approves_while_another_denies(booked, manager):
    carol = make_manager("carol")
    room = bookings.room(name="Jiri", managers=("manager", "carol"))
    for _ in range(ROUNDS):
        booking, confirm = booked(room=room)
        approved, denied = race(
            patch(manager, confirm.pk, CONFIRMED), patch(carol, confirm.pk, DENIED)
        )
        # Deny first: the approval finds no request (404). Approve first: the denial withdraws it.
        assert (approved, denied) in {(404, 200), (200, 200)}
        assert_cancelled_and_gone(booking.pk)
        assert events_of(booking.pk).count("ConfirmDenied") == 1


def test_a_double_submitted_approval(booked, manager):
    for _ in range(ROUNDS):
        booking, confirm = booked()
        results = race(patch(manager, confirm.pk, CONFIRMED), patch(manager, confirm.pk, CONFIRMED))
        assert sorted(results) == [200, 409]
        assert Confirm.objects.get(pk=confirm.pk).status == CONFIRMED
        assert events_of(booking.pk).count("ConfirmCompleted") == 1


def test_a_double_submitted_denial(booked, manager):
    for _ in range(ROUNDS):
        booking, confirm = booked()
        results = race(patch(manager, confirm.pk, DENIED), patch(manager, confirm.pk, DENIED))
        assert sorted(results) == [200, 404]  # the second finds the request deleted
        assert_cancelled_and_gone(booking.pk)
        assert events_of(booking.pk).count("ConfirmDenied") == 1
        assert events_of(booking.pk).count("BookingCancelled") == 1


def test_deny_while_the_booker_cancels(booked, manager, user):
    """A denial and the booker's cancellation of one booking, at the same moment."""
    for _ in range(ROUNDS):
        booking, confirm = booked()
        denied, cancelled = race(
            patch(manager, confirm.pk, DENIED),
            lambda b=booking: bookings.cancel(actor=user, booking_id=b.pk),
        )
        assert denied in {200, 404}
        # Both take the booking's bus lock before any row lock, so neither is ever a deadlock
        # victim: the cancellation goes through (204) or finds the booking already cancelled by
        # the denial (404).
        assert cancelled in {204, 404}
        assert (denied, cancelled) != (404, 404)
        # ... and each client hears who won: 204 only if the booker's cancellation did.
        cause = Booking.objects.get(pk=booking.pk).cancel_cause
        assert (cancelled, cause) in {(204, "USER"), (404, "DENIED")}, (denied, cancelled, cause)
        assert_cancelled_and_gone(booking.pk)
        assert events_of(booking.pk).count("BookingCancelled") == 1
