from __future__ import annotations

from django.contrib import admin, messages

from apps.notification import services
from apps.notification.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "id", "recipient_username", "event_type", "contents", "status", "attempts",
        "created_at", "send_dtm", "ical_method",
    ]  # fmt: skip
    list_filter = ["status", "event_type", "created_at"]
    search_fields = ["recipient_username", "recipient_email", "contents", "=booking_id"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # rows come from events only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the outbox is the record of what was sent

    @admin.action(description="Send again (failed notifications)", permissions=["change"])
    def send_again(self, request, queryset) -> None:
        count = services.send_again(notification_ids=list(queryset.values_list("id", flat=True)))
        skipped = queryset.count() - count
        self.message_user(request, f"{count} notification(s) queued to be sent again.")
        if skipped:
            self.message_user(
                request,
                f"{skipped} skipped: only FAILED notifications with an address can be sent again.",
                messages.WARNING,
            )
