"""roombooking.datetimes: the original's compact forms, ISO 8601, zones, clear errors."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils.timezone import override
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from roombooking.datetimes import (
    DateTimeInputError,
    DateTimeInputField,
    format_compact,
    format_drf_many,
    parse_datetime,
    parse_local_or_aware,
)

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("20200831183000", dt.datetime(2020, 8, 31, 18, 30, tzinfo=SEOUL)),
        ("202009021330", dt.datetime(2020, 9, 2, 13, 30, tzinfo=SEOUL)),
        ("2020-08-31T18:30:00", dt.datetime(2020, 8, 31, 18, 30, tzinfo=SEOUL)),
        ("2020-08-31 18:30", dt.datetime(2020, 8, 31, 18, 30, tzinfo=SEOUL)),
        ("2020-08-31T09:30:00Z", dt.datetime(2020, 8, 31, 18, 30, tzinfo=SEOUL)),
        ("2020-08-31T11:30:00+02:00", dt.datetime(2020, 8, 31, 18, 30, tzinfo=SEOUL)),
    ],
)
def test_accepted_forms(text, expected):
    assert parse_datetime(text, zone=SEOUL) == expected


def test_offset_wins_over_the_zone_and_local_times_use_it():
    assert parse_datetime("2020-08-31T18:30:00+09:00", zone=BERLIN).utcoffset() == dt.timedelta(
        hours=9
    )
    assert parse_datetime("20200831183000", zone=BERLIN) == dt.datetime(
        2020, 8, 31, 16, 30, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    "value, reason",
    [
        ("20200230103000", "day is out of range for month"),
        ("202013011030", "month must be in 1..12"),
        ("20200831250000", "hour must be in 0..23"),
        ("2020-02-30T10:00", "day is out of range for month"),
        ("2020-08-31", "is not a date-time"),
        ("2020083118", "is not a date-time"),
        ("tomorrow", "is not a date-time"),
        ("", "is not a date-time"),
        ("2" * 100, "is not a date-time"),
        (20200831183000, "got a number"),
        (None, "got null"),
        (["20200831183000"], "got a list"),
        ("2021-03-28T02:30", "does not exist in Europe/Berlin"),
    ],
)
def test_errors_say_why(value, reason):
    with pytest.raises(DateTimeInputError) as error:
        parse_datetime(value, zone=BERLIN)
    assert reason in str(error.value)


def test_the_last_moments_of_year_9999_are_an_error_not_a_crash():
    with pytest.raises(DateTimeInputError, match="out of range"):
        parse_datetime("99991231230000", zone="America/New_York")


def test_an_ambiguous_local_time_is_the_earlier_instant():
    # 2021-10-31 02:30 happens twice in Berlin; the first is still summer time (+02:00).
    assert parse_datetime("20211031023000", zone=BERLIN).utcoffset() == dt.timedelta(hours=2)


compact_moments = st.datetimes(
    min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)
).map(lambda d: d.replace(microsecond=0))
zones = st.sampled_from(["Asia/Seoul", "UTC", "America/New_York", "Europe/Berlin"])


@given(moment=compact_moments, zone=zones)
def test_compact_seconds_round_trip(moment, zone):
    text = moment.strftime("%Y%m%d%H%M%S")
    try:
        parsed = parse_datetime(text, zone=zone)
    except DateTimeInputError as error:  # only a time skipped by DST (or year 9999's end) fails
        assert "does not exist" in str(error) or "out of range" in str(error)
        return
    assert format_compact(parsed, zone=zone) == text


@given(moment=compact_moments, zone=zones)
def test_compact_minutes_round_trip(moment, zone):
    text = moment.strftime("%Y%m%d%H%M")
    try:
        parsed = parse_datetime(text, zone=zone)
    except DateTimeInputError as error:
        assert "does not exist" in str(error) or "out of range" in str(error)
        return
    assert format_compact(parsed, zone=zone) == text + "00"


@given(
    moment=st.datetimes(
        min_value=dt.datetime(1900, 1, 1),
        max_value=dt.datetime(9000, 1, 1),
        timezones=st.just(dt.UTC),
    )
)
def test_iso_output_parses_back_to_the_same_instant(moment):
    assert parse_local_or_aware(moment.astimezone(SEOUL).isoformat()) == moment


class _Serializer(serializers.Serializer):
    local = DateTimeInputField()
    seoul = DateTimeInputField(zone="Asia/Seoul", required=False)


def test_drf_field_keeps_local_times_naive_and_names_the_field_on_errors():
    ok = _Serializer(data={"local": "202009021330", "seoul": "202009021330"})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data["local"] == dt.datetime(2020, 9, 2, 13, 30)
    assert ok.validated_data["seoul"] == dt.datetime(2020, 9, 2, 13, 30, tzinfo=SEOUL)
    bad = _Serializer(data={"local": "20200230103000"})
    assert not bad.is_valid()
    assert "day is out of range" in str(bad.errors["local"][0])


def test_drf_field_output_is_iso_with_offset_in_its_zone():
    field = DateTimeInputField(zone="Asia/Seoul")
    moment = dt.datetime(2020, 8, 31, 9, 30, tzinfo=dt.UTC)
    assert field.to_representation(moment) == "2020-08-31T18:30:00+09:00"


_ZONES = [
    "Asia/Seoul",
    "UTC",
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Europe/Amsterdam",
]
_moments = st.datetimes(
    min_value=dt.datetime(1800, 1, 2),
    max_value=dt.datetime(9999, 12, 30),
    timezones=st.just(dt.UTC),
)


@given(values=st.lists(st.none() | _moments, max_size=12), zone=st.sampled_from(_ZONES))
def test_format_drf_many_says_what_drfs_field_says(values, zone):
    """Microseconds, UTC as "Z", offsets of whole minutes and (before 1900) with seconds."""
    field = serializers.DateTimeField(allow_null=True)
    with override(zone):
        expected = [None if v is None else field.to_representation(v) for v in values]
    assert format_drf_many(values, zone=zoneinfo.ZoneInfo(zone)) == expected


def test_format_drf_many_formats_a_datetime_subclass_the_exact_way():
    class Moment(dt.datetime):
        pass

    value = Moment(2026, 12, 1, 9, 0, 0, 5, tzinfo=dt.UTC)
    assert format_drf_many([value, None], zone=SEOUL) == ["2026-12-01T18:00:00.000005+09:00", None]
