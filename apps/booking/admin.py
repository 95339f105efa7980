"""Rooms and bookings in the Django admin. Every change goes through the booking services, so
the admin and the API behave the same; bookings are read-only here except for cancelling."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.booking import services
from apps.booking.events import BOOKED, CAUSE_NO_SHOW
from apps.booking.models import Booking, OpeningHours, Room
from apps.booking.services.rooms import EDITABLE as ROOM_FIELDS
from apps.booking.services.rooms import POLICY_FIELDS
from apps.booking.validators import normalize_tag
from roombooking.roles import is_office_staff

GENERAL_FIELDS = [name for name in ROOM_FIELDS if name not in POLICY_FIELDS]


class RoomAdminForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = [*ROOM_FIELDS, "managers"]

    def clean_equipment(self):
        tags = self.cleaned_data["equipment"]
        if isinstance(tags, list):
            return [normalize_tag(tag) if isinstance(tag, str) else tag for tag in tags]
        return tags


class OpeningHoursInline(admin.TabularInline):
    """Saved through services.set_opening_hours (see RoomAdmin.save_related)."""

    model = OpeningHours
    extra = 0
    max_num = 7
    fields = ["weekday", "opens", "closes"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    form = RoomAdminForm
    inlines = [OpeningHoursInline]
    list_display = [
        "name",
        "capacity",
        "location",
        "is_active",
        "requires_check_in",
        "time_zone",
        "approval_mode",
        "manager_names",
    ]
    fieldsets = [
        (None, {"fields": [*GENERAL_FIELDS, "managers"]}),
        ("Policies", {"fields": list(POLICY_FIELDS)}),
    ]
    list_filter = ["is_active", "approval_mode", "requires_check_in", "time_zone", "managers"]
    search_fields = ["name", "location", "description"]
    filter_horizontal = ["managers"]
    actions = ["deactivate_rooms"]

    @admin.display(description="managers")
    def manager_names(self, room: Room) -> str:
        return ", ".join(sorted(user.username for user in room.managers.all()))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Room]:
        return super().get_queryset(request).prefetch_related("managers")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # rooms keep their history: deactivate them instead

    def save_model(self, request: HttpRequest, obj: Room, form, change: bool) -> None:
        fields = {
            name: form.cleaned_data[name] for name in ROOM_FIELDS if name in form.cleaned_data
        }
        managers = [user.username for user in form.cleaned_data.get("managers", [])]
        if change:
            room = services.update_room(room_id=obj.pk, managers=managers, **fields)
        else:
            room = services.create_room(managers=managers, **fields)
        obj.pk = room.pk

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        """The service has already set the managers; the opening hours go through theirs too
        (which keeps the room's ``has_opening_hours`` flag right)."""
        for formset in formsets:
            if formset.model is not OpeningHours:
                continue
            kept = [
                {key: row.cleaned_data[key] for key in ("weekday", "opens", "closes")}
                for row in formset.forms
                if row.cleaned_data and not row.cleaned_data.get("DELETE")
            ]
            services.set_opening_hours(room_id=form.instance.pk, opening_hours=kept)
            # What formset.save() would have set; the admin's change message reads them.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description="Deactivate selected rooms", permissions=["change"])
    def deactivate_rooms(self, request: HttpRequest, rooms: QuerySet[Room]) -> None:
        for room in rooms:
            services.deactivate_room(room_id=room.pk)
        self.message_user(request, f"{len(rooms)} room(s) deactivated.", messages.SUCCESS)


class CheckInFilter(admin.SimpleListFilter):
    title = "check-in"
    parameter_name = "check_in"

    def lookups(self, request, model_admin):
        return [
            ("checked_in", "Checked in"),
            ("waiting", "Required, not yet"),
            ("released", "Released: nobody checked in"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "checked_in":
                return queryset.filter(checked_in_at__isnull=False)
            case "waiting":
                return queryset.filter(
                    status=BOOKED, room__requires_check_in=True, checked_in_at__isnull=True
                )
            case "released":
                return queryset.filter(cancel_cause=CAUSE_NO_SHOW)
        return queryset


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "room",
        "booking_user",
        "use_start_dtm",
        "use_end_dtm",
        "status",
        "approval_status",
        "check_in_state",
        "created_at",
    ]
    list_filter = [
        "status",
        "approval_status",
        "detached",
        CheckInFilter,
        "room",
        ("use_start_dtm", admin.DateFieldListFilter),
        "booking_user",
    ]
    search_fields = ["=id", "room__name", "booking_user__username", "booking_user__email"]
    date_hierarchy = "use_start_dtm"
    list_select_related = ["room", "booking_user"]
    raw_id_fields = ["series"]
    readonly_fields = [
        "room",
        "booking_user",
        "use_start_dtm",
        "use_end_dtm",
        "status",
        "approval_status",
        "created_at",
        "updated_at",
        "cancelled_at",
        "cancel_cause",
        "cancel_reason",
        "series",
        "detached",
        "check_in_state",
        "checked_in_at",
        "reminded_at",
    ]
    actions = ["cancel_bookings"]

    @admin.display(description="check-in")
    def check_in_state(self, booking: Booking) -> str:
        if booking.checked_in_at is not None:
            return f"checked in {booking.checked_in_at.astimezone(booking.room.zone):%H:%M}"
        if booking.cancel_cause == CAUSE_NO_SHOW:
            return "released: nobody checked in"
        if not booking.room.requires_check_in:
            return "not required"
        return "not yet" if booking.status == BOOKED else "-"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        bookings = super().get_queryset(request)
        if is_office_staff(request.user):
            return bookings
        return bookings.filter(room__managers=request.user)  # a manager: their rooms

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # book through the API, which checks the slot

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # cancel instead: the history stays

    def save_model(self, request: HttpRequest, obj: Booking, form, change: bool) -> None:
        """Every field is read-only; nothing is saved past the services."""

    @admin.action(description="Cancel selected bookings", permissions=["change"])
    def cancel_bookings(self, request: HttpRequest, bookings: QuerySet[Booking]) -> None:
        active = list(bookings.filter(status=BOOKED).values_list("pk", flat=True))
        for booking_id in active:
            services.cancel_booking(booking_id=booking_id, actor=request.user.get_username())
        self.message_user(request, f"{len(active)} booking(s) cancelled.", messages.SUCCESS)


# The series' and the waitlist's admins live in their own modules; importing registers them.
from apps.booking import admin_series, admin_waitlist  # noqa: E402, F401
