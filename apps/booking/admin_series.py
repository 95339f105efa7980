"""Recurring series in the Django admin: read-only, with their occurrences, and one action that
cancels what is left of the selected series (the same service as ``DELETE
/bookings/series/{id}``)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from apps.booking import selectors, services
from apps.booking.events import BOOKED
from apps.booking.models import Booking, Series
from roombooking.roles import is_office_staff

OCCURRENCE_FIELDS = [
    "use_start_dtm",
    "use_end_dtm",
    "room",
    "status",
    "approval_status",
    "detached",
]


class OccurrenceInline(admin.TabularInline):
    model = Booking
    fields = ["id", *OCCURRENCE_FIELDS]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["use_start_dtm"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "booking_user", "rrule", "first_start", "active", "created_at"]
    list_filter = ["room", "booking_user"]
    search_fields = ["=id", "room__name", "booking_user__username", "rrule"]
    list_select_related = ["room", "booking_user"]
    readonly_fields = [
        "room",
        "booking_user",
        "rrule",
        "first_start",
        "first_end",
        "time_zone",
        "skipped",
        "created_at",
        "created_by",
    ]
    inlines = [OccurrenceInline]
    actions = ["cancel_remaining"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Series]:
        series = (
            super()
            .get_queryset(request)
            .annotate(active_count=Count("occurrences", filter=Q(occurrences__status=BOOKED)))
        )
        if is_office_staff(request.user):
            return series
        # a manager: series booked in their rooms or with an occurrence moved into one
        return series.filter(pk__in=selectors.series_visible_to_managers(request.user).values("pk"))

    @admin.display(description="active occurrences", ordering="active_count")
    def active(self, series: Series) -> int:
        return series.active_count

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # book a series through the API, which checks every slot

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # cancel instead: the history stays

    def save_model(self, request: HttpRequest, obj: Series, form, change: bool) -> None:
        """Every field is read-only; nothing is saved past the services."""

    @admin.action(description="Cancel what is left of the selected series", permissions=["change"])
    def cancel_remaining(self, request: HttpRequest, series: QuerySet[Series]) -> None:
        actor = request.user.get_username()
        for one in series:
            services.cancel_whole_series(actor=actor, series_id=one.pk)
        self.message_user(request, f"{len(series)} series cancelled from now on.", messages.SUCCESS)
