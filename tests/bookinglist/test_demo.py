"""seed_demo leaves the booking list in step with the event log."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.bookinglist.models import BookingListRow
from tests.bookinglist.builders import created, publish, requested

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_bookinglist_listens")]


def test_seed_demo_rebuilds_a_list_that_is_out_of_step():
    booking = created(1)
    publish(booking, requested(booking, confirm_id=3))
    BookingListRow.objects.all().delete()  # e.g. a log older than the list
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Booking list rebuilt from the event log:" in out.getvalue()
    assert BookingListRow.objects.get(pk=1).confirm_status == "BOOKED"
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "in step with the log." in again.getvalue()
