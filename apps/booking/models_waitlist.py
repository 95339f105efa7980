"""The waitlist of taken slots (docs/waitlist.md). Imported by ``apps.booking.models``.

An entry waits for one room and interval. When a cancellation frees that interval, the oldest
waiting entry whose interval is entirely free is offered a hold: until ``hold_until`` nobody else
may book over it, and its user may accept it (a booking through the normal path). A slot freed
after it began is offered from the next whole minute (``offered_start_dtm``) to its end.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.booking.events import (
    WAITLIST_ACCEPTED,
    WAITLIST_EXPIRED,
    WAITLIST_OFFERED,
    WAITLIST_WAITING,
    WAITLIST_WITHDRAWN,
)

ACTIVE_WAITLIST_STATUSES = (WAITLIST_WAITING, WAITLIST_OFFERED)


class WaitlistEntry(models.Model):
    STATUS_CHOICES = [
        (WAITLIST_WAITING, "Waiting"),
        (WAITLIST_OFFERED, "Offered (held)"),
        (WAITLIST_ACCEPTED, "Accepted (booked)"),
        (WAITLIST_EXPIRED, "Expired"),
        (WAITLIST_WITHDRAWN, "Withdrawn"),
    ]

    room = models.ForeignKey("booking.Room", on_delete=models.PROTECT, related_name="waitlist")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    use_start_dtm = models.DateTimeField("start")
    use_end_dtm = models.DateTimeField("end")
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=WAITLIST_WAITING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)  # FIFO order
    offered_at = models.DateTimeField(null=True, blank=True)
    # The start of the part offered and held: the slot's start, or for a slot freed after it
    # began the whole minute after the offer (a booking cannot start in the past). The hold
    # covers [offered_start_dtm, use_end_dtm); use_start_dtm stays what the person asked for.
    offered_start_dtm = models.DateTimeField("offered from", null=True, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # accepted, expired or withdrawn
    booking = models.ForeignKey(
        "booking.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The booking made by accepting the offer.",
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "waitlist entry"
        verbose_name_plural = "waitlist entries"
        indexes = [
            # offering: the waiting entries of a room overlapping a freed interval, oldest first
            models.Index(
                fields=["room", "status", "use_start_dtm", "use_end_dtm"], name="waitlist_room_slot"
            ),
            # the expiry sweep: holds that ran out
            models.Index(fields=["status", "hold_until"], name="waitlist_status_hold"),
            models.Index(fields=["user", "status"], name="waitlist_user_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(use_end_dtm__gt=F("use_start_dtm")), name="waitlist_end_after_start"
            ),
            # One active entry per person and slot (a repeated join is a 409, never a 2nd row).
            models.UniqueConstraint(
                fields=["room", "user", "use_start_dtm", "use_end_dtm"],
                condition=Q(status__in=ACTIVE_WAITLIST_STATUSES),
                name="waitlist_one_active_entry_per_user_and_slot",
            ),
            models.CheckConstraint(
                condition=~Q(status=WAITLIST_OFFERED) | Q(hold_until__isnull=False),
                name="waitlist_offer_has_hold",
            ),
            # Every check of a hold reads the held part from here.
            models.CheckConstraint(
                condition=~Q(status=WAITLIST_OFFERED) | Q(offered_start_dtm__isnull=False),
                name="waitlist_offer_has_start",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.room_id} {self.use_start_dtm:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_WAITLIST_STATUSES
