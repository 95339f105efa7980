"""Who may do what on the endpoints added after test_authorization.py: recurring series, check-in
(the API and the signed link), the waitlist, calendar tokens and feeds, room policies, the day
view, notifications and the admin's actions, for the same seven callers.

The world of test_authorization.py, plus: a series of three by the booker in the manager's room;
a room that requires check-in with a booking of the booker whose window is open now; two slots
taken by a third person ("holder") in the manager's room, for which the booker waits (one
``WAITING``, one ``OFFERED``); the booker's personal calendar token and the manager's room token.
Expected statuses are what docs/series.md, lifecycle.md, waitlist.md, calendars.md, policies.md,
finding-rooms.md and notification.md promise; a refused write changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from apps.booking import services as booking_services
from apps.booking.models import Booking, Room, Series
from apps.booking.models_waitlist import WaitlistEntry
from apps.booking.services.checkin import check_in_url
from apps.bookinglist.models import CalendarToken
from apps.confirm.models import Confirm
from apps.notification.models import Notification
from tests.factories import UserFactory
from tests.security.test_authorization import ROLES, World, _local, expect, start
from tests.security.test_authorization import world as world  # the fixture, re-exported


@dataclass
class More:
    world: World
    series: Series
    occurrences: list[Booking]
    check_in_room: Room
    check_in_booking: Booking
    waiting: WaitlistEntry
    offered: WaitlistEntry
    personal_token: CalendarToken
    room_token: CalendarToken

    @property
    def users(self) -> dict:
        return self.world.users


@pytest.fixture
def more(world) -> More:
    users, room = world.users, world.room
    series = booking_services.book_series(
        actor=users["booker"],
        room_id=room.pk,
        use_start_dtm=_local(start(40)),
        use_end_dtm=_local(start(40, 11)),
        rrule="FREQ=DAILY;COUNT=3",
    )
    check_in_room = booking_services.create_room(
        name="Room C", capacity=4, managers=["manager"], requires_check_in=True
    )
    soon = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    check_in_booking = booking_services.create_booking(
        actor=users["booker"],
        room_id=check_in_room.pk,
        use_start_dtm=soon,
        use_end_dtm=soon + dt.timedelta(hours=1),
    )
    holder = UserFactory(username="holder")
    taken = [
        booking_services.create_booking(
            actor=holder,
            room_id=room.pk,
            use_start_dtm=_local(start(days)),
            use_end_dtm=_local(start(days, 11)),
        )
        for days in (50, 51)
    ]
    waiting, offered = (
        booking_services.join_waitlist(
            actor=users["booker"],
            room_id=room.pk,
            use_start_dtm=booking.use_start_dtm,
            use_end_dtm=booking.use_end_dtm,
        )
        for booking in taken
    )
    booking_services.cancel_booking(booking_id=taken[1].pk, actor="holder")
    offered.refresh_from_db()
    assert (waiting.status, offered.status) == ("WAITING", "OFFERED")
    from apps.bookinglist.calendar_tokens import issue_calendar_token

    personal_token, _ = issue_calendar_token(owner=users["booker"], kind="personal")
    room_token, _ = issue_calendar_token(owner=users["manager"], kind="room", room_id=room.pk)
    return More(
        world=world,
        series=series,
        occurrences=list(series.occurrences.order_by("use_start_dtm")),
        check_in_room=check_in_room,
        check_in_booking=check_in_booking,
        waiting=waiting,
        offered=offered,
        personal_token=personal_token,
        room_token=room_token,
    )


def call(client_for, more: More, role: str, method: str, path: str, data=None):
    client = client_for(None if role == "anonymous" else more.users[role])
    return getattr(client, method.lower())(fill(more, path), data, format="json")


def fill(more: More, path: str) -> str:
    return path.format(
        booking=more.world.booking.pk,
        room=more.world.room.pk,
        series=more.series.pk,
        second=more.occurrences[1].pk,
        check_in=more.check_in_booking.pk,
        waiting=more.waiting.pk,
        offered=more.offered.pk,
        personal_token=more.personal_token.pk,
        room_token=more.room_token.pk,
        notification=more.world.notification.pk,
    )


# --- reads -------------------------------------------------------------------------------------

READS = {
    # docs/series.md: the booker, the room's managers and office staff; anyone else 404
    "GET /bookings/series/{series}": expect(
        anonymous=401, stranger=404, booker=200, manager=200, other_manager=404, staff=200,
        superuser=200,
    ),
    # docs/waitlist.md: your own entries; office staff everyone's; someone else's is a 404
    "GET /bookings/waitlist/{waiting}": expect(
        anonymous=401, stranger=404, booker=200, manager=404, other_manager=404, staff=200,
        superuser=200,
    ),
    "GET /bookings/waitlist": expect(
        anonymous=401, stranger=200, booker=200, manager=200, other_manager=200, staff=200,
        superuser=200,
    ),
    # docs/calendars.md: each person sees only their own tokens (someone else's is a 404)
    "GET /calendarTokens/{personal_token}": expect(
        anonymous=401, stranger=404, booker=200, manager=404, other_manager=404, staff=404,
        superuser=404,
    ),
    "GET /calendarTokens": expect(
        anonymous=401, stranger=200, booker=200, manager=200, other_manager=200, staff=200,
        superuser=200,
    ),
    # docs/policies.md: everyone signed in reads the policies
    "GET /rooms": expect(
        anonymous=401, stranger=200, booker=200, manager=200, other_manager=200, staff=200,
        superuser=200,
    ),
    # docs/notification.md: GET only; writes are not a method of the resource
    "POST /notifications": expect(
        anonymous=401, stranger=405, booker=405, manager=405, other_manager=405, staff=405,
        superuser=405,
    ),
    "PATCH /notifications/{notification}": expect(
        anonymous=401, stranger=405, booker=405, manager=405, other_manager=405, staff=405,
        superuser=405,
    ),
    "DELETE /notifications/{notification}": expect(
        anonymous=401, stranger=405, booker=405, manager=405, other_manager=405, staff=405,
        superuser=405,
    ),
    # the series resource lists nothing: a series is read by its id (docs/series.md)
    "GET /bookings/series": expect(
        anonymous=401, stranger=405, booker=405, manager=405, other_manager=405, staff=405,
        superuser=405,
    ),
}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "role", "status"),
    [(endpoint, role, status) for endpoint, rows in READS.items() for role, status in rows],
)
def test_reads(client_for, more, endpoint, role, status):
    method, path = endpoint.split(" ")
    response = call(client_for, more, role, method, path)
    assert response.status_code == status, response.content[:300]
    assert Notification.objects.filter(pk=more.world.notification.pk).exists()


# --- writes ------------------------------------------------------------------------------------


def state(more: More) -> dict:
    """Everything a refused write must leave as it was."""
    room = Room.objects.get(pk=more.world.room.pk)
    return {
        "occurrences": list(
            Booking.objects.filter(series=more.series)
            .order_by("pk")
            .values_list("pk", "room_id", "use_start_dtm", "use_end_dtm", "status")
        ),
        "series_confirms": sorted(
            Confirm.objects.filter(series_id=more.series.pk).values_list("pk", "status")
        ),
        "checked_in": Booking.objects.get(pk=more.check_in_booking.pk).checked_in_at,
        "entries": sorted(
            WaitlistEntry.objects.values_list("pk", "user_id", "status", "booking_id")
        ),
        "bookings": Booking.objects.count(),
        "series_count": Series.objects.count(),
        "tokens": sorted(CalendarToken.objects.values_list("pk", "owner_id", "token")),
        "room": (
            room.name,
            room.approval_mode,
            room.min_duration,
            room.max_days_ahead,
            room.max_future_bookings_per_user,
            list(room.opening_hours.values_list("weekday", "opens", "closes")),
        ),
    }


WRITES = {
    # docs/series.md: bookingUserId is for office staff, as for single bookings
    ("POST /bookings/series", "series_for_booker"): expect(
        anonymous=401, stranger=403, booker=201, manager=403, other_manager=403, staff=201,
        superuser=201,
    ),
    # docs/series.md: only the booker and office staff change or cancel (a manager 403, else 404)
    ("PATCH /bookings/{second}?scope=following", "move_later"): expect(
        anonymous=401, stranger=404, booker=200, manager=403, other_manager=404, staff=200,
        superuser=200,
    ),
    ("PATCH /bookings/{second}?scope=all", "move_later"): expect(
        anonymous=401, stranger=404, booker=200, manager=403, other_manager=404, staff=200,
        superuser=200,
    ),
    ("DELETE /bookings/{second}?scope=following", None): expect(
        anonymous=401, stranger=404, booker=204, manager=403, other_manager=404, staff=204,
        superuser=204,
    ),
    ("DELETE /bookings/{second}?scope=all", None): expect(
        anonymous=401, stranger=404, booker=204, manager=403, other_manager=404, staff=204,
        superuser=204,
    ),
    ("DELETE /bookings/series/{series}", None): expect(
        anonymous=401, stranger=404, booker=200, manager=403, other_manager=404, staff=200,
        superuser=200,
    ),
    # docs/series.md: 404 when you see no request of the series, 403 unless you may decide every
    # waiting one (a manager of the room, a superuser; office staff only for unmanaged rooms)
    ("PATCH /confirms/series/{series}", "approve"): expect(
        anonymous=401, stranger=404, booker=403, manager=200, other_manager=404, staff=403,
        superuser=200,
    ),
    ("PATCH /confirms/series/{series}", "deny"): expect(
        anonymous=401, stranger=404, booker=403, manager=200, other_manager=404, staff=403,
        superuser=200,
    ),
    # docs/lifecycle.md: the booker or office staff; a manager of the room 403; else 404
    ("POST /bookings/{check_in}/check-in", None): expect(
        anonymous=401, stranger=404, booker=200, manager=403, other_manager=404, staff=200,
        superuser=200,
    ),
    # docs/waitlist.md: anyone signed in joins (for themselves: the user is server-owned)
    ("POST /bookings/waitlist", "join"): expect(
        anonymous=401, stranger=201, booker=409, manager=201, other_manager=201, staff=201,
        superuser=201,
    ),
    # docs/waitlist.md: your own entries, office staff everyone's (accepting books for the
    # waiting person); someone else's is a 404
    ("POST /bookings/waitlist/{offered}/accept", None): expect(
        anonymous=401, stranger=404, booker=201, manager=404, other_manager=404, staff=201,
        superuser=201,
    ),
    ("DELETE /bookings/waitlist/{waiting}", None): expect(
        anonymous=401, stranger=404, booker=204, manager=404, other_manager=404, staff=204,
        superuser=204,
    ),
    ("DELETE /bookings/waitlist/{offered}", None): expect(
        anonymous=401, stranger=404, booker=204, manager=404, other_manager=404, staff=204,
        superuser=204,
    ),
    # docs/calendars.md: a personal token for anyone signed in (the booker has one: 200)
    ("POST /calendarTokens", "personal_token"): expect(
        anonymous=401, stranger=201, booker=200, manager=201, other_manager=201, staff=201,
        superuser=201,
    ),
    # a room's: office staff and the room's managers (the manager has one: 200); else 403
    ("POST /calendarTokens", "room_token"): expect(
        anonymous=401, stranger=403, booker=403, manager=200, other_manager=403, staff=201,
        superuser=201,
    ),
    # each person changes only their own tokens; someone else's is a 404
    ("POST /calendarTokens/{personal_token}/reset", None): expect(
        anonymous=401, stranger=404, booker=200, manager=404, other_manager=404, staff=404,
        superuser=404,
    ),
    ("DELETE /calendarTokens/{personal_token}", None): expect(
        anonymous=401, stranger=404, booker=204, manager=404, other_manager=404, staff=404,
        superuser=404,
    ),
    ("POST /calendarTokens/{room_token}/reset", None): expect(
        anonymous=401, stranger=404, booker=404, manager=200, other_manager=404, staff=404,
        superuser=404,
    ),
    # docs/policies.md: office staff set the policies; anyone else 403
    ("PATCH /rooms/{room}", "policies"): expect(
        anonymous=401, stranger=403, booker=403, manager=403, other_manager=403, staff=200,
        superuser=200,
    ),
    ("PATCH /rooms/{room}", "opening_hours"): expect(
        anonymous=401, stranger=403, booker=403, manager=403, other_manager=403, staff=200,
        superuser=200,
    ),
    ("POST /rooms", "room_with_policies"): expect(
        anonymous=401, stranger=403, booker=403, manager=403, other_manager=403, staff=201,
        superuser=201,
    ),
    # docs/policies.md: anyone but office staff sending overridePolicy: true gets 403
    ("POST /bookings", "override"): expect(
        anonymous=401, stranger=403, booker=403, manager=403, other_manager=403, staff=201,
        superuser=201,
    ),
    ("PATCH /bookings/{booking}", "override_move"): expect(
        anonymous=401, stranger=404, booker=403, manager=403, other_manager=404, staff=200,
        superuser=200,
    ),
}  # fmt: skip

BODIES = {
    "series_for_booker": {
        "roomId": "{room}",
        "useStartDtm": start(60),
        "useEndDtm": start(60, 11),
        "rrule": "FREQ=WEEKLY;COUNT=2",
        "bookingUserId": "booker",
    },
    "move_later": {"useStartDtm": start(41, 14), "useEndDtm": start(41, 15)},
    "approve": {"status": "CONFIRMED"},
    "deny": {"status": "DENIED", "reason": "no"},
    "join": {"roomId": "{room}", "useStartDtm": start(50), "useEndDtm": start(50, 11)},
    "personal_token": {"kind": "personal"},
    "room_token": {"kind": "room", "roomId": "{room}"},
    "policies": {
        "approvalMode": "AUTOMATIC",
        "minDurationMinutes": 30,
        "maxDaysAhead": 60,
        "maxFutureBookingsPerUser": 3,
    },
    "opening_hours": {"openingHours": [{"weekday": 0, "opens": "08:00", "closes": "18:00"}]},
    "room_with_policies": {
        "name": "Room D",
        "capacity": 3,
        "approvalMode": "AUTOMATIC",
        "openingHours": [{"weekday": 1, "opens": "09:00", "closes": "17:00"}],
    },
    # too short for the policy set below, so only the override lets it through
    "override": {
        "roomId": "{room}",
        "useStartDtm": start(70),
        "useEndDtm": start(70, 10)[:-4] + "1000",
        "overridePolicy": True,
    },
    "override_move": {
        "useStartDtm": start(71),
        "useEndDtm": start(71, 10)[:-4] + "1000",
        "overridePolicy": True,
    },
    None: None,
}


def body_for(more: More, name: str | None):
    body = BODIES[name]
    if body is None:
        return None
    return {
        key: int(fill(more, value)) if value == "{room}" else value for key, value in body.items()
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "body", "role", "status"),
    [(e, b, role, status) for (e, b), rows in WRITES.items() for role, status in rows],
)
def test_writes(client_for, more, endpoint, body, role, status):
    method, path = endpoint.split(" ")
    if body in ("override", "override_move"):  # a policy the booking breaks
        booking_services.update_room(
            room_id=more.world.room.pk, min_duration=dt.timedelta(minutes=30)
        )
    before = state(more)
    response = call(client_for, more, role, method, path, body_for(more, body))
    assert response.status_code == status, response.content[:300]
    if status >= 400:  # a refused write changed nothing
        assert state(more) == before


# --- lists show nobody else's rows -------------------------------------------------------------

LISTS = [
    "/bookings/waitlist",
    "/bookings/waitlist?userId=booker",
    "/bookings/waitlist?status=OFFERED",
    "/bookings?seriesId={series}",
    "/confirms?seriesId={series}",
    "/bookingLists?seriesId={series}",
    "/bookings",
    "/confirms",
    "/notifications",
    "/bookingLists",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("role", ["stranger", "other_manager"])
def test_no_list_shows_other_peoples_rows(client_for, more, path, role):
    body = call(client_for, more, role, "GET", path).json()
    assert body["count"] == 0, body


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/bookings/waitlist", "/bookings/waitlist?userId=booker"])
def test_a_manager_sees_no_waitlist_entry_of_their_rooms(client_for, more, path):
    """Entries are their person's (docs/waitlist.md), not the room's managers'."""
    body = call(client_for, more, "manager", "GET", path).json()
    assert body["count"] == 0, body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["stranger", "manager", "other_manager", "staff", "superuser"])
