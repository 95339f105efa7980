"""The approval request (``Confirm``, as the original called it) for one booking.

It copies what it needs from the booking events (room, times, booker, the room's approvers): the
booking app owns bookings, so there is no ForeignKey into it, only ``booking_id``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from apps.confirm.events import BOOKED, CONFIRMED, DENIED, EXPIRED
from roombooking.errors import Conflict

STATUS_CHOICES = [
    (BOOKED, "Waiting for a decision"),
    (CONFIRMED, "Approved"),
    (DENIED, "Denied"),
    (EXPIRED, "Expired: nobody decided in time"),
]

# Decisions a request may take from each status. CONFIRMED -> DENIED withdraws an approval.
# (Back to BOOKED happens only when the booking's slot moves: see services.reopen_confirm.)
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    BOOKED: frozenset({CONFIRMED, DENIED}),
    CONFIRMED: frozenset({DENIED}),
    DENIED: frozenset(),
    EXPIRED: frozenset(),  # set by the expiry sweep only (services.expire_pending_approvals)
}


class Confirm(models.Model):
    booking_id = models.BigIntegerField(unique=True)
    room_id = models.BigIntegerField()
    room_name = models.CharField(max_length=200, blank=True)
    room_time_zone = models.CharField(max_length=64, blank=True)
    approvers = models.JSONField(
        default=list, blank=True, help_text="Usernames of the room's managers."
    )
    user_id = models.CharField("booker", max_length=150)
    user_email = models.EmailField("booker's email", blank=True)
    use_start_dtm = models.DateTimeField("starts")
    use_end_dtm = models.DateTimeField("ends")
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=BOOKED)
    confirm_user_id = models.CharField("decided by", max_length=150, null=True, blank=True)
    confirm_dtm = models.DateTimeField("decided at", null=True, blank=True)
    reason = models.TextField(blank=True)
    # The booking's recurring series (BookingSnapshot.series_id): decided at once with
    # services.decide_series. A plain id: the series is the booking app's.
    series_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Bus sequence number of the last booking event applied: older replayed events are ignored.
    booking_seq = models.BigIntegerField(default=0, editable=False)
    created = models.DateTimeField("waiting since", auto_now_add=True)
    # Since when the current wait lasts (made, or reopened after a move), and when the approvers
    # were reminded of it: set once by the reminder sweep's conditional UPDATE, cleared on reopen.
    pending_since = models.DateTimeField("pending since", default=timezone.now)
    reminded_at = models.DateTimeField("approvers reminded", null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "approval request"
        verbose_name_plural = "approval requests"
        ordering = ["created", "id"]
        indexes = [
            models.Index(fields=["status", "created"], name="confirm_status_created"),
            models.Index(fields=["room_id", "status"], name="confirm_room_status"),
            models.Index(fields=["user_id", "status"], name="confirm_user_status"),
            models.Index(fields=["status", "use_start_dtm"], name="confirm_status_start"),
            models.Index(fields=["status", "pending_since"], name="confirm_status_pending"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} booking {self.booking_id} in {self.room_name or self.room_id}"

    def clean(self) -> None:
        if self.status not in ALLOWED_TRANSITIONS:
            raise ValidationError({"status": [f"Unknown status {self.status!r}."]})
        if self.use_start_dtm and self.use_end_dtm and self.use_end_dtm <= self.use_start_dtm:
            raise ValidationError({"useEndDtm": ["Must be after useStartDtm."]})

    @property
    def waits_for_office_staff(self) -> bool:
        """A room without managers: office staff decide."""
        return not self.approvers

    def check_transition(self, new_status: str) -> None:
        """Raise a 400 for an unknown status and a 409 (with ``currentStatus``) for a decision the
        request cannot take from its current status."""
        if new_status not in ALLOWED_TRANSITIONS:
            choices = ", ".join(ALLOWED_TRANSITIONS)
            message = f"Unknown status {new_status!r}; use one of {choices}."
            raise ValidationError({"status": [message]})
        if new_status not in ALLOWED_TRANSITIONS[self.status]:
            raise Conflict(
                f"Approval request {self.pk} is {self.status}; it cannot become {new_status}.",
                code="invalid_transition",
                currentStatus=self.status,
            )


class ConfirmApprover(models.Model):
    """One row per approver of a request: "the requests this user manages" is one indexed lookup
    on every database (a JSON containment lookup would need PostgreSQL and a GIN index). Kept in
    step with ``Confirm.approvers`` by the services."""

    confirm = models.ForeignKey(Confirm, on_delete=models.CASCADE, related_name="approver_rows")
    username = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["username", "confirm"], name="confirm_approver_unique")
        ]

    def __str__(self) -> str:
        return f"{self.username} decides #{self.confirm_id}"
