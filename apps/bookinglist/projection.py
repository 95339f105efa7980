"""The projection itself, as a pure function of (row state, event): the live receivers, the
rebuild and the drift check all apply events through ``apply_event``, so they cannot disagree."""

from __future__ import annotations

import dataclasses
import datetime as dt

from apps.booking.events import BookingCancelled, BookingChanged, BookingCreated, BookingSnapshot
from apps.confirm.events import (
    ConfirmCompleted,
    ConfirmDenied,
    ConfirmExpired,
    ConfirmRequested,
    ConfirmSnapshot,
)
from roombooking.events import Event

BOOKING_EVENTS: tuple[type[Event], ...] = (BookingCreated, BookingChanged, BookingCancelled)
CONFIRM_EVENTS: tuple[type[Event], ...] = (
    ConfirmRequested,
    ConfirmCompleted,
    ConfirmDenied,
    ConfirmExpired,
)
PROJECTED_EVENTS: tuple[type[Event], ...] = BOOKING_EVENTS + CONFIRM_EVENTS


@dataclasses.dataclass
class RowState:
    """The values of one ``BookingListRow`` (model field names), free of the database."""

    booking_id: int
    room_id: int
    room_name: str
    room_managers: list[str]
    booking_user_id: str
    use_start_dtm: dt.datetime
    use_end_dtm: dt.datetime
    booking_dtm: dt.datetime
    booking_status: str
    updated_dtm: dt.datetime
    last_seq: int
    confirm_id: int | None = None
    confirm_status: str | None = None
    confirm_user_id: str | None = None
    confirm_dtm: dt.datetime | None = None
    confirm_reason: str = ""
    cancelled_dtm: dt.datetime | None = None
    cancel_cause: str = ""
    cancel_reason: str = ""
    series_id: int | None = None
    booking_seq: int = 0  # the last booking event's seq: room, managers and times are its

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    def as_dict(self) -> dict:
        """The fields by name, lists copied: ``dataclasses.asdict`` deep-copies every value,
        which was a twentieth of a booking's Python CPU when profiled."""
        return {
            name: list(value) if isinstance(value, list) else value
            for name, value in vars(self).items()
        }


def apply_event(
    state: RowState | None, *, seq: int, event: Event, occurred_at: dt.datetime
) -> RowState | None:
    """The row after ``event`` (logged as ``seq`` at ``occurred_at``).

    Returns None when the event changes nothing: it is stale or repeated (``seq`` at or below the
    row's ``last_seq``), or it concerns a booking the list has no row for and cannot create one
    from (an approval event before its booking's creation, which the bus's ordering rules out).
    """
    if state is not None and seq <= state.last_seq:
        return None
    if isinstance(event, BookingSnapshot):
        new = _apply_booking(state, event, seq=seq, occurred_at=occurred_at)
    elif isinstance(event, ConfirmSnapshot):
        if state is None:
            return None
        new = _apply_confirm(state, event)
    else:
        return None
    new.last_seq = seq
    new.updated_dtm = occurred_at
    return new


def _apply_booking(
    state: RowState | None, event: BookingSnapshot, *, seq: int, occurred_at: dt.datetime
) -> RowState:
    values = dict(
        booking_id=event.booking_id,
        room_id=event.room_id,
        room_name=event.room_name,
        room_managers=sorted(set(event.room_managers)),
        booking_user_id=event.booking_user_id,
        use_start_dtm=event.use_start_dtm,
        use_end_dtm=event.use_end_dtm,
        booking_dtm=event.booking_dtm,
        booking_status=event.status,
        series_id=event.series_id,
        booking_seq=seq,
    )
    if isinstance(event, BookingCancelled):
        values.update(
            cancelled_dtm=event.cancelled_dtm, cancel_cause=event.cause, cancel_reason=event.reason
        )
    if state is None:
        return RowState(**values, updated_dtm=occurred_at, last_seq=seq)
    return dataclasses.replace(state, **values)


def _apply_confirm(state: RowState, event: ConfirmSnapshot) -> RowState:
    # Room, managers and times come from the booking events only: they own them.
    return dataclasses.replace(
        state,
        confirm_id=event.confirm_id,
        confirm_status=event.status,
        confirm_user_id=event.confirm_user_id,
        confirm_dtm=event.confirm_dtm,
        confirm_reason=event.reason,
    )
