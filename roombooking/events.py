"""The base of every event type: frozen dataclasses of plain data, each bound to a Django signal.

Each app declares its events in its own ``events.py`` (its public contract)::

    booking_created = Signal()  # receivers get: event=BookingCreated, seq=int, occurred_at

    @dataclass(frozen=True, kw_only=True)
    class BookingCreated(Event):
        signal: ClassVar[Signal] = booking_created
        booking_id: int

``roombooking.bus.publish`` logs an event and sends its signal; receivers are called as
``receiver(sender=EventClass, event=event, seq=log_sequence_number, occurred_at=logged_time,
fresh=True, new_booking=bool)`` (see ``roombooking.bus``: ``fresh`` says the ``seq`` is new,
``new_booking`` that the event is the first of a booking created in this transaction; a replay
passes neither, and receivers must then default both to False).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from typing import Any, ClassVar, Self

from django.dispatch import Signal
from django.utils.dateparse import parse_datetime

_registry: dict[str, type[Event]] = {}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    """Base class. ``actor`` is the username of whoever caused the event ("" for the system)."""

    signal: ClassVar[Signal]
    actor: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("signal"), Signal):
            if cls.__name__ in _registry and _registry[cls.__name__] is not cls:
                raise TypeError(f"two event types are named {cls.__name__}")
            _registry[cls.__name__] = cls

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def to_payload(self) -> dict[str, Any]:
        """The event as JSON-ready data (datetimes as ISO 8601, tuples as lists)."""
        return {name: _to_json(getattr(self, name)) for name in _field_names(type(self))}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        hints = typing.get_type_hints(cls)
        values = {}
        for f in dataclasses.fields(cls):
            if f.name in payload:
                values[f.name] = _from_json(payload[f.name], hints[f.name])
        return cls(**values)


def event_type(name: str) -> type[Event]:
    """The event class registered under ``name`` (for replaying the log)."""
    return _registry[name]


@functools.cache
def _field_names(cls: type[Event]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


_PLAIN = frozenset({str, int, bool, float, type(None)})


def _to_json(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _from_json(value, inner[0]) if len(inner) == 1 else value
    if hint is dt.datetime:
        return parse_datetime(value)
    if hint is dt.date:
        return dt.date.fromisoformat(value)
    if origin is tuple:
        args = typing.get_args(hint)
        return tuple(_from_json(v, args[0]) for v in value)
    return value
