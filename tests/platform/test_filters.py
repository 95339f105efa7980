"""roombooking.filters.FilterSet: one form class per FilterSet class, forms sharing its fields,
and filters copied shallowly per request. Each request must still get its own filters (a method
filter calls its own filter set) and its own form state."""

import pytest
from django.http import QueryDict

from apps.booking.filters import RoomFilter
from apps.booking.models import Room


def _filterset(query: str, **kwargs) -> RoomFilter:
    return RoomFilter(QueryDict(query), queryset=Room.objects.all(), **kwargs)


def test_each_filter_set_has_its_own_filters_bound_to_itself():
    first, second = _filterset("search=a"), _filterset("search=b")
    for name in RoomFilter.base_filters:
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name] is not RoomFilter.base_filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
        assert first.filters[name].model is Room
    # A method filter resolves its method on its own filter set, not on another request's.
    assert first.filters["search"].filter.method.__self__ is first
    assert second.filters["search"].filter.method.__self__ is second
    assert not hasattr(RoomFilter.base_filters["search"], "parent")


@pytest.mark.django_db
def test_method_filters_filter_with_their_own_values():
    Room.objects.create(name="Aurora", capacity=4)
    Room.objects.create(name="Borealis", capacity=4)
    first, second = _filterset("search=aur"), _filterset("search=bor")
    assert [room.name for room in second.qs] == ["Borealis"]
    assert [room.name for room in first.qs] == ["Aurora"]


def test_forms_share_the_fields_but_not_their_data_or_errors():
    good, bad = _filterset("minCapacity=3"), _filterset("minCapacity=lots")
    assert type(good.form) is type(bad.form)
    assert good.form.fields["minCapacity"] is bad.form.fields["minCapacity"]
    assert good.form.is_valid() and good.form.cleaned_data["minCapacity"] == 3
    assert not bad.form.is_valid() and "minCapacity" in bad.form.errors
    assert good.form.errors == {}


LISTS_WITH_ORDERING = ["/rooms", "/bookings", "/bookingLists", "/confirms", "/notifications"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS_WITH_ORDERING)
@pytest.mark.parametrize("ordering", [",,,,", "id,", ",id", "id,,-id", " ", "bogus"])
def test_an_empty_or_unknown_ordering_term_is_a_400_naming_ordering(
    client_for, staff_user, path, ordering
):
    # Schemathesis found `?ordering=,,,,` answered 200: django-filter let empty terms through.
    response = client_for(staff_user).get(path, {"ordering": ordering})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["ordering"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS_WITH_ORDERING)
def test_no_ordering_and_a_known_one_are_answered(client_for, staff_user, path):
    client = client_for(staff_user)
    assert client.get(path, {"ordering": ""}).status_code == 200
    known = "-useStartDtm" if path == "/bookingLists" else "-id"
    assert client.get(path, {"ordering": known}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/bookings", "/bookingLists"])
@pytest.mark.parametrize("value", ["%A", "100%", "%(x)s", "%s%s"])
def test_a_percent_sign_in_a_date_is_a_400_quoting_it(client_for, staff_user, path, value):
    # Schemathesis found ?to=...%A a 500: django-filter formats every message with %.
    response = client_for(staff_user).get(path, {"to": value})
    assert response.status_code == 400, response.content
    assert value in response.json()["errors"]["to"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, name",
    [("/bookings", "roomId"), ("/bookingLists", "roomId"), ("/confirms", "roomId"),
     ("/notifications", "bookingId"), ("/rooms", "minCapacity")],
)  # fmt: skip
@pytest.mark.parametrize("value", ["0.0", "1.0", "1e3", "１"])
def test_a_whole_number_is_digits_only(client_for, staff_user, path, name, value):
    response = client_for(staff_user).get(path, {name: value})
    assert response.status_code == 400, (value, response.content)
    assert list(response.json()["errors"]) == [name]
    assert client_for(staff_user).get(path, {name: " 1 "}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, name",
    [("/bookings?roomId=x&roomId=1", "roomId"), ("/bookingLists?roomId=1&roomId=2", "roomId"),
     ("/confirms?userId=a&userId=b", "userId"), ("/rooms?ordering=id&ordering=name", "ordering"),
     ("/notifications?status=SENT&status=FAILED", "status"),
     ("/rooms?page=1&page=2", "page"), ("/bookings?page_size=5&page_size=6", "page_size")],
)  # fmt: skip
def test_a_one_value_parameter_given_twice_is_a_400_naming_it(client_for, staff_user, query, name):
    # Each would have read the last value only, so the order of the query decided the answer.
    response = client_for(staff_user).get(query)
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [name]
    assert "given 2 times" in response.json()["errors"][name][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["/confirms?status=BOOKED&status=CONFIRMED", "/rooms?page=", "/bookings?page=",
     "/bookingLists?confirmStatus=BOOKED&confirmStatus=DENIED"],
)  # fmt: skip
def test_lists_take_several_values_and_an_empty_page_is_the_first(client_for, staff_user, query):
    assert client_for(staff_user).get(query).status_code == 200
