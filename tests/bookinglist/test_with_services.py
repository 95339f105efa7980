"""The booking list fed by the real booking and confirm services (every app's receivers on)."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command

from apps.booking import services as booking_services
from apps.confirm import services as confirm_services
from apps.confirm.models import Confirm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def future(hour: int) -> dt.datetime:
    day = dt.datetime.now(SEOUL).date() + dt.timedelta(days=20)
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SEOUL)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", is_staff=True)


@pytest.fixture
def room(manager):
    return booking_services.create_room(name="Room 101", capacity=6, managers=["manager"])


def test_a_booking_its_approval_and_a_denial_show_in_the_list(
    client_for, user, other_user, manager, room
):
    approved = booking_services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=future(9), use_end_dtm=future(10)
    )
    denied = booking_services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=future(11), use_end_dtm=future(12)
    )
    alice = client_for(user)
    row = alice.get(f"/bookingLists/{denied.pk}").json()
    request = Confirm.objects.get(booking_id=denied.pk)
    assert (row["bookingStatus"], row["confirmStatus"], row["confirmId"]) == (
        "BOOKED",
        "BOOKED",
        request.pk,
    )
    assert row["roomName"] == "Room 101" and row["roomManagers"] == ["manager"]

    confirm_services.complete_confirm(
        confirm_id=Confirm.objects.get(booking_id=approved.pk).pk, user=manager
    )
    confirm_services.deny_confirm(confirm_id=request.pk, user=manager, reason="Maintenance")

    row = alice.get(f"/bookingLists/{denied.pk}").json()
    assert (row["bookingStatus"], row["cancelCause"], row["cancelReason"]) == (
        "CANCELLED",
        "DENIED",
        "Maintenance",
    )
    assert (row["confirmStatus"], row["confirmUserId"]) == ("DENIED", "manager")
    assert row["confirmDtm"] is not None and row["cancelledDtm"] is not None
    listed = client_for(manager).get("/bookingLists?ordering=useStartDtm").json()["results"]
    assert [(r["bookingId"], r["confirmStatus"]) for r in listed] == [
        (approved.pk, "CONFIRMED"),
        (denied.pk, "DENIED"),
    ]
    assert client_for(other_user).get(f"/bookingLists/{denied.pk}").status_code == 404

    out = io.StringIO()
    call_command("check_bookinglist", stdout=out)
    assert "no drift" in out.getvalue()
