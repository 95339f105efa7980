"""The in-process event bus.

``publish(event)`` takes the booking's lock (``lock_booking``), appends the event to the
``EventLog`` inside the caller's transaction and sends its signal; receivers run synchronously in
that same transaction, so an exception in any of them rolls the whole change back. Anything
leaving the process must be deferred by the receiver with ``transaction.on_commit``.

Events published by a receiver (a cascade such as ConfirmDenied -> BookingCancelled) are logged at
once but delivered after every receiver of the current event has run: receivers always see events
in sequence order, which is what the projections' "ignore anything older than my last sequence
number" rule relies on. The outermost ``publish`` returns when the whole cascade is delivered.

Receivers get ``fresh=True`` from the bus: the event's ``seq`` was just taken in this transaction,
so no receiver can have applied it before and a consumer may skip its "did I already apply this
event?" query; ``new_booking=True`` when the event is the first about a booking created by this
transaction (see ``publish``). A replay (a test, a repair tool) sends the signal without them
and gets the full checks.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from collections.abc import Iterator

from django.db import transaction

from roombooking.cursors import run_statement
from roombooking.events import Event, event_type
from roombooking.inserts import insert_new
from roombooking.instances import new_instance
from roombooking.models import EventLog
from roombooking.statements import Template

_local = threading.local()


class BusError(RuntimeError):
    pass


def publish(event: Event, *, new_booking: bool = False) -> int:
    """Log ``event`` and deliver it to its receivers; returns its sequence number.

    ``new_booking``: the event is about a booking inserted by this very transaction, and is
    its first. No other transaction can see that booking before we commit, let alone log an
    event about it, so its lock is not needed; receivers are told (``new_booking=True``), so
    that they need not look for rows of a booking that cannot have any.
    """
    if not transaction.get_connection().in_atomic_block:
        raise BusError("publish() must be called inside transaction.atomic()")
    if not new_booking:
        lock_booking(getattr(event, "booking_id", None))
    (record,) = insert_new(
        [
            new_instance(
                EventLog,
                event_type=event.type_name(),
                payload=event.to_payload(),
                actor=event.actor,
                booking_id=getattr(event, "booking_id", None),
            )
        ]
    )
    delivery = (event, record.pk, record.occurred_at, new_booking)
    logged = (getattr(event, "booking_id", None), event.type_name())
    pending: deque[tuple[Event, int, dt.datetime, bool]] | None = getattr(_local, "pending", None)
    if pending is not None:  # inside a receiver: deliver after the current event
        pending.append(delivery)
        _local.logged.add(logged)
        return record.pk
    _local.pending = pending = deque([delivery])
    # A cascade runs in this one transaction, which already holds this booking's lock.
    _local.locked = {getattr(event, "booking_id", None)}
    _local.logged = {logged}  # (booking id, event type) of every event the cascade logs
    try:
        while pending:
            current, seq, occurred_at, new = pending.popleft()
            current.signal.send(
                sender=type(current),
                event=current,
                seq=seq,
                occurred_at=occurred_at,
                fresh=True,
                new_booking=new,
            )
    finally:
        del _local.pending
        del _local.locked
        del _local.logged
    return record.pk


def lock_booking(booking_id: int | None) -> None:
    """Hold, until the current transaction ends, the lock that orders the changes of one booking.

    ``publish`` takes it before logging an event about a booking. Sequence numbers are taken at
    insert, not at commit: without it, a booker's cancellation could log its event first and
    commit last (waiting for an approval's row lock), and a projection that skips events older
    than the last one it applied would drop the cancellation. With it, the events of one booking
    are logged in commit order. A service that locks rows and then publishes (a decision on an
    approval request) takes this lock FIRST, so that the order is always this lock, then rows.
    PostgreSQL: an advisory transaction lock; SQLite already serializes writers (IMMEDIATE).
    """
    if booking_id is None or booking_id in getattr(_local, "locked", ()):
        return  # held already: taken by the publish whose cascade this is
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise BusError("lock_booking() must be called inside transaction.atomic()")
    run_statement(connection, "SELECT pg_advisory_xact_lock(%s)", [booking_id])
    locked = getattr(_local, "locked", None)
    if locked is not None:
        locked.add(booking_id)


def has_logged(*, booking_id: int, types: list[type[Event]], new_booking: bool = False) -> bool:
    """Whether the log holds an event of one of ``types`` about ``booking_id``.

    ``new_booking``: the caller is a receiver of the first event of a booking this transaction
    inserted. Every event about that booking is then one the cascade under way has logged (no
    other transaction can see the booking, and this cascade began with its first event), so the
    cascade's own record answers, without a query."""
    if new_booking and getattr(_local, "logged", None) is not None:
        return any((booking_id, t.type_name()) in _local.logged for t in types)
    names = tuple(t.type_name() for t in types)
    if not names:
        return False
    template = _LOGGED.get(names)
    if template is None:  # compiled once per list of types (roombooking/statements.py)
        template = _LOGGED.setdefault(names, Template(_logged(names), booking_id=int))
    return bool(template.rows(booking_id=booking_id))


_LOGGED: dict[tuple[str, ...], Template] = {}


def _logged(names: tuple[str, ...]):
    def build(*, booking_id: int):
        return EventLog.objects.filter(booking_id=booking_id, event_type__in=names).values_list(
            "pk"
        )[:1]

    return build


def replay(
    *, types: list[type[Event]] | None = None, after_seq: int = 0, booking_id: int | None = None
) -> Iterator[tuple[int, Event]]:
    """Logged events in sequence order, as event objects (for rebuilding projections)."""
    records = EventLog.objects.filter(id__gt=after_seq).order_by("id")
    if types is not None:
        records = records.filter(event_type__in=[t.type_name() for t in types])
    if booking_id is not None:
        records = records.filter(booking_id=booking_id)
    for record in records.iterator(chunk_size=2000):
        yield record.pk, event_type(record.event_type).from_payload(record.payload)
