"""``manage.py seed_demo``: the booking list needs no demo data of its own (the demo bookings'
events fill it), but a database whose event log predates the list, or whose list drifted, is
rebuilt here, so that ``make run`` always shows a list in step with the log. Idempotent."""

from __future__ import annotations

from apps.bookinglist import replay, services
from apps.bookinglist.models import BookingListRow


def seed(*, users: dict, stdout) -> None:
    drifting = replay.drift()
    if drifting:
        rows = services.rebuild_booking_list()
        stdout.write(
            f"Booking list rebuilt from the event log: {rows} rows, {len(drifting)} fixed."
        )
        return
    stdout.write(f"Booking list: {BookingListRow.objects.count()} rows, in step with the log.")
