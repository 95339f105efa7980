"""Compare the booking list with a fresh replay of the event log; exit 1 on any drift."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.bookinglist import selectors
from apps.bookinglist.fields import API_NAMES


class Command(BaseCommand):
    help = "List every booking list row that differs from a fresh replay of the event log."

    def handle(self, *args, **options) -> None:
        drifting = selectors.drift()
        for booking_id, differences in drifting:
            self.stdout.write(f"booking {booking_id}:")
            for field, (table, replay) in differences.items():
                name = API_NAMES.get(field, field)
                self.stdout.write(f"  {name}: table={_shown(table)} replay={_shown(replay)}")
        if drifting:
            raise CommandError(f"{len(drifting)} drifting row(s) in the booking list.")
        self.stdout.write(self.style.SUCCESS("Booking list matches the event log: no drift."))


def _shown(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.datetime) else repr(value)
