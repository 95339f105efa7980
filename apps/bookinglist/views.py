from __future__ import annotations

from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied

from apps.bookinglist import pages, selectors
from apps.bookinglist.csv_export import csv_response
from apps.bookinglist.filters import BookingListFilter
from apps.bookinglist.serializers import ROW_FIELDS, BookingListRowSerializer

_FORMS = "ISO 8601, 202612011800 or a date (2026-12-01); local times in TIME_ZONE"
WINDOW_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.STR, description=f"rows ending after this ({_FORMS})"),
    OpenApiParameter("to", OpenApiTypes.STR, description=f"rows starting before this ({_FORMS})"),
]


class ListPageFilterBackend(DjangoFilterBackend):
    """django-filter's backend; for a list page, the filtered rows as a ``pages.KeptPage`` (the
    count and the page from statements kept compiled) where it can be, else the queryset."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) != "list":
            return super().filter_queryset(request, queryset, view)
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid() and self.raise_exception:
            raise filter_utils.translate_validation(filterset.errors)
        kept = pages.kept_page(
            cleaned=filterset.form.cleaned_data, username=selectors.narrowed_to(request.user)
        )
        return filterset.qs if kept is None else kept


@extend_schema_view(list=extend_schema(parameters=WINDOW_PARAMETERS))
class BookingListViewSet(viewsets.ReadOnlyModelViewSet):
    """Every booking with its approval: your own, your rooms' if you manage rooms, all for office
    staff. Another person's row answers 404."""

    serializer_class = BookingListRowSerializer
    filter_backends = [ListPageFilterBackend]
    filterset_class = BookingListFilter
    lookup_field = "booking_id"
    lookup_url_kwarg = "bookingId"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if self.action == "list":  # plain dicts for FastRowListSerializer: no model per row
            return selectors.visible_values(user=self.request.user, fields=ROW_FIELDS)
        return selectors.visible_rows(user=self.request.user)

    def perform_content_negotiation(self, request, force=False):
        # The export answers CSV whatever the client accepts; errors still come as JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "export")

    @extend_schema(
        operation_id="bookingLists_export_csv",
        filters=True,
        parameters=WINDOW_PARAMETERS,
        responses={(200, "text/csv"): OpenApiTypes.STR},
        description="The filtered list as CSV (room managers and office staff).",
    )
    @action(detail=False, url_path="export.csv", url_name="export", pagination_class=None)
    def export(self, request):
        if not selectors.oversees_rooms(user=request.user):
            raise PermissionDenied("The CSV export is for room managers and office staff.")
        return csv_response(self.filter_queryset(self.get_queryset()))
