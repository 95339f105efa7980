"""The migration that added ``Booking.approval_status`` fills it in from the event log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.booking import services
from apps.booking.models import Booking
from apps.confirm import services as confirm_services
from apps.confirm.models import Confirm
from tests.booking.conftest import future

BEFORE = [("booking", "0003_room_managers_view_bookings")]
AFTER = [("booking", "0004_booking_approval_status")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def migrate_to_latest() -> None:
    """Back to every app's newest migration (later ones than AFTER exist), for the next tests."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_bookings_take_their_status_from_the_event_log(user, superuser, room):
    pending = services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=future(hour=9), use_end_dtm=future(hour=10)
    )
    approved = services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=future(hour=11), use_end_dtm=future(hour=12)
    )
    confirm_services.complete_confirm(
        confirm_id=Confirm.objects.get(booking_id=approved.pk).pk, user=superuser
    )
    try:
        migrate(BEFORE)  # drops the columns, as before the feature
        migrate(AFTER)  # adds them back, filled from the event log
        statuses = dict(Booking.objects.values_list("pk", "approval_status"))
    finally:
        migrate_to_latest()
    assert statuses == {pending.pk: "PENDING", approved.pk: "CONFIRMED"}
