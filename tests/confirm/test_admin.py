"""The Django admin as room managers use it: their rooms only, Approve and Deny, messages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages

from apps.confirm.events import BOOKED, CONFIRMED
from apps.confirm.models import Confirm, ConfirmApprover
from roombooking.roles import ROOM_MANAGERS_GROUP
from tests.confirm import bookings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/confirm/confirm/"


def signed_in(client, user):
    client.force_login(user)
    return client


def listed(response) -> set[int]:
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_room_managers_group_grants_only_viewing_and_deciding(db):
    """Of this app, exactly view and change; nothing anywhere to add or delete (the booking app
    lets managers view their rooms' bookings)."""
    group = Group.objects.get(name=ROOM_MANAGERS_GROUP)
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert {p for p in granted if p.startswith("confirm.")} == {
        "confirm.view_confirm",
        "confirm.change_confirm",
    }
    assert all(p.split(".")[1].startswith("view_") or p.startswith("confirm.") for p in granted)


def test_a_manager_lists_only_waiting_requests_of_their_rooms(
    client, request_for, manager, other_manager, staff_user
):
    _, mine = request_for()
    _, decided = request_for()
    Confirm.objects.filter(pk=decided.pk).update(status=CONFIRMED)
    _, theirs = request_for(room_id=202, room_name="Jiri", room_managers=("carol",))
    assert listed(signed_in(client, manager).get(CHANGELIST)) == {mine.pk}
    assert listed(client.get(CHANGELIST, {"decision": "approved"})) == {decided.pk}
    assert listed(client.get(CHANGELIST, {"decision": "all"})) == {mine.pk, decided.pk}
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code in {302, 404}
    assert listed(signed_in(client, other_manager).get(CHANGELIST)) == {theirs.pk}
    assert listed(signed_in(client, staff_user).get(CHANGELIST)) == {mine.pk, theirs.pk}


def test_the_list_shows_room_time_booker_and_waiting_since(client, request_for, manager):
    request_for()
    page = signed_in(client, manager).get(CHANGELIST).content.decode()
    for text in ("Hanla (#101)", "2030-03-04 10:00–11:00 KST", "alice", "Waiting since"):
        assert text in page


def test_search_and_filters(client, request_for, manager):
    _, alices = request_for()
    _, bobs = request_for(booking_user_id="bob")
    signed_in(client, manager)
    assert listed(client.get(CHANGELIST, {"q": "bob"})) == {bobs.pk}
    assert listed(client.get(CHANGELIST, {"q": str(alices.booking_id)})) == {alices.pk}
    assert listed(client.get(CHANGELIST, {"room_name": "Hanla"})) == {alices.pk, bobs.pk}


def test_staff_without_the_group_or_plain_users_cannot_open_it(client, request_for, user):
    request_for()
    assert signed_in(client, user).get(CHANGELIST).status_code == 302  # to the admin login
    bare = UserFactory(username="dave", is_staff=True)
    assert signed_in(client, bare).get(CHANGELIST).status_code == 403


def test_approve_selected(client, request_for, manager):
    _, first = request_for()
    _, second = request_for()
    response = signed_in(client, manager).post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [first.pk, second.pk], "index": 0},
        follow=True,
    )
    assert any(t.startswith("Approved 2 request(s)") for t in texts(response))
    assert set(Confirm.objects.values_list("status", flat=True)) == {CONFIRMED}
    assert set(Confirm.objects.values_list("confirm_user_id", flat=True)) == {"manager"}


def test_approving_an_approved_request_says_why_not(client, request_for, manager):
    _, confirm = request_for()
    Confirm.objects.filter(pk=confirm.pk).update(status=CONFIRMED)
    response = signed_in(client, manager).post(
        f"{CHANGELIST}?decision=all",
        {"action": "approve_selected", "_selected_action": [confirm.pk], "index": 0},
        follow=True,
    )
    [message] = texts(response)
    assert message.startswith(f"Not approved: #{confirm.pk}") and "is CONFIRMED" in message


