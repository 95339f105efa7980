"""roombooking.fields.JSONField: read with orjson, the same values as Django's JSONField."""

import json

import pytest
from django.db import connection, models
from django.db.models.fields.json import KeyTransform
from hypothesis import given
from hypothesis import strategies as st

from roombooking.fields import JSONField

documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _read(field, text, expression=None):
    value = field.from_db_value(text, expression, connection)
    return value, json.dumps(value)  # the text tells 1 from 1.0 and True from 1


@given(documents)
def test_a_stored_document_reads_as_djangos_field_reads_it(document):
    text = json.dumps(document)
    assert _read(JSONField(), text) == _read(models.JSONField(), text)


@pytest.mark.parametrize(
    "text",
    [
        "[NaN]", "[1e400]", '"\\ud800"', "[123456789012345678901234567890]", "[-0.0, 1.0]",
        '{"a": 1, "a": 2}', "not json", "", "null",
    ],
)  # fmt: skip
def test_what_orjson_refuses_goes_djangos_way(text):
    assert _read(JSONField(), text) == _read(models.JSONField(), text)


def test_a_decoder_of_its_own_and_a_key_transform_go_djangos_way():
    class Decoder(json.JSONDecoder):
        def __init__(self, **kwargs):
            super().__init__(parse_int=lambda text: f"int {text}", **kwargs)

    assert JSONField(decoder=Decoder).from_db_value("[1]", None, connection) == ["int 1"]
    key = KeyTransform("a", "room_managers")
    assert JSONField().from_db_value(5, key, connection) == 5


@pytest.mark.django_db
def test_the_booking_lists_managers_round_trip():
    from apps.bookinglist.models import BookingListRow

    field = BookingListRow._meta.get_field("room_managers")
    assert isinstance(field, JSONField)
    assert field.from_db_value('["kim", "lee"]', None, connection) == ["kim", "lee"]
