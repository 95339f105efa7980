"""Races decided by the database (PostgreSQL, real concurrent transactions): a check-in racing
the release of the same booking (exactly one wins, the state agrees with the events), and two
sweeps at once (every reminder, expiry and release happens once).

Rounds started together (``race``) check that whichever wins, the state is consistent; which
one wins is the scheduler's choice. Two more rounds arrange each order (``in_order``: the first
holds the booking's bus lock until the second asks for it) and assert what each order gives, so
both outcomes are seen every run."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.http import Http404

from apps.booking import services
from apps.booking.events import CANCELLED, CAUSE_EXPIRED, CAUSE_NO_SHOW
from apps.booking.models import Booking
from apps.confirm import services as confirm_services
from apps.confirm.models import Confirm
from apps.notification.models import Notification
from roombooking.errors import Conflict
from roombooking.models import EventLog
from tests.confirm.race import in_order, race
from tests.lifecycle.conftest import HOUR, MINUTE, book, events_of, fresh, next_start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 10
ROOMS = 6
BUS_LOCK = ["roombooking.bus.lock_booking"]  # both sides take the booking's lock first


def rooms(manager, *, requires_check_in: bool, prefix: str) -> list:
    return [
        services.create_room(
            name=f"{prefix} {i}",
            capacity=4,
            managers=[manager.username],
            requires_check_in=requires_check_in,
        )
        for i in range(ROOMS)
    ]


def one_each(user, room_list, start: dt.datetime) -> list[int]:
    """A booking at ``start`` in each room (one slot, many rooms: one sweep moment fits all)."""
    return [book(user, room, start=start).pk for room in room_list]


def assert_done_once(results: list, expected: list[int], event_type: str) -> None:
    """The two sweeps split the work: every booking handled by exactly one of them."""
    first, second = results
    assert not isinstance(first, Exception) and not isinstance(second, Exception), results
    assert sorted(first + second) == sorted(expected)
    seen = Counter(
        EventLog.objects.filter(event_type=event_type, booking_id__in=expected).values_list(
            "booking_id", flat=True
        )
    )
    assert seen == Counter(expected)


def test_a_check_in_racing_the_release_exactly_one_wins(user, check_in_room):
    outcomes = Counter()
    for _ in range(ROUNDS):
        booking = book(user, check_in_room, start=next_start())
        closes = booking.use_start_dtm + 15 * MINUTE
        # The last moment a check-in is allowed, against a sweep one second later: two
        # processes whose clocks straddle the end of the window.
        checked, released = race(
            lambda b=booking, c=closes: services.check_in(actor=user, booking_id=b.pk, now=c),
            lambda c=closes: services.release_no_shows(now=c + dt.timedelta(seconds=1)),
        )
        after = fresh(booking)
        history = events_of(booking.pk, "BookingCheckedIn", "BookingCancelled")
        if released == [booking.pk]:
            assert isinstance(checked, Conflict) and checked.get_codes() == "booking_released"
            assert (after.status, after.cancel_cause) == (CANCELLED, CAUSE_NO_SHOW)
            assert after.checked_in_at is None
            assert history == ["BookingCancelled"]
            outcomes["released"] += 1
        else:
            assert released == [], released
            assert isinstance(checked, Booking), checked
            assert after.status == "BOOKED" and after.checked_in_at == closes
            assert history == ["BookingCheckedIn"]
            outcomes["checked in"] += 1
    print("check-in vs release:", dict(outcomes))


@pytest.mark.parametrize("first", ["check-in", "release"])
def test_a_check_in_and_the_release_in_each_order(user, check_in_room, first):
    booking = book(user, check_in_room, start=next_start())
    closes = booking.use_start_dtm + 15 * MINUTE

    def check_in():
        return services.check_in(actor=user, booking_id=booking.pk, now=closes)

    def release():
        return services.release_no_shows(now=closes + dt.timedelta(seconds=1))

    if first == "check-in":
        checked, released = in_order(check_in, release, lock=BUS_LOCK)
    else:
        released, checked = in_order(release, check_in, lock=BUS_LOCK)
    after = fresh(booking)
    history = events_of(booking.pk, "BookingCheckedIn", "BookingCancelled")
    if first == "check-in":  # the release re-checks under the lock and leaves it
        assert isinstance(checked, Booking) and released == [], (checked, released)
        assert (after.status, after.checked_in_at) == ("BOOKED", closes)
        assert history == ["BookingCheckedIn"]
    else:
        assert released == [booking.pk], released
        assert isinstance(checked, Conflict) and checked.get_codes() == "booking_released"
        assert (after.status, after.cancel_cause) == (CANCELLED, CAUSE_NO_SHOW)
        assert history == ["BookingCancelled"]


def test_two_booker_reminder_sweeps_remind_each_booking_once(user, manager):
    room_list = rooms(manager, requires_check_in=True, prefix="Remind")
    for _ in range(3):
        start = next_start()
        expected = one_each(user, room_list, start)
        now = start - 10 * MINUTE
        results = race(
            lambda now=now: services.send_booking_reminders(now=now),
            lambda now=now: services.send_booking_reminders(now=now),
        )
        assert_done_once(results, expected, "BookingReminderDue")
        emails = Notification.objects.filter(
            event_type="BookingReminderDue", booking_id__in=expected
        )
        assert Counter(emails.values_list("booking_id", flat=True)) == Counter(expected)


def test_two_release_sweeps_release_each_booking_once(user, manager):
    room_list = rooms(manager, requires_check_in=True, prefix="Release")
    for _ in range(3):
        start = next_start()
        expected = one_each(user, room_list, start)
        now = start + 20 * MINUTE
        results = race(
            lambda now=now: services.release_no_shows(now=now),
            lambda now=now: services.release_no_shows(now=now),
        )
        assert_done_once(results, expected, "BookingCancelled")
        assert set(
            Booking.objects.filter(pk__in=expected).values_list("status", "cancel_cause")
        ) == {(CANCELLED, CAUSE_NO_SHOW)}


def test_two_approver_reminder_sweeps_remind_each_request_once(user, manager, plain_room):
    for _ in range(3):
        expected = [book(user, plain_room, start=next_start()).pk for _ in range(ROOMS)]
        now = (
            max(
                Confirm.objects.filter(booking_id__in=expected).values_list(
                    "pending_since", flat=True
                )
            )
            + 2 * HOUR
        )
        results = race(
            lambda now=now: confirm_services.remind_pending_approvals(now=now),
            lambda now=now: confirm_services.remind_pending_approvals(now=now),
        )
        confirm_ids = dict(
            Confirm.objects.filter(booking_id__in=expected).values_list("pk", "booking_id")
        )
        results = [[confirm_ids[c] for c in r] if isinstance(r, list) else r for r in results]
        assert_done_once(results, expected, "ConfirmReminderDue")
        emails = Notification.objects.filter(
            event_type="ConfirmReminderDue", booking_id__in=expected
        )
        assert Counter(emails.values_list("booking_id", flat=True)) == Counter(expected)


def test_two_expiry_sweeps_expire_each_request_once(user, manager):
    room_list = rooms(manager, requires_check_in=False, prefix="Expire")
    for _ in range(3):
        start = next_start()
        expected = one_each(user, room_list, start)
        confirm_ids = dict(
            Confirm.objects.filter(booking_id__in=expected).values_list("pk", "booking_id")
        )
        results = race(
            lambda start=start: confirm_services.expire_pending_approvals(now=start),
            lambda start=start: confirm_services.expire_pending_approvals(now=start),
        )
        results = [[confirm_ids[c] for c in r] if isinstance(r, list) else r for r in results]
        assert_done_once(results, expected, "ConfirmExpired")
        assert Counter(
            EventLog.objects.filter(
                event_type="BookingCancelled", booking_id__in=expected
            ).values_list("booking_id", flat=True)
        ) == Counter(expected)
        assert set(
            Booking.objects.filter(pk__in=expected).values_list("status", "cancel_cause")
        ) == {(CANCELLED, CAUSE_EXPIRED)}
        assert not Confirm.objects.filter(booking_id__in=expected).exists()


def test_an_expiry_racing_an_approval_one_wins(user, manager, plain_room):
    outcomes = Counter()
    for _ in range(ROUNDS):
        booking = book(user, plain_room, start=next_start())
        confirm = Confirm.objects.get(booking_id=booking.pk)
        approved, expired = race(
            lambda c=confirm: confirm_services.complete_confirm(confirm_id=c.pk, user=manager),
            lambda b=booking: confirm_services.expire_pending_approvals(now=b.use_start_dtm),
        )
        after = fresh(booking)
        if expired == [confirm.pk]:
            assert not isinstance(approved, Confirm)  # 404: the request is gone
            assert after.cancel_cause == CAUSE_EXPIRED
            outcomes["expired"] += 1
        else:
            assert isinstance(approved, Confirm) and expired == []
            assert after.status == "BOOKED"
            assert Confirm.objects.get(pk=confirm.pk).status == "CONFIRMED"
            outcomes["approved"] += 1
    print("approval vs expiry:", dict(outcomes))


@pytest.mark.parametrize("first", ["approval", "expiry"])
def test_an_approval_and_the_expiry_in_each_order(user, manager, plain_room, first):
    booking = book(user, plain_room, start=next_start())
    confirm = Confirm.objects.get(booking_id=booking.pk)

    def approve():
        return confirm_services.complete_confirm(confirm_id=confirm.pk, user=manager)

    def expire():
        return confirm_services.expire_pending_approvals(now=booking.use_start_dtm)

    if first == "approval":
        approved, expired = in_order(approve, expire, lock=BUS_LOCK)
    else:
        expired, approved = in_order(expire, approve, lock=BUS_LOCK)
    after = fresh(booking)
    if first == "approval":  # no longer pending: the expiry leaves it
        assert isinstance(approved, Confirm) and expired == [], (approved, expired)
        assert after.status == "BOOKED"
        assert Confirm.objects.get(pk=confirm.pk).status == "CONFIRMED"
    else:  # the request is gone: the approval is a 404
        assert expired == [confirm.pk] and isinstance(approved, Http404), (expired, approved)
        assert after.cancel_cause == CAUSE_EXPIRED
