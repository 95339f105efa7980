"""Compare the booking list with a fresh replay of the event log; exit 1 on any drift."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.bookinglist import replay
from apps.bookinglist.fields import API_NAMES


class Command(BaseCommand):
    help = "List every booking list row that differs from a fresh replay of the event log."

    def handle(self, *args, **options) -> None:
        drifting = replay.drift()
        for booking_id, differences in drifting:
            self.stdout.write(f"booking {booking_id}:")
            for field, (stored, replayed) in differences.items():
                name = API_NAMES.get(field, field)
                self.stdout.write(f"  {name}: table={_shown(stored)} replay={_shown(replayed)}")
        if drifting:
            raise CommandError(f"{len(drifting)} drifting row(s) in the booking list.")
        self.stdout.write(self.style.SUCCESS("Booking list matches the event log: no drift."))


def _shown(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.datetime) else repr(value)
