"""The confirm app's services, driven by booking events published on the bus."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from apps.booking.events import CAUSE_DENIED, BookingCancelled, BookingChanged, BookingCreated
from apps.confirm import selectors, services
from apps.confirm.events import BOOKED, CONFIRMED, DENIED
from apps.confirm.models import Confirm
from roombooking import bus
from roombooking.errors import Conflict
from roombooking.models import EventLog
from tests.confirm import bookings, events
from tests.confirm.conftest import make_manager

pytestmark = pytest.mark.django_db


def logged(event_type: str, booking_id: int) -> list[dict]:
    return [
        e.payload for e in EventLog.objects.filter(event_type=event_type, booking_id=booking_id)
    ]


def test_booking_created_makes_a_waiting_request_and_announces_it(request_for):
    event, confirm = request_for(room_managers=("manager", "carol"))
    assert confirm.status == BOOKED
    assert confirm.approvers == ["manager", "carol"]
    assert (confirm.room_id, confirm.room_name, confirm.room_time_zone) == (
        101,
        "Hanla",
        "Asia/Seoul",
    )
    assert (confirm.user_id, confirm.user_email) == ("alice", "alice@example.com")
    assert confirm.use_start_dtm == event.use_start_dtm
    assert confirm.confirm_user_id is None and confirm.confirm_dtm is None
    [requested] = logged("ConfirmRequested", event.booking_id)
    assert requested["confirm_id"] == confirm.pk
    assert requested["approvers"] == ["manager", "carol"]
    assert requested["status"] == BOOKED and requested["reopened"] is False


def test_replayed_booking_created_changes_nothing(request_for):
    event, confirm = request_for()
    events.publish(event)  # the same event again (a replay)
    assert Confirm.objects.filter(booking_id=event.booking_id).count() == 1
    assert len(logged("ConfirmRequested", event.booking_id)) == 1


def test_replayed_booking_created_after_its_cancellation_makes_no_request(request_for):
    event, _ = request_for()
    events.publish(events.cancelled(event))
    events.publish(event)  # replaying the log from the start
    assert not Confirm.objects.filter(booking_id=event.booking_id).exists()


def test_approve_records_who_and_when_and_publishes(request_for, manager):
    event, confirm = request_for()
    before = dt.datetime.now(dt.UTC)
    decided = services.complete_confirm(confirm_id=confirm.pk, user=manager, reason=" fine ")
    confirm.refresh_from_db()
    assert confirm.status == decided.status == CONFIRMED
    assert confirm.confirm_user_id == "manager"
    assert confirm.confirm_dtm >= before
    assert confirm.reason == "fine"
    [completed] = logged("ConfirmCompleted", event.booking_id)
    assert completed["status"] == CONFIRMED and completed["confirm_user_id"] == "manager"


def test_deny_publishes_the_reason_and_the_booking_app_cancels_the_booking(booked, manager):
    booking, confirm = booked()
    decided = services.deny_confirm(confirm_id=confirm.pk, user=manager, reason="Room closed")
    assert decided.status == DENIED and decided.reason == "Room closed"
    [denied] = logged("ConfirmDenied", booking.pk)
    assert denied["reason"] == "Room closed" and denied["confirm_user_id"] == "manager"
    [cancelled] = logged("BookingCancelled", booking.pk)
    assert cancelled["cause"] == CAUSE_DENIED
    assert bookings.is_cancelled(booking.pk)
    assert not Confirm.objects.filter(pk=confirm.pk).exists()  # no orphan request


def test_an_approval_can_be_withdrawn(booked, manager):
    booking, confirm = booked()
    services.complete_confirm(confirm_id=confirm.pk, user=manager)
    decided = services.deny_confirm(confirm_id=confirm.pk, user=manager, reason="Withdrawn")
    assert decided.status == DENIED
    assert len(logged("ConfirmDenied", booking.pk)) == 1
    assert bookings.is_cancelled(booking.pk)
    assert not Confirm.objects.filter(pk=confirm.pk).exists()


@pytest.mark.parametrize(
    ("first", "then"),
    [(CONFIRMED, CONFIRMED), (CONFIRMED, BOOKED), (BOOKED, BOOKED)],
)
def test_a_decision_not_allowed_from_the_current_status_is_a_409(request_for, manager, first, then):
    _, confirm = request_for()
    if first != BOOKED:
        services.decide_confirm(confirm_id=confirm.pk, user=manager, status=first)
    with pytest.raises(Conflict) as raised:
        services.decide_confirm(confirm_id=confirm.pk, user=manager, status=then)
    assert raised.value.status_code == 409
    assert raised.value.extra == {"currentStatus": first}


def test_a_denied_request_takes_no_further_decision():
    confirm = Confirm(status=DENIED)
    for status in (BOOKED, CONFIRMED, DENIED):
        with pytest.raises(Conflict):
            confirm.check_transition(status)


def test_an_unknown_status_is_a_400(request_for, manager):
    _, confirm = request_for()
    with pytest.raises(ValidationError) as raised:
        services.decide_confirm(confirm_id=confirm.pk, user=manager, status="MAYBE")
    assert "status" in raised.value.message_dict


def test_the_longest_reason_reaches_the_cancelled_booking_whole(booked, manager):
    booking, confirm = booked()
    reason = "r" * services.REASON_MAX_LENGTH
    services.deny_confirm(confirm_id=confirm.pk, user=manager, reason=reason)
    [cancelled] = logged("BookingCancelled", booking.pk)
    assert cancelled["reason"] == reason


def test_a_too_long_reason_is_a_400(request_for, manager):
    _, confirm = request_for()
    with pytest.raises(ValidationError) as raised:
        services.deny_confirm(confirm_id=confirm.pk, user=manager, reason="x" * 501)
    assert "reason" in raised.value.message_dict


def test_only_managers_of_the_room_superusers_or_staff_for_unmanaged_rooms_decide(
    request_for, manager, other_manager, user, staff_user, superuser
):
    _, managed = request_for()
    _, unmanaged = request_for(room_id=102, room_name="Baekdu", room_managers=())
    for outsider in (other_manager, user, staff_user):
        with pytest.raises(PermissionDenied):
            services.complete_confirm(confirm_id=managed.pk, user=outsider)
    with pytest.raises(PermissionDenied):
        services.complete_confirm(confirm_id=unmanaged.pk, user=manager)
    assert services.complete_confirm(confirm_id=unmanaged.pk, user=staff_user).status == CONFIRMED
    assert services.complete_confirm(confirm_id=managed.pk, user=superuser).status == CONFIRMED


def test_deciding_a_deleted_request_is_a_404(request_for, manager):
    event, confirm = request_for()
    events.publish(events.cancelled(event))
    with pytest.raises(Http404):
        services.complete_confirm(confirm_id=confirm.pk, user=manager)


def test_booking_cancelled_deletes_the_request_and_a_replay_is_harmless(request_for):
    event, _ = request_for()
    cancel = events.cancelled(event)
    events.publish(cancel)
    assert not Confirm.objects.filter(booking_id=event.booking_id).exists()
    events.publish(cancel)
    assert not Confirm.objects.filter(booking_id=event.booking_id).exists()


def test_a_moved_approved_booking_waits_for_a_new_decision(request_for, manager):
    event, confirm = request_for()
    services.complete_confirm(confirm_id=confirm.pk, user=manager)
    later = event.use_start_dtm + dt.timedelta(days=1)
    events.publish(
        events.changed(event, use_start_dtm=later, use_end_dtm=later + dt.timedelta(hours=2))
    )
    confirm.refresh_from_db()
    assert confirm.status == BOOKED
    assert confirm.confirm_user_id is None and confirm.confirm_dtm is None
    assert confirm.use_start_dtm == later
    requested = logged("ConfirmRequested", event.booking_id)
    assert [r["reopened"] for r in requested] == [False, True]


def test_a_change_to_another_room_takes_its_managers(request_for, manager):
    event, confirm = request_for()
    services.complete_confirm(confirm_id=confirm.pk, user=manager)
    events.publish(events.changed(event, room_id=202, room_name="Jiri", room_managers=("carol",)))
    confirm.refresh_from_db()
    assert (confirm.room_id, confirm.room_name, confirm.approvers) == (202, "Jiri", ["carol"])
    assert confirm.status == BOOKED
    carol = make_manager("carol")
    assert list(selectors.confirms_to_decide_for(carol)) == [confirm]
    assert list(selectors.confirms_to_decide_for(manager)) == []
    assert list(selectors.confirms_visible_to(manager)) == []


def test_a_change_that_keeps_the_slot_keeps_the_approval(request_for, manager):
    event, confirm = request_for()
    services.complete_confirm(confirm_id=confirm.pk, user=manager)
    events.publish(events.changed(event, booking_user_id="bob", booking_user_email="b@x.org"))
    confirm.refresh_from_db()
    assert confirm.status == CONFIRMED
    assert (confirm.user_id, confirm.user_email) == ("bob", "b@x.org")
    assert len(logged("ConfirmRequested", event.booking_id)) == 1


def test_a_replayed_older_change_is_ignored(request_for):
    event, confirm = request_for()
    old = events.changed(event, booking_user_id="bob")
    old_seq = events.publish(old)
    events.publish(events.changed(event, booking_user_id="carol"))
    services.reopen_confirm(booking=old, seq=old_seq)  # as a replay of the log delivers it
    confirm.refresh_from_db()
    assert confirm.user_id == "carol"


def redeliver(booking_id: int) -> None:
    """Deliver every logged booking event of ``booking_id`` again, as a replay would."""
    with transaction.atomic():
        for seq, event in bus.replay(
            types=[BookingCreated, BookingChanged, BookingCancelled], booking_id=booking_id
        ):
            event.signal.send(sender=type(event), event=event, seq=seq)


def test_replaying_the_log_leaves_requests_as_they_are(request_for, manager):
    live, confirm = request_for()
    services.complete_confirm(confirm_id=confirm.pk, user=manager)
    events.publish(events.changed(live, booking_user_id="bob"))
    gone, _ = request_for()
    events.publish(events.cancelled(gone))
    log_size = EventLog.objects.count()
    before = Confirm.objects.values().get(pk=confirm.pk)

    redeliver(live.booking_id)
    redeliver(gone.booking_id)

    assert Confirm.objects.values().get(pk=confirm.pk) == before
    assert not Confirm.objects.filter(booking_id=gone.booking_id).exists()
    assert EventLog.objects.count() == log_size  # nothing published again
