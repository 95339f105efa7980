"""The day view in a real browser (pytest-playwright driving Debian's Chromium; fixtures in
tests/browser.py): sign in, read the day, book from a free cell, see a conflict inline."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from apps.booking import services
from apps.booking.models import Booking
from apps.confirm import services as confirm_services
from apps.confirm.models import Confirm
from tests.booking.conftest import future
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's


@pytest.fixture
def page(page: Page, browser_ready) -> Page:
    page.set_viewport_size({"width": 1440, "height": 820})
    page.set_default_timeout(15_000)
    return page


def test_book_from_a_free_cell_and_see_conflicts_inline(
    page, live_server, screenshots, user, other_user, superuser, room, other_room
):
    date = future().date()
    quiet = services.create_room(name="Quiet room", capacity=2, location="2nd floor")
    # A slot freed and held for the first one waiting for it: a "Held" block.
    freed = services.create_booking(
        actor=other_user,
        room_id=quiet.pk,
        use_start_dtm=future(hour=15),
        use_end_dtm=future(hour=17),
    )
    services.join_waitlist(
        actor=UserFactory(username="carol"),
        room_id=quiet.pk,
        use_start_dtm=future(hour=15),
        use_end_dtm=future(hour=17),
    )
    services.cancel_booking(booking_id=freed.pk, actor=other_user.username)
    services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=future(hour=9), use_end_dtm=future(hour=10)
    )
    theirs = services.create_booking(
        actor=other_user,
        room_id=room.pk,
        use_start_dtm=future(hour=14),
        use_end_dtm=future(hour=15, minute=30),
    )
    confirm_services.complete_confirm(
        confirm_id=Confirm.objects.get(booking_id=theirs.pk).pk, user=superuser
    )
    services.create_booking(
        actor=other_user,
        room_id=other_room.pk,
        use_start_dtm=future(hour=8, minute=30),
        use_end_dtm=future(hour=12),
    )
    base = live_server.url

    page.goto(f"{base}/day?date={date}")
    expect(page).to_have_url(f"{base}/api-auth/login/?next=/day%3Fdate%3D{date}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(f"{base}/day?date={date}")

    room_row = page.locator(f".row[data-room='{room.pk}']")
    expect(page.locator("#day-grid .row[data-room]")).to_have_count(3)
    expect(room_row.locator(".block.pending.mine")).to_have_text("You")
    expect(room_row.locator(".block.approved")).to_have_text("Booked")  # bob's, approved
    expect(page.locator(f".row[data-room='{quiet.pk}'] .block.held")).to_have_text("Held")

    room_row.locator("a.cell.free[data-hour='11']").click()
    form = page.locator("#book form")
    expect(form.locator("select[name=room]")).to_have_value(str(room.pk))
    expect(form.locator("input[name=start]")).to_have_value(f"{date}T11:00")
    expect(form.locator("input[name=end]")).to_have_value(f"{date}T12:00")
    form.locator("input[name=end]").fill(f"{date}T12:30")
    form.locator("#book-button").click()
    expect(page.locator("#message")).to_contain_text("Booked Room 101")
    expect(room_row.locator(".block.mine")).to_have_count(2)
    booked = Booking.objects.get(booking_user=user, use_start_dtm=future(hour=11))
    assert (booked.room_id, booked.use_end_dtm, booked.approval_status) == (
        room.pk,
        future(hour=12, minute=30),
        "PENDING",
    )

    room_row.locator("a.cell.free[data-hour='13']").click()
    form.locator("input[name=end]").fill(f"{date}T14:30")  # into bob's booking
    page.screenshot(path=screenshots / "day-view.png", full_page=True)
    form.locator("#book-button").click()
    expect(page.locator("#book .errorlist")).to_contain_text(
        "Room 101 is already booked at that time."
    )
    expect(page.locator("#conflicts")).to_contain_text(f"{date}T14:00:00+09:00")
    page.screenshot(path=screenshots / "day-view-conflict.png", full_page=True)
    form.locator("input[name=start]").fill(f"{date}T13:00")
    form.locator("input[name=end]").fill(f"{date}T12:00")
    form.locator("#book-button").click()
    expect(page.locator("#book .errorlist")).to_contain_text("The end must be after the start")
    assert Booking.objects.filter(booking_user=user).count() == 2

    next_day = date.fromordinal(date.toordinal() + 1)
    page.fill("#date", f"{next_day}")
    page.click("#date-picker button")
    expect(page).to_have_url(f"{base}/day?date={next_day}")
    expect(page.locator("#day-grid .block")).to_have_count(0)
