"""Write operations of the bookinglist app: applying bus events to the table, and the rebuild.

Rows are written by the receivers inside the transaction of the change that published the event,
so the list never disagrees with a committed booking or approval.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from django.db import connection, models, transaction

from apps.bookinglist.models import BookingListManager, BookingListRow
from apps.bookinglist.projection import RowState, apply_event
from apps.bookinglist.replay import replayed_rows
from apps.bookinglist.selectors import logged_time, row_state
from roombooking import txmemo
from roombooking.events import Event
from roombooking.inserts import insert_later
from roombooking.instances import new_instance
from roombooking.statements import UpdateTemplate

logger = logging.getLogger(__name__)
MEMO = "bookinglist.row"  # txmemo namespace: the rows this transaction wrote, by booking id


def record_event(
    *, event: Event, seq: int, occurred_at: dt.datetime | None = None, new_booking: bool = False
) -> bool:
    """Apply one booking or approval event to its row; False when it was stale or repeated.

    ``occurred_at`` is when the bus logged the event (it passes it to receivers); it is read from
    the log when not given. The first event of a ``new_booking`` (created in the caller's
    transaction) cannot have a row yet, so none is read; a row this transaction has written is
    remembered (``roombooking.txmemo``: locked already, and as written), so the next event of
    the cascade does not read it back. No savepoint: the caller's transaction fails as a whole
    anyway.
    """
    with transaction.atomic(savepoint=False):
        if new_booking:
            current = None
        else:
            current = txmemo.recall(MEMO, event.booking_id)
            if current is None:
                rows = BookingListRow.objects.select_for_update().filter(pk=event.booking_id)
                row = rows.first()
                current = row_state(row) if row is not None else None
        occurred_at = occurred_at or logged_time(seq)
        new = apply_event(current, seq=seq, event=event, occurred_at=occurred_at)
        if new is None:
            if current is None:
                logger.warning("booking list: no row for %s of booking %s", event, event.booking_id)
            return False
        _save(new, previous=current)
        txmemo.remember(MEMO, event.booking_id, new)
        return True


def rebuild_booking_list(*, progress: Callable[[Iterable], Iterable] | None = None) -> int:
    """Recompute the whole table from the event log, in one transaction; returns the row count.

    ``progress`` wraps the event stream (the management command passes a tqdm bar). Readers see
    the old table until the new one commits; writers (receivers of new events) wait for it, and
    then apply their events, which are all later than the log the rebuild read.
    """
    with transaction.atomic():
        txmemo.forget(MEMO)  # every row is rewritten below
        _lock_out_writers()
        rows = replayed_rows(progress=progress)
        batch: list[RowState] = []
        for state in rows.values():
            batch.append(state)
            if len(batch) >= 1000:
                _bulk_insert(batch)
                batch = []
        _bulk_insert(batch)
        return len(rows)


def _lock_out_writers() -> None:
    """Empty the table and hold its write lock until commit, before reading the log: no event
    can then commit between the replay and the new rows and be lost."""
    rows, managers = BookingListRow._meta.db_table, BookingListManager._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # EXCLUSIVE still lets the API read (ACCESS SHARE); TRUNCATE would block it.
            cursor.execute(f"LOCK TABLE {rows}, {managers} IN EXCLUSIVE MODE")
        # SQLite: transactions are IMMEDIATE here, so writers already wait for this one.
        cursor.execute(f"DELETE FROM {managers}")
        cursor.execute(f"DELETE FROM {rows}")


def _save(state: RowState, *, previous: RowState | None) -> None:
    values = state.as_dict()
    booking_id = values.pop("booking_id")
    # The projection's writes travel with the transaction's next statement (nothing reads their
    # answers: a later event finds the row as written, through the transaction's memo).
    if previous is None:
        insert_later([new_instance(BookingListRow, booking_id=booking_id, **values)])
    else:
        before = previous.as_dict()
        changed = {name: value for name, value in values.items() if value != before[name]}
        _update_row(booking_id, changed)
    if previous is None or previous.room_managers != state.room_managers:
        if previous is not None:
            BookingListManager.objects.filter(row_id=booking_id).delete()
        insert_later(
            [
                new_instance(BookingListManager, row_id=booking_id, username=name)
                for name in state.room_managers
            ]
        )


def _update_row(booking_id: int, changed: dict) -> None:
    """Set the ``changed`` columns of the row (``previous`` is the row as stored: read under
    its lock, or as this transaction wrote it). An event changes the same few columns each
    time (an approval: its four), so the UPDATE per set of columns is compiled once
    (``roombooking.statements``); a set with a column of another kind (the managers' list)
    goes through the ORM."""
    if not changed:
        return
    names = tuple(sorted(changed))
    try:
        template = _ROW_UPDATES[names]
    except KeyError:
        template = _ROW_UPDATES.setdefault(names, _row_update(names))
    if template is None:
        BookingListRow.objects.filter(pk=booking_id).update(**changed)
    else:
        template.run_later(row=booking_id, **changed)


_ROW_UPDATES: dict[tuple[str, ...], UpdateTemplate | None] = {}
_KINDS = {
    models.BigIntegerField: int, models.IntegerField: int, models.CharField: str,
    models.DateTimeField: dt.datetime,
}  # fmt: skip


def _row_update(names: tuple[str, ...]) -> UpdateTemplate | None:
    kinds = {name: _KINDS.get(type(BookingListRow._meta.get_field(name))) for name in names}
    if not names or None in kinds.values():
        return None

    def row_update(*, row: int, **values):
        return BookingListRow.objects.filter(pk=row), values

    return UpdateTemplate(row_update, row=int, **kinds)


def _bulk_insert(states: list[RowState]) -> None:
    BookingListRow.objects.bulk_create(BookingListRow(**s.as_dict()) for s in states)
    BookingListManager.objects.bulk_create(
        BookingListManager(row_id=s.booking_id, username=name)
        for s in states
        for name in s.room_managers
    )
