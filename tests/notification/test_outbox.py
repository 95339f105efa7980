"""Events published on the bus write the right outbox rows, once, in the change's transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from apps.booking.events import CAUSE_DENIED, CAUSE_USER, BookingCancelled, BookingChanged
from apps.confirm.events import ConfirmCompleted, ConfirmDenied, ConfirmRequested
from apps.notification import services
from apps.notification.models import Notification
from roombooking import bus
from roombooking.roles import OFFICE_STAFF_GROUP
from tests.factories import UserFactory
from tests.notification.conftest import booking_created, publish

pytestmark = pytest.mark.django_db


def confirm_fields(created, **overrides):
    values = dict(
        actor="manager",
        confirm_id=7,
        booking_id=created.booking_id,
        room_id=created.room_id,
        room_name=created.room_name,
        room_time_zone=created.room_time_zone,
        approvers=created.room_managers,
        user_id=created.booking_user_id,
        user_email=created.booking_user_email,
        use_start_dtm=created.use_start_dtm,
        use_end_dtm=created.use_end_dtm,
        status="BOOKED",
        confirm_user_id=None,
        confirm_dtm=None,
    )
    values.update(overrides)
    return values


def snapshot(created) -> dict:
    return {f.name: getattr(created, f.name) for f in dataclasses.fields(created)}


def cancelled(created, cause, reason=""):
    return BookingCancelled(
        **{**snapshot(created), "status": "CANCELLED"},
        cause=cause,
        reason=reason,
        cancelled_dtm=dt.datetime(2030, 9, 1, tzinfo=dt.UTC),
    )


def test_created_tells_the_booker_with_the_original_text(people):
    created = booking_created()
    [seq] = publish(created)
    [row] = Notification.objects.all()
    assert row.recipient == people["alice"]
    assert row.recipient_email == "alice@example.com"
    assert row.contents == "conference room[556677] reservation is complete"
    assert (row.event_type, row.event_seq, row.booking_id) == (
        "BookingCreated",
        seq,
        created.booking_id,
    )
    assert row.status == "PENDING" and row.attempts == 0 and row.send_dtm is None
    assert row.subject == "Reservation complete: Orion, 2030-09-02 13:30"
    assert "conference room[556677] reservation is complete" in row.body
    assert "Orion (room 556677)" in row.body
    assert "2030-09-02 13:30-14:30 (Asia/Seoul)" in row.body  # the room's time zone, not UTC
    assert "Status:   BOOKED" in row.body


def test_user_cancellation_says_reservation_has_been_canceled(people):
    created = booking_created()
    publish(created, cancelled(created, CAUSE_USER))
    row = Notification.objects.get(event_type="BookingCancelled")
    assert row.contents == "reservation has been canceled"
    assert row.recipient_username == "alice"
    assert "Status:   CANCELLED" in row.body


def test_a_denial_sends_one_email_with_the_reason(people):
    created = booking_created()
    denied = ConfirmDenied(**confirm_fields(created, status="DENIED", reason="room under repair"))
    publish(created)
    publish(denied, cancelled(created, CAUSE_DENIED, reason="room under repair"))
    rows = Notification.objects.filter(recipient_username="alice").exclude(
        event_type="BookingCreated"
    )
    [row] = rows
    assert row.event_type == "ConfirmDenied"
    assert row.contents.startswith("reservation has been canceled")
    assert "room under repair" in row.contents and "Reason:   room under repair" in row.body


def test_approval_tells_the_booker(people):
    created = booking_created()
    publish(ConfirmCompleted(**confirm_fields(created, status="CONFIRMED")))
    [row] = Notification.objects.all()
    assert (row.recipient_username, row.event_type) == ("alice", "ConfirmCompleted")
    assert row.contents == "conference room[556677] reservation has been approved"
    assert row.subject.startswith("Reservation approved")


def test_a_waiting_request_tells_the_rooms_managers(people):
    created = booking_created(room_managers=("manager", "bob"))
    publish(ConfirmRequested(**confirm_fields(created)))
    rows = Notification.objects.order_by("recipient_username")
    assert [r.recipient_username for r in rows] == ["bob", "manager"]
    assert rows[0].contents == "conference room[556677] reservation waits for your approval"


def test_a_room_without_managers_asks_the_office_staff(people, staff_user, superuser):
    created = booking_created(room_managers=())
    outsider = UserFactory(username="carol")
    outsider.groups.add(Group.objects.get_or_create(name="Room managers")[0])
    assert not staff_user.is_superuser and staff_user.groups.filter(name=OFFICE_STAFF_GROUP)
    publish(ConfirmRequested(**confirm_fields(created, approvers=())))
    assert sorted(Notification.objects.values_list("recipient_username", flat=True)) == [
        "root",
        "staff",
    ]


def test_a_change_tells_the_booker_and_the_managers(people):
    created = booking_created()
    changed = BookingChanged(
        **{**snapshot(created), "use_end_dtm": created.use_end_dtm + dt.timedelta(hours=1)},
        previous_room_id=created.room_id,
        previous_start_dtm=created.use_start_dtm,
        previous_end_dtm=created.use_end_dtm,
        previous_booking_user_id="alice",
        changed_fields=("useEndDtm",),
        slot_changed=True,
    )
    publish(changed)
    rows = {r.recipient_username: r for r in Notification.objects.all()}
    assert set(rows) == {"alice", "manager"}
    assert "changed (useEndDtm)" in rows["alice"].contents
    assert "Before:   room 556677, 2030-09-02 13:30-14:30" in rows["manager"].body


def test_a_replayed_event_adds_no_second_row(people):
    created = booking_created()
    [seq] = publish(created)
    with transaction.atomic():
        again = services.notify_for_event(event=created, seq=seq)
    assert again == []
    assert Notification.objects.count() == 1


def test_rows_are_part_of_the_transaction(people, django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), transaction.atomic():
        bus.publish(booking_created())
        raise RuntimeError("the booking failed")
    assert Notification.objects.count() == 0


def hand_offs(callbacks: list) -> list:
    """The commit callbacks that hand rows to the broker (others: roombooking.txmemo's)."""
    return [c for c in callbacks if getattr(c, "func", None) is services._flush]


def test_the_hand_off_waits_for_the_commit(people, django_capture_on_commit_callbacks, monkeypatch):
    handed = []
    monkeypatch.setattr("apps.notification.handoff.hand_off", handed.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publish(booking_created())
        assert handed == []
    row = Notification.objects.get()
    assert handed == [[row.pk]] and len(hand_offs(callbacks)) == 1


def test_one_hand_off_per_transaction_for_all_its_events(
    people, django_capture_on_commit_callbacks, monkeypatch
):
    handed = []
    monkeypatch.setattr("apps.notification.handoff.hand_off", handed.append)
    created = booking_created()
    changed = dataclasses.replace(created, booking_user_id="bob", booking_user_email="b@x.org")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publish(created, booking_created(), ConfirmRequested(**confirm_fields(created)))
    rows = sorted(Notification.objects.values_list("pk", flat=True))
    assert len(rows) == 3 and len(hand_offs(callbacks)) == 1
    assert handed == [rows]
    with django_capture_on_commit_callbacks(execute=True):
        publish(changed)  # the next transaction gets its own batch
    assert len(handed) == 2 and handed[1] == [Notification.objects.latest("pk").pk]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_batch_is_not_handed_off_with_the_next_one(
    only_notification_receivers, monkeypatch
):
    for name in ("alice", "manager"):
        UserFactory(username=name)
    handed = []
    monkeypatch.setattr("apps.notification.handoff.hand_off", handed.append)
    with pytest.raises(RuntimeError), transaction.atomic():
        bus.publish(booking_created())
        raise RuntimeError("the booking failed")
    publish(booking_created())
    assert handed == [[Notification.objects.get().pk]]


def test_a_recipient_without_address_is_failed_at_once(people):
    publish(booking_created(booking_user_id="ghost", booking_user_email=""))
    row = Notification.objects.get()
    assert row.recipient is None and row.status == "FAILED"
    assert row.last_error == "the recipient has no email address"


def test_a_cascade_builds_on_the_state_its_transaction_wrote(people):
    """BookingCreated then ConfirmCompleted in one transaction: the second continues the first's
    calendar state (remembered, not read back), exactly as when they are separate."""
    created = booking_created()
    with transaction.atomic():
        services.notify_for_event(event=created, seq=900_001, fresh=True, new_booking=True)
        approved = ConfirmCompleted(**confirm_fields(created, status="CONFIRMED"))
        [row] = services.notify_for_event(event=approved, seq=900_002, fresh=True)
    assert (row.ical_status, row.ical_sequence) == ("CONFIRMED", 1)


def test_a_state_written_in_a_rolled_back_savepoint_is_not_built_on(people):
    """The booking's first rows were rolled back with their savepoint: the approval that follows
    in the same transaction is the first state the database has, SEQUENCE 0, not 1."""
    other, created = booking_created(), booking_created()
    with transaction.atomic():
        # Another booking's rows first: the transaction's hand-off batch outlives the savepoint.
        services.notify_for_event(event=other, seq=900_011, fresh=True, new_booking=True)
        with pytest.raises(RuntimeError), transaction.atomic():
            services.notify_for_event(event=created, seq=900_012, fresh=True, new_booking=True)
            raise RuntimeError("rolled back to the savepoint")
        approved = ConfirmCompleted(**confirm_fields(created, status="CONFIRMED"))
        [row] = services.notify_for_event(event=approved, seq=900_013, fresh=True)
    assert not Notification.objects.filter(event_seq=900_012).exists()
    assert (row.ical_status, row.ical_sequence) == ("CONFIRMED", 0)
