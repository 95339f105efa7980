"""roombooking.postgresql.jsonb.dumps: the document PostgreSQL stores is the one the standard
library's ``json.dumps`` (Django's) would give it, and what that refuses is refused."""

import dataclasses
import datetime as dt
import decimal
import enum
import json
import uuid
from collections import OrderedDict

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from roombooking.postgresql.jsonb import dumps

documents = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and infinities included
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def canonical(text: bytes | str) -> str:
    """A document's value, written one way (NaN as NaN, keys in order)."""
    return json.dumps(json.loads(text), sort_keys=True)


def assert_same_document(value) -> None:
    try:
        djangos = json.dumps(value)
    except Exception as refused:
        with pytest.raises(type(refused)):
            dumps(value)
        return
    assert canonical(dumps(value)) == canonical(djangos)


@settings(max_examples=500, deadline=None)
@given(value=documents)
def test_generated_documents_are_the_same_value(value):
    assert_same_document(value)


class Colour(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    LARGE = 3


class Tag(str):
    pass


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        {"a": [1.5, float("inf")]},
        -float("inf"),
        {1: "an integer key"},
        2**64,
        -(2**63) - 1,
        "\ud800",
        ("a", "tuple"),
        OrderedDict(b=1, a=2),
        {"tag": Tag("x")},
        [Size.LARGE],
        uuid.UUID(int=7),
        Colour.RED,
        decimal.Decimal("1.5"),
        dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
        Point(1),
        {"ünïcödé": "日本語", "emoji": "🙂"},
        -0.0,
        1e300,
    ],
    ids=repr,
)
def test_edge_cases_are_written_or_refused_as_the_standard_library_does(value):
    assert_same_document(value)


def test_plain_documents_take_orjsons_text():
    assert dumps({"a": [1, None, "x"]}) == b'{"a":[1,null,"x"]}'
    assert dumps(float("nan")) == "NaN"  # the standard library's: PostgreSQL refuses it, as before


@pytest.mark.postgres
@pytest.mark.django_db
@settings(max_examples=100, deadline=None)
@given(value=documents)
def test_postgresql_stores_the_same_jsonb(value):
    try:
        json.dumps(value, allow_nan=False)
        str(value).encode()  # lone surrogates
    except (ValueError, TypeError, UnicodeEncodeError):
        return  # PostgreSQL refuses these either way
    if "\\u0000" in json.dumps(value):
        return  # jsonb cannot hold NUL, either way
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::jsonb = %s::jsonb, %s::jsonb::text",
            [Jsonb(value, dumps=dumps), Jsonb(value, dumps=json.dumps), Jsonb(value, dumps=dumps)],
        )
        same, stored = cursor.fetchone()
    assert same, stored


@pytest.mark.postgres
@pytest.mark.django_db
def test_json_fields_are_written_with_it_unless_they_have_an_encoder():
    from django.core.serializers.json import DjangoJSONEncoder

    assert connection.ops.adapt_json_value({"a": 1}, None).dumps is dumps
    assert connection.ops.adapt_json_value({"a": 1}, DjangoJSONEncoder).dumps is not dumps
