"""The per-person booking limit locks the booker's row without blocking rows that merely point
at that person (a deadlock the scale-out drill found with FOR UPDATE)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from apps.booking.services.bookings import ensure_below_future_limit
from apps.notification.models import Notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_an_outbox_row_for_a_person_is_written_while_their_limit_check_holds_the_lock(user):
    locked, done = threading.Event(), threading.Event()

    def hold_the_limit_lock() -> None:
        try:
            with transaction.atomic():
                ensure_below_future_limit(user)
                locked.set()
                done.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_limit_lock)
    holder.start()
    try:
        assert locked.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")  # FOR UPDATE would time out here
            Notification.objects.create(
                recipient=user,
                recipient_username=user.username,
                recipient_email=user.email,
                event_type="BookingCreated",
                event_seq=1,
                contents="x",
                subject="x",
                body="x",
                created_at=timezone.now(),
            )
    finally:
        done.set()
        holder.join(10)
    assert Notification.objects.filter(recipient=user).count() == 1
