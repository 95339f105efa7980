"""The reminder's check-in link in a real browser (pytest-playwright driving Debian's Chromium,
fixtures in tests/browser.py): the email's link opens a page, and only its button checks in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.booking import services
from apps.notification.models import Notification
from tests.lifecycle.conftest import book, fresh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(page: Page, browser_ready) -> Page:
    page.set_viewport_size({"width": 900, "height": 640})
    page.set_default_timeout(15_000)
    return page


def test_the_email_link_shows_a_page_and_its_button_checks_in(
    page, live_server, screenshots, settings, user, check_in_room
):
    settings.PUBLIC_BASE_URL = live_server.url
    # A meeting that starts in five minutes: the window is open now, on the real clock.
    start = (timezone.now() + dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    booking = book(user, check_in_room, start=start)
    assert services.send_booking_reminders() == [booking.pk]
    body = Notification.objects.get(booking_id=booking.pk, event_type="BookingReminderDue").body
    [link] = re.findall(r"^http\S+/check-in/\S+$", body, flags=re.MULTILINE)

    page.goto(link)
    expect(page.locator("h1")).to_have_text("Check in to Focus")
    expect(page.locator("#check-in")).to_be_visible()
    page.screenshot(path=screenshots / "lifecycle-check-in-link.png", full_page=True)
    assert fresh(booking).checked_in_at is None  # opening the link checks nobody in

    page.click("#check-in")
    expect(page.locator("#done")).to_contain_text("Checked in at")
    page.screenshot(path=screenshots / "lifecycle-checked-in.png", full_page=True)
    assert fresh(booking).checked_in_at is not None

    page.goto(link)  # the link again: already done, no button
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#check-in")).to_have_count(0)
