"""Approvers who forget: a pending request reminds the room's managers once, and one still
pending at its deadline expires (the booking is cancelled, the slot freed, the booker told why).
The clock is explicit (``now=``)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.booking import services as booking_services
from apps.booking.events import CANCELLED, CAUSE_EXPIRED
from apps.booking.models import Booking
from apps.confirm import services
from apps.confirm.events import EXPIRED
from apps.confirm.models import Confirm
from apps.confirm.tasks import expire_pending_approvals, remind_pending_approvals
from apps.notification.models import Notification
from roombooking.models import EventLog, PeriodicRun
from tests.lifecycle.conftest import HOUR, MINUTE, book, emails_of, events_of, fresh, next_start

pytestmark = pytest.mark.django_db


def request_of(booking) -> Confirm:
    return Confirm.objects.get(booking_id=booking.pk)


def test_a_pending_request_reminds_its_managers_once_after_the_configured_time(
    user, plain_room, settings
):
    settings.CONFIRM_REMIND_AFTER = dt.timedelta(minutes=60)
    booking = book(user, plain_room)
    waiting_since = request_of(booking).pending_since

    assert services.remind_pending_approvals(now=waiting_since + 59 * MINUTE) == []
    [reminded] = services.remind_pending_approvals(now=waiting_since + 60 * MINUTE)
    assert reminded == request_of(booking).pk
    assert request_of(booking).reminded_at == waiting_since + 60 * MINUTE
    assert services.remind_pending_approvals(now=waiting_since + 61 * MINUTE) == []  # once
    assert services.remind_pending_approvals(now=waiting_since + 5 * HOUR) == []

    room = f"conference room[{plain_room.pk}] reservation"
    assert emails_of(booking.pk, "ConfirmReminderDue") == [
        ("ConfirmReminderDue", "manager", f"{room} still waits for your approval")
    ]
    [body] = [n.body for n in _rows(booking, "ConfirmReminderDue")]
    assert "Without a decision by" in body  # the deadline: the meeting's start
    assert events_of(booking.pk, "ConfirmReminderDue") == ["ConfirmReminderDue"]


def test_no_reminder_for_a_decided_or_cancelled_request(user, manager, plain_room):
    approved, cancelled = book(user, plain_room), book(user, plain_room)
    services.complete_confirm(confirm_id=request_of(approved).pk, user=manager)
    booking_services.cancel_booking(booking_id=cancelled.pk, actor=user.username)
    later = approved.use_start_dtm - MINUTE
    assert services.remind_pending_approvals(now=later) == []
    assert EventLog.objects.filter(event_type="ConfirmReminderDue").count() == 0


def test_a_reopened_request_reminds_again(user, manager, plain_room):
    booking = book(user, plain_room)
    services.complete_confirm(confirm_id=request_of(booking).pk, user=manager)
    # As if its first wait had been reminded of before the approval.
    first_wait = request_of(booking).pending_since
    Confirm.objects.filter(pk=request_of(booking).pk).update(reminded_at=first_wait)
    booking_services.change_booking(
        actor=user,
        booking_id=booking.pk,
        use_start_dtm=booking.use_start_dtm + HOUR,
        use_end_dtm=booking.use_end_dtm + HOUR,
    )
    reopened = request_of(booking)
    assert reopened.status == "BOOKED" and reopened.reminded_at is None
    assert reopened.pending_since >= first_wait
    assert services.remind_pending_approvals(now=reopened.pending_since + 2 * HOUR) == [reopened.pk]


def test_a_room_without_managers_reminds_office_staff(user, staff_user):
    room = booking_services.create_room(name="Unmanaged", capacity=3)
    booking = book(user, room)
    services.remind_pending_approvals(now=request_of(booking).pending_since + 2 * HOUR)
    assert [who for _, who, _ in emails_of(booking.pk, "ConfirmReminderDue")] == ["staff"]


def test_a_request_still_pending_at_the_start_expires(user, other_user, plain_room):
    booking = book(user, plain_room)
    confirm_id = request_of(booking).pk
    start = booking.use_start_dtm

    assert services.expire_pending_approvals(now=start - MINUTE) == []
    assert services.expire_pending_approvals(now=start) == [confirm_id]
    assert services.expire_pending_approvals(now=start + MINUTE) == []  # once

    cancelled = fresh(booking)
    assert (cancelled.status, cancelled.cancel_cause) == (CANCELLED, CAUSE_EXPIRED)
    assert cancelled.cancel_reason == "nobody approved it in time"
    assert not Confirm.objects.filter(pk=confirm_id).exists()  # no decision left to make
    assert events_of(booking.pk)[-2:] == ["ConfirmExpired", "BookingCancelled"]
    # The booker hears why, once (the cancellation it causes sends no second email).
    assert emails_of(booking.pk, "ConfirmExpired", "BookingCancelled") == [
        ("ConfirmExpired", "alice", "reservation has been canceled: nobody approved it in time"),
        # The manager who was asked had it in their calendar: a CANCEL takes it out.
        ("ConfirmExpired", "manager", "reservation has been canceled"),
    ]
    # Its calendar entry is cancelled too (the expiry's email is the only one about it).
    [expiry_email] = _rows(booking, "ConfirmExpired").filter(recipient_username="alice")
    assert expiry_email.ical_method == "CANCEL" and "STATUS:CANCELLED" in expiry_email.invite_text()
    # The slot is free again: the same time can be booked by someone else.
    again = booking_services.create_booking(
        actor=other_user,
        room_id=plain_room.pk,
        use_start_dtm=start,
        use_end_dtm=booking.use_end_dtm,
    )
    assert again.status == "BOOKED"


def test_the_booking_list_shows_the_expiry(user, superuser, plain_room, client_for):
    booking = book(user, plain_room)
    services.expire_pending_approvals(now=booking.use_start_dtm)
    row = client_for(superuser).get(f"/bookingLists/{booking.pk}").json()
    assert (row["bookingStatus"], row["confirmStatus"], row["cancelCause"]) == (
        "CANCELLED",
        EXPIRED,
        CAUSE_EXPIRED,
    )


def test_an_approved_request_never_expires(user, manager, plain_room):
    booking = book(user, plain_room)
    services.complete_confirm(confirm_id=request_of(booking).pk, user=manager)
    assert services.expire_pending_approvals(now=booking.use_start_dtm + HOUR) == []
    assert fresh(booking).status == "BOOKED"


def test_a_deadline_in_hours_expires_earlier_and_the_start_rule_can_be_off(
    user, plain_room, settings
):
    settings.CONFIRM_EXPIRE_AT_START = False
    booking = book(user, plain_room)
    assert services.expire_pending_approvals(now=booking.use_start_dtm + HOUR) == []
    settings.CONFIRM_EXPIRE_AFTER_HOURS = 24
    since = request_of(booking).pending_since
    assert services.expire_pending_approvals(now=since + dt.timedelta(hours=23)) == []
    assert services.expire_pending_approvals(now=since + dt.timedelta(hours=24)) != []
    assert fresh(booking).cancel_cause == CAUSE_EXPIRED


def test_a_manager_deciding_after_the_expiry_gets_a_404(user, manager, plain_room, client_for):
    booking = book(user, plain_room)
    confirm_id = request_of(booking).pk
    services.expire_pending_approvals(now=booking.use_start_dtm)
    answer = client_for(manager).patch(
        f"/confirms/{confirm_id}", {"status": "CONFIRMED"}, format="json"
    )
    assert answer.status_code == 404


def test_expired_is_not_a_decision_a_manager_can_make(user, manager, plain_room, client_for):
    booking = book(user, plain_room)
    answer = client_for(manager).patch(
        f"/confirms/{request_of(booking).pk}", {"status": "EXPIRED"}, format="json"
    )
    assert answer.status_code == 409, answer.json()
    assert request_of(booking).status == "BOOKED"


def test_the_beat_tasks_run_once_per_period(user, plain_room, time_machine):
    booking = book(user, plain_room)
    time_machine.move_to(booking.use_start_dtm + MINUTE, tick=False)
    PeriodicRun.objects.all().delete()
    assert remind_pending_approvals() == 0  # the meeting started: nothing to remind
    assert expire_pending_approvals() == 1
    assert expire_pending_approvals() is None  # a second scheduler's duplicate: skipped
    assert fresh(booking).cancel_cause == CAUSE_EXPIRED


def _rows(booking, event_type: str):
    from apps.notification.models import Notification

    return Notification.objects.filter(booking_id=booking.pk, event_type=event_type)


def test_a_room_that_approves_automatically_has_nothing_to_remind_or_expire(user, manager):
    room = booking_services.create_room(
        name="Open desk", capacity=2, managers=[manager.username], approval_mode="AUTOMATIC"
    )
    booking = book(user, room)
    assert request_of(booking).status == "CONFIRMED"  # approved by the system at once
    assert services.remind_pending_approvals(now=booking.use_start_dtm - MINUTE) == []
    assert services.expire_pending_approvals(now=booking.use_start_dtm) == []
    assert fresh(booking).status == "BOOKED"


def test_an_occurrence_of_a_series_expires_on_its_own(user, plain_room, client_for):
    """Series occurrences go through the single-booking services, so each expires at its own
    start; the others keep waiting."""
    start = next_start()
    answer = client_for(user).post(
        "/bookings/series",
        {
            "roomId": plain_room.pk,
            "useStartDtm": start.isoformat(),
            "useEndDtm": (start + HOUR).isoformat(),
            "rrule": "FREQ=DAILY;COUNT=3",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    from apps.booking.models import Booking

    first, second, third = Booking.objects.filter(series__isnull=False).order_by("use_start_dtm")
    first_request = request_of(first).pk
    assert services.expire_pending_approvals(now=first.use_start_dtm) == [first_request]
    assert fresh(first).cancel_cause == CAUSE_EXPIRED
    assert fresh(second).status == fresh(third).status == "BOOKED"
    # The booker is told why; the manager, who got the occurrence in the series' summary,
    # gets its calendar CANCEL (as the managers asked about a single booking do).
    expired = Notification.objects.filter(booking_id=first.pk, event_type="ConfirmExpired")
    assert sorted(expired.values_list("recipient_username", "ical_method")) == [
        ("alice", "CANCEL"),
        ("manager", "CANCEL"),
    ]


def _series(user, room, count: int = 3):
    start = next_start()
    return booking_services.book_series(
        actor=user,
        room_id=room.pk,
        use_start_dtm=start,
        use_end_dtm=start + HOUR,
        rrule=f"FREQ=DAILY;COUNT={count}",
    )


def test_a_series_waiting_as_a_whole_reminds_its_managers_once_not_once_per_occurrence(
    user, plain_room, settings
):
    settings.CONFIRM_REMIND_AFTER = dt.timedelta(minutes=60)
    series = _series(user, plain_room, count=3)
    requests = list(Confirm.objects.filter(series_id=series.pk).order_by("use_start_dtm"))
    since = max(r.pending_since for r in requests)

    reminded = services.remind_pending_approvals(now=since + 60 * MINUTE)
    assert sorted(reminded) == sorted(r.pk for r in requests)
    assert services.remind_pending_approvals(now=since + 2 * HOUR) == []  # once

    # The log keeps each request's reminder; the managers get one summary.
    reminders = EventLog.objects.filter(event_type="ConfirmReminderDue")
    assert reminders.count() == 3
    assert all(r.payload["in_series_action"] for r in reminders)
    rows = Notification.objects.filter(event_type__in=["ConfirmReminderDue", "SeriesReminderDue"])
    assert [(n.event_type, n.recipient_username) for n in rows] == [
        ("SeriesReminderDue", "manager")
    ]
    [row] = rows
    assert row.contents == (
        f"conference room[{plain_room.pk}] series of 3 reservations still waits for your approval"
    )
    for request in requests:
        assert f"booking #{request.booking_id}" in row.body
    assert "the first by" in row.body  # the earliest occurrence's expiry


def test_an_occurrence_given_to_someone_else_is_reminded_apart_naming_its_booker(
    user, other_user, staff_user, plain_room, settings
):
    settings.CONFIRM_REMIND_AFTER = dt.timedelta(minutes=60)
    series = _series(user, plain_room, count=3)
    first, second, third = Booking.objects.filter(series=series).order_by("use_start_dtm")
    booking_services.change_booking(
        actor=staff_user, booking_id=third.pk, booking_user=other_user.username
    )
    since = max(Confirm.objects.filter(series_id=series.pk).values_list("pending_since", flat=True))

    assert len(services.remind_pending_approvals(now=since + 60 * MINUTE)) == 3
    [summary] = EventLog.objects.filter(event_type="SeriesReminderDue")
    assert summary.payload["user_id"] == user.username
    assert summary.payload["booking_ids"] == [first.pk, second.pk]
    [alone] = EventLog.objects.filter(
        event_type="ConfirmReminderDue", payload__in_series_action=False
    )
    assert (alone.booking_id, alone.payload["user_id"]) == (third.pk, other_user.username)


def test_an_occurrence_due_alone_gets_the_single_reminder(user, plain_room, settings):
    settings.CONFIRM_REMIND_AFTER = dt.timedelta(minutes=60)
    series = _series(user, plain_room, count=2)
    first, second = Confirm.objects.filter(series_id=series.pk).order_by("use_start_dtm")
    Confirm.objects.filter(pk=second.pk).update(reminded_at=second.pending_since)  # done before
    assert services.remind_pending_approvals(now=first.pending_since + 2 * HOUR) == [first.pk]
    assert emails_of(first.booking_id, "ConfirmReminderDue") == [
        (
            "ConfirmReminderDue",
            "manager",
            f"conference room[{plain_room.pk}] reservation still waits for your approval",
        )
    ]
    assert not Notification.objects.filter(event_type="SeriesReminderDue").exists()
