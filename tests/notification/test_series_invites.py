"""Series summaries carry one calendar invite with a VEVENT per occurrence: each occurrence's own
UID, a SEQUENCE that continues across series and single-occurrence emails, CANCEL for a cancelled
set, and nothing bumped by a replay. Through the API, the real SMTP sink and icalendar."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from apps.booking import services as booking_services
from apps.booking.events import SeriesBooked
from apps.notification import services
from apps.notification.models import Notification, OccurrenceInvite
from roombooking import bus
from tests.booking.series_support import DAY, FIRST, HOUR, frozen, post_series
from tests.factories import UserFactory
from tests.notification.test_invites import sent_calendar
from tests.notification.test_invites import smtp as smtp  # a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock(settings):
    settings.API_THROTTLE_WRITES = ""
    settings.CALENDAR_DOMAIN = "rooms.example.com"
    with frozen():
        yield


@pytest.fixture
def room(db):
    UserFactory(username="manager")
    return booking_services.create_room(name="Orion", capacity=8, managers=["manager"])


@pytest.fixture
def series(client_for, user, room):
    """A daily series of three, booked by alice: (series id, occurrence ids)."""
    answer = post_series(client_for(user), room, rrule="FREQ=DAILY;COUNT=3")
    assert answer.status_code == 201, answer.content
    return answer.json()["id"], [o["id"] for o in answer.json()["occurrences"]]


def latest_row(event_type: str, username: str = "alice") -> Notification:
    return Notification.objects.filter(event_type=event_type, recipient_username=username).latest(
        "id"
    )


def received(smtp_server, row: Notification) -> tuple[str, dict[str, icalendar.Event]]:
    """The METHOD of the emailed invite and its VEVENTs by UID."""
    content_type, calendar = sent_calendar(smtp_server, row)
    assert f"; method={calendar['METHOD']}" in content_type
    return str(calendar["METHOD"]), {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def uid(booking_id: int) -> str:
    return f"booking-{booking_id}@rooms.example.com"


def _attendees(events: dict[str, icalendar.Event]) -> list:
    first = next(iter(events.values()))
    people = first["ATTENDEE"]
    return people if isinstance(people, list) else [people]


def sequences(events: dict[str, icalendar.Event]) -> dict[str, int]:
    return {key: int(event["SEQUENCE"]) for key, event in events.items()}


def test_a_booked_series_sends_one_invite_with_every_occurrence(smtp, series):
    _, ids = series
    for who in ("alice", "manager"):
        method, events = received(smtp, latest_row("SeriesBooked", who))
        assert method == "REQUEST"
        assert sorted(events) == sorted(uid(i) for i in ids)
        assert sequences(events) == {uid(i): 0 for i in ids}
        for day, booking_id in enumerate(ids):
            event = events[uid(booking_id)]
            assert event.decoded("DTSTART") == (FIRST + day * DAY).astimezone(dt.UTC)
            assert event.decoded("DTEND") == (FIRST + day * DAY + HOUR).astimezone(dt.UTC)
            assert (event["STATUS"], event["LOCATION"]) == ("TENTATIVE", "Orion")
        people = {str(a.params["CN"]): str(a.params["ROLE"]) for a in _attendees(events)}
        expected = {"alice": "REQ-PARTICIPANT"}
        if who == "manager":
            expected["manager"] = "NON-PARTICIPANT"  # told, not invited
        assert people == expected
    assert OccurrenceInvite.objects.count() == 3


def test_one_occurrence_changed_alone_then_the_series_cancelled_continue_each_sequence(
    smtp, client_for, user, series
):
    series_id, ids = series
    client = client_for(user)
    moved = client.patch(
        f"/bookings/{ids[1]}",
        {
            "useStartDtm": (FIRST + DAY).replace(hour=14).isoformat(),
            "useEndDtm": (FIRST + DAY).replace(hour=15).isoformat(),
        },
        format="json",
    )
    assert moved.status_code == 200, moved.content
    method, events = received(smtp, latest_row("BookingChanged"))
    assert (method, sequences(events)) == ("REQUEST", {uid(ids[1]): 1})
    assert events[uid(ids[1])].decoded("DTSTART") == (FIRST + DAY).replace(hour=14).astimezone(
        dt.UTC
    )

    assert client.delete(f"/bookings/series/{series_id}").status_code == 200
    method, events = received(smtp, latest_row("SeriesCancelled"))
    assert method == "CANCEL"
    # Every occurrence left, the one moved alone included: it keeps counting from its own email.
    assert sequences(events) == {uid(ids[0]): 1, uid(ids[1]): 2, uid(ids[2]): 1}
    assert {str(e["STATUS"]) for e in events.values()} == {"CANCELLED"}
    assert events[uid(ids[1])].decoded("DTSTART") == (FIRST + DAY).replace(hour=14).astimezone(
        dt.UTC
    )


def test_a_series_decision_updates_each_occurrence_and_a_single_cancel_follows_it(
    smtp, client_for, user, series
):
    series_id, ids = series
    manager = UserFactory._meta.model.objects.get(username="manager")
    answer = client_for(manager).patch(
        f"/confirms/series/{series_id}", {"status": "CONFIRMED"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    method, events = received(smtp, latest_row("SeriesDecided"))
    assert (method, sequences(events)) == ("REQUEST", {uid(i): 1 for i in ids})
    assert {str(e["STATUS"]) for e in events.values()} == {"CONFIRMED"}

    assert client_for(user).delete(f"/bookings/{ids[2]}").status_code == 204
    method, events = received(smtp, latest_row("BookingCancelled"))
    assert (method, sequences(events)) == ("CANCEL", {uid(ids[2]): 2})


def test_the_managers_series_reminder_repeats_the_occurrences_without_raising_a_sequence(
    smtp, client_for, series, settings
):
    from apps.confirm import services as confirm_services
    from apps.confirm.models import Confirm

    series_id, ids = series
    settings.CONFIRM_REMIND_AFTER = dt.timedelta(hours=1)
    since = max(Confirm.objects.filter(series_id=series_id).values_list("pending_since", flat=True))
    assert len(confirm_services.remind_pending_approvals(now=since + HOUR)) == 3

    method, events = received(smtp, latest_row("SeriesReminderDue", "manager"))
    assert (method, sequences(events)) == ("REQUEST", {uid(i): 0 for i in ids})
    assert {str(e["STATUS"]) for e in events.values()} == {"TENTATIVE"}

    manager = UserFactory._meta.model.objects.get(username="manager")
    decided = client_for(manager).patch(
        f"/confirms/series/{series_id}", {"status": "CONFIRMED"}, format="json"
    )
    assert decided.status_code == 200, decided.content
    method, events = received(smtp, latest_row("SeriesDecided"))
    assert (method, sequences(events)) == ("REQUEST", {uid(i): 1 for i in ids})


def test_moving_the_following_occurrences_raises_their_sequences_only(
    smtp, client_for, user, series
):
    _, ids = series
    moved = client_for(user).patch(
        f"/bookings/{ids[1]}?scope=following",
        {
            "useStartDtm": (FIRST + DAY).replace(hour=16).isoformat(),
            "useEndDtm": (FIRST + DAY).replace(hour=17).isoformat(),
        },
        format="json",
    )
    assert moved.status_code == 200, moved.content
    method, events = received(smtp, latest_row("SeriesChanged"))
    assert (method, sequences(events)) == ("REQUEST", {uid(ids[1]): 1, uid(ids[2]): 1})
    assert events[uid(ids[2])].decoded("DTSTART") == (FIRST + 2 * DAY).replace(hour=16).astimezone(
        dt.UTC
    )


def test_a_room_approving_automatically_sends_confirmed_occurrences(smtp, client_for, user, room):
    booking_services.update_room(room_id=room.pk, approval_mode="AUTOMATIC")
    assert post_series(client_for(user), room, rrule="FREQ=DAILY;COUNT=2").status_code == 201
    method, events = received(smtp, latest_row("SeriesBooked"))
    assert method == "REQUEST" and len(events) == 2
    assert {(str(e["STATUS"]), int(e["SEQUENCE"])) for e in events.values()} == {("CONFIRMED", 0)}


def test_a_replayed_series_event_changes_nothing(client_for, user, series):
    _, ids = series
    moved = client_for(user).patch(
        f"/bookings/{ids[0]}",
        {"useStartDtm": FIRST.replace(hour=12).isoformat(),
         "useEndDtm": FIRST.replace(hour=13).isoformat()},
        format="json",
    )  # fmt: skip
    assert moved.status_code == 200, moved.content
    before = list(Notification.objects.order_by("id").values_list("id", "ical_spec"))
    states = list(OccurrenceInvite.objects.order_by("id").values())

    # Every logged event again (a replay after the single change): no row, no state, no bump.
    for seq, event in list(bus.replay()):
        assert services.notify_for_event(event=event, seq=seq) == []
    assert list(Notification.objects.order_by("id").values_list("id", "ical_spec")) == before
    assert list(OccurrenceInvite.objects.order_by("id").values()) == states

    # A recipient's summary row went missing: it comes back with the same sequences.
    [(seq, booked)] = list(bus.replay(types=[SeriesBooked]))
    lost = Notification.objects.get(event_seq=seq, recipient_username="alice")
    lost_calendar = icalendar.Calendar.from_ical(lost.invite_text())
    lost.delete()
    [again] = services.notify_for_event(event=booked, seq=seq)
    calendar = icalendar.Calendar.from_ical(again.invite_text())
    assert [(str(e["UID"]), int(e["SEQUENCE"])) for e in calendar.walk("VEVENT")] == [
        (str(e["UID"]), int(e["SEQUENCE"])) for e in lost_calendar.walk("VEVENT")
    ]
    assert {int(e["SEQUENCE"]) for e in calendar.walk("VEVENT")} == {0}
    assert list(OccurrenceInvite.objects.order_by("id").values()) == states


# --- Managers' calendars: whoever got an occurrence in a summary gets its CANCEL ----------------


def test_an_occurrence_cancelled_alone_leaves_the_managers_calendar_too(
    smtp, client_for, user, series
):
    """The managers got the occurrence inside the SeriesBooked summary (a row about the series,
    not the booking); cancelling it alone must still send them its CANCEL."""
    _, ids = series
    assert client_for(user).delete(f"/bookings/{ids[1]}").status_code == 204
    method, events = received(smtp, latest_row("BookingCancelled", "manager"))
    assert (method, sequences(events)) == ("CANCEL", {uid(ids[1]): 1})
    assert str(events[uid(ids[1])]["STATUS"]) == "CANCELLED"
    # Cancelled once more (a replay): nothing new for anyone.
    for seq, event in list(bus.replay()):
        assert services.notify_for_event(event=event, seq=seq) == []


def test_a_cancelled_series_leaves_the_managers_calendars(smtp, client_for, user, series):
    series_id, ids = series
    assert client_for(user).delete(f"/bookings/series/{series_id}").status_code == 200
    row = latest_row("SeriesCancelled", "manager")
    assert row.booking_id is None and row.ical_method == "CANCEL"
    method, events = received(smtp, row)
    assert method == "CANCEL"
    assert sequences(events) == {uid(i): 1 for i in ids}
    assert {str(e["STATUS"]) for e in events.values()} == {"CANCELLED"}
    assert row.subject.startswith("Series canceled")
    # ... once: a replay of every event adds no row.
    rows = Notification.objects.count()
    for seq, event in list(bus.replay()):
        assert services.notify_for_event(event=event, seq=seq) == []
    assert Notification.objects.count() == rows


def test_a_series_denied_at_once_leaves_the_deciding_managers_calendar(smtp, client_for, series):
    series_id, ids = series
    manager = UserFactory._meta.model.objects.get(username="manager")
    answer = client_for(manager).patch(
        f"/confirms/series/{series_id}", {"status": "DENIED", "reason": "Renovation"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    for who in ("alice", "manager"):
        method, events = received(smtp, latest_row("SeriesDecided", who))
        assert (method, sequences(events)) == ("CANCEL", {uid(i): 1 for i in ids})


def test_a_series_moved_to_another_room_leaves_the_old_managers_calendar(
    smtp, client_for, user, series
):
    _, ids = series
    UserFactory(username="vega-manager")
    vega = booking_services.create_room(name="Vega", capacity=8, managers=["vega-manager"])
    moved = client_for(user).patch(
        f"/bookings/{ids[0]}?scope=all", {"roomId": vega.pk}, format="json"
    )
    assert moved.status_code == 200, moved.content
    old = latest_row("SeriesChanged", "manager")
    moved_away = f"conference room[{vega.pk}] series reservation has moved to another room"
    assert old.contents == moved_away
    method, events = received(smtp, old)
    assert (method, sequences(events)) == ("CANCEL", {uid(i): 1 for i in ids})
    assert {str(e["STATUS"]) for e in events.values()} == {"CANCELLED"}
    for who in ("alice", "vega-manager"):  # the people it still concerns: the new invite
        method, events = received(smtp, latest_row("SeriesChanged", who))
        assert (method, sequences(events)) == ("REQUEST", {uid(i): 1 for i in ids})
        assert {str(e["LOCATION"]) for e in events.values()} == {"Vega"}
