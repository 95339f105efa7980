"""``/bookings/waitlist``: join a taken slot, list your entries, withdraw, accept an offer
(docs/waitlist.md). Thin: selectors decide visibility, services do the work."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.booking import selectors_waitlist, services
from apps.booking.models_waitlist import WaitlistEntry
from apps.booking.serializers import BookingSerializer, absolute_url
from apps.booking.serializers_waitlist import (
    WaitlistEntrySerializer,
    WaitlistFilter,
    WaitlistJoinSerializer,
)
from roombooking.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent


class WaitlistViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Waitlist entries: your own (office staff: everyone's), newest first.
    ``DELETE`` withdraws; ``POST .../accept`` books an offered slot while its hold lasts."""

    serializer_class = WaitlistEntrySerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    filterset_class = WaitlistFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return WaitlistEntry.objects.none()
        return selectors_waitlist.entries_visible_to(self.request.user).order_by(
            "-created_at", "-id"
        )

    def get_serializer_class(self):
        if self.action == "create":
            return WaitlistJoinSerializer  # the browsable API's form
        return WaitlistEntrySerializer

    def get_object(self):
        return selectors_waitlist.entry_for(user=self.request.user, entry_id=self.kwargs["pk"])

    def answer(self, entry: WaitlistEntry, **kwargs) -> Response:
        context = {**self.get_serializer_context(), "with_position": True}
        return Response(WaitlistEntrySerializer(entry, context=context).data, **kwargs)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self.answer(self.get_object())

    @extend_schema(
        request=WaitlistJoinSerializer,
        responses={201: WaitlistEntrySerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Join the waitlist of a taken slot (409 if it is free: book it instead)."""
        data = WaitlistJoinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.join_waitlist(actor=request.user, **data.service_arguments())
        location = absolute_url(request, "waitlist-detail", entry.pk)
        return self.answer(entry, status=status.HTTP_201_CREATED, headers={"Location": location})

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        """Withdraw (leave the waitlist); a held offer goes to the next in line."""
        entry = self.get_object()
        services.withdraw_from_waitlist(actor=request.user, entry_id=entry.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={201: BookingSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request: Request, *args, **kwargs) -> Response:
        """Book the offered slot (the normal booking path); 409 once the hold ran out."""
        entry = self.get_object()
        booking = services.accept_waitlist_offer(actor=request.user, entry_id=entry.pk)
        location = absolute_url(request, "booking-detail", booking.pk)
        return Response(
            BookingSerializer(booking, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )
