"""API shapes of the waitlist (docs/waitlist.md), camelCase like the rest of the API."""

from __future__ import annotations

import django_filters
from rest_framework import serializers

from apps.booking import selectors_waitlist
from apps.booking.events import WAITLIST_WAITING
from apps.booking.models_waitlist import WaitlistEntry
from apps.booking.serializers import IdField, absolute_url
from roombooking.datetimes import DateTimeInputField, format_iso
from roombooking.filters import IntegerFilter


class WaitlistJoinSerializer(serializers.Serializer):
    """``POST /bookings/waitlist``: the taken slot to wait for. Anything else in the body
    (``status``, ``holdUntilDtm``, another user) is server-owned and ignored."""

    roomId = IdField()
    useStartDtm = DateTimeInputField()
    useEndDtm = DateTimeInputField()

    def service_arguments(self) -> dict:
        data = self.validated_data
        return {
            "room_id": data["roomId"],
            "use_start_dtm": data["useStartDtm"],
            "use_end_dtm": data["useEndDtm"],
        }


class WaitlistEntrySerializer(serializers.Serializer):
    """An entry as answered; times in ISO 8601 with the room's offset. ``waitingAhead`` (on a
    single WAITING entry only): how many earlier entries wait for an overlapping slot."""

    id = serializers.IntegerField()
    roomId = serializers.IntegerField()
    roomName = serializers.CharField()
    userId = serializers.CharField(help_text="Username of the waiting person.")
    useStartDtm = serializers.CharField()
    useEndDtm = serializers.CharField()
    status = serializers.ChoiceField(choices=WaitlistEntry.STATUS_CHOICES)
    createdDtm = serializers.CharField()
    offeredDtm = serializers.CharField(allow_null=True)
    offeredStartDtm = serializers.CharField(
        allow_null=True,
        help_text="Once offered: the start of the part offered and held (to useEndDtm): "
        "useStartDtm, or for a slot freed after it began the next whole minute.",
    )
    holdUntilDtm = serializers.CharField(allow_null=True)
    closedDtm = serializers.CharField(allow_null=True)
    bookingId = serializers.IntegerField(allow_null=True)
    waitingAhead = serializers.IntegerField(required=False)

    def to_representation(self, entry: WaitlistEntry) -> dict:
        zone = entry.room.zone

        def when(moment):
            return format_iso(moment, zone=zone) if moment else None

        body = {
            "id": entry.pk,
            "roomId": entry.room_id,
            "roomName": entry.room.name,
            "userId": entry.user.get_username(),
            "useStartDtm": when(entry.use_start_dtm),
            "useEndDtm": when(entry.use_end_dtm),
            "status": entry.status,
            "createdDtm": when(entry.created_at),
            "offeredDtm": when(entry.offered_at),
            "offeredStartDtm": when(entry.offered_start_dtm),
            "holdUntilDtm": when(entry.hold_until),
            "closedDtm": when(entry.closed_at),
            "bookingId": entry.booking_id,
        }
        if self.context.get("with_position") and entry.status == WAITLIST_WAITING:
            body["waitingAhead"] = selectors_waitlist.waiting_ahead(entry)
        request = self.context.get("request")
        if request is not None:
            href = absolute_url(request, "waitlist-detail", entry.pk)
            body["_links"] = {"self": {"href": href}}
        return body


class WaitlistFilter(django_filters.FilterSet):
    """``GET /bookings/waitlist?status=WAITING&roomId=7``."""

    status = django_filters.MultipleChoiceFilter(choices=WaitlistEntry.STATUS_CHOICES)
    roomId = IntegerFilter(field_name="room_id", min_value=1)
    userId = django_filters.CharFilter(field_name="user__username")

    class Meta:
        model = WaitlistEntry
        fields: list[str] = []
