"""Creating, changing and cancelling bookings. Each publishes its event in its transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.booking import selectors
from apps.booking.events import (
    BOOKED,
    CANCELLED,
    CAUSE_USER,
    BookingCancelled,
    BookingChanged,
    BookingCreated,
)
from apps.booking.models import Booking, Room, Series
from apps.booking.services import policies
from apps.booking.services.slots import (
    Slot,
    active_room,
    aware,
    checked_slot,
    conflicts_answered,
    ensure_free,
    lock_room,
    save_checked,
)
from apps.booking.services.users import active_user
from apps.booking.services.waitlist_offers import offer_freed_slot
from roombooking import bus
from roombooking.instances import new_instance
from roombooking.roles import is_office_staff
from roombooking.statements import Template, counted

UNCHANGED: Any = object()  # "not given" for change_booking's optional arguments
MAX_REASON_LENGTH = Booking._meta.get_field("cancel_reason").max_length


def create_booking(
    *,
    actor,
    room_id: int,
    use_start_dtm: dt.datetime,
    use_end_dtm: dt.datetime,
    booking_user: str | None = None,
    override_policy: bool = False,
    now: dt.datetime | None = None,
    series: Series | None = None,
) -> Booking:
    """Book ``room_id`` for ``booking_user`` (a username; default: the actor).

    Naive times are wall-clock times in the room's time zone. Only office staff may book for
    someone else or break the room's policies with ``override_policy`` (403 for others; the
    event records the override and the rules it broke). Errors: 400 naming the field (and the
    policy rule with its limit), 409 listing the overlapping bookings. ``series``: the booking
    is an occurrence of that series, booked by a series action (apps.booking.services.series),
    whose own event makes the one summary email.
    """

    def write() -> Booking:
        with transaction.atomic():
            _check_may_override(actor, override_policy)
            user = booking_user_for(actor, booking_user)
            room = active_room(room_id)
            slot = checked_slot(
                room=room,
                start=use_start_dtm,
                end=use_end_dtm,
                override_policy=override_policy,
                violations=future_limit_violations(user, room=room, now=now),
                now=now,
            )
            ensure_free(slot, actor=actor, booking_user=user, now=now)
            booking = new_instance(
                Booking,
                room=slot.room,
                booking_user=user,
                use_start_dtm=slot.start,
                use_end_dtm=slot.end,
                status=BOOKED,
                series=series,
            )
            save_checked(booking, slot)
            bus.publish(
                BookingCreated(
                    **snapshot(
                        booking, actor=actor.get_username(), in_series_action=series is not None
                    ),
                    policy_override=override_policy,
                    overridden_rules=slot.overridden_rules,
                ),
                new_booking=True,
            )
            return booking

    return conflicts_answered(write, actor=actor)


def change_booking(
    *,
    actor,
    booking_id: int,
    room_id: int = UNCHANGED,
    use_start_dtm: dt.datetime = UNCHANGED,
    use_end_dtm: dt.datetime = UNCHANGED,
    booking_user: str = UNCHANGED,
    override_policy: bool = False,
    now: dt.datetime | None = None,
    in_series_action: bool = False,
) -> Booking:
    """Move an active booking to other times or another room, or (office staff only) give it to
    another user, with the same checks as a new booking (the room's policies included; office
    staff may override them). A change that changes nothing publishes nothing. An occurrence of
    a series changed on its own becomes "detached": later series-wide moves leave it where it
    is. ``in_series_action``: called by such a move (apps.booking.services.series)."""

    def write() -> Booking:
        with transaction.atomic():
            _check_may_override(actor, override_policy)
            bus.lock_booking(booking_id)  # before any row lock: the bus's lock order (no deadlock)
            booking = get_object_or_404(
                selectors.active_bookings().select_for_update(of=("self",)), pk=booking_id
            )
            before = (
                booking.room,
                booking.use_start_dtm,
                booking.use_end_dtm,
                booking.booking_user,
            )
            changed: list[str] = []
            if booking_user is not UNCHANGED and booking_user != booking.booking_user.username:
                if not is_office_staff(actor):
                    raise PermissionDenied("Only office staff may give a booking to someone else.")
                booking.booking_user = active_user(booking_user, field="bookingUserId")
                changed.append("bookingUserId")
            room = booking.room
            if room_id is not UNCHANGED and str(room_id) != str(booking.room_id):
                room = active_room(room_id)
                changed.append("roomId")
            start = booking.use_start_dtm if use_start_dtm is UNCHANGED else use_start_dtm
            end = booking.use_end_dtm if use_end_dtm is UNCHANGED else use_end_dtm
            slot = Slot(
                room=room,
                start=aware(start, room=room, field="useStartDtm"),
                end=aware(end, room=room, field="useEndDtm"),
            )
            if slot.start != booking.use_start_dtm:
                changed.append("useStartDtm")
            if slot.end != booking.use_end_dtm:
                changed.append("useEndDtm")
            if not changed:
                return booking
            slot_changed = bool({"roomId", "useStartDtm", "useEndDtm"} & set(changed))
            limit_violations: list[policies.Violation] = []
            if "bookingUserId" in changed or "roomId" in changed:  # the booker's limits, again
                limit_violations = future_limit_violations(
                    booking.booking_user, room=room, exclude_id=booking.pk, now=now
                )
            if slot_changed:
                if "roomId" not in changed:
                    # Read the room again as a new booking does (a 400 naming roomId when it is
                    # out of service; on PostgreSQL under a share lock, so that a policy change
                    # cannot commit between this check and ours: see slots.room_for_booking).
                    room = active_room(room.pk)
                # A moved booking must start in the future; only the end of a booking that is
                # under way may move (to a time still in the future).
                moved_start = "roomId" in changed or "useStartDtm" in changed
                slot = checked_slot(
                    room=room,
                    start=slot.start,
                    end=slot.end,
                    start_may_be_past=not moved_start,
                    override_policy=override_policy,
                    violations=limit_violations,
                    now=now,
                )
                overridden = slot.overridden_rules
                # Both rooms' locks in id order: the old slot is offered to the waitlist below.
                for locked in sorted({room, booking.room}, key=lambda r: r.pk):
                    lock_room(locked)
                ensure_free(
                    slot,
                    actor=actor,
                    exclude_id=booking.pk,
                    booking_user=booking.booking_user,
                    now=now,
                )
            else:  # only the booker changed: their limits are all there is to check
                overridden = policies.enforce(limit_violations, override=override_policy)
            if {"roomId", "useStartDtm"} & set(changed):
                # Another start or room: the reminder (and a check-in) were for the old one.
                booking.reminded_at = None
                booking.checked_in_at = None
            booking.room, booking.use_start_dtm, booking.use_end_dtm = room, slot.start, slot.end
            if booking.series_id is not None and not in_series_action:
                booking.detached = True
            save_checked(booking, slot)
            old_room, old_start, old_end, old_user = before
            bus.publish(
                BookingChanged(
                    **snapshot(
                        booking, actor=actor.get_username(), in_series_action=in_series_action
                    ),
                    policy_override=override_policy,
                    overridden_rules=overridden,
                    previous_room_id=old_room.pk,
                    previous_start_dtm=_utc(old_start),
                    previous_end_dtm=_utc(old_end),
                    previous_booking_user_id=old_user.username,
                    changed_fields=tuple(changed),
                    slot_changed=slot_changed,
                )
            )
            # The old slot is free now (docs/waitlist.md). A series move offers its occurrences'
            # old slots once all have moved: offered now, an old slot would be held against the
            # next occurrence moving into it.
            if slot_changed and not in_series_action:
                offer_freed_slot(
                    room=old_room, start=old_start, end=old_end, actor=actor.get_username(), now=now
                )
            return booking

    return conflicts_answered(write, actor=actor)


def cancel_booking(
    *,
    booking_id: int,
    actor: str,
    cause: str = CAUSE_USER,
    reason: str = "",
    in_series_action: bool = False,
    must_be_active: bool = False,
    now: dt.datetime | None = None,
) -> Booking:
    """Cancel a booking; its slot is free again. ``actor`` is the username of whoever cancels
    (the caller has checked that they may). Cancelling a cancelled booking changes nothing and
    publishes nothing, so a repeated denial or a double click is harmless. An occurrence of a
    series cancelled on its own is marked detached; ``in_series_action``: called by a series
    action (cancelling several occurrences, or a series decision's denial). ``now``: the moment
    of the cancellation (a sweep's clock), which the waitlist's offer uses too.

    ``must_be_active``: a booking found cancelled under the lock is a 404, as it would have
    been a moment earlier. A client that saw it active must not be told "cancelled by you"
    when a manager's denial (or a release) got there first."""
    with transaction.atomic():
        booking = lock_for_update(booking_id)
        if must_be_active and booking.status == CANCELLED:
            raise Http404("No Booking matches the given query.")
        return cancel_locked(
            booking,
            actor=actor,
            cause=cause,
            reason=reason,
            now=now,
            in_series_action=in_series_action,
        )


def lock_for_update(booking_id: int) -> Booking:
    """The booking, row-locked for the rest of the transaction (404 if there is none).

    The bus's per-booking lock comes before any row lock, as in approval decisions: a denial
    (lock, request row, then this booking) and a booker's cancellation can then never deadlock.
    """
    bus.lock_booking(booking_id)
    return get_object_or_404(
        Booking.objects.select_related("room", "booking_user").select_for_update(of=("self",)),
        pk=booking_id,
    )


def cancel_locked(
    booking: Booking,
    *,
    actor: str,
    cause: str,
    reason: str = "",
    now: dt.datetime | None = None,
    in_series_action: bool = False,
) -> Booking:
    """Cancel ``booking``, which the caller locked with ``lock_for_update`` in its transaction
    (a sweep that re-checks the booking's state under the lock before cancelling uses this)."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        if booking.status == CANCELLED:
            return booking
        booking.status = CANCELLED
        booking.cancelled_at = now
        booking.cancel_cause = cause
        booking.cancel_reason = (reason or "")[:MAX_REASON_LENGTH]
        fields = ["status", "cancelled_at", "cancel_cause", "cancel_reason", "updated_at"]
        if booking.series_id is not None and not in_series_action:
            booking.detached = True
            fields.append("detached")
        booking.save(update_fields=fields)
        bus.publish(
            BookingCancelled(
                **snapshot(booking, actor=actor, in_series_action=in_series_action),
                cause=cause,
                reason=booking.cancel_reason,
                cancelled_dtm=_utc(booking.cancelled_at),
            )
        )
        # Whatever the cause, the slot is free now: the waitlist's next in line gets it offered
        # in this transaction (docs/waitlist.md), at the cancellation's moment: a sweep run with
        # ``now=`` (or a clock it was given) decides what is still ahead by its clock, not the
        # wall clock's.
        offer_freed_slot(
            room=booking.room,
            start=booking.use_start_dtm,
            end=booking.use_end_dtm,
            actor=actor,
            now=now,
        )
        return booking


def ensure_below_future_limit(
    user,
    *,
    room: Room | None = None,
    exclude_id: int | None = None,
    override_policy: bool = False,
    now: dt.datetime | None = None,
) -> tuple[str, ...]:
    """``future_limit_violations``, refused at once (400) or, when ``override_policy``,
    returned as the names of the overridden rules."""
    found = future_limit_violations(user, room=room, exclude_id=exclude_id, now=now)
    return policies.enforce(found, override=override_policy)


def future_limit_violations(
    user,
    *,
    room: Room | None = None,
    exclude_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[policies.Violation]:
    """400 when ``user`` already holds BOOKING_MAX_FUTURE_PER_USER bookings that have not ended
    (never overridable); otherwise the room policy ``room.max_future_bookings_per_user`` as a
    violation when ``user`` holds that many bookings of ``room`` (the caller reports it with the
    slot's, or office staff override it). ``exclude_id``: the booking being changed, which does
    not count against itself.

    The user's row is locked first, so two concurrent bookings for one person are counted one
    after the other and cannot both slip under a limit. FOR NO KEY UPDATE, not FOR UPDATE: rows
    that merely reference the user (a notification, another booking) take KEY SHARE locks, which
    FOR UPDATE would block, and a transaction waiting on ours in the exclusion check could then
    wait for us in turn (a deadlock the scale-out drill found).
    """
    _LOCK_PERSON.run_later(user_id=user.pk)  # sent with the count below: one round trip
    limit = settings.BOOKING_MAX_FUTURE_PER_USER
    now = now or timezone.now()

    def held_bookings():  # built only where needed: building it was a thirtieth of a booking
        held = selectors.future_bookings_of(user, now=now)
        return held if exclude_id is None else held.exclude(pk=exclude_id)

    if exclude_id is not None:
        held = held_bookings().count()
    else:  # every booking asks this: compiled once (roombooking/statements.py)
        [(held,)] = _HELD_COUNT.rows(user_id=user.pk, now=now)
    if held >= limit:
        raise ValidationError(
            {
                "bookingUserId": [
                    f"{user.get_username()} already holds {held} upcoming bookings; "
                    f"the limit is {limit}."
                ]
            }
        )
    if room is None or room.max_future_bookings_per_user is None:
        return []  # the default: no per-room limit, no query
    violation = policies.per_room_limit_violation(
        room=room,
        username=user.get_username(),
        held=held_bookings().filter(room=room).count(),
    )
    return [violation] if violation else []


_LOCK_PERSON = Template(
    lambda *, user_id: (
        get_user_model().objects.select_for_update(no_key=True).filter(pk=user_id).values_list("pk")
    ),
    user_id=int,
)
_HELD_COUNT = Template(
    lambda *, user_id, now: counted(
        selectors.future_bookings_of(get_user_model()(pk=user_id), now=now)
    ),
    user_id=int,
    now=dt.datetime,
)


def snapshot(booking: Booking, *, actor: str, in_series_action: bool = False) -> dict[str, Any]:
    """The fields every booking event carries (see apps.booking.events.BookingSnapshot)."""
    room = booking.room
    return {
        "approval_required": room.approval_required,
        "actor": actor,
        "booking_id": booking.pk,
        "room_id": room.pk,
        "room_name": room.name,
        "room_time_zone": room.time_zone,
        "room_managers": selectors.room_manager_usernames(room),
        "booking_user_id": booking.booking_user.username,
        "booking_user_email": booking.booking_user.email,
        "use_start_dtm": _utc(booking.use_start_dtm),
        "use_end_dtm": _utc(booking.use_end_dtm),
        "status": booking.status,
        "booking_dtm": _utc(booking.created_at),
        "series_id": booking.series_id,
        "in_series_action": in_series_action,
    }


def _check_may_override(actor, override_policy: bool) -> None:
    if override_policy and not is_office_staff(actor):
        raise PermissionDenied("Only office staff may override a room's policies (overridePolicy).")


def booking_user_for(actor, username: str | None):
    if username is None or username == actor.get_username():
        return actor
    if not is_office_staff(actor):
        raise PermissionDenied("Only office staff may book for someone else.")
    return active_user(username, field="bookingUserId")


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)
