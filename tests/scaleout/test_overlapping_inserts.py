"""Found by the scale-out drill: two overlapping bookings inserted at once can each wait for the
other in the exclusion constraint's check; PostgreSQL aborts one ("deadlock detected"), which
was answered 503. The service's writers now take turns per room; a writer outside the service
can still cause the deadlock, and the service's aborted insert must end as the 409 of a taken
slot."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from apps.booking import services
from apps.booking.models import Booking
from roombooking.errors import Conflict
from tests.factories import UserFactory
from tests.processes import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOUR = dt.timedelta(hours=1)


def lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else cached for the transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_booking_whose_insert_deadlocks_with_another_is_a_409():
    first, booker, third = (UserFactory(username=n) for n in ("first", "booker", "third"))
    room = services.create_room(name="Contested", capacity=4)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=30)
    inserted, outcome = threading.Event(), {}

    def other_writer() -> None:
        """Holds [start, +1 h) uncommitted; once the booker waits for it, inserts a row that
        overlaps the booker's and so waits for the booker: a cycle."""
        try:
            with transaction.atomic():
                Booking.objects.create(
                    room=room, booking_user=first, use_start_dtm=start, use_end_dtm=start + HOUR
                )
                inserted.set()
                wait_for(lambda: lock_waiters() >= 1, timeout=30, interval=0.02)
                Booking.objects.create(
                    room=room,
                    booking_user=third,
                    use_start_dtm=start + 75 * dt.timedelta(minutes=1),
                    use_end_dtm=start + 2 * HOUR,
                )
            outcome["other"] = "committed"
        except Exception as error:
            outcome["other"] = repr(error)
        finally:
            connection.close()

    def book() -> None:
        inserted.wait(30)
        try:
            services.create_booking(
                actor=booker,
                room_id=room.pk,
                use_start_dtm=start + HOUR / 2,
                use_end_dtm=start + 3 * HOUR / 2,
            )
            outcome["booker"] = "booked"
        except Conflict as conflict:
            outcome["booker"] = conflict.status_code
        except Exception as error:
            outcome["booker"] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=other_writer), threading.Thread(target=book)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # The booker waited first, so PostgreSQL's deadlock check (after deadlock_timeout) aborts it.
    assert outcome == {"other": "committed", "booker": 409}
    assert Booking.objects.filter(booking_user=booker).count() == 0
