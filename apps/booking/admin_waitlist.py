"""Waitlist entries in the Django admin (office staff). Read-only: joining and accepting are the
waiting person's, through the API; staff withdraw entries and can run the expiry sweep at once.
Both actions call the same services as the API and the beat task."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.booking import services
from apps.booking.events import WAITLIST_OFFERED, WAITLIST_WAITING
from apps.booking.models_waitlist import WaitlistEntry
from roombooking.roles import is_office_staff


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "room",
        "user",
        "use_start_dtm",
        "use_end_dtm",
        "status",
        "created_at",
        "hold_until",
        "booking",
    ]
    list_filter = ["status", "room", ("use_start_dtm", admin.DateFieldListFilter)]
    search_fields = ["=id", "room__name", "user__username", "user__email"]
    date_hierarchy = "use_start_dtm"
    list_select_related = ["room", "user", "booking"]
    readonly_fields = [
        "room",
        "user",
        "use_start_dtm",
        "use_end_dtm",
        "status",
        "created_at",
        "offered_at",
        "offered_start_dtm",
        "hold_until",
        "closed_at",
        "booking",
    ]
    actions = ["withdraw_entries", "expire_holds_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WaitlistEntry]:
        entries = super().get_queryset(request)
        return entries if is_office_staff(request.user) else entries.none()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # join through the API, which checks that the slot is taken

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # withdraw instead: the history stays

    def save_model(self, request: HttpRequest, obj: WaitlistEntry, form, change: bool) -> None:
        """Every field is read-only; nothing is saved past the services."""

    @admin.action(description="Withdraw selected entries", permissions=["change"])
    def withdraw_entries(self, request: HttpRequest, entries: QuerySet[WaitlistEntry]) -> None:
        active = entries.filter(status__in=(WAITLIST_WAITING, WAITLIST_OFFERED))
        ids = list(active.values_list("pk", flat=True))
        for entry_id in ids:
            services.withdraw_from_waitlist(actor=request.user, entry_id=entry_id)
        self.message_user(request, f"{len(ids)} entry(ies) withdrawn.", messages.SUCCESS)

    @admin.action(description="End run-out holds now (the beat sweep)", permissions=["change"])
    def expire_holds_now(self, request: HttpRequest, entries: QuerySet[WaitlistEntry]) -> None:
        counts = services.expire_waitlist_holds()
        self.message_user(
            request,
            f"{counts['holds']} hold(s) ended, {counts['waiting']} waiting entry(ies) past their "
            f"slot's end ended, {counts['offered']} new offer(s) made.",
            messages.SUCCESS,
        )