def test_deny_selected_asks_for_a_reason_then_cancels_the_bookings(client, booked, manager):
    booking, confirm = booked()
    signed_in(client, manager)
    page = client.post(
        CHANGELIST, {"action": "deny_selected", "_selected_action": [confirm.pk], "index": 0}
    )
    assert page.status_code == 200
    assert b'name="reason"' in page.content and f"#{confirm.pk}".encode() in page.content
    assert Confirm.objects.get(pk=confirm.pk).status == BOOKED  # nothing decided yet
    response = client.post(
        CHANGELIST,
        {
            "action": "deny_selected",
            "_selected_action": [confirm.pk],
            "confirm_deny": "yes",
            "reason": "Maintenance",
        },
        follow=True,
    )
    assert any(t.startswith("Denied 1 request(s)") for t in texts(response))
    assert not Confirm.objects.filter(pk=confirm.pk).exists()
    assert bookings.is_cancelled(booking.pk)


def test_detail_page_approve_button(client, request_for, manager):
    _, confirm = request_for()
    detail = signed_in(client, manager).get(f"{CHANGELIST}{confirm.pk}/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert (
        f"{CHANGELIST}{confirm.pk}/approve/" in html and f"{CHANGELIST}{confirm.pk}/deny/" in html
    )
    assert 'name="_save"' not in html  # nothing to edit: decisions only
    response = client.post(f"{CHANGELIST}{confirm.pk}/approve/", follow=True)
    assert response.redirect_chain[-1][0] == CHANGELIST
    assert any(t.startswith("Approved 1 request(s)") for t in texts(response))
    assert Confirm.objects.get(pk=confirm.pk).status == CONFIRMED
    again = client.get(f"{CHANGELIST}{confirm.pk}/change/").content.decode()
    assert f"{confirm.pk}/approve/" not in again and f"{confirm.pk}/deny/" in again


def test_detail_page_deny_with_a_reason(client, booked, manager):
    booking, confirm = booked()
    signed_in(client, manager)
    form = client.get(f"{CHANGELIST}{confirm.pk}/deny/")
    assert form.status_code == 200 and b'name="reason"' in form.content
    response = client.post(
        f"{CHANGELIST}{confirm.pk}/deny/", {"reason": "Double booked"}, follow=True
    )
    assert any(t.startswith("Denied 1 request(s)") for t in texts(response))
    assert bookings.is_cancelled(booking.pk)
    gone = client.get(f"{CHANGELIST}{confirm.pk}/deny/", follow=True)
    assert gone.redirect_chain[-1][0] == CHANGELIST
    assert texts(gone) == [
        f"Approval request #{confirm.pk} is not waiting for you: its booking was cancelled, "
        "or it is not for a room you manage."
    ]


def test_others_cannot_use_the_decision_urls(client, request_for, other_manager, manager):
    _, confirm = request_for()
    signed_in(client, other_manager)
    assert client.post(f"{CHANGELIST}{confirm.pk}/approve/").status_code == 302  # with a message
    viewer = UserFactory(username="erin", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_confirm"))
    Confirm.objects.filter(pk=confirm.pk).update(approvers=["erin"])
    ConfirmApprover.objects.filter(confirm=confirm).update(username="erin")
    assert signed_in(client, viewer).post(f"{CHANGELIST}{confirm.pk}/approve/").status_code == 403
    assert Confirm.objects.get(pk=confirm.pk).status == BOOKED


def test_a_manager_who_is_not_an_approver_of_an_unmanaged_room_gets_an_error(
    client, request_for, staff_user
):
    _, confirm = request_for(room_managers=("manager",))
    response = signed_in(client, staff_user).post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [confirm.pk], "index": 0},
        follow=True,
    )
    assert texts(response) == [
        f"Not approved: #{confirm.pk} (Hanla, alice): you do not manage this room."
    ]
    assert Confirm.objects.get(pk=confirm.pk).status == BOOKED
