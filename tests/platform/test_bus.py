"""The event bus: log in the caller's transaction, synchronous receivers, ordered cascades."""

from __future__ import annotations

import datetime as dt
from dataclasses import FrozenInstanceError, dataclass
from typing import ClassVar

import pytest
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from roombooking import bus
from roombooking.events import Event, event_type
from roombooking.models import EventLog

pinged = Signal()
ponged = Signal()


@dataclass(frozen=True, kw_only=True)
class Pinged(Event):
    signal: ClassVar[Signal] = pinged
    booking_id: int
    at: dt.datetime
    tags: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class Ponged(Event):
    signal: ClassVar[Signal] = ponged
    booking_id: int


@pytest.fixture
def connected():
    """Connect receivers for the duration of one test."""
    connections: list[tuple[Signal, object]] = []

    def connect(signal: Signal, receiver) -> None:
        signal.connect(receiver, weak=False)
        connections.append((signal, receiver))

    yield connect
    for signal, receiver in connections:
        signal.disconnect(receiver)


def make_ping(**kwargs) -> Pinged:
    return Pinged(booking_id=7, at=timezone.now(), tags=("a", "b"), actor="alice", **kwargs)


@pytest.mark.django_db
def test_publish_logs_the_event_and_calls_receivers_with_its_sequence_number(connected):
    received = []
    connected(pinged, lambda sender, event, seq, **kw: received.append((sender, event, seq)))
    event = make_ping()
    with transaction.atomic():
        seq = bus.publish(event)
    record = EventLog.objects.get()
    assert record.pk == seq
    assert (record.event_type, record.actor, record.booking_id) == ("Pinged", "alice", 7)
    assert received == [(Pinged, event, seq)]


@pytest.mark.django_db
def test_payload_round_trips_to_an_equal_event():
    event = make_ping(note="hi")
    with transaction.atomic():
        bus.publish(event)
    [(seq, replayed)] = list(bus.replay(types=[Pinged]))
    assert replayed == event
    assert isinstance(replayed.at, dt.datetime) and replayed.tags == ("a", "b")
    assert event_type("Pinged") is Pinged


def test_events_are_immutable():
    event = make_ping()
    with pytest.raises(FrozenInstanceError):
        event.booking_id = 8  # type: ignore[misc]


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(bus.BusError):
        bus.publish(make_ping())
    assert not EventLog.objects.exists()


@pytest.mark.django_db
def test_a_failing_receiver_rolls_back_the_whole_change(connected, user):
    def fail(sender, event, seq, **kwargs):
        raise RuntimeError("receiver failed")

    connected(pinged, lambda sender, event, seq, **kw: EventLog.objects.count())
    connected(pinged, fail)
    with pytest.raises(RuntimeError), transaction.atomic():
        user.first_name = "changed"
        user.save()
        bus.publish(make_ping())
    user.refresh_from_db()
    assert user.first_name == ""  # the caller's own write is undone too
    assert not EventLog.objects.exists()


@pytest.mark.django_db
def test_events_published_by_receivers_are_delivered_after_the_current_event(connected):
    seen: list[str] = []

    def first(sender, event, seq, **kwargs):
        seen.append(f"first:{sender.__name__}")
        bus.publish(Ponged(booking_id=event.booking_id))  # a cascade

    connected(pinged, first)
    connected(pinged, lambda sender, event, seq, **kw: seen.append("second:Pinged"))
    connected(ponged, lambda sender, event, seq, **kw: seen.append(f"pong:{seq}"))
    with transaction.atomic():
        ping_seq = bus.publish(make_ping())
    assert seen == ["first:Pinged", "second:Pinged", f"pong:{ping_seq + 1}"]
    assert list(EventLog.objects.values_list("event_type", flat=True)) == ["Pinged", "Ponged"]


@pytest.mark.django_db(transaction=True)
def test_nothing_leaves_the_process_before_commit(connected):
    """Receivers defer outside effects with on_commit: they run after commit, never on rollback."""
    sent: list[int] = []

    def hand_off(sender, event, seq, **kwargs):
        transaction.on_commit(lambda: sent.append(seq), robust=True)

    connected(pinged, hand_off)
    with transaction.atomic():
        seq = bus.publish(make_ping())
        assert sent == []  # still inside the transaction
    assert sent == [seq]

    with pytest.raises(RuntimeError), transaction.atomic():
        bus.publish(make_ping())
        raise RuntimeError("the change fails after publishing")
    assert sent == [seq]  # the rolled-back event never left


@pytest.mark.django_db
def test_the_log_is_append_only():
    with transaction.atomic():
        bus.publish(make_ping())
    record = EventLog.objects.get()
    with pytest.raises(ValueError):
        record.save()
    with pytest.raises(ValueError):
        record.delete()


@pytest.mark.django_db
def test_a_new_bookings_receiver_learns_what_the_cascade_logged_without_a_query(connected):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    answers = []

    def on_ping(sender, event, seq, new_booking=False, **kw):
        bus.publish(Ponged(booking_id=event.booking_id, actor="bob"))  # logged now, sent later

    def on_pong(sender, event, seq, new_booking=False, **kw):
        with CaptureQueriesContext(connection) as queries:
            in_cascade = [
                bus.has_logged(booking_id=event.booking_id, types=types, new_booking=True)
                for types in ([Ponged], [Pinged], [Pinged, Ponged])
            ] + [bus.has_logged(booking_id=event.booking_id + 1, types=[Pinged], new_booking=True)]
        logged = [
            bus.has_logged(booking_id=event.booking_id, types=types)
            for types in ([Ponged], [Pinged], [Pinged, Ponged])
        ] + [bus.has_logged(booking_id=event.booking_id + 1, types=[Pinged])]
        answers.append((in_cascade, logged, len(queries)))

    connected(pinged, on_ping)
    connected(ponged, on_pong)
    with transaction.atomic():
        bus.publish(make_ping(), new_booking=True)
    [(in_cascade, logged, queries)] = answers
    assert in_cascade == logged == [True, True, True, False]
    assert queries == 0


@pytest.mark.django_db
def test_outside_a_cascade_a_new_booking_is_looked_up_in_the_log():
    with transaction.atomic():
        bus.publish(make_ping())
    assert bus.has_logged(booking_id=7, types=[Pinged], new_booking=True) is True
    assert bus.has_logged(booking_id=8, types=[Pinged], new_booking=True) is False
