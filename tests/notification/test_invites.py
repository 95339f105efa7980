"""Calendar invites: every booking email carries an iCalendar part (METHOD REQUEST, then CANCEL),
with the booking's stable UID and a SEQUENCE that grows with each change and never on a replay.
Emails go through the real SMTP sink and are parsed back with icalendar."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import ClassVar

import icalendar
import pytest

from apps.booking.events import CAUSE_DENIED, CAUSE_USER, BookingChanged, BookingCreated
from apps.confirm.events import ConfirmCompleted, ConfirmDenied, ConfirmRequested
from apps.notification import delivery, invites, services
from apps.notification.models import Notification
from roombooking.events import Event
from tests.notification.conftest import booking_created, publish
from tests.notification.test_end_to_end import book, decide
from tests.notification.test_end_to_end import office as office  # a fixture
from tests.notification.test_outbox import cancelled, confirm_fields, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    delivery.smtp_breaker.close()
    return smtp_server


def changed(created, **fields) -> BookingChanged:
    values = {**snapshot(created), **fields}
    return BookingChanged(
        **values,
        previous_room_id=created.room_id,
        previous_start_dtm=created.use_start_dtm,
        previous_end_dtm=created.use_end_dtm,
        previous_booking_user_id=created.booking_user_id,
        changed_fields=("useStartDtm", "useEndDtm"),
        slot_changed=True,
    )


def calendar_of(row: Notification) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(row.invite_text())


def vevent(calendar: icalendar.Calendar) -> icalendar.Event:
    [event] = calendar.walk("VEVENT")
    return event


def rows_for(seq: int) -> list[Notification]:
    return list(Notification.objects.filter(event_seq=seq).order_by("recipient_username"))


def sent_calendar(smtp_server, row: Notification) -> tuple[str, icalendar.Calendar]:
    """Deliver ``row`` to the SMTP sink; the received email's text/calendar part (content type
    header and parsed calendar)."""
    assert delivery.deliver(notification_id=row.pk).result == "sent"
    [received] = [m for m in smtp_server.messages if m["X-Notification-Id"] == str(row.pk)]
    [part] = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "invite.ics"
    assert [p.get_content_type() for p in received.walk()][:2] == ["multipart/mixed", "text/plain"]
    return part["Content-Type"], icalendar.Calendar.from_ical(part.get_payload(decode=True))


def test_the_booking_email_received_over_smtp_carries_a_valid_request(people, smtp):
    created = booking_created()
    [seq] = publish(created)
    [row] = rows_for(seq)
    content_type, calendar = sent_calendar(smtp, row)

    assert content_type.startswith("text/calendar") and "; method=REQUEST" in content_type
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    event = vevent(calendar)
    assert event["UID"] == f"booking-{created.booking_id}@localhost"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == dt.datetime(2030, 9, 2, 4, 30, tzinfo=dt.UTC)
    assert event.decoded("DTEND") == dt.datetime(2030, 9, 2, 5, 30, tzinfo=dt.UTC)
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)  # written in UTC
    assert event["STATUS"] == "TENTATIVE" and event["LOCATION"] == "Orion"
    assert str(event["ORGANIZER"]) == "mailto:rooms@localhost"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:alice@example.com" and attendee.params["CN"] == "alice"
    assert "Managers: manager" in str(event["DESCRIPTION"])


def test_the_event_stores_what_the_invite_says_and_the_worker_renders_it(people, smtp):
    """The request writes the invite's content (a JSON spec of primitives) and no iCalendar
    text; the delivery worker renders it, and the same spec always renders the same text."""
    created = booking_created()
    [seq] = publish(created)
    [row] = rows_for(seq)
    assert row.ical == "" and row.ical_spec["method"] == "REQUEST"
    [item] = row.ical_spec["events"]
    assert (item["booking_id"], item["start"], item["sequence"]) == (
        created.booking_id,
        "2030-09-02T04:30:00+00:00",
        0,
    )
    assert item["attendees"] == [["alice", "alice@example.com", "REQ-PARTICIPANT"]]
    stored = Notification.objects.get(pk=row.pk)  # read back from the database
    assert stored.invite_text() == row.invite_text() == stored.invite_text()
    _, sent = sent_calendar(smtp, stored)
    assert sent.to_ical() == icalendar.Calendar.from_ical(stored.invite_text()).to_ical()


def test_a_row_written_with_its_text_keeps_it(people, smtp):
    """Rows written before invites were rendered at sending time carry the text itself."""
    created = booking_created()
    [seq] = publish(created)
    [row] = rows_for(seq)
    text = row.invite_text().replace("SUMMARY:", "SUMMARY:Old ")
    Notification.objects.filter(pk=row.pk).update(ical=text, ical_spec={})
    _, sent = sent_calendar(smtp, Notification.objects.get(pk=row.pk))
    assert str(vevent(sent)["SUMMARY"]).startswith("Old Meeting room: Orion")


def test_an_invite_that_cannot_be_rendered_does_not_hold_the_email_back(people, smtp):
    """Rendering happens in the worker, before SMTP and outside its breaker: a spec it cannot
    render sends the email without the invite (once, saying so on the row), and counts as no
    SMTP failure."""
    created = booking_created()
    [seq] = publish(created)
    [row] = rows_for(seq)
    broken = {**row.ical_spec, "stamp": "not a time"}
    Notification.objects.filter(pk=row.pk).update(ical_spec=broken)
    failures = delivery.smtp_breaker.fail_counter

    assert delivery.deliver(notification_id=row.pk).result == "sent"
    [received] = [m for m in smtp.messages if m["X-Notification-Id"] == str(row.pk)]
    assert [p.get_content_type() for p in received.walk()] == ["text/plain"]
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and row.attempts == 1
    assert row.last_error.startswith("sent without its calendar invite: ValueError")
    assert delivery.smtp_breaker.fail_counter == failures


def test_the_uid_uses_the_configured_domain(people, settings):
    settings.CALENDAR_DOMAIN = "rooms.example.com"
    created = booking_created()
    [seq] = publish(created)
    [row] = rows_for(seq)
    assert vevent(calendar_of(row))["UID"] == f"booking-{created.booking_id}@rooms.example.com"


def test_sequence_grows_with_each_change_and_a_cancellation_withdraws_the_same_uid(people, smtp):
    created = booking_created()
    later = dataclasses.replace(
        created,
        use_start_dtm=created.use_start_dtm + dt.timedelta(hours=2),
        use_end_dtm=created.use_end_dtm + dt.timedelta(hours=2),
    )
    moved = changed(created, use_start_dtm=later.use_start_dtm, use_end_dtm=later.use_end_dtm)
    created_seq, requested_seq = publish(created, ConfirmRequested(**confirm_fields(created)))
    [approved_seq] = publish(
        ConfirmCompleted(**confirm_fields(created, status="CONFIRMED", confirm_user_id="manager"))
    )
    [moved_seq] = publish(moved)
    [cancelled_seq] = publish(cancelled(later, CAUSE_USER))

    def booker_row(seq: int) -> Notification:
        return Notification.objects.get(event_seq=seq, recipient_username="alice")

    [manager_request] = rows_for(requested_seq)
    assert vevent(calendar_of(manager_request))["SEQUENCE"] == 0  # same event as the creation
    assert vevent(calendar_of(manager_request))["ATTENDEE"][1].params["ROLE"] == "NON-PARTICIPANT"
    sequences = [
        (row.ical_method, vevent(calendar_of(row))["SEQUENCE"], vevent(calendar_of(row))["STATUS"])
        for row in map(booker_row, [created_seq, approved_seq, moved_seq, cancelled_seq])
    ]
    assert sequences == [
        ("REQUEST", 0, "TENTATIVE"),
        ("REQUEST", 1, "CONFIRMED"),
        ("REQUEST", 2, "TENTATIVE"),  # moved: waits for a new decision
        ("CANCEL", 3, "CANCELLED"),
    ]
    content_type, calendar = sent_calendar(smtp, booker_row(cancelled_seq))
    assert "; method=CANCEL" in content_type and calendar["METHOD"] == "CANCEL"
    event = vevent(calendar)
    assert event["UID"] == f"booking-{created.booking_id}@localhost" and event["SEQUENCE"] == 3
    assert event.decoded("DTSTART") == moved.use_start_dtm


def test_a_denial_sends_a_cancel(people):
    created = booking_created()
    publish(created, ConfirmRequested(**confirm_fields(created)))
    denial = ConfirmDenied(**confirm_fields(created, status="DENIED", reason="closed"))
    denied_seq, cascade_seq = publish(denial, cancelled(created, CAUSE_DENIED, "closed"))
    # The booker and the manager, whose calendar held the approval request, both get a CANCEL.
    rows = rows_for(denied_seq)
    assert [(r.recipient_username, r.ical_method) for r in rows] == [
        ("alice", "CANCEL"),
        ("manager", "CANCEL"),
    ]
    assert {vevent(calendar_of(r))["SEQUENCE"] for r in rows} == {1}
    assert rows_for(cascade_seq) == []  # the cascade's cancellation emails nobody


def test_a_replayed_event_adds_no_row_and_does_not_bump_the_sequence(people):
    created = booking_created()
    [created_seq] = publish(created)
    longer = dataclasses.replace(created, use_end_dtm=created.use_end_dtm + dt.timedelta(hours=1))
    moved = changed(created, use_end_dtm=longer.use_end_dtm)
    [moved_seq] = publish(moved)
    assert services.notify_for_event(event=moved, seq=moved_seq) == []  # replayed
    assert services.notify_for_event(event=created, seq=created_seq) == []

    # A recipient's row of the replayed event went missing: it comes back with the same sequence.
    before = {r.recipient_username: r.ical_sequence for r in rows_for(moved_seq)}
    Notification.objects.filter(event_seq=moved_seq, recipient_username="manager").delete()
    [again] = services.notify_for_event(event=moved, seq=moved_seq)
    assert (again.recipient_username, again.ical_sequence) == ("manager", before["manager"])

    [later_seq] = publish(cancelled(longer, CAUSE_USER))
    later = {r.recipient_username: r.ical_sequence for r in rows_for(later_seq)}
    assert (before, later) == ({"alice": 1, "manager": 1}, {"alice": 2, "manager": 2})


def test_a_handover_withdraws_the_invite_from_the_previous_booker(people):
    created = booking_created()
    publish(created)
    handed = dataclasses.replace(
        changed(created, booking_user_id="bob", booking_user_email="bob@example.com"),
        changed_fields=("bookingUserId",),
        slot_changed=False,
    )
    [seq] = publish(handed)
    methods = {r.recipient_username: (r.ical_method, r.ical_sequence) for r in rows_for(seq)}
    assert methods == {"alice": ("CANCEL", 1), "bob": ("REQUEST", 1), "manager": ("REQUEST", 1)}


def test_an_approval_stands_through_a_handover(people):
    created = booking_created()
    publish(created)
    publish(ConfirmCompleted(**confirm_fields(created, status="CONFIRMED")))
    handed = dataclasses.replace(
        changed(created, booking_user_id="bob", booking_user_email="bob@example.com"),
        changed_fields=("bookingUserId",),
        slot_changed=False,
    )
    [seq] = publish(handed)
    bob = Notification.objects.get(event_seq=seq, recipient_username="bob")
    assert vevent(calendar_of(bob))["STATUS"] == "CONFIRMED"


def test_emails_that_are_not_about_a_booking_get_no_invite():
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class RoomAnnouncement(Event):  # not registered: no signal of its own
        room_id: int

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class SlotOffered(BookingCreated):  # about a booking, but not an invite to it
        calendar_invite: ClassVar[bool] = False

    assert not invites.has_calendar(RoomAnnouncement(room_id=1))
    assert invites.has_calendar(booking_created())
    assert not invites.has_calendar(SlotOffered(**snapshot(booking_created())))


def test_through_the_apis_a_bookings_life_in_the_bookers_mailbox(office, smtp):
    """Book, approve, move, cancel with the real booking and confirm apps; every email alice
    receives over SMTP carries the same UID, SEQUENCE grows, and the last one is a CANCEL."""
    booking_id = book(office)
    decide(office, booking_id, status="CONFIRMED")
    moved = office["alice"].patch(
        f"/bookings/{booking_id}",
        {"useStartDtm": "203009021530", "useEndDtm": "203009021630"},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert office["alice"].delete(f"/bookings/{booking_id}").status_code == 204

    received = []
    for row in Notification.objects.filter(booking_id=booking_id).order_by("id"):
        content_type, calendar = sent_calendar(smtp, row)
        event = vevent(calendar)
        if row.recipient_username == "alice":
            received.append(
                (calendar["METHOD"], event["SEQUENCE"], event["STATUS"], event.decoded("DTSTART"))
            )
        assert event["UID"] == f"booking-{booking_id}@localhost"
        assert f"method={calendar['METHOD']}" in content_type
    first, moved_start = (
        dt.datetime(2030, 9, 2, 4, 30, tzinfo=dt.UTC),
        dt.datetime(2030, 9, 2, 6, 30, tzinfo=dt.UTC),
    )
    assert received == [
        ("REQUEST", 0, "TENTATIVE", first),  # booked
        ("REQUEST", 1, "CONFIRMED", first),  # approved
        ("REQUEST", 2, "TENTATIVE", moved_start),  # moved: waits for a new decision
        ("CANCEL", 3, "CANCELLED", moved_start),  # cancelled
    ]


def test_a_room_that_approves_automatically_sends_confirmed_at_once(people):
    """The policies' automatic approval: BookingCreated says no approval is needed, and the
    ConfirmCompleted that follows changes nothing in the calendar (same SEQUENCE)."""
    created = booking_created(approval_required=False)
    approved = ConfirmCompleted(
        **confirm_fields(created, status="CONFIRMED", confirm_user_id="system")
    )
    created_seq, approved_seq = publish(created, approved)
    [booked] = rows_for(created_seq)
    [confirmed] = rows_for(approved_seq)
    assert vevent(calendar_of(booked))["STATUS"] == "CONFIRMED"
    assert (booked.ical_sequence, confirmed.ical_sequence) == (0, 0)


def test_a_move_to_another_room_withdraws_the_invite_from_the_old_rooms_managers(people):
    created = booking_created()
    publish(created, ConfirmRequested(**confirm_fields(created)))  # the manager gets a REQUEST
    moved = dataclasses.replace(
        changed(created, room_id=7, room_name="Vega", room_managers=("bob",)),
        changed_fields=("roomId",),
    )
    [moved_seq] = publish(moved)
    rows = rows_for(moved_seq)
    assert [(r.recipient_username, r.ical_method) for r in rows] == [
        ("alice", "REQUEST"),
        ("bob", "REQUEST"),  # the new room's manager
        ("manager", "CANCEL"),  # the old room's: the booking left their calendar
    ]
    withdrawn = rows[2]
    assert withdrawn.contents == "conference room[556677] reservation has moved to another room"
    assert vevent(calendar_of(withdrawn))["UID"] == f"booking-{created.booking_id}@localhost"
    assert services.notify_for_event(event=moved, seq=moved_seq) == []  # replay-safe

    # The old manager is told once: the next change does not withdraw it again.
    in_vega = dataclasses.replace(created, room_id=7, room_name="Vega", room_managers=("bob",))
    [later_seq] = publish(cancelled(in_vega, CAUSE_USER))
    assert [(r.recipient_username, r.ical_method) for r in rows_for(later_seq)] == [
        ("alice", "CANCEL"),
        ("bob", "CANCEL"),
    ]


def test_a_cancellation_withdraws_the_invite_from_office_staff_who_were_asked(people, staff_user):
    created = booking_created(room_managers=())  # nobody manages the room: office staff decide
    publish(created, ConfirmRequested(**confirm_fields(created)))
    assert Notification.objects.get(recipient_username=staff_user.username).ical_method == "REQUEST"
    [cancelled_seq] = publish(cancelled(created, CAUSE_USER))
    assert [(r.recipient_username, r.ical_method) for r in rows_for(cancelled_seq)] == [
        ("alice", "CANCEL"),
        (staff_user.username, "CANCEL"),
    ]


def test_a_handover_in_a_room_without_managers_keeps_the_office_staffs_invite(people, staff_user):
    created = booking_created(room_managers=())
    publish(created, ConfirmRequested(**confirm_fields(created)))
    handed = dataclasses.replace(
        changed(created, booking_user_id="bob", booking_user_email="bob@example.com"),
        changed_fields=("bookingUserId",),
        slot_changed=False,
    )
    [handed_seq] = publish(handed)
    assert staff_user.username not in {r.recipient_username for r in rows_for(handed_seq)}