def test_nobody_lists_someone_elses_calendar_tokens(client_for, more, role):
    tokens = call(client_for, more, role, "GET", "/calendarTokens").json()
    owner = more.users[role].username
    assert more.personal_token.token not in str(tokens)
    assert all(token["token"] != more.personal_token.token for token in tokens)
    if role != "manager":
        assert tokens == [], (owner, tokens)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "count"),
    [("booker", 2), ("staff", 2), ("superuser", 2), ("stranger", 0), ("manager", 0)],
)
def test_the_waitlist_list_is_yours_and_staff_see_all(client_for, more, role, count):
    assert call(client_for, more, role, "GET", "/bookings/waitlist").json()["count"] == count


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["stranger", "manager", "staff"])
def test_joining_the_waitlist_for_someone_else_joins_yourself(client_for, more, role):
    """The user is server-owned (docs/waitlist.md): staff too can put only themselves in line."""
    body = {**body_for(more, "join"), "userId": "booker", "status": "OFFERED"}
    answer = call(client_for, more, role, "POST", "/bookings/waitlist", body)
    assert answer.status_code == 201, answer.content[:300]
    entry = WaitlistEntry.objects.get(pk=answer.json()["id"])
    assert (entry.user, entry.status) == (more.users[role], "WAITING")


# --- calendar feeds: the token is the credential ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("token", "status"), [("personal", 200), ("room", 200), ("forged", 404), ("revoked", 404)]
)
def test_a_feed_answers_its_token_whoever_asks(client_for, more, settings, role, token, status):
    """docs/calendars.md: calendar clients cannot sign in, so the URL's token alone decides: a
    signed-in caller gets no more (a forged or revoked token is a 404 for staff too)."""
    settings.CALENDAR_FEED_THROTTLE = ""  # many requests from one address in this module
    value = {
        "personal": more.personal_token.token,
        "room": more.room_token.token,
        "forged": more.personal_token.token[:-2] + "xx",
        "revoked": more.personal_token.token,
    }[token]
    if token == "revoked":
        more.personal_token.delete()
    response = call(client_for, more, role, "GET", f"/calendars/{value}.ics")
    assert response.status_code == status, response.content[:300]
    if status == 200:
        assert b"BEGIN:VCALENDAR" in response.content


