"""GET /bookingLists and /bookingLists/{id}: fields, visibility, filters, ordering, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tests.bookinglist.builders import (
    T0,
    cancelled,
    completed,
    created,
    denied,
    publish,
    requested,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_bookinglist_listens")]
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager")


@pytest.fixture
def rows(db):
    """alice: 1 in room A (confirmed), 2 in room B (cancelled); bob: 3 in room A (denied);
    carol: 4 in room C, managed by nobody we know."""
    a1 = created(1, room_id=10, room_name="A", use_start_dtm=T0, use_end_dtm=T0 + HOUR)
    b2 = created(
        2,
        room_id=20,
        room_name="B",
        room_managers=("mia",),
        use_start_dtm=T0 + 24 * HOUR,
        use_end_dtm=T0 + 25 * HOUR,
        booking_dtm=T0 - 2 * HOUR,
    )
    a3 = created(
        3,
        room_id=10,
        room_name="A",
        booking_user_id="bob",
        use_start_dtm=T0 + 2 * HOUR,
        use_end_dtm=T0 + 3 * HOUR,
        booking_dtm=T0 - 30 * HOUR,
    )
    c4 = created(
        4,
        room_id=30,
        room_name="C",
        room_managers=(),
        booking_user_id="carol",
        use_start_dtm=T0 + 48 * HOUR,
        use_end_dtm=T0 + 49 * HOUR,
    )
    publish(a1, requested(a1, confirm_id=11), completed(a1, confirm_id=11))
    publish(b2, requested(b2, confirm_id=12), cancelled(b2))
    publish(
        a3,
        requested(a3, confirm_id=13),
        denied(a3, confirm_id=13, reason="busy"),
        cancelled(a3, cause="DENIED", reason="busy"),
    )
    publish(c4, requested(c4, confirm_id=14))


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [r["bookingId"] for r in response.json()["results"]]


def test_fields_are_camel_case_with_offsets(client_for, user, rows):
    body = client_for(user).get("/bookingLists/1").json()
    assert body == {
        "bookingId": 1,
        "roomId": 10,
        "roomName": "A",
        "roomManagers": ["manager"],
        "bookingUserId": "alice",
        "useStartDtm": "2026-12-01T18:00:00+09:00",
        "useEndDtm": "2026-12-01T19:00:00+09:00",
        "bookingDtm": "2026-11-30T18:00:00+09:00",
        "bookingStatus": "BOOKED",
        "confirmId": 11,
        "confirmStatus": "CONFIRMED",
        "confirmUserId": "manager",
        "confirmDtm": "2026-12-01T18:00:00+09:00",
        "confirmReason": "",
        "cancelledDtm": None,
        "cancelCause": "",
        "cancelReason": "",
        "updatedDtm": body["updatedDtm"],
        "seriesId": None,
    }
    assert body["updatedDtm"].endswith("+09:00")


def test_a_user_sees_their_own_rows(client_for, user, rows):
    client = client_for(user)
    assert sorted(ids(client.get("/bookingLists"))) == [1, 2]
    assert client.get("/bookingLists/3").status_code == 404
    assert client.get("/bookingLists/3/").json()["status"] == 404
    assert client.get("/bookingLists/999").status_code == 404


def test_a_manager_sees_their_rooms_rows_and_their_own(client_for, manager, rows):
    publish(created(5, room_id=99, booking_user_id="manager", room_managers=()))
    client = client_for(manager)
    assert sorted(ids(client.get("/bookingLists"))) == [1, 3, 5]
    assert client.get("/bookingLists/3").json()["confirmStatus"] == "DENIED"
    assert client.get("/bookingLists/4").status_code == 404


def test_office_staff_see_everything(client_for, staff_user, superuser, rows):
    assert sorted(ids(client_for(staff_user).get("/bookingLists"))) == [1, 2, 3, 4]
    assert sorted(ids(client_for(superuser).get("/bookingLists"))) == [1, 2, 3, 4]


def test_is_staff_alone_is_not_office_staff(client_for, rows):
    admin_user = UserFactory(username="dora", is_staff=True)
    assert ids(client_for(admin_user).get("/bookingLists")) == []


def test_anonymous_is_refused(client_for, rows):
    assert client_for(None).get("/bookingLists").status_code in (401, 403)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("roomId=10", [1, 3]),
        ("bookingUserId=bob", [3]),
        ("bookingId=2", [2]),
        ("bookingStatus=CANCELLED", [2, 3]),
        ("bookingStatus=BOOKED&bookingStatus=CANCELLED", [1, 2, 3, 4]),
        ("confirmStatus=DENIED", [3]),
        ("confirmStatus=BOOKED,CONFIRMED", [1, 2, 4]),  # 2: cancelled while pending
        ("confirmStatus=BOOKED&confirmStatus=DENIED", [2, 3, 4]),
        ("roomId=10&confirmStatus=CONFIRMED", [1]),
        # overlapping the window [from, to): back-to-back rows are outside
        ("from=2026-12-01T10:00:00Z&to=2026-12-01T11:30:00Z", [3]),
        ("from=2026-12-01T10:00:00Z&to=2026-12-01T11:00:00Z", []),
        ("from=2026-12-01T09:30:00Z&to=2026-12-02T09:00:01Z", [1, 2, 3]),
        ("from=20261203", [4]),  # compact form, project time zone (midnight in Seoul)
        ("to=202612011801", [1]),  # 18:01 in Seoul is 09:01 UTC: only row 1 started before
        ("to=202612011800", []),
        ("from=2026-12-02&to=2026-12-03", [2]),
    ],
)
def test_filters(client_for, staff_user, rows, query, expected):
    assert sorted(ids(client_for(staff_user).get(f"/bookingLists?{query}"))) == expected


def test_filters_respect_visibility(client_for, user, rows):
    assert ids(client_for(user).get("/bookingLists?roomId=10")) == [1]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bookingStatus=LOST", "bookingStatus"),
        ("confirmStatus=BOOKED,NOPE", "confirmStatus"),
        ("roomId=abc", "roomId"),
        ("roomId=1.5", "roomId"),
        ("bookingId=99999999999999999999999", "bookingId"),
        ("bookingId=x", "bookingId"),
        ("from=yesterday", "from"),
        ("to=2026-13-45", "to"),
        ("from=2026-12-02&to=2026-12-01", "to"),
        ("from=2026-12-02&to=2026-12-02", "to"),
        ("from=2026-01-01&to=2027-01-03", "to"),
        ("ordering=roomName", "ordering"),
    ],
)
def test_bad_filters_are_400_naming_the_field(client_for, staff_user, rows, query, field):
    response = client_for(staff_user).get(f"/bookingLists?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_the_largest_window_is_accepted(client_for, staff_user, rows):
    response = client_for(staff_user).get("/bookingLists?from=2026-01-01&to=2027-01-02")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("", [4, 2, 3, 1]),
        ("useStartDtm", [1, 3, 2, 4]),
        ("-useStartDtm", [4, 2, 3, 1]),
        ("bookingDtm", [3, 1, 4, 2]),  # 1 and 4 booked at the same time: by id
        ("-bookingDtm", [2, 4, 1, 3]),
    ],
)
def test_ordering(client_for, staff_user, rows, ordering, expected):
    assert ids(client_for(staff_user).get(f"/bookingLists?ordering={ordering}")) == expected


def test_pagination(client_for, staff_user, rows):
    client = client_for(staff_user)
    first = client.get("/bookingLists?ordering=useStartDtm&page_size=3").json()
    assert first["count"] == 4
    assert [r["bookingId"] for r in first["results"]] == [1, 3, 2]
    second = client.get("/bookingLists?ordering=useStartDtm&page_size=3&page=2").json()
    assert [r["bookingId"] for r in second["results"]] == [4]


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_for_office_staff_with_filters(client_for, staff_user, rows):
    lines = read_csv(client_for(staff_user).get("/bookingLists/export.csv?roomId=10"))
    assert [line["bookingId"] for line in lines] == ["3", "1"]
    assert lines[0]["confirmStatus"] == "DENIED"
    assert lines[0]["bookingStatus"] == "CANCELLED"
    assert lines[1]["useStartDtm"] == "2026-12-01T18:00:00+09:00"
    assert lines[1]["roomManagers"] == "manager"
    assert lines[1]["cancelledDtm"] == ""


def test_csv_export_for_a_manager_shows_only_visible_rows(client_for, manager, rows):
    response = client_for(manager).get("/bookingLists/export.csv", HTTP_ACCEPT="text/csv")
    assert sorted(line["bookingId"] for line in read_csv(response)) == ["1", "3"]


def test_csv_export_is_refused_to_plain_users(client_for, user, rows):
    response = client_for(user).get("/bookingLists/export.csv")
    assert response.status_code == 403
    assert response.json()["status"] == 403


def test_csv_export_with_a_bad_filter_is_a_json_400(client_for, staff_user, rows):
    response = client_for(staff_user).get("/bookingLists/export.csv?from=soon")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["from"]


def test_the_browsable_api_renders_with_its_filter_form(client_for, staff_user, rows):
    client = client_for(staff_user)
    page = client.get("/bookingLists?roomId=10", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="confirmStatus"' in html and 'name="from"' in html
    assert client.get("/bookingLists/1", HTTP_ACCEPT="text/html").status_code == 200
    bad = client.get("/bookingLists?from=soon", HTTP_ACCEPT="text/html")
    assert bad.status_code == 400


def test_the_schema_documents_the_list_and_the_export(api_client):
    schema = api_client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    listing = schema["paths"]["/bookingLists/"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"roomId", "bookingUserId", "bookingStatus", "confirmStatus", "from", "to"} <= names
    export = schema["paths"]["/bookingLists/export.csv/"]["get"]
    assert "text/csv" in export["responses"]["200"]["content"]
