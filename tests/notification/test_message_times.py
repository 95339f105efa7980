"""The times an email writes (apps.notification.message_types: ``minute``, ``span``) are the ones
``strftime`` writes, for any moment from year 1 to 9999, in any zone."""

import datetime as dt
import zoneinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.notification.message_types import minute, span

moments = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 20),
    timezones=st.sampled_from([dt.UTC, zoneinfo.ZoneInfo("Asia/Seoul"),
                               zoneinfo.ZoneInfo("America/St_Johns")]),
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(moment=moments)
def test_a_minute_is_strftimes(moment):
    assert minute(moment) == f"{moment:%Y-%m-%d %H:%M}"


@settings(max_examples=500, deadline=None)
@given(start=moments, length=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(3)))
def test_a_span_is_as_strftime_writes_it(start, length):
    end = start + length
    if start.date() == end.date():
        assert span(start, end) == f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"
    else:
        assert span(start, end) == f"{start:%Y-%m-%d %H:%M} - {end:%Y-%m-%d %H:%M}"


def test_short_years_as_strftime_writes_them():
    moment = dt.datetime(987, 6, 5, 4, 3, tzinfo=dt.UTC)
    assert minute(moment) == f"{moment:%Y-%m-%d %H:%M}"
