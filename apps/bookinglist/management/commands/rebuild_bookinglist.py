"""Recompute the booking list from the event log (e.g. after adding a column or a drift)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from apps.bookinglist import replay, services


class Command(BaseCommand):
    help = "Recompute the booking list table from the event log, in one transaction."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, no_progress: bool = False, **options) -> None:
        total = replay.event_count()

        def progress(events):
            return tqdm(
                events,
                total=total,
                unit="event",
                desc="Replaying",
                file=self.stderr._out,
                disable=no_progress,
            )

        rows = services.rebuild_booking_list(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(f"Booking list rebuilt: {rows} rows from {total} events.")
        )
