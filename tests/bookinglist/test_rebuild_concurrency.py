"""A rebuild running while bookings change loses no event (PostgreSQL: real concurrent writers)."""

from __future__ import annotations

import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections

from apps.bookinglist import services
from apps.bookinglist.models import BookingListRow
from tests.bookinglist.builders import completed, created, publish, requested

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("only_bookinglist_listens"),
]


def writers_waiting() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass",
            [BookingListRow._meta.db_table],
        )
        return cursor.fetchone()[0]


def test_an_event_published_during_a_rebuild_is_applied_after_it():
    booking = created(1)
    publish(booking, requested(booking, confirm_id=5))
    writer_done = threading.Event()
    errors: list[BaseException] = []

    def approve() -> None:  # another request approving the booking meanwhile
        try:
            publish(completed(booking, confirm_id=5))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()
            writer_done.set()

    def progress(events):
        events = list(events)  # the rebuild has read the log: now the approval commits
        threading.Thread(target=approve).start()
        deadline = time.monotonic() + 10
        while writers_waiting() == 0 and not writer_done.is_set():
            assert time.monotonic() < deadline, "the writer neither waited nor finished"
            time.sleep(0.01)  # polling interval
        return events

    services.rebuild_booking_list(progress=progress)
    assert writer_done.wait(10)
    assert errors == []
    assert BookingListRow.objects.get(pk=1).confirm_status == "CONFIRMED"
    out = io.StringIO()
    call_command("check_bookinglist", stdout=out)
    assert "no drift" in out.getvalue()
