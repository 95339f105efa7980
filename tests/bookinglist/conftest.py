from __future__ import annotations

import pytest

from apps.booking import events as booking_events
from apps.confirm import events as confirm_events

SIGNALS = [
    booking_events.booking_created,
    booking_events.booking_changed,
    booking_events.booking_cancelled,
    confirm_events.confirm_requested,
    confirm_events.confirm_completed,
    confirm_events.confirm_denied,
]


@pytest.fixture
def only_bookinglist_listens():
    """Only the booking list's receivers hear the events these tests publish by hand: the other
    apps would (rightly) react to them, e.g. by looking up bookings that exist only as events."""
    saved = {signal: list(signal.receivers) for signal in SIGNALS}
    for signal in SIGNALS:
        signal.receivers = [r for r in signal.receivers if str(r[0][0]).startswith("bookinglist.")]
        signal.sender_receivers_cache.clear()
    yield
    for signal, receivers in saved.items():
        signal.receivers = receivers
        signal.sender_receivers_cache.clear()
