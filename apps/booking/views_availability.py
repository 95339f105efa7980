"""``GET /rooms/available`` and ``GET /rooms/{id}/availability``: finding a free room.

Thin: the query parameters are read by serializers (400 naming the parameter), the reads are in
``apps.booking.availability``.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.booking import availability
from apps.booking.filters import MAX_ID
from apps.booking.serializers_availability import (
    AvailabilitySerializer,
    AvailableQuerySerializer,
    AvailableRoomsSerializer,
    DayQuerySerializer,
)


class AvailableRoomsView(APIView):
    """Active rooms free for the whole window [start, end) (no booking, no waitlist hold of
    someone else), with at least ``capacity`` seats and every ``equipment`` tag; smallest first.
    The window is at most 31 days."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="rooms_available",
        parameters=[AvailableQuerySerializer],
        responses=AvailableRoomsSerializer,
    )
    def get(self, request: Request) -> Response:
        query = AvailableQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        window = query.validated_data
        rooms = availability.free_rooms(
            start=window["start"],
            end=window["end"],
            user=request.user,
            capacity=window.get("capacity"),
            equipment=window.get("equipment", ""),
        )
        return Response(AvailableRoomsSerializer({**window, "rooms": rooms}).data)


class RoomAvailabilityView(APIView):
    """One day of one room, in the room's time zone: busy intervals and free slots. Who booked is
    shown to office staff and the room's managers; others see the intervals, theirs marked."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="rooms_availability",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Room id."),
            DayQuerySerializer,
        ],
        responses=AvailabilitySerializer,
    )
    def get(self, request: Request, id: str) -> Response:
        room_id = int(id)
        if not 0 < room_id <= MAX_ID:  # larger ids overflow SQLite's integers: a 404, not a 500
            raise Http404
        query = DayQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = availability.room_day(
            room_id=room_id, date=query.validated_data["date"], user=request.user
        )
        return Response(AvailabilitySerializer(day, context={"user": request.user}).data)
