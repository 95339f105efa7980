"""``/bookings/series``: book a recurring series, read it, cancel what is left of it.

Changing or cancelling part of a series starts from one occurrence:
``PATCH|DELETE /bookings/{id}?scope=this|following|all`` (see ``BookingViewSet``).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.booking import selectors, services
from apps.booking.models import Series
from apps.booking.serializers import absolute_url
from apps.booking.serializers_series import SeriesInputSerializer, SeriesSerializer
from roombooking.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent


def series_answer(request: Request, series: Series, **kwargs) -> Response:
    context = {"request": request, "occurrences": selectors.series_occurrences(series)}
    return Response(SeriesSerializer(series, context=context).data, **kwargs)


class SeriesViewSet(viewsets.GenericViewSet):
    """Recurring series. ``POST`` books every occurrence of an RFC 5545 rule (all or nothing,
    or with ``skipConflicts`` the free ones); ``GET /bookings/series/{id}`` shows the series and
    every occurrence (its booker, the room's managers, office staff); ``DELETE`` cancels every
    occurrence of the series' booker that has not started (the booker, office staff)."""

    serializer_class = SeriesSerializer
    permission_classes = [IsAuthenticated]
    lookup_value_regex = r"\d+"
    queryset = Series.objects.none()  # objects come from the selectors
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_serializer_class(self):
        return SeriesInputSerializer if self.action == "create" else SeriesSerializer

    @extend_schema(
        request=SeriesInputSerializer,
        responses={201: SeriesSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = SeriesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        series = services.book_series(actor=request.user, **data.service_arguments())
        location = absolute_url(request, "booking-series-detail", series.pk)
        return series_answer(
            request, series, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    def retrieve(self, request: Request, pk: str, *args, **kwargs) -> Response:
        series = selectors.series_for_reading(user=request.user, series_id=int(pk))
        return series_answer(request, series)

    @extend_schema(responses=SeriesSerializer)
    def destroy(self, request: Request, pk: str, *args, **kwargs) -> Response:
        """Cancel every occurrence of the series' booker that has not started (not those office
        staff gave to someone else); answers the series as it is now."""
        series = selectors.series_for_writing(user=request.user, series_id=int(pk))
        series = services.cancel_whole_series(
            actor=request.user.get_username(), series_id=series.pk
        )
        return series_answer(request, series)
