"""The list page's fast serializer says exactly what the field-by-field serializer says."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.bookinglist.models import BookingListRow
from apps.bookinglist.serializers import ROW_FIELDS, BookingListRowSerializer


@pytest.mark.django_db
def test_a_page_is_the_same_as_field_by_field(settings):
    now = timezone.now().replace(microsecond=123456)
    common = dict(
        room_id=3, room_name="회의실", booking_user_id="alice", use_start_dtm=now,
        use_end_dtm=now + dt.timedelta(hours=1), booking_dtm=now - dt.timedelta(days=1),
        updated_dtm=now, confirm_reason="", cancel_cause="", cancel_reason="",
    )  # fmt: skip
    BookingListRow.objects.bulk_create(
        [
            BookingListRow(booking_id=1, room_managers=["m1", "m2"], booking_status="BOOKED",
                           confirm_status="BOOKED", last_seq=1, **common),
            BookingListRow(booking_id=2, room_managers=[], booking_status="CANCELLED",
                           confirm_id=9, confirm_status="DENIED", confirm_user_id="m1",
                           confirm_dtm=now.astimezone(dt.UTC), cancelled_dtm=now, last_seq=2,
                           **{**common, "confirm_reason": "no", "cancel_cause": "DENIED"}),
        ]
    )  # fmt: skip
    rows = list(BookingListRow.objects.order_by("booking_id"))
    # The list view hands the serializer dicts of ROW_FIELDS (values()), not model instances.
    dicts = list(BookingListRow.objects.order_by("booking_id").values(*ROW_FIELDS))
    for zone in ("Asia/Seoul", "UTC"):
        settings.TIME_ZONE = zone
        with timezone.override(zone):
            fast = BookingListRowSerializer(rows, many=True).data
            fast_from_dicts = BookingListRowSerializer(dicts, many=True).data
            slow = [BookingListRowSerializer(row).data for row in rows]
        assert [dict(r) for r in fast] == [dict(r) for r in slow]
        assert [dict(r) for r in fast_from_dicts] == [dict(r) for r in slow]
