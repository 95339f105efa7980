"""API representation (camelCase names, as in the original)."""

from __future__ import annotations

from rest_framework import serializers

from apps.confirm.models import ALLOWED_TRANSITIONS, Confirm
from apps.confirm.services import REASON_MAX_LENGTH


class ConfirmSerializer(serializers.ModelSerializer):
    bookingId = serializers.IntegerField(source="booking_id", read_only=True)
    userId = serializers.CharField(source="user_id", read_only=True)
    confirmUserId = serializers.CharField(source="confirm_user_id", read_only=True)
    confirmDtm = serializers.DateTimeField(source="confirm_dtm", read_only=True)
    roomId = serializers.IntegerField(source="room_id", read_only=True)
    roomName = serializers.CharField(source="room_name", read_only=True)
    roomTimeZone = serializers.CharField(source="room_time_zone", read_only=True)
    approvers = serializers.ListField(child=serializers.CharField(), read_only=True)
    useStartDtm = serializers.DateTimeField(source="use_start_dtm", read_only=True)
    useEndDtm = serializers.DateTimeField(source="use_end_dtm", read_only=True)
    createdDtm = serializers.DateTimeField(source="created", read_only=True)
    updatedDtm = serializers.DateTimeField(source="updated", read_only=True)
    seriesId = serializers.IntegerField(source="series_id", read_only=True, allow_null=True)

    class Meta:
        model = Confirm
        fields = [
            "id",
            "bookingId",
            "userId",
            "status",
            "confirmUserId",
            "confirmDtm",
            "reason",
            "roomId",
            "roomName",
            "roomTimeZone",
            "approvers",
            "useStartDtm",
            "useEndDtm",
            "createdDtm",
            "updatedDtm",
            "seriesId",
        ]
        read_only_fields = fields


class ConfirmDecisionSerializer(serializers.Serializer):
    """``PATCH /confirms/{id}``: ``{"status": "CONFIRMED" | "DENIED", "reason"?}``."""

    status = serializers.ChoiceField(
        choices=list(ALLOWED_TRANSITIONS),
        help_text="CONFIRMED approves, DENIED denies (or withdraws an approval).",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default=""
    )
