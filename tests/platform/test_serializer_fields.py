"""roombooking.serializer_fields.PlainFieldCopies: each serializer gets fresh fields, made by
a shallow copy of the declared ones; the same answers as DRF's deep copies."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from apps.booking.serializers import BookingInputSerializer
from roombooking.serializer_fields import PlainFieldCopies


class Plain(PlainFieldCopies, serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=1, required=False)
    flag = serializers.BooleanField(required=False)


class Drfs(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=1, required=False)
    flag = serializers.BooleanField(required=False)


@pytest.mark.parametrize(
    "data",
    [
        {"name": "abc", "count": 3, "flag": True},
        {"name": "abcdefg", "count": 0},
        {"count": "x"},
        {"name": "", "flag": "maybe"},
        {"name": None},
        {},
    ],
)
def test_the_same_answers_as_drfs_deep_copies(data):
    ours, theirs = Plain(data=data), Drfs(data=data)
    assert ours.is_valid() == theirs.is_valid()
    assert ours.errors == theirs.errors
    assert (ours.validated_data if not ours.errors else None) == (
        theirs.validated_data if not theirs.errors else None
    )


def test_each_instance_has_its_own_bound_fields_and_validators():
    first, second = Plain(), Plain()
    for name in ("name", "count"):
        mine, yours = first.fields[name], second.fields[name]
        declared = Plain._declared_fields[name]
        assert mine is not yours and mine is not declared
        assert mine.parent is first and yours.parent is second and mine.field_name == name
        assert mine.validators == declared.validators  # the same validators, in lists of their own
        assert mine.validators is not yours.validators is not declared.validators
    first.fields["name"].validators.append(lambda value: None)
    assert len(Plain().fields["name"].validators) == len(Plain._declared_fields["name"].validators)
    assert Plain._declared_fields["name"].parent is None  # the prototypes stay unbound


def test_the_booking_input_keeps_its_answers():
    valid = BookingInputSerializer(
        data={"roomId": "7", "useStartDtm": "20301105140000", "useEndDtm": "20301105150000"}
    )
    assert valid.is_valid(), valid.errors
    assert valid.service_arguments()["room_id"] == 7
    invalid = BookingInputSerializer(data={"roomId": 0, "bookingUserId": "x" * 200})
    assert not invalid.is_valid()
    assert set(invalid.errors) == {"roomId", "useStartDtm", "useEndDtm", "bookingUserId"}


def test_fields_with_children_are_refused():
    with pytest.raises(TypeError, match="not a plain field"):

        class Nested(PlainFieldCopies, serializers.Serializer):
            names = serializers.ListField(child=serializers.CharField())
