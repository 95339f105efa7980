from __future__ import annotations

from rest_framework import serializers

from apps.notification.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    userId = serializers.CharField(source="recipient_username", read_only=True)
    sendDtm = serializers.DateTimeField(source="send_dtm", read_only=True)
    eventType = serializers.CharField(source="event_type", read_only=True)
    bookingId = serializers.IntegerField(source="booking_id", read_only=True)
    lastError = serializers.CharField(source="last_error", read_only=True)
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)
    # The attached invite (docs/calendars.md): REQUEST or CANCEL and its SEQUENCE; "" and null
    # for an email that is not about a booking.
    calendarMethod = serializers.CharField(source="ical_method", read_only=True)
    calendarSequence = serializers.IntegerField(source="ical_sequence", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "userId",
            "contents",
            "sendDtm",
            "status",
            "eventType",
            "bookingId",
            "subject",
            "attempts",
            "lastError",
            "createdAt",
            "calendarMethod",
            "calendarSequence",
        ]
        read_only_fields = fields
