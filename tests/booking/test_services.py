"""The booking services: checks, conflicts, events, idempotent cancellation, rooms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.booking import services
from apps.booking.events import BOOKED, CANCELLED, CAUSE_DENIED, CAUSE_USER
from apps.booking.models import Booking, Room
from roombooking.errors import Conflict
from tests.booking.conftest import SEOUL, future

HOUR = dt.timedelta(hours=1)


def book(actor, room, start, end=None, **kwargs):
    return services.create_booking(
        actor=actor, room_id=room.pk, use_start_dtm=start, use_end_dtm=end or start + HOUR, **kwargs
    )


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.mark.django_db
def test_create_publishes_a_complete_event(user, room, manager, published):
    start = future()
    booking = book(user, room, start)
    assert booking.status == BOOKED and booking.booking_user == user
    [(kind, payload)] = published()
    assert kind == "BookingCreated"
    assert payload == {
        "actor": "alice",
        "booking_id": booking.pk,
        "room_id": room.pk,
        "room_name": "Room 101",
        "room_time_zone": "Asia/Seoul",
        "room_managers": ["manager"],
        "booking_user_id": "alice",
        "booking_user_email": "alice@example.com",
        "use_start_dtm": start.astimezone(dt.UTC).isoformat(),
        "use_end_dtm": (start + HOUR).astimezone(dt.UTC).isoformat(),
        "status": "BOOKED",
        "booking_dtm": booking.created_at.astimezone(dt.UTC).isoformat(),
        "approval_required": True,
        "policy_override": False,
        "overridden_rules": [],
        "series_id": None,
        "in_series_action": False,
    }


@pytest.mark.django_db
def test_naive_times_are_in_the_rooms_time_zone(user):
    room = services.create_room(name="Berlin", capacity=2, time_zone="Europe/Berlin")
    local = future().replace(tzinfo=None)
    booking = book(user, room, local, local + HOUR)
    assert booking.use_start_dtm.astimezone(room.zone).replace(tzinfo=None) == local


@pytest.mark.django_db
def test_back_to_back_is_fine_and_overlap_is_a_conflict(user, other_user, room):
    start = future()
    book(user, room, start)
    book(other_user, room, start + HOUR)  # [10, 11) then [11, 12)
    book(other_user, room, start - HOUR)
    with pytest.raises(Conflict) as conflict:
        book(other_user, room, start + HOUR / 2)
    listed = conflict.value.extra["conflicts"]
    assert [c["useStartDtm"] for c in listed] == [
        start.isoformat(),
        (start + HOUR).isoformat(),
    ]
    # bob sees his own booking's id, never alice's name or id
    assert "bookingUserId" not in listed[0] and "bookingId" not in listed[0]
    assert "bookingId" in listed[1]


@pytest.mark.django_db
def test_staff_and_managers_see_who_holds_the_slot(user, staff_user, manager, room):
    start = future()
    taken = book(user, room, start)
    for viewer in (staff_user, manager):
        with pytest.raises(Conflict) as conflict:
            book(viewer, room, start)
        assert conflict.value.extra["conflicts"] == [
            {
                "bookingId": taken.pk,
                "useStartDtm": start.isoformat(),
                "useEndDtm": (start + HOUR).isoformat(),
                "bookingUserId": "alice",
            }
        ]


@pytest.mark.django_db
def test_cancelled_booking_frees_its_slot(user, other_user, room, published):
    start = future()
    booking = book(user, room, start)
    services.cancel_booking(booking_id=booking.pk, actor="alice")
    book(other_user, room, start)
    booking.refresh_from_db()
    assert booking.status == CANCELLED and booking.cancel_cause == CAUSE_USER
    kinds = [kind for kind, _ in published()]
    assert kinds == ["BookingCreated", "BookingCancelled", "BookingCreated"]
    assert published()[1][1]["cause"] == "USER" and published()[1][1]["status"] == "CANCELLED"


@pytest.mark.django_db
def test_cancelling_twice_changes_nothing(user, room, published):
    booking = book(user, room, future())
    services.cancel_booking(booking_id=booking.pk, actor="x", cause=CAUSE_DENIED, reason="No.")
    services.cancel_booking(booking_id=booking.pk, actor="y")
    booking.refresh_from_db()
    assert (booking.cancel_cause, booking.cancel_reason) == (CAUSE_DENIED, "No.")
    assert [kind for kind, _ in published()] == ["BookingCreated", "BookingCancelled"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start_shift, length, field, reason",
    [
        (dt.timedelta(0), dt.timedelta(0), "useEndDtm", "must be after the start"),
        (dt.timedelta(0), -HOUR, "useEndDtm", "must be after the start"),
        (dt.timedelta(days=-400), HOUR, "useStartDtm", "is in the past"),
        (dt.timedelta(0), dt.timedelta(hours=12, minutes=1), "useEndDtm", "at most 12 h 00 min"),
    ],
)
def test_slot_checks_name_the_field(user, room, start_shift, length, field, reason):
    start = future() + start_shift
    with pytest.raises(ValidationError) as error:
        book(user, room, start, start + length)
    assert reason in " ".join(errors_of(error)[field])


@pytest.mark.django_db
def test_exactly_the_maximum_duration_is_allowed(user, room):
    book(user, room, future(hour=8), future(hour=20))


@pytest.mark.django_db
def test_unknown_and_inactive_rooms_are_refused(user, room):
    with pytest.raises(ValidationError) as error:
        services.create_booking(
            actor=user, room_id=999999, use_start_dtm=future(), use_end_dtm=future(hour=11)
        )
    assert "does not exist" in errors_of(error)["roomId"][0]
    services.deactivate_room(room_id=room.pk)
    with pytest.raises(ValidationError) as error:
        book(user, room, future())
    assert "not in service" in errors_of(error)["roomId"][0]


@pytest.mark.django_db
def test_only_office_staff_book_for_someone_else(user, other_user, staff_user, room):
    with pytest.raises(PermissionDenied):
        book(user, room, future(), booking_user="bob")
    assert book(user, room, future(), booking_user="alice").booking_user == user
    assert book(staff_user, room, future(hour=12), booking_user="bob").booking_user == other_user
    with pytest.raises(ValidationError) as error:
        book(staff_user, room, future(hour=14), booking_user="06675")
    assert errors_of(error) == {"bookingUserId": ["Unknown user: '06675'."]}


@pytest.mark.django_db
def test_change_moves_the_booking_and_says_what_changed(user, room, other_room, published):
    start = future()
    booking = book(user, room, start)
    services.change_booking(
        actor=user,
        booking_id=booking.pk,
        room_id=other_room.pk,
        use_start_dtm=start + HOUR,
        use_end_dtm=start + 2 * HOUR,
    )
    booking.refresh_from_db()
    assert booking.room == other_room and booking.use_start_dtm == start + HOUR
    kind, payload = published()[-1]
    assert kind == "BookingChanged"
    assert payload["changed_fields"] == ["roomId", "useStartDtm", "useEndDtm"]
    assert payload["slot_changed"] is True
    assert payload["previous_room_id"] == room.pk and payload["room_id"] == other_room.pk
    assert payload["previous_start_dtm"] == start.astimezone(dt.UTC).isoformat()
    assert payload["room_managers"] == [] and payload["previous_booking_user_id"] == "alice"


@pytest.mark.django_db
def test_change_into_a_taken_slot_is_a_conflict_but_overlapping_itself_is_fine(user, room):
    start = future()
    booking = book(user, room, start)
    book(user, room, start + 2 * HOUR)
    services.change_booking(actor=user, booking_id=booking.pk, use_end_dtm=start + 2 * HOUR)
    with pytest.raises(Conflict):
        services.change_booking(actor=user, booking_id=booking.pk, use_end_dtm=start + 3 * HOUR)
    booking.refresh_from_db()
    assert booking.use_end_dtm == start + 2 * HOUR


@pytest.mark.django_db
def test_a_change_that_changes_nothing_publishes_nothing(user, room, published):
    start = future()
    booking = book(user, room, start)
    services.change_booking(
        actor=user, booking_id=booking.pk, use_start_dtm=start, booking_user="alice"
    )
    assert len(published()) == 1


@pytest.mark.django_db
def test_only_office_staff_give_a_booking_to_someone_else(user, other_user, staff_user, room):
    booking = book(user, room, future())
    with pytest.raises(PermissionDenied):
        services.change_booking(actor=user, booking_id=booking.pk, booking_user="bob")
    services.change_booking(actor=staff_user, booking_id=booking.pk, booking_user="bob")
    booking.refresh_from_db()
    assert booking.booking_user == other_user


@pytest.mark.django_db
def test_moving_a_booking_into_the_past_is_refused(user, room):
    booking = book(user, room, future())
    past = dt.datetime(2020, 8, 31, 18, 30, tzinfo=SEOUL)
    with pytest.raises(ValidationError) as error:
        services.change_booking(
            actor=user, booking_id=booking.pk, use_start_dtm=past, use_end_dtm=past + HOUR
        )
    assert "useStartDtm" in errors_of(error)


@pytest.mark.django_db
def test_a_denial_cancels_the_booking_through_the_receiver(user, room, published):
    from django.db import transaction

    from apps.confirm.events import ConfirmDenied
    from roombooking import bus

    booking = book(user, room, future())
    denial = ConfirmDenied(
        actor="manager",
        confirm_id=1,
        booking_id=booking.pk,
        room_id=room.pk,
        room_name=room.name,
        room_time_zone=room.time_zone,
        approvers=("manager",),
        user_id="alice",
        user_email="alice@example.com",
        use_start_dtm=booking.use_start_dtm,
        use_end_dtm=booking.use_end_dtm,
        status="DENIED",
        confirm_user_id="manager",
        confirm_dtm=booking.created_at,
        reason="Room closed for cleaning.",
    )
    with transaction.atomic():
        bus.publish(denial)
    with transaction.atomic():
        bus.publish(denial)  # a repeated denial is harmless
    booking.refresh_from_db()
    assert booking.status == CANCELLED and booking.cancel_cause == CAUSE_DENIED
    cancelled = [p for kind, p in published() if kind == "BookingCancelled"]
    assert len(cancelled) == 1
    assert cancelled[0]["cause"] == "DENIED" and cancelled[0]["actor"] == "manager"
    assert cancelled[0]["reason"] == "Room closed for cleaning."


@pytest.mark.django_db
def test_room_services(manager, user):
    room = services.create_room(
        name="Focus",
        capacity=2,
        equipment=["Video  Call", "tv"],
        managers=["manager", "alice"],
        max_duration=dt.timedelta(hours=2),
    )
    assert room.equipment == ["video call", "tv"]
    assert sorted(room.managers.values_list("username", flat=True)) == ["alice", "manager"]
    with pytest.raises(ValidationError) as error:
        services.update_room(room_id=room.pk, managers=["manager", "nobody", "ghost"])
    assert errors_of(error) == {"managers": ["Unknown users: nobody, ghost."]}
    with pytest.raises(ValidationError) as error:
        services.update_room(room_id=room.pk, time_zone="Nowhere/Land")
    assert list(errors_of(error)) == ["timeZone"]
    with pytest.raises(ValidationError) as error:
        services.create_room(name="Focus", capacity=3)
    assert "name" in errors_of(error)
    services.update_room(room_id=room.pk, managers=[])
    assert not Room.objects.get(pk=room.pk).managers.exists()
    assert Booking.objects.count() == 0
