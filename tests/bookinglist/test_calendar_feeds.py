"""Calendar subscription feeds and their tokens, with the real booking and confirm services
feeding the booking list: valid iCalendar, only what the token's owner may see, a reset or
revoked token is a 404 at once, throttled, and the admin can reset a leaked token."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.booking import services as booking_services
from apps.bookinglist import calendar_selectors
from apps.bookinglist.models import CalendarToken
from apps.confirm import services as confirm_services
from apps.confirm.models import Confirm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def future(days: int, hour: int) -> dt.datetime:
    day = dt.datetime.now(SEOUL).date() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SEOUL)


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", is_staff=True)


@pytest.fixture
def room(manager):
    return booking_services.create_room(name="Room 101", capacity=6, managers=["manager"])


def book(user, room, days: int, hour: int = 9):
    return booking_services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=future(days, hour),
        use_end_dtm=future(days, hour + 1),
    )  # fmt: skip


def approve(booking, manager) -> None:
    confirm = Confirm.objects.get(booking_id=booking.pk)
    confirm_services.decide_confirm(confirm_id=confirm.pk, user=manager, status="CONFIRMED")


def token_of(client, **wanted) -> dict:
    response = client.post("/calendarTokens", wanted, format="json")
    assert response.status_code in (200, 201), response.content
    return response.json()


def feed(api_client, url_or_token: str):
    path = url_or_token if "/" in url_or_token else f"/calendars/{url_or_token}.ics"
    return api_client.get(path.replace("http://testserver", ""), HTTP_ACCEPT="text/calendar")


def events_of(response) -> dict[int, icalendar.Event]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and "METHOD" not in calendar
    return {
        int(e["UID"].split("@")[0].removeprefix("booking-")): e for e in calendar.walk("VEVENT")
    }


def test_a_personal_feed_holds_the_owners_active_bookings(
    api_client, client_for, user, other_user, manager, room
):
    mine = book(user, room, days=3)
    approved = book(user, room, days=4)
    approve(approved, manager)
    cancelled = book(user, room, days=5)
    booking_services.cancel_booking(booking_id=cancelled.pk, actor="alice")
    book(other_user, room, days=6)  # bob's: not in alice's feed

    alice = client_for(user)
    first = alice.post("/calendarTokens", {"kind": "personal"}, format="json")
    again = alice.post("/calendarTokens", {"kind": "personal"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    body = first.json()
    assert body["kind"] == "personal" and body["roomId"] is None and len(body["token"]) >= 43
    assert body["url"] == f"http://testserver/calendars/{body['token']}.ics"

    events = events_of(feed(api_client, body["url"]))  # no credentials but the token
    assert sorted(events) == [mine.pk, approved.pk]
    event = events[approved.pk]
    assert event["UID"] == f"booking-{approved.pk}@localhost"
    assert event["STATUS"] == "CONFIRMED" and events[mine.pk]["STATUS"] == "TENTATIVE"
    assert event.decoded("DTSTART") == future(4, 9) and event.decoded("DTEND") == future(4, 10)
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert event["LOCATION"] == "Room 101"


def test_the_window_runs_from_30_days_back_to_365_ahead(user, room, settings):
    near, far = book(user, room, days=300), book(user, room, days=400)
    token = CalendarToken.objects.create(owner=user, kind="personal", token="t" * 43)
    assert [r.booking_id for r in calendar_selectors.feed_rows(token=token)] == [near.pk]
    later = timezone.now() + dt.timedelta(days=320)  # window: day 290 to day 685
    assert [r.booking_id for r in calendar_selectors.feed_rows(token=token, now=later)] == [
        near.pk,
        far.pk,
    ]
    after = timezone.now() + dt.timedelta(days=335)  # near ended more than 30 days before
    assert [r.booking_id for r in calendar_selectors.feed_rows(token=token, now=after)] == [far.pk]
    settings.CALENDAR_FEED_MAX_EVENTS = 1
    assert len(calendar_selectors.feed_rows(token=token, now=later)) == 1


def test_a_reset_token_is_a_404_at_once_and_the_new_one_works(api_client, client_for, user, room):
    book(user, room, days=3)
    alice = client_for(user)
    old = token_of(alice, kind="personal")
    assert feed(api_client, old["token"]).status_code == 200

    response = alice.post(f"/calendarTokens/{old['id']}/reset")
    assert response.status_code == 200, response.content
    new = response.json()
    assert new["id"] == old["id"] and new["token"] != old["token"]
    gone = feed(api_client, old["token"])
    assert gone.status_code == 404
    assert gone.json()["message"] == "No such calendar." and gone["Content-Type"].startswith(
        "application/json"
    )
    assert len(events_of(feed(api_client, new["token"]))) == 1

    assert alice.delete(f"/calendarTokens/{new['id']}").status_code == 204
    assert feed(api_client, new["token"]).status_code == 404
    assert alice.get("/calendarTokens").json() == []


def test_wrong_tokens_and_other_peoples_tokens(api_client, client_for, user, other_user):
    assert feed(api_client, "not-a-real-token-" + "x" * 30).status_code == 404
    assert api_client.get("/calendars/bad%20token.ics").status_code == 404
    bobs = token_of(client_for(other_user), kind="personal")
    alice = client_for(user)
    assert alice.post(f"/calendarTokens/{bobs['id']}/reset").status_code == 404
    assert alice.delete(f"/calendarTokens/{bobs['id']}").status_code == 404
    assert alice.get(f"/calendarTokens/{bobs['id']}").status_code == 404
    assert alice.get("/calendarTokens").json() == []
    assert feed(api_client, bobs["token"]).status_code == 200  # untouched


def test_bad_requests_name_the_field(client_for, api_client, user):
    alice = client_for(user)
    cases = [
        ({"kind": "shared"}, "kind"),
        ({}, "kind"),
        ({"kind": "room"}, "roomId"),
        ({"kind": "room", "roomId": 0}, "roomId"),
        ({"kind": "room", "roomId": "abc"}, "roomId"),
        ({"kind": "personal", "roomId": 5}, "roomId"),
    ]
    for body, field in cases:
        response = alice.post("/calendarTokens", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert list(response.json()["errors"]) == [field], body
    assert (
        api_client.post("/calendarTokens", {"kind": "personal"}, format="json").status_code == 401
    )
    assert api_client.get("/calendarTokens").status_code == 401


def test_room_feeds_are_for_the_rooms_managers_and_office_staff(
    api_client, client_for, user, other_user, manager, staff_user, room
):
    alices, bobs = book(user, room, days=3), book(other_user, room, days=3, hour=11)
    other_room = booking_services.create_room(name="Elsewhere", capacity=2, managers=[])
    book(user, other_room, days=3)

    refused = client_for(user).post("/calendarTokens", {"kind": "room", "roomId": room.pk})
    assert refused.status_code == 403
    assert "managers and office staff" in refused.json()["message"]

    managers = token_of(client_for(manager), kind="room", roomId=room.pk)
    assert managers["roomId"] == room.pk
    events = events_of(feed(api_client, managers["token"]))
    assert sorted(events) == [alices.pk, bobs.pk]
    assert str(events[bobs.pk]["SUMMARY"]).startswith("Booked by bob")
    calendar = icalendar.Calendar.from_ical(feed(api_client, managers["token"]).content)
    assert calendar["X-WR-CALNAME"] == "Bookings of Room 101"

    staffs = token_of(client_for(staff_user), kind="room", roomId=other_room.pk)
    assert len(events_of(feed(api_client, staffs["token"]))) == 1
    # The manager is no manager of the other room.
    assert client_for(manager).post(
        "/calendarTokens", {"kind": "room", "roomId": other_room.pk}
    ).status_code == 403  # fmt: skip


def test_a_room_feed_stops_when_its_owner_no_longer_manages_the_room(
    api_client, client_for, user, manager, room
):
    book(user, room, days=3)
    token = token_of(client_for(manager), kind="room", roomId=room.pk)
    assert feed(api_client, token["token"]).status_code == 200
    booking_services.update_room(room_id=room.pk, managers=[])
    book(user, room, days=4)  # the list learns the room's managers from booking events
    assert feed(api_client, token["token"]).status_code == 404


def test_a_deactivated_owners_feed_is_a_404(api_client, client_for, user, room):
    token = token_of(client_for(user), kind="personal")
    user.is_active = False
    user.save()
    assert feed(api_client, token["token"]).status_code == 404


def test_feeds_are_throttled_per_client_address(api_client, client_for, user, settings):
    settings.CALENDAR_FEED_THROTTLE = "3/min"
    token = token_of(client_for(user), kind="personal")
    statuses = [feed(api_client, token["token"]).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert feed(api_client, "wrong" * 10).status_code == 429  # guessing counts too


def test_office_staff_reset_a_leaked_token_in_the_admin(client, user, superuser, api_client):
    from tests.factories import UserFactory as _  # noqa: F401  (users come from fixtures)

    token = CalendarToken.objects.create(owner=user, kind="personal", token="leaked" * 8)
    client.force_login(superuser)
    page = client.get("/admin/bookinglist/calendartoken/")
    assert page.status_code == 200 and b"leak\xe2\x80\xa6" in page.content
    assert b"leakedleaked" not in page.content  # the secret is not shown
    response = client.post(
        "/admin/bookinglist/calendartoken/",
        {"action": "reset_tokens", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.token != "leaked" * 8
    assert feed(api_client, "leaked" * 8).status_code == 404


def test_room_managers_do_not_see_the_tokens_in_the_admin(client, manager, room):
    client.force_login(manager)
    assert client.get("/admin/bookinglist/calendartoken/").status_code == 403


def test_room_ids_out_of_range_or_unknown_are_a_400_for_office_staff_too(
    client_for, staff_user, user, room
):
    book(user, room, days=3)
    staff = client_for(staff_user)
    for room_id in (10**20, 2**63, 987654):
        response = staff.post("/calendarTokens", {"kind": "room", "roomId": room_id}, format="json")
        assert response.status_code == 400, (room_id, response.content)
        assert list(response.json()["errors"]) == ["roomId"]
    assert not CalendarToken.objects.exists()
    assert token_of(staff, kind="room", roomId=room.pk)["roomId"] == room.pk


def test_unknown_token_ids_are_a_404_on_reset_and_delete(client_for, user, other_user):
    others = token_of(client_for(other_user), kind="personal")
    alice = client_for(user)
    for token_id in (others["id"], 999999):
        assert alice.post(f"/calendarTokens/{token_id}/reset").status_code == 404
        assert alice.delete(f"/calendarTokens/{token_id}").status_code == 404
    assert CalendarToken.objects.filter(pk=others["id"]).exists()


def test_the_room_feed_follows_the_rooms_current_managers_not_the_latest_approval(
    api_client, client_for, user, manager, room
):
    successor = UserFactory(username="successor", is_staff=True)
    first = book(user, room, days=3)  # names "manager"
    booking_services.update_room(room_id=room.pk, managers=["successor"])
    book(user, room, days=4)  # names "successor"
    approve(first, manager)  # raises the first row's last_seq, its managers stay ["manager"]

    assert client_for(manager).post(
        "/calendarTokens", {"kind": "room", "roomId": room.pk}
    ).status_code == 403  # fmt: skip
    token = token_of(client_for(successor), kind="room", roomId=room.pk)
    assert feed(api_client, token["token"]).status_code == 200


def test_a_forwarded_for_header_does_not_reset_the_feed_throttle(
    api_client, client_for, user, settings
):
    settings.CALENDAR_FEED_THROTTLE = "2/min"
    token = token_of(client_for(user), kind="personal")["token"]
    statuses = [
        feed_from(api_client, token, forwarded_for=f"10.0.0.{n}").status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_behind_a_proxy_the_feed_throttle_counts_the_address_the_proxy_saw(
    api_client, client_for, user, settings
):
    settings.CALENDAR_FEED_THROTTLE = "1/min"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    token = token_of(client_for(user), kind="personal")["token"]
    # The proxy appends the client's address; what the client wrote before it is ignored.
    assert feed_from(api_client, token, forwarded_for="1.1.1.1, 10.0.0.1").status_code == 200
    assert feed_from(api_client, token, forwarded_for="2.2.2.2, 10.0.0.1").status_code == 429
    assert feed_from(api_client, token, forwarded_for="10.0.0.2").status_code == 200


def feed_from(api_client, token: str, *, forwarded_for: str):
    return api_client.get(
        f"/calendars/{token}.ics", HTTP_ACCEPT="text/calendar", HTTP_X_FORWARDED_FOR=forwarded_for
    )
