"""Changing and cancelling a series from one occurrence: ``scope=this|following|all``.
Occurrences changed or cancelled on their own stay as they are when the series moves."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.booking import services
from apps.booking.events import BOOKED, CANCELLED
from apps.booking.models import Booking
from apps.confirm.services import make_room_manager
from roombooking.models import EventLog
from tests.booking.series_support import (
    DAY,
    FIRST,
    HOUR,
    NOW,
    SEOUL,
    WEEK,
    active_starts,
    frozen,
    hold,
    post_series,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock_and_no_throttle(settings):
    settings.API_THROTTLE_WRITES = ""
    with frozen():
        yield


@pytest.fixture
def weekly(client_for, user, room):
    """Alice's four Mondays at 10:00 (FIRST and the three following weeks): their booking ids."""
    body = post_series(client_for(user), room, rrule="FREQ=WEEKLY;COUNT=4").json()
    return body["id"], [o["id"] for o in body["occurrences"]]


def times(booking_id: int) -> tuple[dt.datetime, dt.datetime]:
    booking = Booking.objects.get(pk=booking_id)
    return booking.use_start_dtm.astimezone(SEOUL), booking.use_end_dtm.astimezone(SEOUL)


def patch(client, booking_id, scope, **body):
    return client.patch(f"/bookings/{booking_id}?scope={scope}", body, format="json")


