"""The one-click link of the reminder: GET shows a page with one button and changes nothing
(mail scanners prefetch links); the button's POST checks in. The token is signed and bound to
the booking, its booker and its start."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client

from apps.booking import services
from apps.booking.services.checkin import LINK_SALT, check_in_url
from tests.lifecycle.conftest import HOUR, MINUTE, book, events_of, fresh

pytestmark = pytest.mark.django_db


def path_of(booking) -> str:
    return "/" + check_in_url(booking).split("/", 3)[3]


def test_get_only_shows_the_page_and_the_button_checks_in(user, check_in_room, time_machine):
    booking = book(user, check_in_room)
    time_machine.move_to(booking.use_start_dtm - 5 * MINUTE, tick=False)
    browser = Client(enforce_csrf_checks=True)  # anonymous: the link is the credential

    page = browser.get(path_of(booking))
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "Check in now" in html and check_in_room.name in html
    assert fresh(booking).checked_in_at is None  # a prefetch checks nobody in

    token = page.cookies["csrftoken"].value
    done = browser.post(path_of(booking), {"csrfmiddlewaretoken": token})
    assert done.status_code == 200, done.content
    assert "Checked in at" in done.content.decode()
    assert fresh(booking).checked_in_at == booking.use_start_dtm - 5 * MINUTE
    assert events_of(booking.pk, "BookingCheckedIn") == ["BookingCheckedIn"]


def test_a_post_without_the_page_s_csrf_token_is_refused(user, check_in_room, time_machine):
    booking = book(user, check_in_room)
    time_machine.move_to(booking.use_start_dtm, tick=False)
    answer = Client(enforce_csrf_checks=True).post(path_of(booking))
    assert answer.status_code == 403
    assert fresh(booking).checked_in_at is None


def test_a_forged_or_tampered_token_is_a_400(user, other_user, check_in_room, time_machine):
    booking = book(user, check_in_room)
    time_machine.move_to(booking.use_start_dtm, tick=False)
    forged = signing.dumps({"b": booking.pk, "u": user.pk, "s": "x"}, salt="another salt")
    tampered = path_of(booking)[:-3] + "abc"
    for path in (f"/check-in/{forged}", tampered):
        assert Client().get(path).status_code == 400
        assert Client().post(path).status_code == 400
    # Signed by us, but for another booker (a link of someone else's booking, edited):
    other = signing.dumps(
        {"b": booking.pk, "u": other_user.pk, "s": f"{check_in_room.pk}@0"}, salt=LINK_SALT
    )
    assert Client().post(f"/check-in/{other}").status_code == 400
    assert fresh(booking).checked_in_at is None


def test_the_link_of_a_moved_booking_no_longer_works(user, check_in_room, time_machine):
    booking = book(user, check_in_room)
    old_path = path_of(booking)
    moved = services.change_booking(
        actor=user,
        booking_id=booking.pk,
        use_start_dtm=booking.use_start_dtm + HOUR,
        use_end_dtm=booking.use_end_dtm + HOUR,
    )
    time_machine.move_to(moved.use_start_dtm, tick=False)
    answer = Client().post(old_path)
    assert answer.status_code == 400
    assert "earlier time or room" in answer.content.decode()
    assert Client().post(path_of(moved)).status_code == 200


def test_after_the_window_the_link_says_so(user, check_in_room, time_machine):
    booking = book(user, check_in_room)
    time_machine.move_to(booking.use_start_dtm + 20 * MINUTE, tick=False)
    answer = Client().post(path_of(booking))
    assert answer.status_code == 409
    assert "has closed" in answer.content.decode()
    services.release_no_shows(now=booking.use_start_dtm + 20 * MINUTE)
    answer = Client().post(path_of(booking))
    assert answer.status_code == 409 and "released" in answer.content.decode()
