"""Real-browser tests: a room manager decides in the Django admin; a user books in the browsable
API. Chromium (Debian's, /usr/bin/chromium) drives a live server."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from apps.booking.models import Booking
from apps.confirm.events import BOOKED, CONFIRMED
from apps.confirm.models import Confirm
from roombooking.models import EventLog
from tests.confirm import bookings
from tests.confirm.conftest import make_manager

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's


@pytest.fixture
def page(page: Page, browser_ready) -> Page:
    page.set_viewport_size({"width": 1440, "height": 860})
    page.set_default_timeout(15_000)
    return page


def sign_in_to_admin(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(f"{base}/admin/")


def messages(page: Page):
    return page.locator("ul.messagelist")


def test_manager_approves_one_request_and_denies_another_with_a_reason(
    page, live_server, screenshots, manager, user
):
    room = bookings.room()
    first, first_request = bookings.book(actor=user, room=room)
    second, second_request = bookings.book(actor=user, room=room)
    make_manager("carol")
    _, elsewhere = bookings.book(actor=user, room=bookings.room(name="Jiri", managers=("carol",)))
    base = live_server.url

    sign_in_to_admin(page, base, "manager")
    page.get_by_role("link", name="Approval requests").first.click()
    expect(page.locator("h1")).to_have_text("Pending approvals")
    results = page.locator("#result_list")
    expect(results.locator("tbody tr")).to_have_count(2)  # only the rooms they manage
    expect(results).to_contain_text(f"Hanla (#{room.pk})")
    expect(results).not_to_contain_text("Jiri")
    page.screenshot(path=screenshots / "confirm-admin-list.png", full_page=True)

    page.check(f"input[name=_selected_action][value='{first_request.pk}']")
    page.select_option("select[name=action]", "approve_selected")
    page.click("button[name=index]")
    expect(messages(page)).to_contain_text("Approved 1 request(s)")
    expect(results.locator("tbody tr")).to_have_count(1)  # the approved one left the work list
    page.screenshot(path=screenshots / "confirm-admin-approved.png", full_page=True)

    results.get_by_role("link", name=str(second_request.pk), exact=True).click()
    decision = page.locator("#decision")
    expect(decision).to_contain_text("Waiting for a decision")
    page.screenshot(path=screenshots / "confirm-admin-detail.png", full_page=True)
    page.click("#deny-link")
    page.fill("#id_reason", "The room is being repainted that day")
    page.screenshot(path=screenshots / "confirm-admin-deny-reason.png", full_page=True)
    page.click("input[name=deny]")
    expect(messages(page)).to_contain_text("Denied 1 request(s)")
    expect(messages(page)).to_contain_text("Their bookings are cancelled and the slots free.")
    expect(page.locator("#result_list")).to_have_count(0)  # nothing left to decide
    page.screenshot(path=screenshots / "confirm-admin-denied.png", full_page=True)

    first_request.refresh_from_db()
    assert (first_request.status, first_request.confirm_user_id) == (CONFIRMED, "manager")
    assert not Confirm.objects.filter(pk=second_request.pk).exists()
    assert Booking.objects.get(pk=second.pk).status == "CANCELLED"
    assert Booking.objects.get(pk=first.pk).status == "BOOKED"
    denial = EventLog.objects.get(event_type="ConfirmDenied", booking_id=second.pk)
    assert denial.payload["reason"] == "The room is being repainted that day"
    assert denial.actor == "manager"
    assert Confirm.objects.get(pk=elsewhere.pk).status == BOOKED  # another manager's room


def test_manager_denies_selected_rows_on_the_reason_page(page, live_server, manager, user):
    room = bookings.room()
    booked = [bookings.book(actor=user, room=room) for _ in range(2)]
    base = live_server.url

    sign_in_to_admin(page, base, "manager")
    page.goto(f"{base}/admin/confirm/confirm/")
    page.check("#action-toggle")  # select all rows
    page.select_option("select[name=action]", "deny_selected")
    page.click("button[name=index]")
    expect(page.locator("#deny-list li")).to_have_count(2)
    assert Confirm.objects.filter(status=BOOKED).count() == 2  # nothing decided before "Deny"
    page.fill("#id_reason", "Company holiday")
    page.click("input[name=deny]")
    expect(messages(page)).to_contain_text("Denied 2 request(s)")

    for booking, request in booked:
        assert not Confirm.objects.filter(pk=request.pk).exists()
        assert Booking.objects.get(pk=booking.pk).status == "CANCELLED"


def test_user_books_with_the_browsable_apis_html_form(page, live_server, manager, user):
    room = bookings.room()
    start = bookings.next_free_day()
    base = live_server.url

    page.goto(f"{base}/api-auth/login/?next=/bookings")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(f"{base}/bookings")
    form = page.locator("#post-object-form form")
    form.locator("input[name=roomId]").fill(str(room.pk))
    local = start.astimezone(ZoneInfo(room.body["timeZone"]))  # compact times are the room's
    end = local + dt.timedelta(hours=1)
    form.locator("input[name=useStartDtm]").fill(local.strftime("%Y%m%d%H%M%S"))
    form.locator("input[name=useEndDtm]").fill(end.strftime("%Y%m%d%H%M%S"))
    form.get_by_role("button", name="POST").click()
    expect(page.locator(".response-info")).to_contain_text("201 Created")

    booking = Booking.objects.get(booking_user__username=user.username)
    assert (booking.room_id, booking.use_start_dtm, booking.status) == (room.pk, start, "BOOKED")
    page.goto(f"{base}/confirms")
    expect(page.locator(".response-info")).to_contain_text(f'"bookingId": {booking.pk}')
    request = Confirm.objects.get(booking_id=booking.pk)
    assert (request.status, request.user_id, request.approvers) == (BOOKED, "alice", ["manager"])
