"""``/bookings`` and ``/rooms``. Thin: selectors decide visibility, services do the work."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.booking import selectors, services
from apps.booking.events import SCOPE_ALL, SCOPE_FOLLOWING, SCOPE_THIS
from apps.booking.filters import BookingFilter, RoomFilter
from apps.booking.models import Booking
from apps.booking.permissions import OfficeStaffOrReadOnly
from apps.booking.serializers import (
    BookingInputSerializer,
    BookingSerializer,
    RoomInputSerializer,
    RoomSerializer,
    absolute_url,
)
from apps.booking.views_series import series_answer
from roombooking.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from roombooking.queries import refuse_repeated

SCOPE_PARAMETER = OpenApiParameter(
    "scope",
    OpenApiTypes.STR,
    enum=[SCOPE_THIS, SCOPE_FOLLOWING, SCOPE_ALL],
    description="For an occurrence of a series: this one only (default; it becomes detached), "
    "this and the following ones, or every one that has not started. With following/all the "
    "answer is the series (GET /bookings/series/{id}).",
)


def _scope(request: Request) -> str:
    refuse_repeated(request.query_params, ["scope"])
    scope = request.query_params.get("scope", SCOPE_THIS)
    if scope not in (SCOPE_THIS, SCOPE_FOLLOWING, SCOPE_ALL):
        raise ValidationError({"scope": [f"Use {SCOPE_THIS}, {SCOPE_FOLLOWING} or {SCOPE_ALL}."]})
    return scope


_DATETIME_PARAMS = [
    OpenApiParameter(
        name,
        OpenApiTypes.STR,
        description=f"Bookings ending after / starting before this time ({name}); "
        "yyyyMMddHHmmss, yyyyMMddHHmm or ISO 8601, local times in the server's TIME_ZONE.",
    )
    for name in ("from", "to")
]


@extend_schema_view(list=extend_schema(parameters=_DATETIME_PARAMS))
class BookingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Bookings: your own; room managers also see their rooms'; office staff see all.
    Cancelled bookings are gone (404); their history is in the booking list."""

    serializer_class = BookingSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    filterset_class = BookingFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Booking.objects.none()
        return selectors.bookings_visible_to(self.request.user).order_by("use_start_dtm", "id")

    def get_serializer_class(self):
        # The browsable API's forms show what a client sends; answers use BookingSerializer.
        if self.action in {"create", "partial_update"}:
            return BookingInputSerializer
        return BookingSerializer

    def answer(self, booking, **kwargs) -> Response:
        return Response(
            BookingSerializer(booking, context=self.get_serializer_context()).data, **kwargs
        )

    def get_object(self):
        return selectors.booking_for_reading(user=self.request.user, booking_id=self.kwargs["pk"])

    @extend_schema(
        request=BookingInputSerializer,
        responses={201: BookingSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = BookingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.create_booking(actor=request.user, **data.service_arguments())
        body = BookingSerializer(booking, context=self.get_serializer_context()).data
        location = body["_links"]["self"]["href"]  # the link the answer carries: made once
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        request=BookingInputSerializer, responses=BookingSerializer, parameters=[SCOPE_PARAMETER]
    )
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        scope = _scope(request)
        booking = selectors.booking_for_writing(user=request.user, booking_id=kwargs["pk"])
        data = BookingInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        arguments = data.service_arguments()
        if scope != SCOPE_THIS:
            if "booking_user" in arguments:
                message = "Give an occurrence to someone else one at a time (scope=this)."
                raise ValidationError({"bookingUserId": [message]})
            series = services.change_series(
                actor=request.user, booking_id=booking.pk, scope=scope, **arguments
            )
            return series_answer(request, series)
        changed = services.change_booking(actor=request.user, booking_id=booking.pk, **arguments)
        return self.answer(changed)

    @extend_schema(parameters=[SCOPE_PARAMETER])
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        """Cancel the booking (with ``scope``, occurrences of its series): slots are free again."""
        scope = _scope(request)
        booking = selectors.booking_for_writing(user=request.user, booking_id=kwargs["pk"])
        actor = request.user.get_username()
        if scope != SCOPE_THIS:
            services.cancel_series(actor=actor, booking_id=booking.pk, scope=scope)
        else:
            services.cancel_booking(booking_id=booking.pk, actor=actor, must_be_active=True)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="check-in", url_name="check-in")
    def check_in(self, request: Request, pk: str) -> Response:
        """Check in (rooms that require it): from 10 minutes before to 15 minutes after the
        start, the booker or office staff. Outside the window: 409 with the window."""
        booking = services.check_in(actor=request.user, booking_id=int(pk))
        return self.answer(booking)


class RoomViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rooms: everyone signed in reads; office staff create, change (``PATCH``) and take them
    out of service (``DELETE`` deactivates; ``PATCH {"isActive": true}`` brings one back)."""

    serializer_class = RoomSerializer
    permission_classes = [OfficeStaffOrReadOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = RoomFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.rooms().order_by("name", "id")

    def get_serializer_class(self):
        if self.action in {"create", "partial_update"}:
            return RoomInputSerializer
        return RoomSerializer

    def answer(self, room, **kwargs) -> Response:
        return Response(RoomSerializer(room, context=self.get_serializer_context()).data, **kwargs)

    @extend_schema(request=RoomInputSerializer, responses={201: RoomSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = RoomInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        room = services.create_room(**data.service_arguments())
        location = absolute_url(request, "room-detail", room.pk)
        return self.answer(room, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(request=RoomInputSerializer, responses=RoomSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        room = self.get_object()
        data = RoomInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        room = services.update_room(room_id=room.pk, **data.service_arguments())
        return self.answer(room)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        """Take the room out of service (it is kept, with its bookings)."""
        room = self.get_object()
        services.deactivate_room(room_id=room.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
