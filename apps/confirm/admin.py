"""The Django admin is where room managers work: "Approval requests", waiting ones first.

A manager sees only the requests of the rooms they manage (office staff see all). Approve and
Deny work on selected rows (Deny asks for a reason on an intermediate page) and on the detail
page; both call the same service functions as the API.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from apps.confirm import admin_decisions, selectors, services
from apps.confirm.events import BOOKED, CONFIRMED, DENIED
from apps.confirm.models import ALLOWED_TRANSITIONS, Confirm
from apps.confirm.services import REASON_MAX_LENGTH


class DecisionFilter(admin.SimpleListFilter):
    """Waiting requests by default: that is the manager's work list."""

    title = "decision"
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return [("approved", "Approved"), ("all", "All")]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Waiting for a decision",
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        if self.value() == "approved":
            return queryset.filter(status=CONFIRMED)
        return queryset.filter(status=BOOKED)


class DenyForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Sent to the booker with the cancellation.",
    )


@admin.register(Confirm)
class ConfirmAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "time", "user_id", "created", "status", "confirm_user_id"]
    list_display_links = ["id", "room"]
    list_filter = [DecisionFilter, "room_name", ("use_start_dtm", admin.DateFieldListFilter)]
    search_fields = ["room_name", "user_id", "user_email", "=booking_id", "confirm_user_id"]
    ordering = ["created", "id"]
    actions = ["approve_selected", "deny_selected", "approve_series", "deny_series"]
    list_per_page = 50
    change_form_template = "admin/confirm/confirm/change_form.html"
    fields = [
        "status",
        "room",
        "time",
        "user_id",
        "user_email",
        "created",
        "pending_since",
        "reminded_at",
        "booking_id",
        "series_id",
        "approvers",
        "confirm_user_id",
        "confirm_dtm",
        "reason",
    ]
    readonly_fields = fields

    # --- what a manager sees ------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest):
        return selectors.confirms_to_decide_for(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requests come from bookings

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a request goes away when its booking is cancelled (deny cancels it)

    @admin.display(description="room", ordering="room_name")
    def room(self, confirm: Confirm) -> str:
        return f"{confirm.room_name} (#{confirm.room_id})"

    @admin.display(description="time (room's zone)", ordering="use_start_dtm")
    def time(self, confirm: Confirm) -> str:
        zone = ZoneInfo(confirm.room_time_zone) if confirm.room_time_zone else None
        start = timezone.localtime(confirm.use_start_dtm, zone)
        end = timezone.localtime(confirm.use_end_dtm, zone)
        end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
        return f"{start:%Y-%m-%d %H:%M}–{end_text} {start.tzname()}"

    # --- actions on selected rows -------------------------------------------------------------

    @admin.action(description="Approve selected requests", permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset) -> None:
        outcome = admin_decisions.decide_each(request, queryset, status=CONFIRMED)
        admin_decisions.report(request, outcome, status=CONFIRMED)

    @admin.action(description="Deny selected requests (asks for a reason)…", permissions=["change"])
    def deny_selected(self, request: HttpRequest, queryset) -> HttpResponse | None:
        form = DenyForm(request.POST if "confirm_deny" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            outcome = admin_decisions.decide_each(request, queryset, status=DENIED, reason=reason)
            admin_decisions.report(request, outcome, status=DENIED)
            return None  # back to the list
        return self._deny_page(request, list(queryset), form, bulk=True)

    @admin.action(
        description="Approve every waiting occurrence of the selected requests' series",
        permissions=["change"],
    )
    def approve_series(self, request: HttpRequest, queryset) -> None:
        outcome = admin_decisions.decide_series(request, queryset, status=CONFIRMED)
        admin_decisions.report(request, outcome, status=CONFIRMED)

    @admin.action(
        description="Deny every waiting occurrence of the selected requests' series…",
        permissions=["change"],
    )
    def deny_series(self, request: HttpRequest, queryset) -> HttpResponse | None:
        form = DenyForm(request.POST if "confirm_deny" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            outcome = admin_decisions.decide_series(request, queryset, status=DENIED, reason=reason)
            admin_decisions.report(request, outcome, status=DENIED)
            return None
        return self._deny_page(request, list(queryset), form, bulk=True, action="deny_series")

    # --- Approve and Deny on the detail page --------------------------------------------------

    def get_urls(self):
        own = [
            path(
                "<int:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="confirm_confirm_approve",
            ),
            path(
                "<int:object_id>/deny/",
                self.admin_site.admin_view(self.deny_view),
                name="confirm_confirm_deny",
            ),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        waiting = request.GET.get(DecisionFilter.parameter_name) is None
        title = "Pending approvals" if waiting else "Approval requests"
        return super().changelist_view(request, {**(extra_context or {}), "title": title})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        confirm = self.get_object(request, object_id)
        context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        if confirm is not None and self.has_change_permission(request, confirm):
            may = services.may_decide(request.user, confirm)
            allowed = ALLOWED_TRANSITIONS[confirm.status]
            context["can_approve"] = may and CONFIRMED in allowed
            context["can_deny"] = may and DENIED in allowed
        return super().change_view(request, object_id, form_url, context)

    def approve_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        confirm = self._decidable(request, object_id)
        if confirm is None:
            return self._gone(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(confirm))
        outcome = admin_decisions.decide_each(request, [confirm], status=CONFIRMED)
        admin_decisions.report(request, outcome, status=CONFIRMED)
        return HttpResponseRedirect(self._changelist_url())

    def deny_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        confirm = self._decidable(request, object_id)
        if confirm is None:
            return self._gone(request, object_id)
        form = DenyForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            outcome = admin_decisions.decide_each(request, [confirm], status=DENIED, reason=reason)
            admin_decisions.report(request, outcome, status=DENIED)
            return HttpResponseRedirect(self._changelist_url())
        return self._deny_page(request, [confirm], form, bulk=False)

    # --- helpers ------------------------------------------------------------------------------

    def _decidable(self, request: HttpRequest, object_id: int) -> Confirm | None:
        """The request, if this user may see it; PermissionDenied without the change permission."""
        confirm = self.get_object(request, str(object_id))
        if confirm is not None and not self.has_change_permission(request, confirm):
            raise PermissionDenied
        return confirm

    def _gone(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Not there (cancelled meanwhile) or not this manager's: back to the list, saying so."""
        messages.error(
            request,
            f"Approval request #{object_id} is not waiting for you: its booking was cancelled, "
            "or it is not for a room you manage.",
        )
        return HttpResponseRedirect(self._changelist_url())

    def _deny_page(
        self,
        request: HttpRequest,
        confirms: list[Confirm],
        form: DenyForm,
        *,
        bulk: bool,
        action: str = "deny_selected",
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Deny approval requests" if bulk else f"Deny request #{confirms[0].pk}",
            "opts": self.model._meta,
            "confirms": confirms,
            "form": form,
            "bulk": bulk,
            "action_name": action,
            "whole_series": action == "deny_series",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": self._changelist_url(),
        }
        return TemplateResponse(request, "admin/confirm/confirm/deny.html", context)

    def _change_url(self, confirm: Confirm) -> str:
        return reverse("admin:confirm_confirm_change", args=[confirm.pk])

    def _changelist_url(self) -> str:
        return reverse("admin:confirm_confirm_changelist")
