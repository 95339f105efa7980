"""Waitlist emails: an offer tells the waiting person (with the hold's end and how to accept),
a hold that ran out tells them too; delivered through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from apps.booking import services
from apps.notification import delivery
from apps.notification.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


@pytest.fixture
def offer():
    """alice waits for a taken hour of Orion; its booking is cancelled: she gets the offer."""
    holder, alice = UserFactory(username="holder"), UserFactory(username="alice")
    room = services.create_room(name="Orion", capacity=4)
    day = dt.datetime.now(SEOUL).date() + dt.timedelta(days=15)
    start = dt.datetime(day.year, day.month, day.day, 13, 30, tzinfo=SEOUL)
    booking = services.create_booking(
        actor=holder,
        room_id=room.pk,
        use_start_dtm=start,
        use_end_dtm=start + dt.timedelta(hours=1),
    )
    entry = services.join_waitlist(
        actor=alice, room_id=room.pk, use_start_dtm=start, use_end_dtm=booking.use_end_dtm
    )
    services.cancel_booking(booking_id=booking.pk, actor="holder")
    entry.refresh_from_db()
    return entry


def test_an_offer_is_emailed_to_the_waiting_person(offer, settings, smtp_server):
    [row] = Notification.objects.filter(event_type="WaitlistOffered")
    until = offer.hold_until.astimezone(SEOUL)
    assert (row.recipient_username, row.recipient_email) == ("alice", "alice@example.com")
    assert row.contents == (
        f"conference room[{offer.room_id}] is free: your waitlist slot is held for you "
        f"until {until:%Y-%m-%d %H:%M}"
    )
    assert f"POST /bookings/waitlist/{offer.pk}/accept" in row.body
    assert row.booking_id is None  # an entry is not a booking

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    delivery.smtp_breaker.close()
    assert delivery.deliver(notification_id=row.pk).result == "sent"
    [message] = smtp_server.messages
    assert message["To"] == "alice@example.com"
    assert message["Subject"].startswith("Your waitlisted slot is free: Orion, ")
    assert "13:30-14:30 (Asia/Seoul)" in message.get_payload(decode=True).decode()


def test_a_hold_that_ran_out_is_emailed_and_the_booker_got_the_cancellation(offer):
    with time_machine.travel(offer.hold_until, tick=False):
        services.expire_waitlist_holds()
    [row] = Notification.objects.filter(event_type="WaitlistExpired")
    assert row.recipient_username == "alice"
    assert row.contents == f"conference room[{offer.room_id}] waitlist hold has expired"
    cancelled = Notification.objects.get(event_type="BookingCancelled")
    assert (cancelled.recipient_username, cancelled.contents) == (
        "holder",
        "reservation has been canceled",
    )
    joined = Notification.objects.filter(event_type__in=["WaitlistJoined", "WaitlistAccepted"])
    assert not joined.exists()  # joining tells nobody; an acceptance's BookingCreated does


def test_an_offer_of_the_rest_of_a_slot_that_began_says_what_is_offered():
    """The holder leaves twenty minutes into the hour: alice is offered the rest, and the email
    says which part, that accepting books from the next whole minute, and what approval means."""
    holder, alice = UserFactory(username="holder"), UserFactory(username="alice")
    room = services.create_room(name="Lyra", capacity=4)  # approval required (the default)
    day = dt.datetime.now(SEOUL).date() + dt.timedelta(days=15)
    start = dt.datetime(day.year, day.month, day.day, 13, 30, tzinfo=SEOUL)
    end = start + dt.timedelta(hours=1)
    booking = services.create_booking(
        actor=holder, room_id=room.pk, use_start_dtm=start, use_end_dtm=end
    )
    entry = services.join_waitlist(
        actor=alice, room_id=room.pk, use_start_dtm=start, use_end_dtm=end
    )
    left = start + dt.timedelta(minutes=20, seconds=30)
    services.cancel_booking(booking_id=booking.pk, actor="holder", now=left)
    [row] = Notification.objects.filter(event_type="WaitlistOffered")
    assert row.contents == (
        f"conference room[{room.pk}] is free from 13:51 to 14:30: the rest of your waitlist "
        f"slot is held for you until {day:%Y-%m-%d} 14:20"
    )
    assert row.subject == f"The rest of your waitlisted slot is free: Lyra, {day:%Y-%m-%d} 13:51"
    assert f"When:     {day:%Y-%m-%d} 13:30-14:30 (Asia/Seoul)" in row.body
    assert f"Offered:  {day:%Y-%m-%d} 13:51-14:30 (the rest of your slot" in row.body
    assert "from the next whole minute after you accept until 14:30" in row.body
    assert "stands only if a manager approves it at once" in row.body
    assert f"POST /bookings/waitlist/{entry.pk}/accept" in row.body
