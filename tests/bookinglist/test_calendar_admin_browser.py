"""Real browser: office staff reset a leaked calendar token in the admin, and its feed URL stops
working at once while the owner's new URL works. Chromium (Debian's) drives a live server."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from apps.bookinglist.models import CalendarToken

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's
LEAKED = "leakedLeakedLeakedLeakedLeakedLeakedLeaked0"


@pytest.fixture
def page(page: Page, browser_ready) -> Page:
    page.set_viewport_size({"width": 1440, "height": 860})
    page.set_default_timeout(15_000)
    return page


def test_office_staff_reset_a_leaked_token(page, live_server, screenshots, user, superuser):
    CalendarToken.objects.create(owner=user, kind="personal", token=LEAKED)
    base = live_server.url
    assert requests.get(f"{base}/calendars/{LEAKED}.ics", timeout=10).status_code == 200

    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", superuser.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.get_by_role("link", name="Calendar tokens").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("alice")
    expect(rows.first).to_contain_text("leak…")
    expect(page.locator("body")).not_to_contain_text(LEAKED)  # the secret is not shown
    rows.first.locator("input.action-select").check()
    page.select_option("select[name=action]", "reset_tokens")
    page.screenshot(path=screenshots / "calendar-tokens-admin.png")
    page.click("button[name=index]")
    expect(page.locator("ul.messagelist")).to_contain_text("1 calendar token(s) reset.")

    assert requests.get(f"{base}/calendars/{LEAKED}.ics", timeout=10).status_code == 404
    new = CalendarToken.objects.get(owner=user).token
    assert new != LEAKED
    assert requests.get(f"{base}/calendars/{new}.ics", timeout=10).status_code == 200
