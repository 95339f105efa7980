"""``/day``: the day view's page, its booking form, and the approval status it colours by."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from apps.booking import services
from apps.booking.models import Booking
from apps.confirm import services as confirm_services
from apps.confirm.models import Confirm
from roombooking.models import EventLog
from tests.booking.conftest import SEOUL, future

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def book(user, room, start: dt.datetime, end: dt.datetime) -> Booking:
    return services.create_booking(
        actor=user, room_id=room.pk, use_start_dtm=start, use_end_dtm=end
    )


def approval(booking: Booking) -> str:
    return Booking.objects.get(pk=booking.pk).approval_status


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get("/day?date=2030-01-01")
    assert response.status_code == 302
    assert response["Location"] == "/api-auth/login/?next=/day%3Fdate%3D2030-01-01"


def test_approval_status_follows_the_confirm_apps_events(user, superuser, room):
    booking = book(user, room, future(hour=9), future(hour=10))
    assert approval(booking) == "PENDING"
    request = Confirm.objects.get(booking_id=booking.pk)
    confirm_services.complete_confirm(confirm_id=request.pk, user=superuser)
    assert approval(booking) == "CONFIRMED"
    services.change_booking(actor=user, booking_id=booking.pk, use_end_dtm=future(hour=11))
    assert approval(booking) == "PENDING"  # a moved approved booking asks again

    other = book(user, room, future(hour=12), future(hour=13))
    denied = Confirm.objects.get(booking_id=other.pk)
    confirm_services.deny_confirm(confirm_id=denied.pk, user=superuser, reason="No")
    assert (approval(other), Booking.objects.get(pk=other.pk).status) == ("DENIED", "CANCELLED")


def test_a_replayed_older_event_changes_nothing(user, superuser, room):
    from apps.booking.receivers import remember_approval_status
    from roombooking import bus

    booking = book(user, room, future(hour=9), future(hour=10))
    confirm_services.complete_confirm(
        confirm_id=Confirm.objects.get(booking_id=booking.pk).pk, user=superuser
    )
    for seq, event in bus.replay(booking_id=booking.pk):
        if type(event).__name__.startswith("Confirm"):
            remember_approval_status(sender=type(event), event=event, seq=seq)
    assert approval(booking) == "CONFIRMED"
    requested = EventLog.objects.get(event_type="ConfirmRequested", booking_id=booking.pk)
    assert Booking.objects.get(pk=booking.pk).approval_seq > requested.pk


def test_rows_blocks_and_free_cells(user, other_user, manager, superuser, room, other_room):
    date = future().date()
    mine = book(user, room, future(hour=9), future(hour=10, minute=30))
    theirs = book(other_user, room, future(hour=14), future(hour=15))
    confirm_services.complete_confirm(
        confirm_id=Confirm.objects.get(booking_id=theirs.pk).pk, user=superuser
    )
    page = signed_in(user).get(f"/day?date={date}")
    assert page.status_code == 200
    rows = {row.room.name: row for row in page.context["rows"]}
    assert list(rows) == ["Big room", "Room 101"]
    blocks = rows["Room 101"].blocks
    assert [(b.label, b.approved, b.mine) for b in blocks] == [
        ("You", False, True),
        ("Booked", True, False),  # someone else's: no name for a plain user
    ]
    assert (blocks[0].left, blocks[0].width) == (round(2 / 14 * 100, 3), round(1.5 / 14 * 100, 3))
    free = [cell.hour for cell in rows["Room 101"].cells if cell.free]
    assert free == [7, 8, 11, 12, 13, 15, 16, 17, 18, 19, 20]
    assert all(cell.free for cell in rows["Big room"].cells)
    html = page.content.decode()
    assert f'href="?date={date}&amp;room={room.pk}&amp;start={date}T11:00#book"' in html
    assert mine.pk and "cdn" not in html.lower() and "<script" not in html

    managers_view = signed_in(manager).get(f"/day?date={date}").context["rows"]
    assert [b.label for b in managers_view[1].blocks] == ["alice", "bob"]


def test_a_click_on_a_free_cell_opens_the_form_for_that_room_and_hour(user, room):
    date = future().date()
    page = signed_in(user).get(f"/day?date={date}&room={room.pk}&start={date}T11:00")
    form = page.context["form"]
    assert form.initial == {
        "room": str(room.pk),
        "start": f"{date}T11:00",
        "end": f"{date}T12:00",
    }
    assert 'id="book"' in page.content.decode()


def test_booking_from_the_form_uses_the_service(user, room, published):
    date = future().date()
    client = signed_in(user)
    response = client.post(
        f"/day?date={date}",
        {"room": room.pk, "start": f"{date}T11:00", "end": f"{date}T12:30"},
    )
    assert response.status_code == 302 and response["Location"] == f"/day?date={date}"
    booking = Booking.objects.get()
    assert (booking.room, booking.use_start_dtm, booking.use_end_dtm) == (
        room,
        dt.datetime.combine(date, dt.time(11), tzinfo=SEOUL),
        dt.datetime.combine(date, dt.time(12, 30), tzinfo=SEOUL),
    )
    assert [name for name, _ in published()] == ["BookingCreated"]
    page = client.get(response["Location"])
    assert "Booked Room 101" in page.content.decode()
    assert "waiting for approval." in page.content.decode()


def test_a_room_that_approves_automatically_says_approved(user, room):
    services.update_room(room_id=room.pk, approval_mode="AUTOMATIC")
    date = future().date()
    client = signed_in(user)
    response = client.post(
        f"/day?date={date}",
        {"room": room.pk, "start": f"{date}T11:00", "end": f"{date}T12:00"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Booked Room 101" in page and ": approved." in page
    assert "waiting for approval." not in page


def test_conflicts_and_policy_errors_show_in_the_form(user, other_user, room):
    date = future().date()
    book(other_user, room, future(hour=10), future(hour=11))
    client = signed_in(user)
    taken = client.post(
        f"/day?date={date}", {"room": room.pk, "start": f"{date}T10:30", "end": f"{date}T11:30"}
    )
    assert taken.status_code == 409
    assert taken.context["form"].non_field_errors() == ["Room 101 is already booked at that time."]
    assert [c["useStartDtm"] for c in taken.context["conflicts"]] == [f"{date}T10:00:00+09:00"]
    assert "bookingUserId" not in taken.context["conflicts"][0]  # not a plain user's business

    backwards = client.post(
        f"/day?date={date}", {"room": room.pk, "start": f"{date}T12:00", "end": f"{date}T11:00"}
    )
    assert backwards.status_code == 400
    assert backwards.context["form"].errors == {
        "end": ["The end must be after the start (useStartDtm)."]
    }
    too_long = client.post(
        f"/day?date={date}", {"room": room.pk, "start": f"{date}T07:00", "end": f"{date}T20:00"}
    )
    assert "takes bookings of at most 12 h" in too_long.context["form"].errors["end"][0]
    garbage = client.post(f"/day?date={date}", {"room": "nope", "start": "soon", "end": ""})
    assert garbage.status_code == 400
    assert set(garbage.context["form"].errors) == {"room", "start", "end"}
    assert Booking.objects.filter(booking_user=user).count() == 0


@pytest.mark.parametrize("date", ["tomorrow", "0001-01-01", "9999-12-31"])
def test_a_bad_date_shows_today_with_a_warning(user, room, date):
    page = signed_in(user).get("/day", {"date": date})
    assert page.status_code == 200
    assert page.context["date_error"]
