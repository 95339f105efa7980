"""Waitlist entries in the admin: office staff read them and withdraw them through the service;
room managers (admin users too) do not see them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from apps.booking import services
from roombooking.models import EventLog
from tests.booking.waitlist.conftest import refreshed

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def entries(taken, join, user, other_user):
    first, second = join(user), join(other_user)
    services.cancel_booking(booking_id=taken.pk, actor="holder")
    return refreshed(first), refreshed(second)


def test_staff_list_search_and_read_entries(staff_client, entries):
    page = staff_client.get("/admin/booking/waitlistentry/?q=alice")
    assert page.status_code == 200
    assert [e.pk for e in page.context["cl"].queryset] == [entries[0].pk]
    page = staff_client.get("/admin/booking/waitlistentry/?status__exact=WAITING")
    assert [e.pk for e in page.context["cl"].queryset] == [entries[1].pk]
    assert (
        staff_client.get(f"/admin/booking/waitlistentry/{entries[0].pk}/change/").status_code == 200
    )
    assert staff_client.get("/admin/booking/waitlistentry/add/").status_code == 403


def test_withdraw_action_goes_through_the_service(staff_client, entries):
    response = staff_client.post(
        "/admin/booking/waitlistentry/",
        {"action": "withdraw_entries", ACTION_CHECKBOX_NAME: [entries[0].pk]},
    )
    assert response.status_code == 302
    alice, bob = (refreshed(e) for e in entries)
    assert (alice.status, bob.status) == ("WITHDRAWN", "OFFERED")  # passed on to the next
    withdrawn = EventLog.objects.get(event_type="WaitlistWithdrawn")
    assert withdrawn.actor == "staff"


def test_the_sweep_action_ends_run_out_holds(staff_client, entries):
    with time_machine.travel(entries[0].hold_until + dt.timedelta(seconds=1), tick=False):
        response = staff_client.post(
            "/admin/booking/waitlistentry/",
            {"action": "expire_holds_now", ACTION_CHECKBOX_NAME: [entries[0].pk]},
            follow=True,
        )
    assert "1 hold(s) ended" in response.content.decode()
    assert refreshed(entries[1]).status == "OFFERED"


def test_a_room_manager_sees_no_entries(client, manager, entries):
    client.force_login(manager)
    assert client.get("/admin/booking/waitlistentry/").status_code == 403
