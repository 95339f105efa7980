"""The booker's reminder: once, a configurable time before the start, never for a cancelled
booking; with the signed check-in link when the room requires check-in."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.booking import services
from apps.booking.services.checkin import read_link
from apps.booking.tasks import send_booking_reminders
from roombooking.models import EventLog, PeriodicRun
from tests.lifecycle.conftest import HOUR, MINUTE, book, emails_of, events_of, fresh

pytestmark = pytest.mark.django_db


def test_the_booker_is_reminded_once_fifteen_minutes_before(user, plain_room):
    booking = book(user, plain_room)
    start = booking.use_start_dtm

    assert services.send_booking_reminders(now=start - 16 * MINUTE) == []
    assert services.send_booking_reminders(now=start - 15 * MINUTE) == [booking.pk]
    assert services.send_booking_reminders(now=start - 14 * MINUTE) == []  # exactly once
    assert services.send_booking_reminders(now=start - MINUTE) == []
    assert fresh(booking).reminded_at == start - 15 * MINUTE

    local = start.astimezone(plain_room.zone)
    [(kind, who, contents)] = emails_of(booking.pk, "BookingReminderDue")
    assert (kind, who) == ("BookingReminderDue", "alice")
    assert contents == f"conference room[{plain_room.pk}] reservation starts at {local:%H:%M}"
    payload = EventLog.objects.get(event_type="BookingReminderDue").payload
    assert payload["requires_check_in"] is False and payload["check_in_url"] == ""


def test_no_reminder_for_a_cancelled_booking_or_one_that_started(user, plain_room):
    cancelled, started = book(user, plain_room), book(user, plain_room)
    services.cancel_booking(booking_id=cancelled.pk, actor=user.username)
    assert services.send_booking_reminders(now=cancelled.use_start_dtm - 5 * MINUTE) == []
    assert services.send_booking_reminders(now=started.use_start_dtm) == []  # too late
    assert EventLog.objects.filter(event_type="BookingReminderDue").count() == 0


def test_the_reminder_time_is_configurable_and_can_be_off(user, plain_room, settings):
    booking = book(user, plain_room)
    settings.BOOKING_REMINDER_BEFORE = dt.timedelta(0)
    assert services.send_booking_reminders(now=booking.use_start_dtm - MINUTE) == []
    settings.BOOKING_REMINDER_BEFORE = dt.timedelta(hours=2)
    assert services.send_booking_reminders(now=booking.use_start_dtm - 2 * HOUR) == [booking.pk]


def test_a_moved_booking_is_reminded_again_for_its_new_start(user, plain_room):
    booking = book(user, plain_room)
    services.send_booking_reminders(now=booking.use_start_dtm - 10 * MINUTE)
    moved = services.change_booking(
        actor=user,
        booking_id=booking.pk,
        use_start_dtm=booking.use_start_dtm + 3 * HOUR,
        use_end_dtm=booking.use_end_dtm + 3 * HOUR,
    )
    assert fresh(moved).reminded_at is None
    assert services.send_booking_reminders(now=moved.use_start_dtm - 10 * MINUTE) == [booking.pk]
    assert events_of(booking.pk, "BookingReminderDue") == ["BookingReminderDue"] * 2


def test_a_check_in_room_reminder_carries_the_signed_link_and_the_window(
    user, check_in_room, settings
):
    settings.PUBLIC_BASE_URL = "https://rooms.example.com"
    booking = book(user, check_in_room)
    start = booking.use_start_dtm
    services.send_booking_reminders(now=start - 15 * MINUTE)

    payload = EventLog.objects.get(event_type="BookingReminderDue").payload
    assert payload["requires_check_in"] is True
    url = payload["check_in_url"]
    assert url.startswith("https://rooms.example.com/check-in/")
    claims = read_link(url.rsplit("/", 1)[1])
    assert claims is not None and (claims["b"], claims["u"]) == (booking.pk, user.pk)

    local = start.astimezone(check_in_room.zone)
    opens, closes = local - 10 * MINUTE, local + 15 * MINUTE
    [(_, _, contents)] = emails_of(booking.pk, "BookingReminderDue")
    assert contents.endswith(f"check in between {opens:%H:%M} and {closes:%H:%M}")
    from apps.notification.models import Notification

    body = Notification.objects.get(booking_id=booking.pk, event_type="BookingReminderDue").body
    assert url in body


def test_the_beat_task_sends_each_reminder_once(user, plain_room, time_machine):
    booking = book(user, plain_room)
    time_machine.move_to(booking.use_start_dtm - 5 * MINUTE, tick=False)
    PeriodicRun.objects.all().delete()
    assert send_booking_reminders() == 1
    PeriodicRun.objects.all().delete()  # as if the period had passed
    assert send_booking_reminders() == 0