@pytest.mark.django_db
def test_a_room_feed_stops_when_its_owner_no_longer_manages_the_room(client_for, more, settings):
    settings.CALENDAR_FEED_THROTTLE = ""
    booking_services.update_room(room_id=more.world.room.pk, managers=["other_manager"])
    booking_services.create_booking(  # the list learns the managers from booking events
        actor=more.users["booker"],
        room_id=more.world.room.pk,
        use_start_dtm=_local(start(80)),
        use_end_dtm=_local(start(80, 11)),
    )
    response = call(client_for, more, "manager", "GET", f"/calendars/{more.room_token.token}.ics")
    assert response.status_code == 404


# --- the signed check-in link: the token stands for the booker ---------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_opening_the_check_in_link_changes_nothing_whoever_opens_it(client_for, more, role):
    link = check_in_url(more.check_in_booking).split("://", 1)[1].split("/", 1)[1]
    response = call(client_for, more, role, "GET", f"/{link}")
    assert response.status_code == 200, response.content[:300]
    assert Booking.objects.get(pk=more.check_in_booking.pk).checked_in_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_tampered_check_in_link_is_a_400_and_checks_nobody_in(client_for, more, role):
    link = check_in_url(more.check_in_booking).split("://", 1)[1].split("/", 1)[1].rstrip("/")
    other = Booking.objects.get(pk=more.world.booking.pk)
    tampered = link.replace(f'"b":{more.check_in_booking.pk}', f'"b":{other.pk}')
    for path in (link[:-3] + "abc", tampered + "x"):
        response = call(client_for, more, role, "POST", f"/{path}")
        assert response.status_code == 400, (path, response.content[:300])
    assert Booking.objects.get(pk=more.check_in_booking.pk).checked_in_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_check_in_links_button_checks_in_the_booker_whoever_presses_it(client_for, more, role):
    """The link is the booker's (it is in their mailbox): its POST needs no sign-in."""
    link = check_in_url(more.check_in_booking).split("://", 1)[1].split("/", 1)[1]
    response = call(client_for, more, role, "POST", f"/{link}")
    assert response.status_code == 200, response.content[:300]
    assert Booking.objects.get(pk=more.check_in_booking.pk).checked_in_at is not None


