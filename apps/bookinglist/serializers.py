from __future__ import annotations

from rest_framework import serializers


class BookingListRowSerializer(serializers.Serializer):
    """A row with the original service's camelCase names, plus roomName, roomManagers and the
    cancellation and update details that it did not have."""

    bookingId = serializers.IntegerField(source="booking_id")
    roomId = serializers.IntegerField(source="room_id")
    roomName = serializers.CharField(source="room_name")
    roomManagers = serializers.ListField(source="room_managers", child=serializers.CharField())
    bookingUserId = serializers.CharField(source="booking_user_id")
    useStartDtm = serializers.DateTimeField(source="use_start_dtm")
    useEndDtm = serializers.DateTimeField(source="use_end_dtm")
    bookingDtm = serializers.DateTimeField(source="booking_dtm")
    bookingStatus = serializers.CharField(source="booking_status")
    confirmId = serializers.IntegerField(source="confirm_id", allow_null=True)
    confirmStatus = serializers.CharField(source="confirm_status", allow_null=True)
    confirmUserId = serializers.CharField(source="confirm_user_id", allow_null=True)
    confirmDtm = serializers.DateTimeField(source="confirm_dtm", allow_null=True)
    confirmReason = serializers.CharField(source="confirm_reason")
    cancelledDtm = serializers.DateTimeField(source="cancelled_dtm", allow_null=True)
    cancelCause = serializers.CharField(source="cancel_cause")
    cancelReason = serializers.CharField(source="cancel_reason")
    updatedDtm = serializers.DateTimeField(source="updated_dtm")
