"""rebuild_bookinglist and check_bookinglist."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from apps.bookinglist.models import BookingListManager, BookingListRow
from tests.bookinglist.builders import (
    cancelled,
    changed,
    completed,
    created,
    denied,
    publish,
    requested,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_bookinglist_listens")]


@pytest.fixture
def history(db):
    one, two, three = created(1), created(2, room_id=7, room_managers=("mia", "max")), created(3)
    publish(one, requested(one, confirm_id=11))
    publish(two, requested(two, confirm_id=12))
    publish(three, requested(three, confirm_id=13))
    publish(completed(one, confirm_id=11))
    publish(changed(two, room_managers=("mia",), booking_user_id="bob"))
    publish(
        denied(three, confirm_id=13, reason="no"), cancelled(three, cause="DENIED", reason="no")
    )


def check() -> str:
    out = io.StringIO()
    call_command("check_bookinglist", stdout=out)
    return out.getvalue()


def check_failing() -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("check_bookinglist", stdout=out)
    assert failure.value.returncode == 1
    return out.getvalue()


def snapshot() -> list[dict]:
    rows = list(BookingListRow.objects.order_by("booking_id").values())
    managers = sorted(BookingListManager.objects.values_list("row_id", "username"))
    return [rows, managers]


def test_no_drift_after_live_events(history):
    assert "no drift" in check()


def test_a_corrupted_field_is_reported_by_name(history):
    BookingListRow.objects.filter(pk=1).update(confirm_status="DENIED")
    output = check_failing()
    assert "booking 1:" in output
    assert "confirmStatus: table='DENIED' replay='CONFIRMED'" in output
    assert "booking 2" not in output and "booking 3" not in output


def test_missing_extra_and_manager_index_drift_is_reported(history):
    BookingListRow.objects.filter(pk=3).delete()
    BookingListRow.objects.create(**{**BookingListRow.objects.values().get(pk=1), "booking_id": 9})
    BookingListManager.objects.filter(row_id=2).delete()
    output = check_failing()
    assert "booking 3:\n  row: table='absent' replay='present'" in output
    assert "booking 9:\n  row: table='present' replay='absent'" in output
    assert "booking 2:\n  managerIndex: table=[] replay=['mia']" in output


def test_a_drifted_time_is_shown_in_iso_8601(history):
    row = BookingListRow.objects.get(pk=2)
    BookingListRow.objects.filter(pk=2).update(use_end_dtm=row.use_start_dtm)
    assert f"useEndDtm: table={row.use_start_dtm.isoformat()}" in check_failing()


def test_rebuild_reproduces_the_live_table(history):
    live = snapshot()
    err = io.StringIO()
    out = io.StringIO()
    call_command("rebuild_bookinglist", stdout=out, stderr=err)
    assert "3 rows from 10 events" in out.getvalue()
    assert "Replaying" in err.getvalue() and "10/10" in err.getvalue()  # the progress bar
    assert snapshot() == live


def test_rebuild_repairs_drift(history):
    live = snapshot()
    BookingListRow.objects.filter(pk=1).update(confirm_status="DENIED", last_seq=0)
    BookingListRow.objects.filter(pk=2).delete()
    check_failing()
    call_command("rebuild_bookinglist", "--no-progress", stdout=io.StringIO())
    assert snapshot() == live
    assert "no drift" in check()


def test_rebuild_of_an_empty_log(db):
    call_command("rebuild_bookinglist", "--no-progress", stdout=io.StringIO())
    assert not BookingListRow.objects.exists()
    assert "no drift" in check()