# --- the day view (HTML) -----------------------------------------------------------------------

DAY_LABELS = {  # docs/finding-rooms.md: the username for office staff and the room's managers
    "stranger": "Booked",
    "booker": "You",
    "manager": "booker",
    "other_manager": "Booked",
    "staff": "booker",
    "superuser": "booker",
}


def page_client(more: More, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(more.users[role])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_day_view_names_a_booker_only_to_staff_and_the_rooms_managers(more, role):
    day = _local(start(30)).date()
    response = page_client(more, role).get(f"/day?date={day}")
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response["Location"]
        return
    assert response.status_code == 200
    html = response.content.decode()
    label = DAY_LABELS[role]
    assert f">{label}</div>" in html
    if label != "booker":
        assert ">booker</div>" not in html and "booker (" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_booking_from_the_day_view_books_for_yourself_only(more, role):
    day = _local(start(90))
    form = {
        "room": more.world.room.pk,
        "start": f"{day:%Y-%m-%d}T10:00",
        "end": f"{day:%Y-%m-%d}T11:00",
        "bookingUserId": "booker",
        "booking_user": "booker",
    }
    before = Booking.objects.count()
    response = page_client(more, role).post(f"/day?date={day.date()}", form)
    assert response.status_code == 302, response.content[:300]
    if role == "anonymous":
        assert "/login" in response["Location"] and Booking.objects.count() == before
        return
    made = Booking.objects.latest("pk")
    assert Booking.objects.count() == before + 1 and made.booking_user == more.users[role]


# --- the admin's actions -----------------------------------------------------------------------


def _cancel_booking(more):
    booking = more.world.booking
    return (
        "booking/booking",
        {"action": "cancel_bookings", "_selected_action": [booking.pk]},
        lambda: Booking.objects.get(pk=booking.pk).status == "CANCELLED",
    )


def _deactivate_room(more):
    room = more.world.room
    return (
        "booking/room",
        {"action": "deactivate_rooms", "_selected_action": [room.pk]},
        lambda: not Room.objects.get(pk=room.pk).is_active,
    )


def _cancel_series(more):
    return (
        "booking/series",
        {"action": "cancel_remaining", "_selected_action": [more.series.pk]},
        lambda: not Booking.objects.filter(series=more.series, status="BOOKED").exists(),
    )


def _withdraw_entries(more):
    return (
        "booking/waitlistentry",
        {"action": "withdraw_entries", "_selected_action": [more.waiting.pk]},
        lambda: WaitlistEntry.objects.get(pk=more.waiting.pk).status == "WITHDRAWN",
    )


def _expire_holds(more):
    # the hold has run out: the sweep ends it
    WaitlistEntry.objects.filter(pk=more.offered.pk).update(
        hold_until=timezone.now() - dt.timedelta(minutes=1)
    )
    return (
        "booking/waitlistentry",
        {"action": "expire_holds_now", "_selected_action": [more.waiting.pk]},
        lambda: WaitlistEntry.objects.get(pk=more.offered.pk).status == "EXPIRED",
    )


def _approve_selected(more):
    confirm = more.world.confirm
    return (
        "confirm/confirm",
        {"action": "approve_selected", "_selected_action": [confirm.pk]},
        lambda: Confirm.objects.get(pk=confirm.pk).status == "CONFIRMED",
    )


def _deny_selected(more):
    confirm = more.world.confirm
    return (
        "confirm/confirm",
        {
            "action": "deny_selected",
            "_selected_action": [confirm.pk],
            "confirm_deny": "1",
            "reason": "no",
        },
        lambda: not Confirm.objects.filter(pk=confirm.pk, status="BOOKED").exists(),
    )


def _series_confirms(more):
    return Confirm.objects.filter(series_id=more.series.pk).order_by("pk")


def _approve_series(more):
    first = _series_confirms(more).first()
    return (
        "confirm/confirm",
        {"action": "approve_series", "_selected_action": [first.pk]},
        lambda: set(_series_confirms(more).values_list("status", flat=True)) == {"CONFIRMED"},
    )


def _deny_series(more):
    first = _series_confirms(more).first()
    return (
        "confirm/confirm",
        {
            "action": "deny_series",
            "_selected_action": [first.pk],
            "confirm_deny": "1",
            "reason": "no",
        },
        lambda: not _series_confirms(more).filter(status="BOOKED").exists(),
    )


def _send_again(more):
    notification = more.world.notification
    Notification.objects.filter(pk=notification.pk).update(status="FAILED")
    return (
        "notification/notification",
        {"action": "send_again", "_selected_action": [notification.pk]},
        lambda: Notification.objects.get(pk=notification.pk).status != "FAILED",
    )


def _reset_tokens(more):
    token = more.personal_token
    return (
        "bookinglist/calendartoken",
        {"action": "reset_tokens", "_selected_action": [token.pk]},
        lambda: CalendarToken.objects.get(pk=token.pk).token != token.token,
    )


# Who the action works for; for everyone else it changes nothing. docs/*.md "Admin" sections:
# bookings, rooms, series, waitlist entries and calendar tokens are office staff's; approvals are
# decided by the room's managers and superusers (office staff only for rooms without managers);
# sending notifications again is office staff's (who see everyone's notifications).
ADMIN_ACTIONS = {
    "cancel_bookings": (_cancel_booking, {"staff", "superuser"}),
    "deactivate_rooms": (_deactivate_room, {"staff", "superuser"}),
    "cancel_remaining": (_cancel_series, {"staff", "superuser"}),
    "withdraw_entries": (_withdraw_entries, {"staff", "superuser"}),
    "expire_holds_now": (_expire_holds, {"staff", "superuser"}),
    "approve_selected": (_approve_selected, {"manager", "superuser"}),
    "deny_selected": (_deny_selected, {"manager", "superuser"}),
    "approve_series": (_approve_series, {"manager", "superuser"}),
    "deny_series": (_deny_series, {"manager", "superuser"}),
    "send_again": (_send_again, {"staff", "superuser"}),
    "reset_tokens": (_reset_tokens, {"staff", "superuser"}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ADMIN_ACTIONS)
def test_admin_actions(more, action, role):
    make, allowed = ADMIN_ACTIONS[action]
    model, data, done = make(more)
    response = page_client(more, role).post(f"/admin/{model}/", data)
    if role in ("anonymous", "stranger", "booker"):  # not admin users: to the sign-in page
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    else:
        assert response.status_code in (200, 302, 403), response.status_code
    assert done() == (role in allowed), (action, role, response.status_code)


# --- no 500 for ids nobody has ------------------------------------------------------------------

HUGE = 10**20  # beyond a 64-bit id: must be a 404, not a database error

UNKNOWN_IDS = [
    ("GET", f"/bookings/series/{HUGE}"),
    ("DELETE", f"/bookings/series/{HUGE}"),
    ("PATCH", f"/bookings/{HUGE}?scope=all"),
    ("DELETE", f"/bookings/{HUGE}?scope=following"),
    ("POST", f"/bookings/{HUGE}/check-in"),
    ("PATCH", f"/confirms/series/{10**18 - 1}"),
    ("GET", f"/bookings/waitlist/{HUGE}"),
    ("DELETE", f"/bookings/waitlist/{HUGE}"),
    ("POST", f"/bookings/waitlist/{HUGE}/accept"),
    ("GET", f"/calendarTokens/{HUGE}"),
    ("POST", f"/calendarTokens/{HUGE}/reset"),
    ("DELETE", f"/calendarTokens/{HUGE}"),
    ("PATCH", f"/rooms/{HUGE}"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["booker", "superuser"])
@pytest.mark.parametrize(("method", "path"), UNKNOWN_IDS)
def test_an_id_nobody_has_is_a_404(client_for, more, role, method, path):
    data = {"status": "CONFIRMED"} if "confirms" in path else {}
    response = call(client_for, more, role, method, path, data)
    expected = 403 if (path.startswith("/rooms") and role == "booker") else 404
    assert response.status_code == expected, response.content[:300]


# --- a series moved to another room ------------------------------------------------------------


@pytest.fixture
def moved(client_for, more) -> More:
    """The booker moves every occurrence into the other manager's room (scope=all)."""
    first = more.occurrences[0]
    body = {"roomId": more.world.other_room.pk}
    answer = call(client_for, more, "booker", "PATCH", f"/bookings/{first.pk}?scope=all", body)
    assert answer.status_code == 200, answer.content[:300]
    assert {o["roomId"] for o in answer.json()["occurrences"]} == {more.world.other_room.pk}
    return more


MOVED = {
    # docs/series.md: the managers who decide a series' occurrences read it (the room it was
    # booked in is still its room: its managers keep reading it)
    "GET /bookings/series/{series}": expect(
        anonymous=401, stranger=404, booker=200, manager=200, other_manager=200, staff=200,
        superuser=200,
    ),
    "PATCH /confirms/series/{series}": expect(
        anonymous=401, stranger=404, booker=403, manager=404, other_manager=200, staff=403,
        superuser=200,
    ),
    "DELETE /bookings/series/{series}": expect(
        anonymous=401, stranger=404, booker=200, manager=403, other_manager=403, staff=200,
        superuser=200,
    ),
}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "role", "status"),
    [(endpoint, role, status) for endpoint, rows in MOVED.items() for role, status in rows],
)
def test_a_series_moved_to_another_room(client_for, moved, endpoint, role, status):
    method, path = endpoint.split(" ")
    before = state(moved)
    body = {"status": "CONFIRMED"} if "confirms" in path else None
    response = call(client_for, moved, role, method, path, body)
    assert response.status_code == status, response.content[:300]
    if status >= 400:
        assert state(moved) == before


# --- the admin's pages of the new objects ------------------------------------------------------

# 302 to the sign-in page for people who are not admin users; for admin users an object outside
# their queryset redirects to the admin's index (302), a model they have no permission on is 403.
ADMIN_PAGES = {
    "/admin/booking/series/{series}/change/": expect(
        anonymous=302, stranger=302, booker=302, manager=200, other_manager=302, staff=200,
        superuser=200,
    ),
    "/admin/booking/waitlistentry/{waiting}/change/": expect(
        anonymous=302, stranger=302, booker=302, manager=403, other_manager=403, staff=200,
        superuser=200,
    ),
    "/admin/bookinglist/calendartoken/{personal_token}/change/": expect(
        anonymous=302, stranger=302, booker=302, manager=403, other_manager=403, staff=200,
        superuser=200,
    ),
    "/admin/confirm/confirm/{confirm}/change/": expect(
        anonymous=302, stranger=302, booker=302, manager=200, other_manager=302, staff=200,
        superuser=200,
    ),
}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    # Not "page": that is pytest-playwright's fixture, which would make this a browser test.
    ("admin_page", "role", "status"),
    [(path, role, status) for path, rows in ADMIN_PAGES.items() for role, status in rows],
)
def test_admin_pages(more, admin_page, role, status):
    url = fill(more, admin_page.replace("{confirm}", str(more.world.confirm.pk)))
    response = page_client(more, role).get(url)
    assert response.status_code == status
    if status == 302:
        expected = "/admin/login/" if role in ("anonymous", "stranger", "booker") else "/admin/"
        assert response["Location"].startswith(expected)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [("manager", 200), ("other_manager", 200)])
def test_the_admin_shows_a_moved_series_to_the_managers_of_its_occurrences(moved, role, status):
    response = page_client(moved, role).get(f"/admin/booking/series/{moved.series.pk}/change/")
    assert response.status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["staff", "superuser"])
def test_staff_accepting_an_offer_book_it_for_the_waiting_person(client_for, more, role):
    """docs/waitlist.md: accepting as staff books for the waiting person."""
    answer = call(client_for, more, role, "POST", "/bookings/waitlist/{offered}/accept")
    assert answer.status_code == 201, answer.content[:300]
    booking = Booking.objects.get(pk=answer.json()["id"])
    assert booking.booking_user == more.users["booker"]
    assert WaitlistEntry.objects.get(pk=more.offered.pk).booking_id == booking.pk
