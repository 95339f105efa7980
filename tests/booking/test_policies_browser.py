"""Room policies in the Django admin, in a real browser (Debian's Chromium; tests/browser.py):
office staff set the approval mode and add opening hours with the inline's "Add another" row;
a booking outside them is then refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from playwright.sync_api import Page, expect

from apps.booking import services
from apps.booking.models import OpeningHours, Room
from tests.booking.conftest import future

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's


@pytest.fixture
def page(page: Page, browser_ready) -> Page:
    page.set_viewport_size({"width": 1440, "height": 1400})
    page.set_default_timeout(15_000)
    return page


def test_office_staff_set_policies_and_opening_hours_in_the_admin(
    page, live_server, screenshots, superuser, user, room
):
    base = live_server.url
    page.goto(f"{base}/admin/login/?next=/admin/booking/room/{room.pk}/change/")
    page.fill("#id_username", superuser.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("h2", has_text="Policies")).to_be_visible()

    page.select_option("#id_approval_mode", "AUTOMATIC")
    page.fill("#id_min_duration", "00:30:00")
    weekday = future(days=3).weekday()
    page.get_by_text("Add another Opening hours").click()  # added by the admin's inlines.js
    page.select_option("#id_opening_hours-0-weekday", str(weekday))
    page.fill("#id_opening_hours-0-opens", "09:00")
    page.fill("#id_opening_hours-0-closes", "17:00")
    page.screenshot(path=screenshots / "room-policies-admin.png", full_page=True)
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")

    saved = Room.objects.get(pk=room.pk)
    assert (saved.approval_mode, saved.min_duration) == ("AUTOMATIC", dt.timedelta(minutes=30))
    assert saved.has_opening_hours is True
    assert [(h.weekday, h.opens, h.closes) for h in OpeningHours.objects.filter(room=room)] == [
        (weekday, dt.time(9), dt.time(17))
    ]
    with pytest.raises(ValidationError) as refused:
        services.create_booking(
            actor=user, room_id=room.pk,
            use_start_dtm=future(days=3, hour=8), use_end_dtm=future(days=3, hour=9),
        )  # fmt: skip
    assert "(opening_hours" in refused.value.message_dict["useStartDtm"][0]
