"""A read-only "Booking list" page in the admin for office staff (every row) and room managers
(their rooms' rows and their own), with the API's filters. Nothing can be added, changed or
deleted here: the table is written only by events (and the rebuild command)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.bookinglist import selectors
from apps.bookinglist.models import BookingListRow


class RoomFilter(admin.SimpleListFilter):
    title = "room"
    parameter_name = "roomId"

    def lookups(self, request, model_admin):
        rooms = (
            model_admin.get_queryset(request)
            .order_by("room_name", "room_id")
            .values_list("room_id", "room_name")
            .distinct()
        )
        return [(str(room_id), f"{name} ({room_id})") for room_id, name in rooms]

    def queryset(self, request, queryset):
        return queryset.filter(room_id=self.value()) if self.value() else queryset


@admin.register(BookingListRow)
class BookingListRowAdmin(admin.ModelAdmin):
    list_display = (
        "booking_id",
        "room_name",
        "room_id",
        "booking_user_id",
        "use_start_dtm",
        "use_end_dtm",
        "booking_status",
        "confirm_status",
        "confirm_user_id",
        "confirm_dtm",
        "cancelled_dtm",
    )
    list_filter = (
        RoomFilter,
        "booking_status",
        "confirm_status",
        ("use_start_dtm", admin.DateFieldListFilter),
    )
    # Exact matches only: each is one index lookup, even on millions of rows.
    search_fields = ("=booking_id", "=booking_user_id", "=room_id")
    search_help_text = "A booking id, a username or a room id."
    ordering = ("-use_start_dtm", "-booking_id")
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request: HttpRequest):
        return selectors.visible_rows(user=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return selectors.oversees_rooms(user=request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return selectors.oversees_rooms(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
