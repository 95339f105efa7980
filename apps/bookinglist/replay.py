"""Reading the event log back through the projection: the table as a fresh replay computes it,
and the differences between that and the stored table (drift)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

from django.db import connection, transaction

from apps.bookinglist.models import BookingListManager, BookingListRow
from apps.bookinglist.projection import PROJECTED_EVENTS, RowState, apply_event
from apps.bookinglist.selectors import row_state
from roombooking import bus
from roombooking.events import Event
from roombooking.models import EventLog

REPLAY_CHUNK = 2000


def logged_events() -> Iterator[tuple[int, Event, dt.datetime]]:
    """The projected events of the log in order, with the time each was logged."""
    chunk: list[tuple[int, Event]] = []
    for seq, event in bus.replay(types=list(PROJECTED_EVENTS)):
        chunk.append((seq, event))
        if len(chunk) >= REPLAY_CHUNK:
            yield from _with_times(chunk)
            chunk = []
    yield from _with_times(chunk)


def _with_times(chunk: list[tuple[int, Event]]) -> Iterator[tuple[int, Event, dt.datetime]]:
    if not chunk:
        return
    times = dict(
        EventLog.objects.filter(id__gte=chunk[0][0], id__lte=chunk[-1][0]).values_list(
            "id", "occurred_at"
        )
    )
    for seq, event in chunk:
        yield seq, event, times[seq]


def event_count() -> int:
    return EventLog.objects.filter(event_type__in=[t.type_name() for t in PROJECTED_EVENTS]).count()


def replayed_rows(*, progress: Callable[[Iterable], Iterable] | None = None) -> dict[int, RowState]:
    """The table as a fresh replay of the event log computes it, in memory, by booking id."""
    rows: dict[int, RowState] = {}
    events: Iterable = logged_events()
    if progress is not None:
        events = progress(events)
    for seq, event, occurred_at in events:
        booking_id = event.booking_id
        new = apply_event(rows.get(booking_id), seq=seq, event=event, occurred_at=occurred_at)
        if new is not None:
            rows[booking_id] = new
    return rows


def drift() -> list[tuple[int, dict[str, tuple[object, object]]]]:
    """Rows whose stored values differ from a fresh replay: ``[(booking_id, {field: (table,
    replay)})]``; a missing or extra row shows as a ``row`` difference, a manager index out of
    step with ``room_managers`` as a ``managerIndex`` difference.

    Reads the log and the table in one snapshot, so events committed meanwhile are no drift."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # (SQLite: transactions are IMMEDIATE here, so writers wait for the check to end.)
        return _drift()


def _drift() -> list[tuple[int, dict[str, tuple[object, object]]]]:
    expected = replayed_rows()
    indexed: dict[int, list[str]] = {}
    for booking_id, username in BookingListManager.objects.order_by("username").values_list(
        "row_id", "username"
    ):
        indexed.setdefault(booking_id, []).append(username)
    found: list[tuple[int, dict[str, tuple[object, object]]]] = []
    seen: set[int] = set()
    for row in BookingListRow.objects.order_by("booking_id").iterator(chunk_size=2000):
        seen.add(row.booking_id)
        actual = row_state(row)
        replayed = expected.get(row.booking_id)
        differences: dict[str, tuple[object, object]] = {}
        if replayed is None:
            differences["row"] = ("present", "absent")
        else:
            differences.update(_differences(actual, replayed))
        if indexed.get(row.booking_id, []) != sorted(actual.room_managers):
            differences["managerIndex"] = (indexed.get(row.booking_id, []), actual.room_managers)
        if differences:
            found.append((row.booking_id, differences))
    for booking_id in sorted(set(expected) - seen):
        found.append((booking_id, {"row": ("absent", "present")}))
    return sorted(found, key=lambda item: item[0])


def _differences(actual: RowState, replayed: RowState) -> dict[str, tuple[object, object]]:
    left, right = actual.as_dict(), replayed.as_dict()
    return {name: (left[name], right[name]) for name in left if left[name] != right[name]}
