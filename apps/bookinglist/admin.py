"""A read-only "Booking list" page in the admin for office staff (every row) and room managers
(their rooms' rows and their own), with the API's filters. Nothing can be added, changed or
deleted here: the table is written only by events (and the rebuild command). Also the calendar
subscription tokens, for office staff."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpRequest

from apps.bookinglist import calendar_tokens, selectors
from apps.bookinglist.models import BookingListRow, CalendarToken
from roombooking.roles import is_office_staff


class InputFilter(admin.SimpleListFilter):
    """A text box instead of a list of values: listing every room or user would scan the whole
    table on each page load."""

    template = "admin/bookinglist/input_filter.html"
    field_name = ""

    def lookups(self, request, model_admin):
        return []

    def has_output(self) -> bool:
        return True

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "All",
        }
        # changelist.params: the query string without the page number.
        keep = sorted(
            (name, value)
            for name, value in changelist.params.items()
            if name != self.parameter_name
        )
        yield {
            "form": True,
            "parameter": self.parameter_name,
            "value": self.value() or "",
            "keep": keep,
        }

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(**{self.field_name: self.clean(value)})

    def clean(self, value: str):
        return value


class RoomFilter(InputFilter):
    title = "room id"
    parameter_name = "roomId"
    field_name = "room_id"

    def clean(self, value: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise IncorrectLookupParameters(f"Room id must be a number, not {value!r}.") from None


class BookingUserFilter(InputFilter):
    title = "booked for (username)"
    parameter_name = "bookingUserId"
    field_name = "booking_user_id"


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
        BookingUserFilter,
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


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    """Office staff see who subscribes to which calendar, and reset or revoke (delete) a token
    whose URL leaked. Tokens are made by their owners through the API (``/calendarTokens``); the
    secret itself is not shown here."""

    list_display = ["id", "owner", "kind", "room_id", "token_start", "created_at"]
    list_filter = ["kind"]
    search_fields = ["owner__username", "=room_id"]
    list_select_related = ["owner"]
    fields = ["owner", "kind", "room_id", "token_start", "created_at"]
    readonly_fields = fields
    actions = ["reset_tokens"]

    @admin.display(description="token")
    def token_start(self, obj: CalendarToken) -> str:
        return f"{obj.token[:4]}…"  # enough to match a leaked URL, not enough to use it

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_office_staff(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_office_staff(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # owners make their tokens through the API

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_office_staff(request.user)  # the reset action; every field is read-only

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_office_staff(request.user)  # revoking a token

    @admin.action(description="Reset (the old feed URLs stop working)", permissions=["change"])
    def reset_tokens(self, request, queryset) -> None:
        count = calendar_tokens.reset_calendar_tokens(
            token_ids=list(queryset.values_list("id", flat=True))
        )
        self.message_user(request, f"{count} calendar token(s) reset.")
