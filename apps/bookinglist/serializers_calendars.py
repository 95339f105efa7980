from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from apps.bookinglist.models import CalendarToken

MAX_ROOM_ID = 2**63 - 1  # room ids are 64-bit; a larger number overflows the database: a 400


class CalendarTokenRequestSerializer(serializers.Serializer):
    """``{"kind": "personal"}`` or ``{"kind": "room", "roomId": 101}``."""

    kind = serializers.ChoiceField(choices=CalendarToken.Kind.choices)
    roomId = serializers.IntegerField(
        min_value=1, max_value=MAX_ROOM_ID, required=False, allow_null=True
    )

    def validate(self, attrs: dict) -> dict:
        room_id = attrs.get("roomId")
        if attrs["kind"] == CalendarToken.Kind.ROOM and room_id is None:
            raise serializers.ValidationError({"roomId": ["Required for a room's calendar."]})
        if attrs["kind"] == CalendarToken.Kind.PERSONAL and room_id is not None:
            raise serializers.ValidationError(
                {"roomId": ["A personal calendar is not about one room; leave roomId out."]}
            )
        return attrs


class CalendarTokenSerializer(serializers.ModelSerializer):
    roomId = serializers.IntegerField(source="room_id", read_only=True, allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = CalendarToken
        fields = ["id", "kind", "roomId", "token", "url", "createdAt"]
        read_only_fields = fields

    def get_url(self, token: CalendarToken) -> str:
        path = reverse("calendar-feed", kwargs={"token": token.token})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
