"""Calendar subscriptions: the feeds (``/calendars/<token>.ics``, authenticated by the token
alone, since calendar clients cannot sign in) and the owner's tokens (``/calendarTokens``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from apps.bookinglist import calendar_access, calendar_feeds, calendar_selectors, calendar_tokens
from apps.bookinglist.models import CalendarToken
from apps.bookinglist.serializers_calendars import (
    CalendarTokenRequestSerializer,
    CalendarTokenSerializer,
)
from roombooking.throttling import FailOpenThrottle


class CalendarFeedThrottle(FailOpenThrottle, SimpleRateThrottle):
    """Feed requests per client address (``CALENDAR_FEED_THROTTLE``); 429 with ``Retry-After``.
    The address is REMOTE_ADDR, or the one ``NUM_PROXIES`` trusted proxies put in
    X-Forwarded-For (never a header the client chose). Fails open when the cache is down."""

    scope = "calendar_feed"

    def get_rate(self) -> str | None:
        return settings.CALENDAR_FEED_THROTTLE or None  # read per request: tests may change it

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CalendarFeedView(APIView):
    """A subscribed calendar (iCalendar). A wrong, reset or revoked token is a 404."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [CalendarFeedThrottle]

    def perform_content_negotiation(self, request, force=False):
        # Calendar clients accept text/calendar; errors still answer in the API's JSON shape.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="calendars_feed",
        auth=[],
        responses={(200, "text/calendar"): OpenApiTypes.STR},
        description="Active bookings of the token's person or room, 30 days back to 365 ahead.",
    )
    def get(self, request, token: str) -> HttpResponse:
        found = calendar_access.feed_token(token=token)
        if found is None:
            raise NotFound("No such calendar.")
        return HttpResponse(
            calendar_feeds.feed_calendar(token=found),
            content_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": 'inline; filename="bookings.ics"',
                # The URL is a credential: nothing in between may keep a copy.
                "Cache-Control": "private, no-store",
                "X-Robots-Tag": "noindex",
            },
        )


class CalendarTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your calendar subscription tokens. POST gets (or makes) one, ``reset`` replaces its value
    (the old URL stops working at once), DELETE revokes it. Anyone may have a personal token; a
    room's is for its managers and office staff."""

    serializer_class = CalendarTokenSerializer
    pagination_class = None  # at most one personal token and one per room a person manages
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return calendar_selectors.calendar_tokens_of(owner=self.request.user)

    @extend_schema(
        request=CalendarTokenRequestSerializer,
        responses={201: CalendarTokenSerializer, 200: CalendarTokenSerializer},
        description="Your token of this kind (and room): 201 when made now, 200 when it existed.",
    )
    def create(self, request) -> Response:
        wanted = CalendarTokenRequestSerializer(data=request.data)
        wanted.is_valid(raise_exception=True)
        token, created = calendar_tokens.issue_calendar_token(
            owner=request.user,
            kind=wanted.validated_data["kind"],
            room_id=wanted.validated_data.get("roomId"),
        )
        return Response(
            self.get_serializer(token).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses=CalendarTokenSerializer)
    @action(detail=True, methods=["post"])
    def reset(self, request, pk=None) -> Response:
        try:
            token = calendar_tokens.reset_calendar_token(owner=request.user, token_id=int(pk))
        except CalendarToken.DoesNotExist:
            raise NotFound("No such calendar token.") from None
        return Response(self.get_serializer(token).data)

    def destroy(self, request, pk=None) -> Response:
        try:
            calendar_tokens.revoke_calendar_token(owner=request.user, token_id=int(pk))
        except CalendarToken.DoesNotExist:
            raise NotFound("No such calendar token.") from None
        return Response(status=status.HTTP_204_NO_CONTENT)