def test_changing_one_occurrence_detaches_it(client_for, user, weekly):
    series_id, ids = weekly
    moved = patch(
        client_for(user),
        ids[1],
        "this",
        useStartDtm=(FIRST + WEEK + 2 * HOUR).isoformat(),
        useEndDtm=(FIRST + WEEK + 3 * HOUR).isoformat(),
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["detached"] is True and moved.json()["seriesId"] == series_id
    [changed] = EventLog.objects.filter(event_type="BookingChanged")
    assert changed.payload["in_series_action"] is False  # an ordinary change: its own email
    assert not EventLog.objects.filter(event_type="SeriesChanged").exists()


def test_moving_the_following_ones_keeps_the_individually_changed_one(client_for, user, weekly):
    series_id, ids = weekly
    client = client_for(user)
    alone = FIRST + 2 * WEEK + 5 * HOUR  # the third Monday moved on its own to 15:00
    patch(
        client, ids[2], "this", useStartDtm=alone.isoformat(), useEndDtm=(alone + HOUR).isoformat()
    )
    answer = patch(
        client,
        ids[1],
        "following",
        useStartDtm=(FIRST + WEEK + HOUR).isoformat(),
        useEndDtm=(FIRST + WEEK + 3 * HOUR).isoformat(),
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["id"] == series_id  # the answer is the series
    assert times(ids[0]) == (FIRST, FIRST + HOUR)  # before the chosen one: untouched
    assert times(ids[1]) == (FIRST + WEEK + HOUR, FIRST + WEEK + 3 * HOUR)
    assert times(ids[2]) == (alone, alone + HOUR)  # detached: kept
    assert times(ids[3]) == (FIRST + 3 * WEEK + HOUR, FIRST + 3 * WEEK + 3 * HOUR)
    assert not Booking.objects.get(pk=ids[3]).detached  # moved with the series, still in it
    [summary] = EventLog.objects.filter(event_type="SeriesChanged")
    assert summary.payload["booking_ids"] == [ids[1], ids[3]]
    assert summary.payload["scope"] == "following"
    assert summary.payload["changed_fields"] == ["useStartDtm", "useEndDtm"]
    changes = EventLog.objects.filter(event_type="BookingChanged", payload__in_series_action=True)
    assert changes.count() == 2


def test_moving_all_by_a_day_does_not_collide_with_itself(client_for, user, room):
    body = post_series(client_for(user), room, rrule="FREQ=DAILY;COUNT=4").json()
    ids = [o["id"] for o in body["occurrences"]]
    later = FIRST + DAY
    answer = patch(
        client_for(user),
        ids[0],
        "all",
        useStartDtm=later.isoformat(),
        useEndDtm=(later + HOUR).isoformat(),
    )
    assert answer.status_code == 200, answer.content
    assert active_starts(body["id"]) == [FIRST + n * DAY for n in range(1, 5)]


def test_a_move_onto_taken_slots_is_refused_whole_listing_every_date(
    client_for, user, other_user, room, weekly
):
    series_id, ids = weekly
    for week in (1, 3):
        services.create_booking(
            actor=other_user,
            room_id=room.pk,
            use_start_dtm=FIRST + week * WEEK + 2 * HOUR,
            use_end_dtm=FIRST + week * WEEK + 3 * HOUR,
        )
    before = list(Booking.objects.filter(series_id=series_id).values_list("use_start_dtm"))
    answer = patch(
        client_for(user),
        ids[0],
        "all",
        useStartDtm=(FIRST + 2 * HOUR).isoformat(),
        useEndDtm=(FIRST + 3 * HOUR).isoformat(),
    )
    assert answer.status_code == 409, answer.content
    assert answer.json()["conflictingDates"] == ["2027-01-18", "2027-02-01"]
    assert list(Booking.objects.filter(series_id=series_id).values_list("use_start_dtm")) == before
    assert not EventLog.objects.filter(event_type__in=["BookingChanged", "SeriesChanged"]).exists()


def test_a_move_onto_a_booked_and_a_held_date_lists_both(
    client_for, user, other_user, room, weekly
):
    """A slot held for someone on the waitlist is as taken as a booked one: the all-or-nothing
    409 lists every date in the way, the held one with its hold (who holds it stays private)."""
    series_id, ids = weekly
    services.create_booking(
        actor=other_user,
        room_id=room.pk,
        use_start_dtm=FIRST + WEEK + 2 * HOUR,
        use_end_dtm=FIRST + WEEK + 3 * HOUR,
    )
    held = hold(room, FIRST + 3 * WEEK + 2 * HOUR)
    before = list(Booking.objects.filter(series_id=series_id).values_list("use_start_dtm"))
    answer = patch(
        client_for(user),
        ids[0],
        "all",
        useStartDtm=(FIRST + 2 * HOUR).isoformat(),
        useEndDtm=(FIRST + 3 * HOUR).isoformat(),
    )
    assert answer.status_code == 409, answer.content
    body = answer.json()
    assert body["code"] == "series_conflict"
    assert body["conflictingDates"] == ["2027-01-18", "2027-02-01"]
    assert "booked or held" in body["message"] and "nothing was moved" in body["message"]
    assert body["conflicts"][1] == {
        "useStartDtm": (FIRST + 3 * WEEK + 2 * HOUR).isoformat(),
        "useEndDtm": (FIRST + 3 * WEEK + 3 * HOUR).isoformat(),
        "bookings": [],
        "holds": [
            {
                "useStartDtm": (FIRST + 3 * WEEK + 2 * HOUR).isoformat(),
                "useEndDtm": (FIRST + 3 * WEEK + 3 * HOUR).isoformat(),
                "holdUntilDtm": held.hold_until.astimezone(SEOUL).isoformat(),
            }
        ],
    }
    assert "dave" not in answer.content.decode()
    assert list(Booking.objects.filter(series_id=series_id).values_list("use_start_dtm")) == before
    assert not EventLog.objects.filter(event_type__in=["BookingChanged", "SeriesChanged"]).exists()


def test_a_move_onto_a_held_date_alone_is_the_series_409(client_for, user, room, weekly):
    series_id, ids = weekly
    hold(room, FIRST + WEEK + 2 * HOUR)
    answer = patch(
        client_for(user),
        ids[0],
        "following",
        useStartDtm=(FIRST + 2 * HOUR).isoformat(),
        useEndDtm=(FIRST + 3 * HOUR).isoformat(),
    )
    assert answer.status_code == 409, answer.content
    assert answer.json()["code"] == "series_conflict"
    assert answer.json()["conflictingDates"] == ["2027-01-18"]


def test_a_move_onto_the_bookers_own_hold_goes_through(client_for, user, room, weekly):
    series_id, ids = weekly
    hold(room, FIRST + WEEK + 2 * HOUR, holder=user.username)  # alice's own hold
    answer = patch(
        client_for(user),
        ids[0],
        "all",
        useStartDtm=(FIRST + 2 * HOUR).isoformat(),
        useEndDtm=(FIRST + 3 * HOUR).isoformat(),
    )
    assert answer.status_code == 200, answer.content
    assert active_starts(series_id) == [FIRST + w * WEEK + 2 * HOUR for w in range(4)]


def test_people_waiting_for_slots_the_series_moves_through_do_not_block_it(
    client_for, user, other_user, room, weekly
):
    """Moved a week later, each Monday takes the next one's old slot. Bob waits for the third
    Monday's slot and Carol for the first's: the move goes through (an old slot is offered only
    once every occurrence has moved, or it would be held against the one moving into it), the
    first Monday, free now, is offered to Carol, and Bob's, taken again, is not."""
    from apps.booking.models_waitlist import WaitlistEntry
    from tests.factories import UserFactory

    series_id, ids = weekly
    carol = UserFactory(username="carol")
    for who, monday in ((other_user, 2), (carol, 0)):
        services.join_waitlist(
            actor=who,
            room_id=room.pk,
            use_start_dtm=FIRST + monday * WEEK,
            use_end_dtm=FIRST + monday * WEEK + HOUR,
        )
    answer = patch(
        client_for(user),
        ids[0],
        "all",
        useStartDtm=(FIRST + WEEK).isoformat(),
        useEndDtm=(FIRST + WEEK + HOUR).isoformat(),
    )
    assert answer.status_code == 200, answer.content
    assert active_starts(series_id) == [FIRST + w * WEEK for w in range(1, 5)]
    statuses = dict(WaitlistEntry.objects.values_list("user__username", "status"))
    assert statuses == {"bob": "WAITING", "carol": "OFFERED"}


def test_moving_a_series_to_another_room(client_for, user, other_room, weekly):
    series_id, ids = weekly
    answer = patch(client_for(user), ids[2], "following", roomId=other_room.pk)
    assert answer.status_code == 200, answer.content
    rooms = [Booking.objects.get(pk=pk).room_id for pk in ids]
    assert rooms[:2] == [answer.json()["roomId"]] * 2 and rooms[2:] == [other_room.pk] * 2


def test_all_leaves_the_occurrences_that_have_started(client_for, user, weekly):
    series_id, ids = weekly
    with frozen(FIRST + WEEK + HOUR / 2):  # the second Monday's meeting is under way
        answer = patch(
            client_for(user),
            ids[2],
            "all",
            useStartDtm=(FIRST + 2 * WEEK + HOUR).isoformat(),
            useEndDtm=(FIRST + 2 * WEEK + 2 * HOUR).isoformat(),
        )
    assert answer.status_code == 200, answer.content
    assert times(ids[0])[0] == FIRST and times(ids[1])[0] == FIRST + WEEK
    assert times(ids[2])[0] == FIRST + 2 * WEEK + HOUR
    assert times(ids[3])[0] == FIRST + 3 * WEEK + HOUR


def test_cancelling_this_and_the_following_ones(client_for, user, weekly):
    series_id, ids = weekly
    client = client_for(user)
    alone = FIRST + 3 * WEEK + 4 * HOUR
    patch(
        client, ids[3], "this", useStartDtm=alone.isoformat(), useEndDtm=(alone + HOUR).isoformat()
    )
    assert client.delete(f"/bookings/{ids[1]}?scope=following").status_code == 204
    statuses = [Booking.objects.get(pk=pk).status for pk in ids]
    assert statuses == [BOOKED, CANCELLED, CANCELLED, CANCELLED]  # the detached one too
    [summary] = EventLog.objects.filter(event_type="SeriesCancelled")
    assert summary.payload["booking_ids"] == [ids[1], ids[2], ids[3]]
    cancelled = EventLog.objects.filter(event_type="BookingCancelled")
    assert all(e.payload["in_series_action"] for e in cancelled)
    gone = client.get(f"/bookings/series/{series_id}").json()["occurrences"]
    assert [o["status"] for o in gone] == statuses


def test_cancelling_one_occurrence_alone_detaches_it(client_for, user, weekly):
    series_id, ids = weekly
    assert client_for(user).delete(f"/bookings/{ids[1]}").status_code == 204
    booking = Booking.objects.get(pk=ids[1])
    assert booking.status == CANCELLED and booking.detached
    assert EventLog.objects.get(event_type="BookingCancelled").payload["in_series_action"] is False


def test_deleting_the_series_cancels_what_has_not_started(client_for, user, weekly):
    series_id, ids = weekly
    with frozen(FIRST + HOUR / 2):
        answer = client_for(user).delete(f"/bookings/series/{series_id}")
    assert answer.status_code == 200, answer.content
    assert [o["status"] for o in answer.json()["occurrences"]] == [BOOKED] + [CANCELLED] * 3
    with frozen(FIRST + HOUR / 2):  # again: nothing left, nothing happens
        assert client_for(user).delete(f"/bookings/series/{series_id}").status_code == 200
    assert EventLog.objects.filter(event_type="SeriesCancelled").count() == 1


def hand_over(client_for, staff_user, booking_id: int, username: str) -> None:
    """Office staff give one occurrence to someone else (scope=this: it becomes detached)."""
    given = client_for(staff_user).patch(
        f"/bookings/{booking_id}", {"bookingUserId": username}, format="json"
    )
    assert given.status_code == 200, given.content


def bookers_and_statuses(ids: list[int]) -> list[tuple[str, str]]:
    bookings = Booking.objects.select_related("booking_user").in_bulk(ids)
    return [(bookings[pk].booking_user.username, bookings[pk].status) for pk in ids]


@pytest.mark.parametrize("via", ["api", "admin"])
def test_cancelling_the_whole_series_leaves_an_occurrence_handed_to_someone_else(
    client, client_for, user, other_user, staff_user, superuser, weekly, via
):
    """The first Monday is bob's now: the series action cancels alice's upcoming occurrences
    (as scope=all from one of hers does), not bob's booking, and not starting from it."""
    series_id, ids = weekly
    hand_over(client_for, staff_user, ids[0], other_user.username)
    if via == "api":
        answer = client_for(user).delete(f"/bookings/series/{series_id}")
        assert answer.status_code == 200, answer.content
    else:
        client.force_login(superuser)
        done = client.post(
            "/admin/booking/series/",
            {"action": "cancel_remaining", "_selected_action": [series_id]},
        )
        assert done.status_code == 302
    assert bookers_and_statuses(ids) == [("bob", BOOKED)] + [("alice", CANCELLED)] * 3
    [summary] = EventLog.objects.filter(event_type="SeriesCancelled")
    assert summary.payload["booking_ids"] == ids[1:]
    assert summary.payload["booking_user_id"] == "alice"


def test_deleting_a_series_whose_upcoming_occurrences_are_all_someone_elses_changes_nothing(
    client_for, user, other_user, staff_user, weekly
):
    series_id, ids = weekly
    hand_over(client_for, staff_user, ids[3], other_user.username)
    with frozen(FIRST + 2 * WEEK + HOUR / 2):  # alice's last Monday is under way
        answer = client_for(user).delete(f"/bookings/series/{series_id}")
    assert answer.status_code == 200, answer.content
    assert bookers_and_statuses(ids) == [("alice", BOOKED)] * 3 + [("bob", BOOKED)]
    assert not EventLog.objects.filter(event_type="SeriesCancelled").exists()


@pytest.mark.parametrize("scope", ["following", "all"])
def test_a_scope_from_an_occurrence_leaves_one_handed_to_someone_else(
    client_for, user, other_user, staff_user, weekly, scope
):
    series_id, ids = weekly
    hand_over(client_for, staff_user, ids[2], other_user.username)
    assert client_for(user).delete(f"/bookings/{ids[1]}?scope={scope}").status_code == 204
    first = BOOKED if scope == "following" else CANCELLED
    assert bookers_and_statuses(ids) == [
        ("alice", first),
        ("alice", CANCELLED),
        ("bob", BOOKED),
        ("alice", CANCELLED),
    ]


@pytest.mark.parametrize("scope", ["following", "all"])
def test_a_series_action_from_an_occurrence_handed_over_is_about_its_new_booker(
    client_for, user, other_user, staff_user, weekly, scope
):
    """Bob cancels the occurrence he was given, by a scope: the summary (and so its email)
    names him and that occurrence, not alice, whose occurrences stay."""
    series_id, ids = weekly
    hand_over(client_for, staff_user, ids[2], other_user.username)
    assert client_for(other_user).delete(f"/bookings/{ids[2]}?scope={scope}").status_code == 204
    assert bookers_and_statuses(ids) == [("alice", BOOKED)] * 2 + [
        ("bob", CANCELLED),
        ("alice", BOOKED),
    ]
    [summary] = EventLog.objects.filter(event_type="SeriesCancelled")
    assert summary.payload["booking_ids"] == [ids[2]]
    assert summary.payload["booking_user_id"] == "bob"
    assert summary.payload["booking_user_email"] == other_user.email


def test_scope_errors(client_for, user, room, weekly):
    series_id, ids = weekly
    client = client_for(user)
    bad = client.delete(f"/bookings/{ids[0]}?scope=everything")
    assert bad.status_code == 400 and "scope" in bad.json()["errors"]
    lone = services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=NOW + 60 * DAY, use_end_dtm=NOW + 60 * DAY + HOUR
    )
    not_series = client.delete(f"/bookings/{lone.pk}?scope=all")
    assert not_series.status_code == 400
    assert "not part of a series" in not_series.json()["errors"]["scope"][0]
    handover = patch(client, ids[0], "all", bookingUserId="bob")
    assert handover.status_code == 400 and "bookingUserId" in handover.json()["errors"]


def test_other_people_cannot_touch_a_series(client_for, other_user, manager, weekly):
    series_id, ids = weekly
    assert client_for(other_user).delete(f"/bookings/{ids[0]}?scope=all").status_code == 404
    assert client_for(other_user).delete(f"/bookings/series/{series_id}").status_code == 404
    assert client_for(manager).delete(f"/bookings/{ids[0]}?scope=all").status_code == 403
    assert client_for(manager).delete(f"/bookings/series/{series_id}").status_code == 403
    assert Booking.objects.filter(series_id=series_id, status=BOOKED).count() == 4


def test_a_move_that_changes_nothing_publishes_nothing(client_for, user, weekly):
    series_id, ids = weekly
    answer = patch(client_for(user), ids[0], "all", useStartDtm=FIRST.isoformat())
    assert answer.status_code == 200
    assert not EventLog.objects.filter(event_type="SeriesChanged").exists()


def test_the_admin_shows_a_series_and_cancels_what_is_left(client, superuser, manager, weekly):
    series_id, ids = weekly
    client.force_login(superuser)
    listing = client.get("/admin/booking/series/")
    assert listing.status_code == 200 and "FREQ=WEEKLY;COUNT=4" in listing.content.decode()
    detail = client.get(f"/admin/booking/series/{series_id}/change/")
    assert (
        detail.status_code == 200 and detail.content.decode().count("/admin/booking/booking/") >= 4
    )
    with frozen(FIRST + HOUR / 2):
        client.post(
            "/admin/booking/series/",
            {"action": "cancel_remaining", "_selected_action": [series_id]},
        )
    statuses = [Booking.objects.get(pk=pk).status for pk in ids]
    assert statuses == [BOOKED, CANCELLED, CANCELLED, CANCELLED]
    make_room_manager(user=manager)  # a room manager reads their rooms' series
    client.force_login(manager)
    assert client.get(f"/admin/booking/series/{series_id}/change/").status_code == 200
